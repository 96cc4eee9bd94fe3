using System.CommandLine;
using Holt.Config;
using Holt.Monitor;
using Holt.Monitor.Notify;
using Holt.Text;

namespace Holt.Cli;

/// <summary>
/// <c>holt monitor notify-test</c>: a test message straight through each notifier of holt.toml (not through the
/// daemon's outbox), so an operator sees at once which ones work and why the others do not.
/// </summary>
internal static class MonitorNotifyCommand
{
    public static Command Create()
    {
        var config = GatewayOptions.Config();
        var only = new Option<string?>("--notifier", "-n") { Description = "Test only the [[monitor.notify]] of this name." };
        var command = new Command(
            "notify-test",
            """
            Send a test message through every notifier in holt.toml's [[monitor.notify]] tables (or one, with
            --notifier), and print one line per notifier: ok, or why it failed. Exits 1 if any failed. The message
            says it is a test from holt on this host; it is not an alert.
            Example: holt monitor notify-test --notifier ops-mail
            """)
        {
            config, only,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            ConfigStore store = HoltFile.Resolve(result.GetValue(config));
            IReadOnlyList<NotifierConfig> notifiers = store.Load().Monitor.Notifiers;
            if (notifiers.Count == 0)
            {
                throw new CommandException($"{store.Path} has no [[monitor.notify]] notifier to test");
            }

            if (result.GetValue(only) is string name)
            {
                notifiers = [.. notifiers.Where(n => n.Name == name)];
                if (notifiers.Count == 0)
                {
                    throw new CommandException($"{store.Path} has no notifier named '{Printable.Of(name)}'");
                }
            }

            return Send(notifiers, Environment.MachineName, Console.Out);
        }));
        return command;
    }

    /// <summary>Sends the test message through each notifier in turn; 0 if all took it, else 1.</summary>
    public static int Send(IReadOnlyList<NotifierConfig> notifiers, string host, TextWriter output, NotifyHttp? http = null)
    {
        IReadOnlyList<NotifyTestResult> results = NotifyTest.Send(notifiers, host, TimeProvider.System, http);
        foreach (NotifyTestResult sent in results)
        {
            output.Write(sent.Ok ? $"{sent.Notifier} ({sent.Type}): ok\n" : $"{sent.Notifier} ({sent.Type}): failed: {sent.Error}\n");
        }

        return results.All(r => r.Ok) ? 0 : 1;
    }
}
