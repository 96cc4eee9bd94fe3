using System.CommandLine;

namespace Holt.Cli;

/// <summary>The root of the <c>holt</c> command line.</summary>
internal static class HoltCommand
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("Holt: a self-hosted WireGuard gateway.");
        root.Subcommands.Add(TunnelCommand.Create());
        return root.Parse(args).Invoke();
    }
}
