using System.Diagnostics;
using System.Text;
using Holt.Nft;
using Holt.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Holt.Tests.Nft;

/// <summary>
/// The monitor on the real kernel, in a namespace of the test's own: every <c>nft</c> runs through
/// <c>ip netns exec</c>, so the host's ruleset is never read or changed. Needs root and nft; see <see cref="NetNsFixture"/>.
/// </summary>
public sealed class NftMonitorTests : IClassFixture<NetNsFixture>
{
    private const string Chain = "chain c { type filter hook input priority 0; }";
    private readonly NetNsFixture _fixture;
    private readonly ITestOutputHelper _output;

    public NftMonitorTests(NetNsFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public void EachCommand_IsOneTransaction_NamingItsTableAndTheNftThatCommittedIt()
    {
        if (Namespace() is not NetNs ns)
        {
            return;
        }

        var listener = new RecordingNftListener();
        using NftMonitor monitor = ns.Run(() => NftMonitor.Open(NullLogger.Instance));

        // Subscribed but not started: the commit waits in the socket.
        NftRun created = Nft(ns, "add table inet mon1");
        monitor.Start(listener);
        Expect(listener, created, NftFamily.Inet, "mon1", NftChanges.NewTable);

        Expect(listener, Nft(ns, "add chain inet mon1 c { type filter hook input priority 0; }"), NftFamily.Inet, "mon1", NftChanges.NewChain);
        Expect(listener, Nft(ns, "add rule inet mon1 c tcp dport 22 accept"), NftFamily.Inet, "mon1", NftChanges.NewRule);
        Expect(listener, Nft(ns, "insert rule inet mon1 c tcp dport 23 accept"), NftFamily.Inet, "mon1", NftChanges.NewRule);
        Expect(listener, Nft(ns, "add set inet mon1 s { type ipv4_addr; flags timeout; }"), NftFamily.Inet, "mon1", NftChanges.NewSet);
        NftTableChange elements = Expect(listener, Nft(ns, "add element inet mon1 s { 10.0.0.1, 10.0.0.2 }"), NftFamily.Inet, "mon1", NftChanges.NewElement);
        Expect(listener, Nft(ns, "delete element inet mon1 s { 10.0.0.2 }"), NftFamily.Inet, "mon1", NftChanges.DeletedElement);
        Expect(listener, Nft(ns, "add table ip6 mon1 { counter k { }; }"), NftFamily.Ip6, "mon1", NftChanges.NewTable | NftChanges.NewObject);

        Assert.Equal(2, elements.Messages);
        Assert.Equal(0, listener.Lost);
    }

    [Fact]
    public void DeleteTable_ReportsItRemoved()
    {
        if (Namespace() is not NetNs ns)
        {
            return;
        }

        Nft(ns, $"add table inet mon2 {{ {Chain}; set s {{ type ipv4_addr; elements = {{ 10.1.1.1 }}; }}; }}\nadd rule inet mon2 c accept");
        var listener = new RecordingNftListener();
        using NftMonitor monitor = Started(ns, listener);

        NftTableChange removed = Expect(
            listener, Nft(ns, "delete table inet mon2"), NftFamily.Inet, "mon2", NftChanges.DeletedTable | NftChanges.DeletedChain | NftChanges.DeletedRule | NftChanges.DeletedSet);

        Assert.True(removed.Removed);
    }

    [Fact]
    public void FlushRuleset_ReportsEveryTableRemoved_InOneTransaction()
    {
        if (Namespace() is not NetNs ns)
        {
            return;
        }

        Nft(ns, $"add table inet holt {{ {Chain}; }}\nadd rule inet holt c tcp dport 22 accept\nadd table ip nat {{ chain post {{ type nat hook postrouting priority 100; masquerade; }}; }}\nadd table inet holt_guard {{ set banned {{ type ipv4_addr; elements = {{ 10.2.2.2 }}; }}; }}");
        var listener = new RecordingNftListener();
        using NftMonitor monitor = Started(ns, listener);

        NftRun flush = Nft(ns, "flush ruleset");
        NftTransaction transaction = WaitFor(listener, flush);

        // Tables the class's other tests left in the namespace go too.
        Assert.Superset(new HashSet<string> { "inet holt", "ip nat", "inet holt_guard" }, transaction.Tables.Select(t => $"{t.Family.ToNftName()} {t.Table}").ToHashSet());
        Assert.All(transaction.Tables, table => Assert.True(table.Removed, table.ToString()));
        Assert.Equal(NftChanges.DeletedSet | NftChanges.DeletedTable, transaction.Find(NftFamily.Inet, "holt_guard")!.Changes);
    }

    [Fact]
    public void FlushTable_DeletesItsRules_AndLeavesTheTable()
    {
        if (Namespace() is not NetNs ns)
        {
            return;
        }

        Nft(ns, $"add table inet mon3 {{ {Chain}; set s {{ type ipv4_addr; elements = {{ 10.3.3.3 }}; }}; }}\nadd rule inet mon3 c tcp dport 22 accept\nadd rule inet mon3 c tcp dport 80 accept");
        var listener = new RecordingNftListener();
        using NftMonitor monitor = Started(ns, listener);

        NftTableChange flushed = Expect(listener, Nft(ns, "flush table inet mon3"), NftFamily.Inet, "mon3", NftChanges.DeletedRule);

        Assert.False(flushed.Removed);
        Assert.Equal(2, flushed.Messages);
    }

    [Fact]
    public void HoltsReplaceScript_IsOneTransaction_ThatLeavesTheTableInPlace()
    {
        if (Namespace() is not NetNs ns)
        {
            return;
        }

        string table = $"table inet mon4 {{ {Chain}; }}\nadd rule inet mon4 c tcp dport 22 accept\n";
        Nft(ns, table);
        var listener = new RecordingNftListener();
        using NftMonitor monitor = Started(ns, listener);

        NftTableChange replaced = Expect(
            listener,
            Nft(ns, "table inet mon4\ndelete table inet mon4\n" + table),
            NftFamily.Inet,
            "mon4",
            NftChanges.DeletedTable | NftChanges.DeletedChain | NftChanges.DeletedRule | NftChanges.NewTable | NftChanges.NewChain | NftChanges.NewRule);

        Assert.False(replaced.Removed);
    }

    [Fact]
    public void ChangesInAnotherNamespace_AreNotSeen()
    {
        if (Namespace() is not NetNs ns)
        {
            return;
        }

        using NetNs other = NetNs.Create();
        var listener = new RecordingNftListener();
        using NftMonitor monitor = Started(ns, listener);

        Nft(other, "add table inet elsewhere");
        Nft(other, "flush ruleset");
        NftRun marker = Nft(ns, "add table inet mon5");

        // Notifications come in commit order: had the other namespace's commits come here, they would be first.
        WaitFor(listener, marker);
        Assert.Single(listener.Transactions);
    }

    [Fact]
    public void ChecksAndCommandsThatChangeNothing_SendNothing()
    {
        if (Namespace() is not NetNs ns)
        {
            return;
        }

        var listener = new RecordingNftListener();
        using NftMonitor monitor = Started(ns, listener);
        WaitFor(listener, Nft(ns, $"add table inet mon8 {{ {Chain}; }}"));

        (_, int checkExit, string checkError) = RunNft(ns, ["-c", "-f", "-"], "delete table inet mon8\nadd table inet mon8b", out _);
        Assert.True(checkExit == 0, checkError);
        Nft(ns, "add table inet mon8");
        Nft(ns, "flush chain inet mon8 c");
        WaitFor(listener, Nft(ns, "add table inet mon8c"));

        Assert.Equal(["mon8", "mon8c"], listener.Transactions.Select(t => Assert.Single(t.Tables).Table));
    }

    [Fact]
    public void Overflow_IsReportedAsLost_AndMonitoringGoesOn()
    {
        if (Namespace() is not NetNs ns)
        {
            return;
        }

        var listener = new RecordingNftListener();
        using NftMonitor monitor = ns.Run(() => NftMonitor.Open(NullLogger.Instance, receiveBufferSize: 4096));
        var big = new StringBuilder($"add table inet mon6 {{ {Chain}; }}\n");
        for (int port = 1; port <= 2000; port++)
        {
            big.Append($"add rule inet mon6 c tcp dport {port} accept\n");
        }

        // Nothing reads while 2000 rules are announced into a 4 KiB buffer.
        Nft(ns, big.ToString());
        monitor.Start(listener);
        Wait.Until(() => listener.Lost > 0, "the monitor reports lost notifications");

        // What was queued before the loss is the head of the big transaction; the next transaction that ends
        // after it is reported as lost too. One after that is reported whole.
        for (int attempt = 0; ; attempt++)
        {
            Assert.True(attempt < 5, "no transaction was reported after the loss");
            int lost = listener.Lost;
            NftRun marker = Nft(ns, $"add table inet mon6b{attempt}");
            Wait.Until(() => listener.Lost > lost || listener.Transactions.Any(t => t.ProcessId == marker.ProcessId), "the marker's transaction or a loss");
            if (listener.Transactions.Any(t => t.ProcessId == marker.ProcessId))
            {
                NftTableChange table = Assert.Single(WaitFor(listener, marker).Tables);
                Assert.Equal($"mon6b{attempt}", table.Table);
                break;
            }
        }
    }

    [Fact]
    public void ElementTimeouts_ExpireWithoutANotification()
    {
        if (Namespace() is not NetNs ns)
        {
            return;
        }

        var listener = new RecordingNftListener();
        using NftMonitor monitor = Started(ns, listener);
        WaitFor(listener, Nft(ns, "add table inet mon7 { set s { type ipv4_addr; flags timeout; gc-interval 1s; elements = { 10.7.7.7 timeout 1s }; }; }"));

        Wait.Until(() => !NftList(ns, "list set inet mon7 s").Contains("10.7.7.7", StringComparison.Ordinal), "the element expires");

        // Give the set's garbage collector (every second) time to reap it, then mark the end.
        Thread.Sleep(TimeSpan.FromSeconds(2.5));
        WaitFor(listener, Nft(ns, "add table inet mon7b"));

        Assert.Equal(2, listener.Transactions.Count);
        Assert.DoesNotContain(listener.Transactions, t => t.Tables.Any(table => table.Changes.HasFlag(NftChanges.DeletedElement)));
    }

    private static NftMonitor Started(NetNs ns, RecordingNftListener listener)
    {
        NftMonitor monitor = ns.Run(() => NftMonitor.Open(NullLogger.Instance));
        monitor.Start(listener);
        return monitor;
    }

    /// <summary>Waits for the run's transaction, checks that it touched only <paramref name="table"/> as said, and returns that table's change.</summary>
    private NftTableChange Expect(RecordingNftListener listener, NftRun run, NftFamily family, string table, NftChanges changes)
    {
        NftTransaction transaction = WaitFor(listener, run);
        NftTableChange change = Assert.Single(transaction.Tables);
        Assert.Equal((family, table, changes), (change.Family, change.Table, change.Changes));
        return change;
    }

    /// <summary>The transaction the run committed, recognised by its pid; prints how long after the run's start it came.</summary>
    private NftTransaction WaitFor(RecordingNftListener listener, NftRun run)
    {
        NftTransaction? found = null;
        Wait.Until(() => (found = listener.Transactions.FirstOrDefault(t => t.ProcessId == run.ProcessId)) is not null, $"the transaction of nft {run.Script} (pid {run.ProcessId})");
        Assert.Equal("nft", found!.ProcessName);
        Assert.NotNull(found.Generation);
        long arrival = listener.ArrivalOf(found);
        double sinceExit = (arrival - run.Exited) * 1000.0 / Stopwatch.Frequency;
        _output.WriteLine($"{Stopwatch.GetElapsedTime(run.Started, arrival).TotalMilliseconds,6:0.0} ms after nft started, {sinceExit,6:0.0} ms after it exited: {found}");
        return found;
    }

    private NetNs? Namespace()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return null;
        }

