using System.Text.RegularExpressions;

namespace Holt.Integration.Tests.Harness;

/// <summary>A network namespace made by a test; everything in it goes when it is deleted.</summary>
internal sealed partial class NetworkNamespace
{
    /// <summary>Names a namespace; <see cref="AddAsync"/> creates it, so the owner can record it before it exists.</summary>
    public NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public async Task AddAsync()
    {
        await Command.CheckAsync([Tools.Ip, "netns", "add", Name]);
        await IpAsync("link", "set", "dev", "lo", "up");
    }

    /// <summary>The command line that runs a program inside this namespace.</summary>
    public string[] Wrap(params string[] command) => [Tools.Ip, "netns", "exec", Name, .. command];

    /// <summary>Runs a program in the namespace and returns its output; fails the test unless it exits with 0.</summary>
    public Task<string> ExecAsync(params string[] command) => Command.CheckAsync(Wrap(command));

    /// <summary>Runs a program in the namespace and returns the result whatever the exit code.</summary>
    public Task<CommandResult> TryExecAsync(params string[] command) => Command.RunAsync(Wrap(command));

    public Task<string> IpAsync(params string[] arguments) => Command.CheckAsync([Tools.Ip, "-n", Name, .. arguments]);

    public Task<CommandResult> TryIpAsync(params string[] arguments) => Command.RunAsync([Tools.Ip, "-n", Name, .. arguments]);

    /// <summary>Sets a sysctl of this namespace; /proc/sys/net shows the namespace of whoever opens it.</summary>
    public Task SysctlAsync(string key, string value) =>
        ExecAsync(Tools.Sh, "-c", "echo \"$2\" > \"$1\"", "sh", "/proc/sys/" + key.Replace('.', '/'), value);

    /// <summary>Loads an nftables ruleset into this namespace.</summary>
    public Task NftAsync(string ruleset) => Command.CheckAsync(Wrap(Tools.Nft, "-f", "-"), input: ruleset);

    /// <summary>
    /// The packet counters of an nftables chain of this namespace, by the comment on each counting rule
    /// (<c>... counter comment "name"</c>).
    /// </summary>
    public async Task<Dictionary<string, long>> NftCountersAsync(string family, string table, string chain)
    {
        string listing = await ExecAsync(Tools.Nft, "list", "chain", family, table, chain);
        return CommentedCounter().Matches(listing).ToDictionary(m => m.Groups[2].Value, m => long.Parse(m.Groups[1].Value));
    }

    /// <summary>Whether a network interface exists in this namespace.</summary>
    public async Task<bool> HasLinkAsync(string name) => (await TryIpAsync("link", "show", "dev", name)).Succeeded;

    /// <summary>The ids of the processes running in this namespace.</summary>
    public async Task<IReadOnlyList<int>> ProcessIdsAsync()
    {
        CommandResult result = await Command.RunAsync([Tools.Ip, "netns", "pids", Name]);
        return result.Succeeded
            ? [.. result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)]
            : [];
    }

    /// <summary>Kills what still runs inside, then deletes the namespace; returns what went wrong, if anything.</summary>
    public async Task<string?> DeleteAsync()
    {
        foreach (int pid in await ProcessIdsAsync())
        {
            Signals.Send(pid, Signals.SigKill);
        }

        CommandResult result = await Command.RunAsync([Tools.Ip, "netns", "del", Name]);
        return result.Succeeded ? null : result.Describe();
    }

    public override string ToString() => Name;

    [GeneratedRegex(@"counter packets (\d+) bytes \d+ comment ""(\w+)""")]
    private static partial Regex CommentedCounter();
}
