using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
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
            foreach (string kind in new[] { "directory", "/dev/zero", "/dev/null", "fifo", "elf", "random" })
            {
                data.Add(command, kind);
            }
        }

        // The report passes a damaged gzip file over with a warning (ReportAuth_DamagedRotation_IsSaidAndTheOtherFilesCount).
        data.Add("guard test", "damaged gzip");

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
    public void GuardTest_GzipCutShort_FailsWithOneLineNamingTheFile()
    {
        string gzip = Path.Combine(_directory, "auth.log.2.gz");
        File.WriteAllBytes(gzip, Gzip(string.Concat(Enumerable.Repeat(Failure + "\n", 5000)))[..^40]);

        (int code, string output, string error) = HoltProcess.Run("guard", "test", gzip);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"holt: {gzip} is not a valid gzip file: it is cut short (it ends inside its compressed data)\n", error);
    }

    [Fact]
    public void ReportAuth_DamagedRotation_IsSaidAndTheOtherFilesCount()
    {
        // A rotation whose compression was interrupted, one that is not gzip at all, and a whole one.
        string cut = Path.Combine(_directory, "auth.log.3.gz");
        byte[] whole = Gzip(string.Concat(Enumerable.Repeat(Failure + "\n", 3)));
        File.WriteAllBytes(cut, whole[..12]);
        string empty = Write("auth.log.2.gz", "");
        string rotated = Path.Combine(_directory, "auth.log.1.gz");
        File.WriteAllBytes(rotated, whole);
        string log = Write("auth.log", Failure + "\n");

        (int code, string output, string error) = HoltProcess.Run("report", "auth", cut, empty, rotated, log);

        Assert.Equal(0, code);
        Assert.StartsWith("Failed attempts: 4\n", output, StringComparison.Ordinal);
        Assert.Equal(
            $"holt: warning: {cut} is not a valid gzip file: it is cut short (it ends inside its compressed data); the report leaves it out\n" +
            $"holt: warning: {empty} is not a valid gzip file: it is empty; the report leaves it out\n",
            error);
    }

    [Fact]
    public void ReportAuth_GzipCutInTheMiddle_KeepsTheLinesBeforeTheCut_AndSaysHowMany()
    {
        string cut = Path.Combine(_directory, "auth.log.2.gz");
        byte[] whole = Gzip(string.Concat(Enumerable.Range(0, 200_000).Select(i => Failure.Replace("port 4000", $"port {1000 + (i % 50_000)}", StringComparison.Ordinal) + "\n")));
        File.WriteAllBytes(cut, whole[..(whole.Length / 2)]);

        (int code, string output, string error) = HoltProcess.Run("report", "auth", cut, "--json");

        Assert.Equal(0, code);
        string[] warning = error.TrimEnd('\n').Split('\n');
        Assert.Single(warning);
        Match counted = Regex.Match(warning[0], $@"^holt: warning: {Regex.Escape(cut)} is not a valid gzip file: it is cut short \(it ends inside its compressed data\); the report has its first (\d+) lines only$");
        Assert.True(counted.Success, warning[0]);
        long lines = long.Parse(counted.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(lines, 1, 199_999);
        Assert.Contains($"\"failed_attempts\": {lines},", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("guard test")]
    [InlineData("report auth")]
    public void PathLongerThanAFileCanHave_FailsWithOneLine(string command)
    {
        string path = Path.Combine(_directory, new string('a', 5000));

        (int code, string output, string error) = HoltProcess.Run([.. command.Split(' '), path]);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"holt: cannot read {path}: the path is too long\n", error);
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
                return (gzip, $"{gzip} is not a valid gzip file: its compressed data is damaged");
        }
    }

    private static byte[] Gzip(string text)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return compressed.ToArray();
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
