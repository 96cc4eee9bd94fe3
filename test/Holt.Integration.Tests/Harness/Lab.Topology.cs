namespace Holt.Integration.Tests.Harness;

/// <summary>
/// The topology, after the kernel selftest's netns.sh but with userspace tunnels: each host is a namespace whose
/// WireGuard process owns the UDP socket there, so hosts are joined by an underlay instead of sharing a loopback.
/// <code>
///   host a (10.0.0.1, fd00:aa::1) ─ veth ─┐                    ┌─ veth ─ host b (10.0.0.2, fd00:aa::2)
///   wg: 192.168.241.1/24, fd00::1/112     ├─ hub namespace: br0 ┤        wg: 192.168.241.2/24, fd00::2/112
///   host c behind NAT (172.16.3.2) ─ router (masquerade, 10.0.0.103) ─┘
/// </code>
/// </summary>
internal sealed partial class Lab
{
    private const string Letters = "abcdefghijklmnopqrstuvwxyz";
    private readonly List<Host> _hosts = [];
    private NetworkNamespace? _hub;
    private string? _presharedKeyFile;

    /// <summary>A host on the hub's bridge, underlay addresses assigned, no tunnel yet.</summary>
    public async Task<Host> AddHostAsync(Implementation implementation)
    {
        await HubAsync();
        NetworkNamespace ns = await NewNamespaceAsync();
        int number = _hosts.Count + 1;
        var host = new Host(this, number, implementation, ns, await NewKeyPairAsync())
        {
            UnderlayV4 = $"10.0.0.{number}",
            UnderlayV6 = $"fd00:aa::{number}",
        };
        _hosts.Add(host);
        await PlugIntoHubAsync(ns, "ul");
        await ns.IpAsync("addr", "add", $"{host.UnderlayV4}/24", "dev", "ul");
        await ns.IpAsync("addr", "add", $"{host.UnderlayV6}/64", "dev", "ul", "nodad");
        return host;
    }

    /// <summary>
    /// A host whose only way out is a router namespace that masquerades it, like a home router, with conntrack's
    /// UDP timeouts (per namespace) cut to <paramref name="udpTimeoutSeconds"/> so a mapping expires within a test.
    /// </summary>
    public async Task<Host> AddHostBehindNatAsync(Implementation implementation, int udpTimeoutSeconds)
    {
        await HubAsync();
        NetworkNamespace router = await NewNamespaceAsync();
        NetworkNamespace ns = await NewNamespaceAsync();
        int number = _hosts.Count + 1;
        string inside = $"172.16.{number}";
        var host = new Host(this, number, implementation, ns, await NewKeyPairAsync())
        {
            UnderlayV4 = $"{inside}.2",
            Router = router,
            PublicV4 = $"10.0.0.{100 + number}",
        };
        _hosts.Add(host);

        await PlugIntoHubAsync(router, "pub");
        await router.IpAsync("addr", "add", $"{host.PublicV4}/24", "dev", "pub");
        await ns.IpAsync("link", "add", "name", "ul", "type", "veth", "peer", "name", "in", "netns", router.Name);
        await router.IpAsync("addr", "add", $"{inside}.1/24", "dev", "in");
        await router.IpAsync("link", "set", "dev", "in", "up");
        await ns.IpAsync("addr", "add", $"{host.UnderlayV4}/24", "dev", "ul");
        await ns.IpAsync("link", "set", "dev", "ul", "up");
        await ns.IpAsync("route", "add", "default", "via", $"{inside}.1");

        await router.SysctlAsync("net.ipv4.ip_forward", "1");
        await router.NftAsync("""
            table ip nat {
                chain postrouting {
                    type nat hook postrouting priority srcnat;
                    oifname "pub" masquerade
                }
            }
            """);
        // After the NAT rule: it loads conntrack, whose sysctls only exist from then on. They are per namespace
        // on current kernels; check that the machine's own value stayed, so a kernel where they are global is
        // caught instead of quietly changed.
        const string UdpTimeout = "/proc/sys/net/netfilter/nf_conntrack_udp_timeout";
        string ours = File.ReadAllText(UdpTimeout).Trim();
        string timeout = udpTimeoutSeconds.ToString();
        await router.SysctlAsync("net.netfilter.nf_conntrack_udp_timeout", timeout);
        await router.SysctlAsync("net.netfilter.nf_conntrack_udp_timeout_stream", timeout);
        string after = File.ReadAllText(UdpTimeout).Trim();
        if (after != ours)
        {
            File.WriteAllText(UdpTimeout, ours);
            throw new Xunit.Sdk.XunitException($"nf_conntrack_udp_timeout is not per network namespace on this kernel: setting it in {router} changed this namespace's value from {ours} to {after} (restored).");
        }

        return host;
    }

