using System.Net;
using Holt.Config;
using Holt.Text;
using Holt.WireGuard.Keys;

namespace Holt.Gateway;

/// <summary>What <c>holt peer add</c> is asked for; null means the default.</summary>
internal sealed record AddPeerRequest
{
    public required string Name { get; init; }

    public string? Address { get; init; }

    public string? Address6 { get; init; }

    public bool FullTunnel { get; init; }

    public IReadOnlyList<string> AllowedIps { get; init; } = [];

    public IReadOnlyList<string>? Dns { get; init; }

    public int Keepalive { get; init; } = PeerConfig.DefaultKeepalive;

    public bool PresharedKey { get; init; } = true;

    public string? Expires { get; init; }

    public bool ClientToClient { get; init; }

    public bool Expected { get; init; }

    /// <summary>A monitoring peer: it reaches only the gateway's own address, with no keepalive, DNS or routes of its own.</summary>
    public bool Monitor { get; init; }

    /// <summary>An administrator's device (see <see cref="PeerConfig.Admin"/>).</summary>
    public bool Admin { get; init; }
}

/// <summary>The outcome of an edit: the new configuration, and whether a running gateway took it at once.</summary>
internal sealed record EditResult(HoltConfig Config, bool Applied);

/// <summary>
/// Runs a change of the gateway's part of holt.toml as one transaction: under the configuration lock, the whole
/// new configuration checked, written atomically and applied to the running interface; if applying fails, the
/// previous file is put back and re-applied, so a failed command leaves both the file and the interface as they
/// were. The program's composition provides it, since applying the whole configuration and letting other sections
/// follow the peers (exposures follow a rename) is beyond the gateway's own part.
/// </summary>
internal delegate EditResult GatewayEdit(Func<GatewayConfig, DateTimeOffset, GatewayConfig> change);

/// <summary>Edits of the gateway's peers, each run as one <see cref="GatewayEdit"/>.</summary>
internal static class PeerOperations
{
    public static EditResult Add(GatewayEdit edit, AddPeerRequest request) =>
        edit((config, now) => config with { Peers = [.. config.Peers, NewPeer(config, request, now)] });

    public static EditResult Remove(GatewayEdit edit, string name) =>
        edit((config, _) =>
        {
            PeerConfig peer = Find(config, name);
            return config with { Peers = config.Peers.Where(p => p != peer).ToList() };
        });

    public static EditResult SetEnabled(GatewayEdit edit, string name, bool enabled) =>
        enabled ? Enable(edit, name, expires: null).Edit : edit((config, _) =>
        {
            PeerConfig peer = Find(config, name);
            return Replace(config, peer, peer with { Enabled = false });
        });

    /// <summary>
    /// <c>holt peer enable</c>: turns a peer on, and with <paramref name="expires"/> (a new expiry, or
    /// <c>never</c>) brings back one that expired in the same step. Also says what changed, for the operator.
    /// </summary>
    public static (EditResult Edit, string Changed) Enable(GatewayEdit edit, string name, string? expires)
    {
        string changed = "";
        EditResult result = edit((config, now) =>
        {
            PeerConfig peer = Find(config, name);
            DateTimeOffset? expiry = expires is null ? peer.Expires : expires == "never" ? null : Expiry.Parse(expires, now);
            if (expiry is DateTimeOffset past && past <= now)
            {
                throw new CommandException($"peer '{name}' expired at {TomlWriter.FormatDate(past)}; enable it with a new expiry: holt peer enable {name} --expires 30d (or --expires never)");
            }

            var parts = new List<string>();
            if (!peer.Enabled)
            {
                parts.Add(peer.IsExpired(now) ? $"it had expired at {TomlWriter.FormatDate(peer.Expires!.Value)}" : "it was disabled");
            }

            if (expiry != peer.Expires)
            {
                parts.Add(expiry is DateTimeOffset until
                    ? $"it now expires at {TomlWriter.FormatDate(until)} ({Format.Until(until, now)})"
                    : "it no longer expires");
            }
            else if (peer.Enabled)
            {
                parts.Add("it was already enabled");
            }

            changed = string.Join("; ", parts);
            return Replace(config, peer, peer with { Enabled = true, Expires = expiry });
        });
        return (result, changed);
    }

    public static EditResult Rename(GatewayEdit edit, string oldName, string newName) =>
        edit((config, _) =>
        {
            PeerConfig peer = Find(config, oldName);
            CheckNewName(config, newName, peer);
            return Replace(config, peer, peer with { Name = newName });
        });

    /// <summary>
    /// <c>holt peer set</c>: client-to-client, expected, expiry (<c>never</c> clears it), monitor and admin. Turning
    /// monitor on also clears what a monitoring peer has no use for (keepalive, its own DNS and allowed IPs);
    /// client-to-client, expected and admin stay as they are, and the check refuses them.
    /// </summary>
    public static EditResult Set(
        GatewayEdit edit, string name, bool? clientToClient, string? expires, bool? expected = null, bool? monitor = null, bool? admin = null) =>
        edit((config, now) =>
        {
            PeerConfig peer = Find(config, name);
            PeerConfig changed = peer;
            if (clientToClient is bool c2c)
            {
                changed = changed with { ClientToClient = c2c };
            }

            if (expires is not null)
            {
                changed = changed with { Expires = expires == "never" ? null : Expiry.Parse(expires, now) };
            }

            if (expected is bool always)
            {
                changed = changed with { Expected = always };
            }

            if (admin is bool owner)
            {
                changed = changed with { Admin = owner };
            }

            if (monitor is bool watching && watching != peer.Monitor)
            {
                changed = watching ? changed with { Monitor = true, Keepalive = 0, Dns = null, AllowedIps = [] } : changed with { Monitor = false };
            }

            return Replace(config, peer, changed);
        });

