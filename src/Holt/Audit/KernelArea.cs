using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;

namespace Holt.Audit;

/// <summary>
/// The kernel's network settings (read from /proc/sys, as sysctl does) and whether updates install themselves.
/// <para>
/// Forwarding is judged against what the gateway does with it. Holt turns IPv4 forwarding on at every
/// <c>holt up</c> (and IPv6 forwarding with an IPv6 subnet), and leaves it on at <c>holt down</c>; see
/// <see cref="Forwarding"/>. So: forwarding on without a gateway is a warning (unless a container runtime or a
/// hypervisor, which needs it too, is installed: then a note); on with a gateway that forwards nothing (no
/// masquerade, routes, client-to-client peer or exposure) is a note, since Holt turns it back on; off while the
/// gateway needs it is a note that <c>holt up</c> turns it on.
/// </para>
/// </summary>
internal sealed partial class KernelArea : IAuditArea
{
    private const string SysctlFile = "/etc/sysctl.d/90-holt.conf";

    /// <summary>Programs that route their own networks and turn forwarding on for them.</summary>
    private static readonly string[] s_routers =
        ["/usr/bin/dockerd", "/usr/sbin/dockerd", "/usr/bin/podman", "/usr/bin/containerd", "/usr/sbin/libvirtd", "/usr/bin/incus", "/snap/bin/lxd", "/usr/bin/k3s"];

    public string Name => "kernel";

    public IReadOnlyList<Finding> Check(AuditMachine machine)
    {
        if (Sysctl(machine, "net/ipv4/ip_forward") is null && machine.List("/proc/sys/net").Count == 0)
        {
            throw new AuditAreaException("/proc/sys/net cannot be read (no /proc mounted?)");
        }

        var findings = new List<Finding>();
        CheckNetwork(machine, findings);
        CheckForwarding(machine, findings);
        CheckUpdates(machine, findings);
        return findings;
    }

    private void CheckNetwork(AuditMachine machine, List<Finding> findings)
    {
        string? all = Sysctl(machine, "net/ipv4/conf/all/rp_filter");
        string? @default = Sysctl(machine, "net/ipv4/conf/default/rp_filter");
        if (all == "0" && @default is null or "0")
        {
            findings.Add(Finding("rp-filter", Severity.Warning, "reverse-path filtering is off",
                $"net.ipv4.conf.all.rp_filter = 0{(@default is null ? "" : ", net.ipv4.conf.default.rp_filter = 0")}",
                "Without it the kernel accepts packets whose source address could not have come in on that interface: spoofed addresses pass, for instance a forged VPN address arriving from the internet. Loose mode (2) checks only that the source is routable at all, which a WireGuard gateway's asymmetric routes still pass.",
                SysctlFix(("net.ipv4.conf.all.rp_filter", "2"), ("net.ipv4.conf.default.rp_filter", "2"))));
        }

        OnSettings(machine, findings, "accept-redirects", Severity.Warning, "the kernel accepts ICMP redirects",
            "A redirect rewrites the route to a destination; anyone on the local network (or along the path) can send one and take the traffic.",
            "net/ipv4/conf/all/accept_redirects", "net/ipv4/conf/default/accept_redirects", "net/ipv6/conf/all/accept_redirects", "net/ipv6/conf/default/accept_redirects");
        OnSettings(machine, findings, "accept-source-route", Severity.Warning, "the kernel accepts source-routed packets",
            "A source route lets the sender choose the path, around filters that trust the route a packet came by.",
            "net/ipv4/conf/all/accept_source_route", "net/ipv6/conf/all/accept_source_route");
        OnSettings(machine, findings, "send-redirects", Severity.Info, "the kernel sends ICMP redirects",
            "A gateway that sends redirects tells hosts about its other routes; a server with one uplink has nothing useful to say.",
            "net/ipv4/conf/all/send_redirects", "net/ipv4/conf/default/send_redirects");

        if (Sysctl(machine, "net/ipv4/tcp_syncookies") == "0")
        {
            findings.Add(Finding("syncookies", Severity.Warning, "TCP SYN cookies are off",
                "net.ipv4.tcp_syncookies = 0",
                "Without SYN cookies a flood of half-open connections fills the backlog and every listening service stops accepting connections.",
                SysctlFix(("net.ipv4.tcp_syncookies", "1"))));
        }
    }

    /// <summary>One finding for the settings of <paramref name="paths"/> that are 1 (on), with the lines that turn them off.</summary>
    private void OnSettings(AuditMachine machine, List<Finding> findings, string check, Severity severity, string title, string why, params string[] paths)
    {
        List<string> on = paths.Where(p => Sysctl(machine, p) == "1").Select(SettingName).ToList();
        if (on.Count > 0)
        {
            findings.Add(Finding(check, severity, title, string.Join(", ", on.Select(s => $"{s} = 1")), why,
                SysctlFix(on.Select(s => (s, "0")).ToArray())));
        }
    }