    /// <summary>
    /// Starts the host's implementation in the foreground, then configures it the standard way: private key and
    /// listen port with <c>wg set</c>, tunnel addresses and link state with <c>ip</c>.
    /// </summary>
    public async Task StartTunnelAsync(Host host)
    {
        Log($"starting {host}");
        var tunnel = TunnelProcess.StartForeground(host.Implementation, host.Namespace, host.Interface);
        _tunnels.Add(tunnel);
        host.Tunnel = tunnel;
        await tunnel.WaitUntilReadyAsync();
        await host.WgAsync("set", host.Interface, "private-key", host.Keys.PrivateKeyFile, "listen-port", host.ListenPort.ToString());
        await host.Namespace.IpAsync("addr", "add", $"{host.TunnelV4}/24", "dev", host.Interface);
        await host.Namespace.IpAsync("addr", "add", $"{host.TunnelV6}/112", "dev", host.Interface, "nodad");
        await host.Namespace.IpAsync("link", "set", "dev", host.Interface, "up");
    }

    /// <summary>
    /// Adds <paramref name="to"/> as a peer of <paramref name="from"/> with the lab's preshared key and the other's
    /// two tunnel addresses; with an endpoint only when <paramref name="endpoint"/> is given (the side that
    /// initiates), so the other side must learn it from the handshake.
    /// </summary>
    public async Task ConnectAsync(Host from, Host to, Underlay? endpoint, int? persistentKeepalive = null)
    {
        List<string> arguments =
        [
            "set", from.Interface, "peer", to.Keys.PublicKey,
            "preshared-key", await PresharedKeyFileAsync(), "allowed-ips", to.AllowedIps,
        ];
        if (endpoint is { } underlay)
        {
            arguments.AddRange(["endpoint", to.Endpoint(underlay)]);
        }

        if (persistentKeepalive is int seconds)
        {
            arguments.AddRange(["persistent-keepalive", seconds.ToString()]);
        }

        await from.WgAsync([.. arguments]);
    }

    /// <summary>Two hosts with running, connected tunnels; the first knows the second's endpoint and sends first.</summary>
    public async Task<(Host First, Host Second)> CreatePairAsync(Implementation first, Implementation second, Underlay underlay = Underlay.IPv4)
    {
        Host a = await AddHostAsync(first);
        Host b = await AddHostAsync(second);
        await StartTunnelAsync(a);
        await StartTunnelAsync(b);
        // The responder first: an initiation that arrives before it knows the initiator is dropped, and the
        // retry waits Rekey-Timeout (5 s).
        await ConnectAsync(b, a, endpoint: null);
        await ConnectAsync(a, b, underlay);
        Log($"pair ready: {a} initiates to {b} over {underlay}");
        return (a, b);
    }

    /// <summary>
    /// A network behind <paramref name="router"/>: a namespace at 192.168.50.2/24 joined to the router's
    /// "lan0" (192.168.50.1/24) by a veth. It has no route beyond its own subnet, like a service on a private LAN.
    /// </summary>
    public async Task<NetworkNamespace> AddLanAsync(Host router)
    {
        NetworkNamespace lan = await NewNamespaceAsync();
        await router.Namespace.IpAsync("link", "add", "name", "lan0", "type", "veth", "peer", "name", "eth0", "netns", lan.Name);
        await router.Namespace.IpAsync("addr", "add", "192.168.50.1/24", "dev", "lan0");
        await router.Namespace.IpAsync("link", "set", "dev", "lan0", "up");
        await lan.IpAsync("addr", "add", "192.168.50.2/24", "dev", "eth0");
        await lan.IpAsync("link", "set", "dev", "eth0", "up");
        return lan;
    }

    public Task<KeyPair> NewKeyPairAsync() => KeyPair.CreateAsync(Directory);

    /// <summary>The lab's preshared key, as text.</summary>
    public async Task<string> PresharedKeyAsync() => (await File.ReadAllTextAsync(await PresharedKeyFileAsync())).Trim();

    /// <summary>Writes a file into the lab's directory (a relative path), readable by root only (it may hold keys).</summary>
    public async Task<string> WriteFileAsync(string name, string text)
    {
        string path = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public async Task<string> PresharedKeyFileAsync()
    {
        if (_presharedKeyFile is null)
        {
            string file = Path.Combine(Directory, "psk");
            await File.WriteAllTextAsync(file, await Command.CheckAsync([Tools.Wg, "genpsk"]));
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            _presharedKeyFile = file;
        }

        return _presharedKeyFile;
    }

    private async Task<NetworkNamespace> NewNamespaceAsync()
    {
        var ns = new NetworkNamespace(Id + Letters[_namespaces.Count]);
        _namespaces.Add(ns);
        await ns.AddAsync();
        return ns;
    }

    private async Task<NetworkNamespace> HubAsync()
    {
        if (_hub is null)
        {
            _hub = await NewNamespaceAsync();
            await _hub.IpAsync("link", "add", "name", "br0", "type", "bridge");
            await _hub.IpAsync("link", "set", "dev", "br0", "up");
        }

        return _hub;
    }

    /// <summary>Joins a namespace to the hub's bridge through a veth called <paramref name="device"/> on its side.</summary>
    private async Task PlugIntoHubAsync(NetworkNamespace ns, string device)
    {
        NetworkNamespace hub = await HubAsync();
        string port = "p" + ns.Name[^1];
        await ns.IpAsync("link", "add", "name", device, "type", "veth", "peer", "name", port, "netns", hub.Name);
        await hub.IpAsync("link", "set", "dev", port, "master", "br0", "up");
        await ns.IpAsync("link", "set", "dev", device, "up");
    }
}
