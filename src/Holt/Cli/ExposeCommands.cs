using System.CommandLine;
using System.Text.Json;
using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Text;

namespace Holt.Cli;

/// <summary><c>holt expose ...</c>: publish a service of a peer (a home server behind NAT) on a public port of the gateway.</summary>
internal static class ExposeCommands
{
    public static Command Create()
    {
        var expose = new Command("expose", "Forward a public port of the gateway to a peer, like a self-hosted tunnel service.\nExample: holt expose add 8080 --peer home");
        expose.Subcommands.Add(Add());
        expose.Subcommands.Add(List());
        expose.Subcommands.Add(Remove());
        return expose;
    }

    private static Command Add()
    {
        var config = GatewayOptions.Config();
        var port = new Argument<int>("PUBLIC_PORT") { Description = "The port on the gateway's public addresses." };
        var peer = new Option<string>("--peer") { Description = "The peer that serves it.", Required = true };
        var toPort = new Option<int?>("--to-port") { Description = "The port on the peer (default: the same)." };
        var proto = new Option<string>("--proto") { Description = "tcp (default) or udp.", DefaultValueFactory = _ => "tcp" };
        var sources = new Option<string[]>("--source-cidr") { Description = "Only these networks may connect (repeat or comma-separate; default anyone)." };
        var snat = new Option<bool>("--snat") { Description = "Masquerade: the peer sees the gateway's VPN address, for peers that cannot route replies back." };
        var command = new Command(
            "add",
            """
            Forward PUBLIC_PORT on the gateway to a peer's VPN address. By default the peer sees each client's real
            address and sends its replies back through the tunnel (holt peer config NAME then includes the routing
            it needs); --snat is for peers that cannot do that.
            Example: holt expose add 8080 --peer home --to-port 80
            """)
        {
            config, port, peer, toPort, proto, sources, snat,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            // Whether or not it applies at once, the new ruleset is checked by nft -c, which needs the privilege too.
            Privileges.Require();
            var request = new ExposeRequest
            {
                PublicPort = result.GetValue(port),
                Peer = result.GetValue(peer)!,
                ToPort = result.GetValue(toPort),
                Protocol = result.GetValue(proto)!,
                Sources = result.GetValue(sources) ?? [],
                Snat = result.GetValue(snat),
            };
            (HoltConfig file, Exposure exposure, bool applied) = ExposeOperations.Add(HoltFile.Resolve(result.GetValue(config)), request, TimeProvider.System.GetUtcNow());
            PeerConfig target = file.Gateway.FindPeer(exposure.Peer)!;
            Console.Error.WriteLine($"Exposed {Describe(exposure)} to {target.Name} ({target.Address}:{exposure.ToPort}){(applied ? "" : "; it takes effect at holt up")}.");
            if (!exposure.Snat)
            {
                Console.Error.WriteLine($"The peer must send replies back through the tunnel: give it the config from holt peer config {target.Name} (it routes them), or use --snat.");
            }

            if (InactiveWarning(target, TimeProvider.System.GetUtcNow()) is string warning)
            {
                Console.Error.WriteLine(warning);
            }

            return 0;
        }));
        return command;
    }

    private static Command List()
    {
        var config = GatewayOptions.Config();
        var json = GatewayOptions.Json();
        var command = new Command("list", "List the exposed ports.\nExample: holt expose list") { config, json };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            HoltConfig file = HoltFile.Resolve(result.GetValue(config)).Load();
            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            List<ExposureView> views = file.Exposures.Select(e => new ExposureView(
                e.PublicPort, Ruleset.ProtocolName(e.Protocol), e.Peer, file.Gateway.FindPeer(e.Peer)?.Address.ToString() ?? "?",
                e.ToPort, e.Sources.Select(s => s.ToString()).ToList(), e.Snat, PeerState(file.Gateway.FindPeer(e.Peer), now))).ToList();
            if (result.GetValue(json))
            {
                Console.Out.Write(JsonSerializer.Serialize(views, ExposeJson.Default.ListExposureView) + "\n");
                return 0;
            }

            if (views.Count == 0)
            {
                Console.Out.WriteLine("no exposed ports yet: holt expose add PORT --peer NAME");
                return 0;
            }

            Console.Out.Write(Format.Table(
                ["PORT", "PROTO", "PEER", "STATE", "TO", "SOURCES", "MODE"],
                views.Select(v => (IReadOnlyList<string>)[
                    v.PublicPort.ToString(System.Globalization.CultureInfo.InvariantCulture), v.Proto, v.Peer,
                    v.PeerState == "enabled" ? "enabled" : $"{v.PeerState} (not forwarded)", $"{v.PeerAddress}:{v.ToPort}",
                    v.Sources.Count == 0 ? "anyone" : string.Join(",", v.Sources), v.Snat ? "snat" : "real client address",
                ])));
            return 0;
        }));
        return command;
    }

    private static Command Remove()
    {
        var config = GatewayOptions.Config();
        var port = new Argument<int>("PUBLIC_PORT") { Description = "The exposed port." };
        var proto = new Option<string>("--proto") { Description = "tcp (default) or udp.", DefaultValueFactory = _ => "tcp" };
        var command = new Command("remove", "Stop forwarding a public port.\nExample: holt expose remove 8080") { config, port, proto };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            Privileges.Require();
            (_, Exposure exposure, _) = ExposeOperations.Remove(HoltFile.Resolve(result.GetValue(config)), result.GetValue(port), result.GetValue(proto)!, TimeProvider.System.GetUtcNow());
            Console.Error.WriteLine($"Removed the exposure of {Describe(exposure)}.");
            return 0;
        }));
        return command;
    }

    /// <summary>The state of an exposure's peer, as holt peer list says it: an exposure works only to an enabled one.</summary>
    private static string PeerState(PeerConfig? peer, DateTimeOffset now) =>
        peer is null ? "missing" : peer.IsExpired(now) ? "expired" : !peer.Enabled ? "disabled" : "enabled";

    /// <summary>
    /// The warning for a port exposed to a peer that is off: the forward is in place but reaches nothing, since a
    /// disabled or expired peer is not on the interface.
    /// </summary>
    public static string? InactiveWarning(PeerConfig peer, DateTimeOffset now) => PeerState(peer, now) switch
    {
        "disabled" => $"holt: warning: peer '{peer.Name}' is disabled, so nothing answers on this port until it is enabled again (holt peer enable {peer.Name})",
        "expired" => $"holt: warning: peer '{peer.Name}' expired at {TomlWriter.FormatDate(peer.Expires!.Value)}, so nothing answers on this port until it is enabled again (holt peer enable {peer.Name} --expires 30d)",
        _ => null,
    };

    private static string Describe(Exposure exposure) =>
        $"{Ruleset.ProtocolName(exposure.Protocol).ToUpperInvariant()} port {exposure.PublicPort}";
}

/// <param name="PeerState">enabled, disabled, expired or missing: the port works only to an enabled peer.</param>
internal sealed record ExposureView(int PublicPort, string Proto, string Peer, string PeerAddress, int ToPort, IReadOnlyList<string> Sources, bool Snat, string PeerState);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<ExposureView>))]
internal sealed partial class ExposeJson : System.Text.Json.Serialization.JsonSerializerContext;
