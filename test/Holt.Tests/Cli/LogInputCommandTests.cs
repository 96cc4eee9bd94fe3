using System.Text;
using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary>
/// <c>holt guard test</c> and <c>holt report auth</c> given something that is not a log: one line and exit code 1,
/// never a stack trace or a read that does not end; and a log with overlong lines and NUL padding: read, with the
/// skipped lines said.
/// </summary>
public sealed class LogInputCommandTests : IDisposable
{
    private const string Failure = "2026-11-24T01:00:00+00:00 gw sshd[10]: Failed password for root from 203.0.113.5 port 4000 ssh2";

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-log-input.").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, string> NotLogs()
    {
        var data = new TheoryData<string, string>();
        foreach (string command in new[] { "guard test", "report auth" })
        {
            foreach (string kind in new[] { "directory", "/dev/zero", "/dev/null", "fifo", "elf", "random", "damaged gzip" })
            {
                data.Add(command, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NotLogs))]
    public void NotALog_FailsWithOneLine(string command, string kind)
    {
        (string path, string expected) = Make(kind);

        (int code, string output, string error) = HoltProcess.Run([.. command.Split(' '), path]);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"holt: {expected}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void GuardTest_OverlongLinesAndNulPadding_AreSkippedAndSaid()
    {
        string log = Write("auth.log", Failure + "\n" + new string('x', 100_000) + "\n" + new string('\0', 200_000) + Failure + "\n");

        (int code, string output, string error) = HoltProcess.Run("guard", "test", log);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.StartsWith(
            "Lines: 2 read, 2 syslog lines, 2 matched, 0 missed\nSkipped: 2 (lines longer than 65536 bytes, or cut by NUL padding; not read)\nAddresses: 1\n",
            output,
            StringComparison.Ordinal);
    }

    [Fact]
    public void ReportAuth_OverlongLinesAndNulPadding_AreSkippedAndSaid()
    {
        string log = Write("auth.log", Failure + "\n" + new string('x', 100_000) + "\n" + new string('\0', 200_000) + Failure + "\n");

        (int code, string output, string error) = HoltProcess.Run("report", "auth", log);

        Assert.Equal(0, code);
        Assert.StartsWith("Failed attempts: 2\n", output, StringComparison.Ordinal);
        Assert.Equal($"Skipped 2 lines of {log}: longer than 65536 bytes, or cut by NUL padding.\n", error);
    }

    [Fact]
    public void ReportAuth_BtmpThatIsADevice_FailsWithOneLine()
    {
        (int code, string output, string error) = HoltProcess.Run("report", "auth", "--btmp", "/dev/zero");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal("holt: cannot read /dev/zero: it is a character device, not a log file\n", error);
    }

    /// <summary>A path of the kind asked for, and the start of the error it gets.</summary>
    private (string Path, string Expected) Make(string kind)
    {
        switch (kind)
        {
            case "directory":
                string directory = Path.Combine(_directory, "logs");
                Directory.CreateDirectory(directory);
                return (directory, $"cannot read {directory}: it is a directory, not a log file");
            case "/dev/zero" or "/dev/null":
                return (kind, $"cannot read {kind}: it is a character device, not a log file");
            case "fifo":
                string fifo = Path.Combine(_directory, "auth.log");
                (int code, _, string error) = HoltProcess.RunProgram("mkfifo", null, null, fifo);
                Assert.True(code == 0, error);
                return (fifo, $"cannot read {fifo}: it is a FIFO (named pipe), not a log file");
            case "elf":
                string elf = Path.Combine(_directory, "auth.log");
                File.Copy(HoltProcess.ExecutablePath, elf);
                return (elf, $"cannot read {elf}: it is an ELF executable, not a text log");
            case "random":
                byte[] random = new byte[256 * 1024];
                new Random(5).NextBytes(random);
                string noise = Path.Combine(_directory, "auth.log");
                File.WriteAllBytes(noise, random);
                return (noise, $"cannot read {noise}: it is binary data, not a text log");
            default:
                string gzip = Path.Combine(_directory, "auth.log.2.gz");
                File.WriteAllBytes(gzip, [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, .. Encoding.ASCII.GetBytes("not deflate at all")]);
                return (gzip, $"{gzip} is a damaged gzip file: ");
        }
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
