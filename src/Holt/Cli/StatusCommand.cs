using System.CommandLine;
using System.Text;
using System.Text.Json;
using Holt.Gateway;
using Holt.Uapi;

namespace Holt.Cli;

/// <summary>
/// <c>holt status</c>: the gateway's interface with its named peers, and any other WireGuard interface with a
/// control socket (client tunnels of <c>holt up --config</c>, <c>holt tunnel</c>, wireguard-go).
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var config = GatewayOptions.Config();
        var json = GatewayOptions.Json();
        var command = new Command("status", "Show interfaces, peers, handshake ages, transfer and endpoints.\nExample: holt status --json") { config, json };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            IReadOnlyList<InterfaceView> interfaces = Collect(ConfigStore.Resolve(result.GetValue(config)));
            if (result.GetValue(json))
            {
                Console.Out.Write(JsonSerializer.Serialize(interfaces, ViewJson.Plain.IReadOnlyListInterfaceView) + "\n");
            }
            else
            {
                Console.Out.Write(Render(interfaces, DateTimeOffset.UtcNow));
            }

            return 0;
        }));
        return command;
    }

    private static List<InterfaceView> Collect(ConfigStore store)
    {
        var views = new List<InterfaceView>();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string? gatewayName = null;
        if (store.Exists)
        {
            GatewayConfig gateway = store.Load();
            gatewayName = gateway.Interface;
            DeviceStatus? device = WireGuardControl.For(gateway).TryGet();
            views.Add(new InterfaceView
            {
                Name = gateway.Interface,
                Role = "gateway",
                Running = device is not null,
                Backend = gateway.Backend == Backend.Kernel ? "kernel" : "engine",
                PublicKey = GatewayConfigReader.PublicKeyOf(gateway.PrivateKey),
                ListenPort = device?.ListenPort ?? gateway.ListenPort,
                Peers = PeerView.Build(gateway, StateStore.Load(gateway.Interface), device, now),
            });
        }

        if (Directory.Exists(UapiServer.SocketDirectory))
        {
            foreach (string socket in Directory.EnumerateFiles(UapiServer.SocketDirectory, "*.sock").Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileNameWithoutExtension(socket);
                if (name == gatewayName || !Tunnel.InterfaceName.IsValid(name))
                {
                    continue;
                }

                DeviceStatus? device = new EngineControl(name).TryGet();
                if (device is null)
                {
                    continue;
                }

                views.Add(new InterfaceView
                {
                    Name = name,
                    Role = "tunnel",
                    Running = true,
                    PublicKey = device.PublicKey,
                    ListenPort = device.ListenPort,
                    TunnelPeers = device.Peers.Select(p => new TunnelPeerView(p.PublicKey, p.Endpoint, p.LatestHandshake, p.RxBytes, p.TxBytes, p.AllowedIps)).ToList(),
                });
            }
        }

        return views;
    }

    private static string Render(IReadOnlyList<InterfaceView> interfaces, DateTimeOffset now)
    {
        if (interfaces.Count == 0)
        {
            return "No gateway configuration and no WireGuard interfaces running. Start with: holt up\n";
        }

        var text = new StringBuilder();
        foreach (InterfaceView view in interfaces)
        {
            text.Append($"interface: {view.Name} ({view.Role}{(view.Backend is null ? "" : ", " + view.Backend)}, {(view.Running ? "up" : "down")})\n");
            text.Append($"  public key: {view.PublicKey ?? "(none)"}\n");
            text.Append($"  listening port: {view.ListenPort}\n");
            if (view.Role == "gateway")
            {
                text.Append('\n');
                text.Append(Format.Table(
                    ["PEER", "ADDRESS", "STATE", "HANDSHAKE", "RX", "TX", "ENDPOINT"],
                    view.Peers.Select(p => (IReadOnlyList<string>)[
                        p.Name, p.Address, p.Expired ? "expired" : p.Enabled ? "enabled" : "disabled",
                        Format.Age(p.LatestHandshake, now), Format.Bytes(p.RxBytes), Format.Bytes(p.TxBytes), p.Endpoint ?? "-",
                    ])));
            }
            else
            {
                foreach (TunnelPeerView peer in view.TunnelPeers)
                {
                    text.Append($"\n  peer: {peer.PublicKey}\n");
                    text.Append($"    endpoint: {peer.Endpoint ?? "-"}\n");
                    text.Append($"    allowed ips: {(peer.AllowedIps.Count == 0 ? "(none)" : string.Join(", ", peer.AllowedIps))}\n");
                    text.Append($"    latest handshake: {Format.Age(peer.LatestHandshake, now)}\n");
                    text.Append($"    transfer: {Format.Bytes(peer.RxBytes)} received, {Format.Bytes(peer.TxBytes)} sent\n");
                }
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
