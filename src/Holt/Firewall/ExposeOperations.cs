using System.Net;
using Holt.Gateway;

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
    public static (GatewayConfig Config, Exposure Exposure, bool Applied) Add(ConfigStore store, ExposeRequest request) =>
        Edit(store, config =>
        {
            Protocol protocol = ParseProtocol(request.Protocol);
            CheckPort(request.PublicPort, "PUBLIC_PORT");
            if (request.ToPort is int to)
            {
                CheckPort(to, "--to-port");
            }

            if (config.FindPeer(request.Peer) is null)
            {
                throw new CommandException($"no peer named '{PeerName.Printable(request.Peer)}' (holt peer list shows them)");
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
            return (config with { Exposures = [.. config.Exposures, exposure] }, exposure);
        });

    public static (GatewayConfig Config, Exposure Exposure, bool Applied) Remove(ConfigStore store, int publicPort, string protocolText) =>
        Edit(store, config =>
        {
            Protocol protocol = ParseProtocol(protocolText);
            Exposure exposure = config.Exposures.FirstOrDefault(e => e.PublicPort == publicPort && e.Protocol == protocol)
                ?? throw new CommandException($"{Ruleset.ProtocolName(protocol).ToUpperInvariant()} port {publicPort} is not exposed (holt expose list shows what is)");
            return (config with { Exposures = config.Exposures.Where(e => e != exposure).ToList() }, exposure);
        });

    private static (GatewayConfig, Exposure, bool) Edit(ConfigStore store, Func<GatewayConfig, (GatewayConfig, Exposure)> change)
    {
        using (store.Lock())
        {
            GatewayConfig before = store.Load();
            (GatewayConfig after, Exposure exposure) = change(before);

            // Checked whole (port ownership, peers), and the ruleset by nft itself, before the file is touched.
            GatewayConfigReader.Validate(after);
            GatewayState state = StateStore.Load(after.Interface);
            Nft.Check(Ruleset.Build(after, FirewallRuntime.Context(after, state, DateTimeOffset.UtcNow)));
            return (after, exposure, store.SaveAndApply(before, after, FirewallOperations.Reapply));
        }
    }

    private static Protocol ParseProtocol(string text) => text switch
    {
        "tcp" => Protocol.Tcp,
        "udp" => Protocol.Udp,
        _ => throw new CommandException($"--proto must be tcp or udp, not '{PeerName.Printable(text)}'"),
    };

    private static void CheckPort(int port, string what)
    {
        if (port is < 1 or > 65535)
        {
            throw new CommandException($"{what} must be a port between 1 and 65535, not {port}");
        }
    }
}
