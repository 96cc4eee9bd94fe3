using System.CommandLine;
using System.Net;
using Holt.Config;
using Holt.Gateway;

namespace Holt.Cli;

/// <summary><c>holt subnet grow</c>: a larger VPN subnet, in place, when the gateway runs out of addresses.</summary>
internal static class SubnetCommand
{
    public static Command Create()
    {
        var subnet = new Command("subnet", "The VPN's subnets.\nExample: holt subnet grow 10.8.0.0/23");
        subnet.Subcommands.Add(Grow());
        return subnet;
    }

    private static Command Grow()
    {
        var config = GatewayOptions.Config();
        var network = new Argument<string>("CIDR") { Description = "The larger subnet, containing the current one (IPv4 or IPv6)." };
        var command = new Command(
            "grow",
            """
            Grow a VPN subnet in place: the gateway and every peer keep their addresses and keys, and new peers get room.
            The new subnet must contain the current one. Clients configured before route only the old subnet until
            they take a new config.
            Example: holt subnet grow 10.8.0.0/23
            """)
        {
            config, network,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            ConfigStore store = HoltFile.Resolve(result.GetValue(config));
            string cidr = result.GetValue(network)!;
            GatewayConfig before = store.Load().Gateway;
            EditResult edit = SubnetOperations.Grow(Editing.Gateway(store, TimeProvider.System), cidr);
            GatewayConfig after = edit.Config.Gateway;
            (IPNetwork old, IPNetwork grown) = after.Subnet != before.Subnet ? (before.Subnet, after.Subnet) : (before.Subnet6!.Value, after.Subnet6!.Value);
            Console.Error.WriteLine($"The subnet is now {grown} (was {old}); every peer keeps its address; {(edit.Applied ? $"applied to the running {after.Interface}" : "the gateway is not running, so it takes effect at holt up")}.");
            if (after.Peers.Any(p => p.Monitor || p.AllowedIps.Count == 0))
            {
                Console.Error.WriteLine($"Note: {SubnetOperations.ClientNote(old, grown)}.");
            }

            InitCommand.WarnIfPublicSubnet(after);
            return 0;
        }));
        return command;
    }
}