    public static PeerConfig Find(GatewayConfig config, string name) =>
        config.FindPeer(name) ?? throw new CommandException($"no peer named '{Printable.Of(name)}' (holt peer list shows them)");

    private static GatewayConfig Replace(GatewayConfig config, PeerConfig old, PeerConfig updated) =>
        config with { Peers = config.Peers.Select(p => p == old ? updated : p).ToList() };

    /// <param name="config">The configuration the name goes into.</param>
    /// <param name="name">The new name.</param>
    /// <param name="renamed">The peer being renamed, which may take another case of its own name.</param>
    private static void CheckNewName(GatewayConfig config, string name, PeerConfig? renamed = null)
    {
        if (PeerName.Problem(name) is string problem)
        {
            throw new CommandException(problem);
        }

        if (config.Peers.FirstOrDefault(p => p != renamed && string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) is PeerConfig taken)
        {
            throw new CommandException(taken.Name == name
                ? $"a peer named '{name}' already exists"
                : $"a peer named '{taken.Name}' already exists, and names are unique whatever their case");
        }
    }

    private static PeerConfig NewPeer(GatewayConfig config, AddPeerRequest request, DateTimeOffset now)
    {
        CheckNewName(config, request.Name);
        var taken = new HashSet<IPAddress> { config.Address };
        if (config.Address6 is not null)
        {
            taken.Add(config.Address6);
        }

        foreach (PeerConfig peer in config.Peers)
        {
            taken.Add(peer.Address);
            if (peer.Address6 is not null)
            {
                taken.Add(peer.Address6);
            }
        }

        IPAddress address = request.Address is string text
            ? ChosenAddress(config.Subnet, text, taken, "--ip")
            : Subnets.FirstFree(config.Subnet, taken) ?? throw new CommandException($"the subnet {config.Subnet} is full: no free address for another peer; remove one, or grow the subnet in place, keeping every peer and address: holt subnet grow {SubnetOperations.Larger(config.Subnet)}");

        IPAddress? address6 = null;
        if (config.Subnet6 is IPNetwork subnet6)
        {
            address6 = request.Address6 is string text6
                ? ChosenAddress(subnet6, text6, taken, "--ip6")
                : Subnets.FirstFree(subnet6, taken, Subnets.IndexOf(config.Subnet, address)) ?? throw new CommandException($"the subnet {subnet6} is full: no free address for another peer; remove one, or grow the subnet in place: holt subnet grow {SubnetOperations.Larger(subnet6)}");
        }
        else if (request.Address6 is not null)
        {
            throw new CommandException("--ip6: the gateway has no IPv6 subnet (subnet6 in [gateway])");
        }

        if (request.Monitor && MonitorConflict(request) is string conflict)
        {
            throw new CommandException($"--monitor and {conflict} cannot be used together: a monitoring peer reaches only the gateway's own address");
        }

        if (request.FullTunnel && request.AllowedIps.Count > 0)
        {
            throw new CommandException("--full-tunnel and --allowed-ips cannot be used together");
        }

        var allowed = new List<IPNetwork>();
        foreach (string cidr in request.AllowedIps.SelectMany(a => a.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            if (Subnets.TryParseNetwork(cidr, out IPNetwork network) is string problem)
            {
                throw new CommandException($"--allowed-ips: {problem}");
            }

            allowed.Add(network);
        }

        if (request.FullTunnel)
        {
            allowed.AddRange(ClientConfig.FullTunnel);
        }

        List<string>? dns = request.Dns?.SelectMany(d => d.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        foreach (string entry in dns ?? [])
        {
            if (GatewaySection.DnsProblem(entry) is string problem)
            {
                throw new CommandException($"--dns: {problem}");
            }
        }

        if (request.Keepalive is < 0 or > 65535)
        {
            throw new CommandException("--keepalive must be between 0 (off) and 65535 seconds");
        }

        using PrivateKey key = PrivateKey.Generate();
        string? psk = null;
        if (request.PresharedKey)
        {
            using PresharedKey generated = WireGuard.Keys.PresharedKey.Generate();
            psk = generated.ToBase64();
        }

        return new PeerConfig
        {
            Name = request.Name,
            PublicKey = key.PublicKey.ToBase64(),
            PrivateKey = key.ToBase64(),
            PresharedKey = psk,
            Address = address,
            Address6 = address6,
            AllowedIps = allowed,
            Dns = dns,
            Keepalive = request.Monitor ? 0 : request.Keepalive,
            ClientToClient = request.ClientToClient,
            Expected = request.Expected,
            Monitor = request.Monitor,
            Admin = request.Admin,
            Expires = request.Expires is string expires ? Expiry.Parse(expires, now) : null,
            Created = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero),
        };
    }

    /// <summary>The first option given with --monitor that contradicts it.</summary>
    private static string? MonitorConflict(AddPeerRequest request) =>
        request.FullTunnel ? "--full-tunnel"
        : request.AllowedIps.Count > 0 ? "--allowed-ips"
        : request.Dns is not null ? "--dns"
        : request.ClientToClient ? "--client-to-client"
        : request.Expected ? "--expected"
        : request.Admin ? "--admin"
        : null;

    private static IPAddress ChosenAddress(IPNetwork subnet, string text, HashSet<IPAddress> taken, string option)
    {
        if (!AddressText.TryParse(text, out IPAddress? address))
        {
            throw new CommandException($"{option}: '{Printable.Of(text)}' is not an IP address");
        }

        if (Subnets.HostProblem(subnet, address) is string problem)
        {
            throw new CommandException($"{option}: {problem}");
        }

        if (taken.Contains(address))
        {
            throw new CommandException($"{option}: {address} is already taken");
        }

        return address;
    }
}