    private void CheckForwarding(AuditMachine machine, List<Finding> findings)
    {
        string? ipv4 = Sysctl(machine, "net/ipv4/ip_forward");
        string? ipv6 = Sysctl(machine, "net/ipv6/conf/all/forwarding");
        HoltToml.Loaded loaded = HoltToml.Load(machine);
        if (!loaded.Missing && loaded.Config is null)
        {
            // holt.toml does not read (the wireguard area says so): what the gateway needs is unknown.
            return;
        }

        if (loaded.Config?.Find<GatewayConfig>() is not GatewayConfig gateway)
        {

            string? router = s_routers.FirstOrDefault(p => machine.StatusOf(p, follow: true) is not null);
            foreach ((string? value, string name) in new[] { (ipv4, "net.ipv4.ip_forward"), (ipv6, "net.ipv6.conf.all.forwarding") })
            {
                if (value == "1")
                {
                    findings.Add(Finding(name.Contains("ipv6", StringComparison.Ordinal) ? "forwarding6" : "forwarding",
                        router is null ? Severity.Warning : Severity.Info,
                        $"the kernel forwards {(name.Contains("ipv6", StringComparison.Ordinal) ? "IPv6" : "IPv4")} packets, and no Holt gateway needs it",
                        $"{name} = 1; no holt.toml gateway{(router is null ? "" : $"; {router} is installed and may need it")}",
                        "A machine that forwards is a router: any host that can send it packets can use it to reach the networks behind it, past filters that only guard the machine itself.",
                        router is null ? SysctlFix((name, "0")) : $"if nothing here routes containers or guests: {SysctlFix((name, "0"))}"));
                }
            }

            return;
        }

        bool needs = gateway.Masquerade || gateway.Routes.Count > 0 || gateway.Peers.Any(p => p.ClientToClient) || loaded.Config!.Exposures.Count > 0;
        if (ipv4 == "1" && !needs)
        {
            findings.Add(Finding("forwarding", Severity.Info, "the kernel forwards IPv4 packets, but the gateway forwards nothing",
                "net.ipv4.ip_forward = 1; holt.toml: masquerade = false, no routes, no client-to-client peer, no exposures",
                "Peers reach only the gateway itself, so nothing needs forwarding; Holt turns it on at every holt up all the same, so turning it off lasts until then.",
                "nothing to do unless something else turned it on; keep Holt's firewall on (holt firewall apply), which drops what the VPN does not forward"));
        }
        else if (ipv4 == "0" && needs)
        {
            findings.Add(Finding("forwarding", Severity.Info, "IPv4 forwarding is off while the gateway needs it",
                "net.ipv4.ip_forward = 0",
                "Peers cannot reach the internet or the networks behind the gateway until it is on.",
                "holt up turns it on (a running gateway whose forwarding someone turned off: holt down && holt up)"));
        }

        if (ipv6 == "1" && gateway.Subnet6 is null)
        {
            findings.Add(Finding("forwarding6", Severity.Warning, "the kernel forwards IPv6 packets, and the gateway has no IPv6 subnet",
                "net.ipv6.conf.all.forwarding = 1; holt.toml: no subnet6",
                "A machine that forwards IPv6 routes for any host that can reach it, and Holt's gateway has no IPv6 traffic to forward.",
                SysctlFix(("net.ipv6.conf.all.forwarding", "0"))));
        }
        else if (ipv6 == "0" && gateway.Subnet6 is not null)
        {
            findings.Add(Finding("forwarding6", Severity.Info, "IPv6 forwarding is off while the gateway has an IPv6 subnet",
                $"net.ipv6.conf.all.forwarding = 0; holt.toml: subnet6 = \"{gateway.Subnet6}\"",
                "Peers' IPv6 traffic goes nowhere beyond the gateway until it is on.",
                "holt up turns it on"));
        }
    }

    /// <summary>A setting's value as /proc/sys holds it, trimmed; null when the kernel has no such setting.</summary>
    private static string? Sysctl(AuditMachine machine, string path) => machine.ReadText($"/proc/sys/{path}")?.Trim();

    /// <summary>net/ipv4/ip_forward as sysctl names it: net.ipv4.ip_forward.</summary>
    private static string SettingName(string path) => path.Replace('/', '.');

    private static string SysctlFix(params (string Name, string Value)[] settings) =>
        $"add {string.Join(" and ", settings.Select(s => $"{s.Name} = {s.Value}"))} to {SysctlFile}, then sysctl --system";

    private Finding Finding(string check, Severity severity, string title, string evidence, string why, string fix) =>
        Audit.Finding.Create(Name, check, severity, title, evidence, why, fix);
}
