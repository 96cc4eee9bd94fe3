using System.Text;
using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>What counts as a log: a regular file whose first block is text, NUL padding allowed.</summary>
public sealed class LogFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-logfile.").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void NotText_RandomBytes_AreBinary()
    {
        byte[] bytes = new byte[64 * 1024];
        new Random(1).NextBytes(bytes);

        Assert.Equal("binary data", LogFile.NotText(bytes));
    }

    [Fact]
    public void NotText_AnElfExecutable_IsNamed()
    {
        byte[] holt = File.ReadAllBytes(Support.HoltProcess.ExecutablePath);

        Assert.Equal("an ELF executable", LogFile.NotText(holt.AsSpan(0, Math.Min(holt.Length, 64 * 1024))));
    }

    [Fact]
    public void NotText_MachineCodeWithoutItsHeader_IsBinary()
    {
        byte[] holt = File.ReadAllBytes(Support.HoltProcess.ExecutablePath);

        Assert.Equal("binary data", LogFile.NotText(holt.AsSpan(4, Math.Min(holt.Length - 4, 64 * 1024))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2026-11-24T01:00:00+00:00 gw sshd[10]: Failed password for root from 203.0.113.5 port 4000 ssh2\n")]
    [InlineData("Nov 24 01:00:00 gw app[1]: \u001b[31mred\u001b[0m\tcolumns\r\n")]
    [InlineData("Nov 24 01:00:00 gw app[1]: connexion refusée pour l'utilisateur « élodie »\n")]
    public void NotText_Logs_AreText(string text)
    {
        Assert.Null(LogFile.NotText(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void NotText_LogWithNulPaddingAfterAnUncleanShutdown_IsText()
    {
        byte[] line = Encoding.UTF8.GetBytes("Nov 24 01:00:00 gw sshd[10]: Accepted publickey for alice from 192.0.2.1 port 4002 ssh2\n");
        byte[] block = [.. line, .. new byte[60 * 1024], .. line];

        Assert.Null(LogFile.NotText(block));
        Assert.Null(LogFile.NotText(new byte[64 * 1024]));
    }

    [Fact]
    public void NotText_LatinOneLog_IsText()
    {
        // Written by a program that does not speak UTF-8: each accented letter is a byte that is not UTF-8.
        byte[] latin1 = Encoding.Latin1.GetBytes(string.Concat(Enumerable.Repeat("Nov 24 01:00:00 gw app[1]: connexion refusée pour élodie\n", 100)));

        Assert.Null(LogFile.NotText(latin1));
    }

    [Fact]
    public void NotText_ACharacterCutByTheBlocksEnd_IsNotHeldAgainstIt()
    {
        byte[] text = Encoding.UTF8.GetBytes("élodie é");

        Assert.Null(LogFile.NotText(text.AsSpan(0, text.Length - 1)));
    }

    [Fact]
    public void TryOpen_MissingFile_IsNull_AndOpenSaysSo()
    {
        string missing = Path.Combine(_directory, "missing.log");

        Assert.Null(LogFile.TryOpen(missing, "read", out _));
        Assert.Equal($"cannot read {missing}: No such file or directory", Assert.Throws<CommandException>(() => LogFile.Open(missing, "read")).Message);
    }

    [Fact]
    public void TryOpen_SymlinkToALog_OpensTheLog()
    {
        string target = Path.Combine(_directory, "real.log");
        File.WriteAllText(target, "x\n");
        string link = Path.Combine(_directory, "auth.log");
        File.CreateSymbolicLink(link, target);

        using Microsoft.Win32.SafeHandles.SafeFileHandle handle = LogFile.TryOpen(link, "read", out LogFileStat stat)!;

        Assert.Equal(LogFileKind.Regular, stat.Kind);
        Assert.True(stat.IsSameFile(LogFile.Stat(target)!.Value));
        Assert.Equal(2, RandomAccess.GetLength(handle));
    }

    [Theory]
    [InlineData("/dev/zero", "a character device")]
    [InlineData("/dev/null", "a character device")]
    [InlineData("/", "a directory")]
    public void TryOpen_NotARegularFile_IsRefused(string path, string what)
    {
        CommandException e = Assert.Throws<CommandException>(() => LogFile.TryOpen(path, "read", out _));

        Assert.Equal($"cannot read {path}: it is {what}, not a log file", e.Message);
    }
}
