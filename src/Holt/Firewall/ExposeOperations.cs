using System.Net;
using Holt.Config;
using Holt.Gateway;
using Holt.Nft;
using Holt.Text;

namespace Holt.Firewall;

/// <summary>What <c>holt expose add</c> is asked for.</summary>
internal sealed record ExposeRequest
{
    public required int PublicPort { get; init; }

    public required string Peer { get; init; }

    public int? ToPort { get; init; }

    public string Protocol { get; init; } = "tcp";

    public IReadOnlyList<string> Sources { get; init; } = [];

    public bool Snat { get; init; }
}

/// <summary>
/// Publishing a peer's service through the gateway. Each change is checked whole (ports, peer, CIDRs) before
/// anything is written, then applied to Holt's table; if applying fails, the previous file and table come back.
/// </summary>
internal static class ExposeOperations
{
    public static (HoltConfig Config, Exposure Exposure, bool Applied) Add(ConfigStore store, ExposeRequest request, DateTimeOffset now) =>
        Edit(store, now, config => WithExposure(config, request));

    public static (HoltConfig Config, Exposure Exposure, bool Applied) Remove(ConfigStore store, int publicPort, string protocolText, DateTimeOffset now) =>
        Edit(store, now, config => WithoutExposure(config, publicPort, protocolText));

    /// <summary><paramref name="config"/> with the exposure <paramref name="request"/> asks for, unchecked as a whole.</summary>
    /// <exception cref="CommandException">The request itself does not hold (a port, the protocol, the peer, a CIDR).</exception>
    public static (HoltConfig Config, Exposure Exposure) WithExposure(HoltConfig config, ExposeRequest request)
    {
        Protocol protocol = ParseProtocol(request.Protocol);
        CheckPort(request.PublicPort, "PUBLIC_PORT");
        if (request.ToPort is int to)
        {
            CheckPort(to, "--to-port");
        }

        if (config.Gateway.FindPeer(request.Peer) is null)
        {
            throw new CommandException($"no peer named '{Printable.Of(request.Peer)}' (holt peer list shows them)");
        }

        var sources = new List<IPNetwork>();
        foreach (string cidr in request.Sources.SelectMany(s => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            if (Subnets.TryParseNetwork(cidr, out IPNetwork network) is string problem)
            {
                throw new CommandException($"--source-cidr: {problem}");
            }

            sources.Add(network);
        }

        var exposure = new Exposure
        {
            PublicPort = request.PublicPort,
            Protocol = protocol,
            Peer = request.Peer,
            ToPort = request.ToPort ?? request.PublicPort,
            Sources = sources,
            Snat = request.Snat,
        };
        return (config.WithFirewall(config.Firewall with { Exposures = [.. config.Exposures, exposure] }), exposure);
    }

    /// <summary><paramref name="config"/> without the exposure of <paramref name="publicPort"/>.</summary>
    /// <exception cref="CommandException">That port is not exposed.</exception>
    public static (HoltConfig Config, Exposure Exposure) WithoutExposure(HoltConfig config, int publicPort, string protocolText)
    {
        Protocol protocol = ParseProtocol(protocolText);
        Exposure exposure = config.Exposures.FirstOrDefault(e => e.PublicPort == publicPort && e.Protocol == protocol)
            ?? throw new CommandException($"{Ruleset.ProtocolName(protocol).ToUpperInvariant()} port {publicPort} is not exposed (holt expose list shows what is)");
        return (config.WithFirewall(config.Firewall with { Exposures = config.Exposures.Where(e => e != exposure).ToList() }), exposure);
    }

    /// <summary>
    /// The exposures after an edit of the peers: a renamed peer (its key under a new name) takes its exposures
    /// along, and a peer that still serves exposed ports cannot be removed.
    /// </summary>
    /// <exception cref="CommandException">A removed peer serves exposed ports.</exception>
    public static HoltConfig FollowPeers(HoltConfig before, HoltConfig after)
    {
        if (after.Exposures.Count == 0)
        {
            return after;
        }

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        Dictionary<string, PeerConfig> byKey = after.Gateway.Peers.ToDictionary(p => p.PublicKey, StringComparer.Ordinal);
        foreach (PeerConfig old in before.Gateway.Peers)
        {
            if (!byKey.TryGetValue(old.PublicKey, out PeerConfig? now))
            {
                List<int> exposed = after.Exposures.Where(e => e.Peer == old.Name).Select(e => e.PublicPort).ToList();
                if (exposed.Count > 0)
                {
                    throw new CommandException($"peer '{old.Name}' serves exposed ports ({string.Join(", ", exposed)}); remove them first with holt expose remove");
                }
            }
            else if (now.Name != old.Name)
            {
                names[old.Name] = now.Name;
            }
        }

        return names.Count == 0
            ? after
            : after.WithFirewall(after.Firewall with { Exposures = after.Exposures.Select(e => names.TryGetValue(e.Peer, out string? name) ? e with { Peer = name } : e).ToList() });
    }

    private static (HoltConfig, Exposure, bool) Edit(ConfigStore store, DateTimeOffset now, Func<HoltConfig, (HoltConfig, Exposure)> change)
    {
        using (store.Lock())
        {
            HoltConfig before = store.Load();
            (HoltConfig after, Exposure exposure) = change(before);

            // Checked whole (port ownership, peers), and the ruleset by nft itself, before the file is touched.
            store.Format.Validate(after);
            GatewayConfig gateway = after.Gateway;
            NftTables.Check(FirewallTable.NameFor(gateway), FirewallTable.Build(after, now));
            return (after, exposure, store.SaveAndApply(before, after, config => FirewallOperations.Reapply(config, now)));
        }
    }

    private static Protocol ParseProtocol(string text) => text switch
    {
        "tcp" => Protocol.Tcp,
        "udp" => Protocol.Udp,
        _ => throw new CommandException($"--proto must be tcp or udp, not '{Printable.Of(text)}'"),
    };

    private static void CheckPort(int port, string what)
    {
        if (port is < 1 or > 65535)
        {
            throw new CommandException($"{what} must be a port between 1 and 65535, not {port}");
        }
    }
}
