using System.CommandLine;

namespace Holt.Cli;

/// <summary>The root of the <c>holt</c> command line.</summary>
internal static class HoltCommand
{
    private static Stack<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (System.CommandLine.Parsing.SymbolResult? current = result; current is System.CommandLine.Parsing.CommandResult command && command.Parent is not null; current = current.Parent)
        {
            names.Push(command.Command.Name);
        }

        return names;
    }

    public static int Run(string[] args)
    {
        // holt.toml holds every private key: a hand-made copy others can read is said at the command's first read.
        Config.ConfigStore.ModeWarnings = message => Console.Error.WriteLine($"holt: warning: {message}");
        var root = new RootCommand("Holt: a self-hosted WireGuard gateway.");
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

        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line, as for every other operator error; the command's --help has the rest.
            string command = string.Join(' ', parsed.CommandResult.Command.Name == root.Name ? [] : CommandPath(parsed.CommandResult));
            string message = (parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0]).Message;
            message = message.Replace("as expected type 'System.Nullable`1[System.Int32]'", "as a number", StringComparison.Ordinal)
                .Replace("as expected type 'System.Int32'", "as a number", StringComparison.Ordinal);
            Console.Error.WriteLine($"holt: {message} (see holt {command}{(command.Length > 0 ? " " : "")}--help)");
            return 1;
        }

        return parsed.Invoke();
    }
}