        bool hasNft = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "nft")));
        if (!hasNft)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail("nft is not on PATH");
            }

            _output.WriteLine("SKIPPED: nft is not on PATH");
            return null;
        }

        return ns;
    }

    /// <summary>
    /// Runs <c>ip netns exec NS nft -f -</c> with the script on standard input. ip execs nft in its own process, so
    /// the pid is the one NFT_MSG_NEWGEN names.
    /// </summary>
    private static NftRun Nft(NetNs ns, string script)
    {
        long started = Stopwatch.GetTimestamp();
        (int pid, int exitCode, string error) = RunNft(ns, ["-f", "-"], script, out _);
        long exited = Stopwatch.GetTimestamp();
        Assert.True(exitCode == 0, $"nft {script}: {error}");
        return new NftRun(script.Length > 60 ? script[..60] + "..." : script, pid, started, exited);
    }

    private static string NftList(NetNs ns, string command)
    {
        (_, int exitCode, string error) = RunNft(ns, command.Split(' '), null, out string output);
        Assert.True(exitCode == 0, $"nft {command}: {error}");
        return output;
    }

    private static (int Pid, int ExitCode, string Error) RunNft(NetNs ns, string[] arguments, string? input, out string output)
    {
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] command = ["netns", "exec", ns.Name, "nft", .. arguments];
        foreach (string argument in command)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start ip");
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        process.StandardInput.Write(input ?? "");
        process.StandardInput.Close();
        process.WaitForExit();
        output = stdout.Result;
        return (process.Id, process.ExitCode, error.Result.Trim());
    }

    private sealed record NftRun(string Script, int ProcessId, long Started, long Exited);
}
