using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary><c>holt guard status</c> shows a running guard's jails, and says so when the guard's file is stale.</summary>
public sealed class GuardStatusCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-guardstatus").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void StatusFileOfAProcessThatIsNotHolt_IsAStoppedGuard()
    {
        // pid 1 lives but is not holt: a guard that stopped without removing its file, its pid since reused.
        WriteStatus(pid: 1);

        (int code, string output, string error) = HoltProcess.Run(Environment(), "guard", "status");

        Assert.Equal(0, code);
        Assert.DoesNotContain("FAILURES", output, StringComparison.Ordinal);
        Assert.Contains("The guard is not running", error, StringComparison.Ordinal);
    }

    [Fact]
    public void NoStatusFile_SaysTheGuardIsNotRunning()
    {
        (int code, _, string error) = HoltProcess.Run(Environment(), "guard", "status");

        Assert.Equal(0, code);
        Assert.Contains("The guard is not running", error, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptStatusFile_IsNotAGuard_AndNoCrash()
    {
        File.WriteAllText(Path.Combine(_directory, "guard.status"), "{\"pid\": \"x\", ");

        (int code, _, string error) = HoltProcess.Run(Environment(), "guard", "status");

        Assert.Equal(0, code);
        Assert.Contains("The guard is not running", error, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Environment() => new() { ["HOLT_STATE_DIR"] = _directory };

    private void WriteStatus(int pid) => File.WriteAllText(
        Path.Combine(_directory, "guard.status"),
        $$"""{"pid": {{pid}}, "ignored": 0, "jails": [{"name": "sshd", "filter": "sshd", "sources": ["/var/log/auth.log"], "failures": 5, "bans": 1}]}""");
}
