using System.CommandLine;
using Holt.Config;
using Holt.Dashboard;
using Holt.Gateway;

namespace Holt.Cli;

/// <summary><c>holt dashboard link</c>: a one-time login link, for a browser that reaches the dashboard over an SSH forward.</summary>
internal static class DashboardCommands
{
    public static Command Create()
    {
        var dashboard = new Command(
            "dashboard",
            "The web dashboard: admin peers open it through the tunnel at http://VPN-ADDRESS:9587/; anyone else logs in over an SSH forward with holt dashboard link.\nExample: holt dashboard link");
        var config = GatewayOptions.Config();
        var link = new Command(
            "link",
            """
            Print a one-time login link for the dashboard on 127.0.0.1. It opens one session, once, within ten minutes.
            From another machine, forward the port first: ssh -L 9587:127.0.0.1:9587 root@GATEWAY, then open the link.
            Example: holt dashboard link
            """)
        {
            config,
        };
        link.SetAction(result => CommandRunner.Run(() =>
        {
            ConfigStore store = HoltFile.Resolve(result.GetValue(config));
            HoltConfig loaded = store.Load();
            DashboardConfig settings = loaded.Dashboard;
            if (!settings.Enabled)
            {
                throw new CommandException($"the dashboard is off ([dashboard] enabled = false in {store.Path})");
            }

            Privileges.Require();
            string token = new LoginLinks(LoginLinks.DefaultDirectory, TimeProvider.System).Create();
            Console.Out.WriteLine($"http://127.0.0.1:{settings.Port}/login?token={token}");
            Console.Error.WriteLine($"Opens one session, once, within {LoginLinks.Lifetime.TotalMinutes:0} minutes. From another machine: ssh -L {settings.Port}:127.0.0.1:{settings.Port} root@GATEWAY, then open the link there.");
            if (!GatewayClaim.Running().Any(c => c.Config == store.Path))
            {
                Console.Error.WriteLine($"holt: warning: the gateway {loaded.Gateway.Interface} is not running; the link works once holt up has started it");
            }

            return 0;
        }));
        dashboard.Subcommands.Add(link);
        return dashboard;
    }
}
