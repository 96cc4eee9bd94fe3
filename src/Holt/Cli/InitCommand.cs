using System.CommandLine;
using System.Net;
using Holt.Config;
using Holt.Gateway;
using Holt.Machine;
using Holt.Text;

namespace Holt.Cli;

/// <summary><c>holt init</c>: a new gateway configuration with a fresh server key.</summary>
internal static class InitCommand
{
    public static Command Create()
    {
        var config = GatewayOptions.Config();
        var endpoint = new Option<string?>("--endpoint") { Description = "The host name or address (and :PORT) clients dial; detected when omitted." };
        var subnet = new Option<string?>("--subnet") { Description = "The VPN's IPv4 subnet (default 10.8.0.0/24)." };
        var subnet6 = new Option<string?>("--subnet6") { Description = "An IPv6 subnet too, such as fd42:1::/64, or 'auto' for a random unique local /64." };
        var port = new Option<int?>("--port") { Description = "The UDP port to listen on (default 51820)." };
        var dns = new Option<string[]>("--dns") { Description = "Name servers for client configs (repeat or comma-separate).", AllowMultipleArgumentsPerToken = false };
        var name = new Option<string?>("--interface") { Description = "The interface name (default wg0)." };
        var backend = new Option<string?>("--backend") { Description = "engine (Holt's own, the default) or kernel (the WireGuard kernel module)." };
        var force = new Option<bool>("--force") { Description = "Replace an existing configuration (its peers and keys are lost)." };
        var command = new Command(
            "init",
            """
            Create the gateway configuration with a fresh server key. Refuses to overwrite one without --force.
            Example: holt init --endpoint vpn.example.com --subnet 10.8.0.0/24 --dns 1.1.1.1
            """)
        {
            config, endpoint, subnet, subnet6, port, dns, name, backend, force,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            ConfigStore store = HoltFile.Resolve(result.GetValue(config));
            var options = new InitOptions
            {
                Endpoint = result.GetValue(endpoint),
                Subnet = result.GetValue(subnet),
                Subnet6 = result.GetValue(subnet6),
                Port = result.GetValue(port) is int p && p is < 1 or > 65535 ? throw new CommandException("--port must be between 1 and 65535") : result.GetValue(port),
                Dns = SplitList(result.GetValue(dns)),
                Interface = result.GetValue(name),
                Backend = ParseBackend(result.GetValue(backend)),
            };
            GatewayConfig created = Initialize(store, options, result.GetValue(force));
            Console.Error.WriteLine($"Created {store.Path}: interface {created.Interface}, {created.Subnet}{(created.Subnet6 is null ? "" : $" and {created.Subnet6}")}, UDP port {created.ListenPort}, clients dial {created.ClientEndpoint}.");
            WarnIfPrivateEndpoint(created, store.Path, "holt init --endpoint NAME --force, or ");
            WarnIfPublicSubnet(created);
            Console.Error.WriteLine("Next: holt up, then holt peer add NAME.");
            return 0;
        }));
        return command;
    }

    /// <summary>Creates and writes a configuration under the lock; refuses to replace one unless forced.</summary>
    public static GatewayConfig Initialize(ConfigStore store, InitOptions options, bool force)
    {
        if (options.Interface is not null && !Tunnel.InterfaceName.IsValid(options.Interface))
        {
            Tunnel.InterfaceName.Validate(options.Interface);
        }

        foreach (string entry in options.Dns)
        {
            if (GatewaySection.DnsProblem(entry) is string problem)
            {
                throw new CommandException($"--dns: {problem}");
            }
        }

        GatewayConfig config = GatewaySetup.Create(options);
        using (store.Lock())
        {
            // A directory or a FIFO is no configuration to keep, nor one --force could replace.
            store.RefuseSpecial("write");
            if (store.Exists && !force)
            {
                throw new CommandException($"{store.Path} already exists; use --force to replace it (its peers and keys are lost)");
            }

            store.Save(HoltConfig.Empty.WithGateway(config));
        }

        return config;
    }

    /// <summary>
    /// A private endpoint, detected or given, is all a cloud VM behind 1:1 NAT (GCP, AWS) sees of itself: clients
    /// elsewhere would dial it in vain, so say so, and how to give the public name or address.
    /// </summary>
    /// <param name="rerun">How to start over with --endpoint ("" where the file is the only way left).</param>
    public static void WarnIfPrivateEndpoint(GatewayConfig created, string configPath, string rerun)
    {
        if (GatewaySetup.PrivateAddressOf(created.Endpoint) is IPAddress address)
        {
            string reach = IPAddress.IsLoopback(address) ? "a loopback address, which only this machine reaches" : "a private address, which only devices on its network reach";
            Console.Error.WriteLine($"holt: warning: clients will dial {address}, {reach} (behind a cloud's NAT the public address is another); give the public name or address with {rerun}endpoint = \"NAME\" in [gateway] of {configPath}");
        }
    }

    /// <summary>
    /// A VPN subnet outside the private ranges takes those addresses away from the internet for every client (they
    /// route them into the tunnel), usually by a typo; said, not refused, since it can be deliberate.
    /// </summary>
    public static void WarnIfPublicSubnet(GatewayConfig created)
    {
        foreach (IPNetwork subnet in created.VpnSubnets)
        {
            bool v4 = Subnets.IsIPv4(subnet);
            IPAddress last = Subnets.HostAt(subnet, Subnets.Size(subnet) - 1);
            bool isPrivate = v4
                ? LocalAddresses.IsPrivate(subnet.BaseAddress) && LocalAddresses.IsPrivate(last) && !IPAddress.IsLoopback(subnet.BaseAddress)
                : subnet.BaseAddress.IsIPv6UniqueLocal && last.IsIPv6UniqueLocal;
            if (!isPrivate)
            {
                string ranges = v4 ? "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10" : "fc00::/7, such as fd42:1::/64";
                Console.Error.WriteLine($"holt: warning: the VPN subnet {subnet} is not a private range ({ranges}): clients send traffic for its addresses into the tunnel instead of to the internet; holt init --force with another {(v4 ? "--subnet" : "--subnet6")} starts over");
            }
        }
    }

    public static IReadOnlyList<string> SplitList(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();

    public static Backend ParseBackend(string? value) => value switch
    {
        null or "engine" => Backend.Engine,
        "kernel" => Backend.Kernel,
        _ => throw new CommandException($"--backend must be engine or kernel, not '{Printable.Of(value)}'"),
    };
}
