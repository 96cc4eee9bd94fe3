using System.CommandLine;

namespace Holt.Cli;

/// <summary>The root of the <c>holt</c> command line.</summary>
internal static class HoltCommand
{
    public static int Run(string[] args)
    {
        // holt.toml holds every private key: a hand-made copy others can read is said at the command's first read.
        Config.ConfigStore.ModeWarnings = message => Console.Error.WriteLine($"holt: warning: {message}");
        var root = new RootCommand("Holt: a self-hosted WireGuard gateway.\nExit status: 0 success, 1 failure, 2 usage error (a wrong command, option or value), 70 internal error.");
        root.Subcommands.Add(TunnelCommand.Create());
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        foreach (Command command in UpDownCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(PeerCommands.Create());
        root.Subcommands.Add(SubnetCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(FirewallCommands.Create());
        root.Subcommands.Add(FirewallCommands.Lockdown());
        root.Subcommands.Add(ExposeCommands.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(GuardCommands.Create());
        root.Subcommands.Add(MonitorCommands.Create());
        root.Subcommands.Add(ProbeCommand.Create());
        root.Subcommands.Add(DashboardCommands.Create());
        root.Subcommands.Add(AuditCommands.Create());
        foreach (Command command in InstallCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        foreach (Command command in KeyCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        Option<string> color = TerminalColor.Option();
        root.Options.Add(color);

        ParseResult parsed = root.Parse(args);
        TerminalColor.Choose(parsed, color);
        if (parsed.Errors.Count > 0)
        {
            if (UsageError.IsBareRoot(parsed))
            {
                // holt alone: what it can do is the answer, on standard error as for any other usage error.
                _ = root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = Console.Error });
                return UsageError.ExitCode;
            }

            // One line, as for every other operator error; the command's --help has the rest.
            Console.Error.WriteLine($"{TerminalColor.ErrorPrefix} {UsageError.Describe(parsed)}");
            return UsageError.ExitCode;
        }

        return parsed.Invoke();
    }
}
