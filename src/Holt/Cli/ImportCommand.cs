using System.CommandLine;
using System.Text;
using Holt.Config;
using Holt.Gateway;
using Holt.Import;
using Holt.Text;

namespace Holt.Cli;

/// <summary>
/// <c>holt import</c>: a gateway configuration from an existing wg-quick server configuration or wg-easy's state,
/// with the same server key, so existing clients connect to Holt unchanged. It only writes holt.toml: nothing runs
/// until <c>holt up</c>.
/// </summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var config = GatewayOptions.Config();
        var file = new Argument<string>("FILE") { Description = "The wg-quick server configuration (such as /etc/wireguard/wg0.conf), or wg-easy's wg0.json with --wg-easy." };
        var wgEasy = new Option<bool>("--wg-easy") { Description = "FILE is wg-easy's state file (wg0.json of wg-easy 14 and earlier)." };
        var endpoint = new Option<string?>("--endpoint") { Description = "The host name or address (and :PORT) clients dial; detected when omitted." };
        var name = new Option<string?>("--interface") { Description = "The interface name (default: the file's name, such as wg0)." };
        var port = new Option<int?>("--port") { Description = "The UDP port to listen on (default: the file's ListenPort, else 51820)." };
        var subnet = new Option<string?>("--subnet") { Description = "The VPN's IPv4 subnet, when the server's Address does not say it (a /32)." };
        var subnet6 = new Option<string?>("--subnet6") { Description = "The VPN's IPv6 subnet, when the server's Address does not say it." };
        var dns = new Option<string[]>("--dns") { Description = "Name servers for the client configs Holt prints (repeat or comma-separate).", AllowMultipleArgumentsPerToken = false };
        var fullTunnel = new Option<bool>("--full-tunnel") { Description = "Client configs Holt prints for imported peers route everything (wg-easy's default)." };
        var backend = new Option<string?>("--backend") { Description = "engine (Holt's own, the default) or kernel (the WireGuard kernel module)." };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Show what would be imported and write nothing." };
        var force = new Option<bool>("--force") { Description = "Replace an existing holt.toml (its peers and keys are lost)." };
        var command = new Command(
            "import",
            """
            Take a wg-quick server configuration or wg-easy's state into holt.toml: the server key, subnet and port,
            and each peer with its key, preshared key and address, named after the comment above its [Peer] (or its
            wg-easy name). What Holt cannot carry (PostUp hooks, networks behind a peer) is listed; any problem is
            reported with its line and nothing is written. The running interface is not touched: stop the old
            tunnel, then holt up.
            Example: holt import /etc/wireguard/wg0.conf --endpoint vpn.example.com --dry-run
            Example: holt import --wg-easy /etc/wireguard/wg0.json --endpoint vpn.example.com --full-tunnel --dns 1.1.1.1
            """)
        {
            file, config, wgEasy, endpoint, name, port, subnet, subnet6, dns, fullTunnel, backend, dryRun, force,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string path = result.GetValue(file)!;
            ConfigStore store = HoltFile.Resolve(result.GetValue(config));
            if (result.GetValue(port) is int p && p is < 1 or > 65535)
            {
                throw new CommandException("--port must be between 1 and 65535");
            }

            string text = ImportFile.Read(path);
            bool easy = result.GetValue(wgEasy);
            bool json = text.TrimStart().StartsWith('{');
            if (easy && !json)
            {
                throw new CommandException($"{path} is not JSON: --wg-easy reads wg-easy's wg0.json; a wg-quick file is imported without --wg-easy");
            }

            if (!easy && json)
            {
                throw new CommandException($"{path} is JSON, not a wg-quick file: for wg-easy's wg0.json add --wg-easy");
            }

            var options = new ImportOptions
            {
                Endpoint = result.GetValue(endpoint) ?? GatewaySetup.DetectPublicAddress(),
                Interface = result.GetValue(name),
                Subnet = result.GetValue(subnet),
                Subnet6 = result.GetValue(subnet6),
                Port = result.GetValue(port),
                Dns = InitCommand.SplitList(result.GetValue(dns)),
                FullTunnel = result.GetValue(fullTunnel),
                Backend = InitCommand.ParseBackend(result.GetValue(backend)),
            };
            ImportPlan plan = easy ? WgEasyImport.Read(path, text, options) : WgQuickImport.Read(path, text, options);
            if (plan.Gateway is not GatewayConfig gateway)
            {
                foreach (string problem in plan.Problems)
                {
                    Console.Error.WriteLine($"holt: {problem}");
                }

                throw new CommandException($"nothing imported: {Count(plan.Problems.Count, "problem")} in {path}");
            }

            Console.Out.Write(Describe(plan, gateway));
            if (result.GetValue(dryRun))
            {
                Console.Out.WriteLine($"Dry run: {store.Path} was not written.");
                return 0;
            }

            Write(store, gateway, result.GetValue(force));
            string stop = plan.Format == WgEasyImport.Format ? "stop wg-easy (docker stop wg-easy)" : $"stop the old tunnel (wg-quick down {path}, and systemctl disable wg-quick@{Path.GetFileNameWithoutExtension(path)} if it starts at boot)";
            Console.Error.WriteLine($"Imported {Count(plan.Peers.Count, "peer")} into {store.Path}. Nothing runs yet: {stop}, then holt up.");
            InitCommand.WarnIfPrivateEndpoint(gateway, store.Path, "holt import ... --endpoint NAME --force, or ");
            InitCommand.WarnIfPublicSubnet(gateway);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Writes the configuration under the lock: never over an existing one unless forced, and never while a gateway
    /// runs from it or on the same interface, whose daemon would apply the new file at once.
    /// </summary>
    private static void Write(ConfigStore store, GatewayConfig gateway, bool force)
    {
        using (store.Lock())
        {
            if (store.Exists)
            {
                if (!force)
                {
                    throw new CommandException($"{store.Path} already exists; use --force to replace it (its peers and keys are lost)");
                }

                string? running = null;
                try
                {
                    running = store.Load().Gateway.Interface;
                }
                catch (Exception e) when (e is CommandException or ConfigException)
                {
                    // A broken file runs no gateway worth keeping: replacing it is what --force is for.
                }

                if (running is not null && PidFile.ReadLive(running) is int pid)
                {
                    throw new CommandException($"a gateway runs from {store.Path} (interface {running}, pid {pid}); holt down first: holt import never changes a running gateway");
                }
            }

            if (PidFile.ReadLive(gateway.Interface) is int other)
            {
                throw new CommandException($"a Holt gateway already runs on interface {gateway.Interface} (pid {other}); choose another with --interface");
            }

            store.Save(HoltConfig.Empty.WithGateway(gateway));
        }
    }

    /// <summary>What the import takes, what it leaves, and what it decided, for the operator to read before and after.</summary>
    internal static string Describe(ImportPlan plan, GatewayConfig gateway)
    {
        var text = new StringBuilder();
        text.Append($"From {plan.Source} ({plan.Format}):\n");
        text.Append($"  interface {gateway.Interface}, {gateway.Subnet} (gateway {gateway.Address})");
        if (gateway.Subnet6 is not null)
        {
            text.Append($" and {gateway.Subnet6} (gateway {gateway.Address6})");
        }

        text.Append($", UDP port {gateway.ListenPort}, clients dial {gateway.ClientEndpoint}\n");
        if (plan.Peers.Count == 0)
        {
            text.Append("  no peers\n");
        }
        else
        {
            text.Append($"  {Count(plan.Peers.Count, "peer")}:\n");
            string table = Format.Table(
                ["NAME", "ADDRESSES", "STATE", "EXPIRES", "PRESHARED KEY", "FROM"],
                plan.Peers.Select(p => (IReadOnlyList<string>)[
                    p.Config.Name,
                    p.Config.Address6 is null ? p.Config.Address.ToString() : $"{p.Config.Address}, {p.Config.Address6}",
                    p.Config.Enabled ? "enabled" : "disabled",
                    p.Config.Expires is DateTimeOffset expires ? expires.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "never",
                    p.Config.PresharedKey is null ? "no" : "yes",
                    p.Place]));
            foreach (string line in table.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                text.Append("    ").Append(line.TrimEnd()).Append('\n');
            }
        }

        if (plan.Peers.Count > 0 && plan.Peers.All(p => p.Config.PrivateKey is null))
        {
            text.Append("  The clients keep their configs: a server configuration holds no client's private key, so holt peer config cannot print them again.\n");
        }

        AppendList(text, "Not carried", plan.NotCarried);
        AppendList(text, "Notes", plan.Notes);
        return text.ToString();
    }

    private static void AppendList(StringBuilder text, string title, IReadOnlyList<string> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        text.Append($"{title}:\n");
        foreach (string item in items)
        {
            text.Append("  ").Append(item).Append('\n');
        }
    }

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";
}
