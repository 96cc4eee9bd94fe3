using System.CommandLine;

namespace Holt.Cli;

/// <summary>The root of the <c>holt</c> command line.</summary>
internal static class HoltCommand
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("Holt: a self-hosted WireGuard gateway.");
        root.Subcommands.Add(TunnelCommand.Create());
        foreach (Command command in KeyCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        foreach (Command command in UpDownCommands.Create())
        {
            root.Subcommands.Add(command);
        }
        return root.Parse(args).Invoke();
    }
}
