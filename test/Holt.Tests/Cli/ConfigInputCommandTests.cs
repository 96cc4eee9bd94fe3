using System.Text;
using Holt.Tests.Storage;
using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary>
/// holt.toml that is not a configuration file (a directory, a FIFO, a device, a link loop) or not text (random
/// bytes, NUL, bytes that are not UTF-8): one line naming the path and what is wrong, exit code 1, never a wait on a
/// FIFO, a runtime's message or an internal error, and nothing written.
/// </summary>
public sealed class ConfigInputCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-config-input.").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, bool> NotFiles()
    {
        var data = new TheoryData<string, bool>();
        foreach (string kind in new[] { "directory", "root", "fifo", "/dev/null", "link loop" })
        {
            data.Add(kind, false);
            data.Add(kind, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NotFiles))]
    public void ConfigThatIsNotAFile_FailsWithOneLineSayingWhatItIs(string kind, bool fromEnvironment)
    {
        (string path, string expected) = MakeNotAFile(kind);

        (int code, string output, string error) = fromEnvironment
            ? HoltProcess.Run(new Dictionary<string, string> { ["HOLT_CONFIG"] = path }, "peer", "list")
            : HoltProcess.Run("peer", "list", "--config", path);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"holt: {expected}\n", error);
    }

    public static TheoryData<string> NotText() => ["random bytes", "NUL", "not UTF-8", "UTF-16", "control character", "too deep", "too large"];

    [Theory]
    [MemberData(nameof(NotText))]
    public void ConfigThatIsNotText_FailsWithOneLineNamingTheFileAndLine(string kind)
    {
        (string path, string expected) = MakeNotText(kind);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        byte[] before = File.ReadAllBytes(path);

        (int code, string output, string error) = HoltProcess.Run("peer", "list", "--config", path);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"holt: {expected}\n", error);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Init_OverAFifo_IsRefused_EvenWithForce_AndTheFifoStays()
    {
        string fifo = SpecialFiles.MakeFifo(_directory, "holt.toml");

        (int code, _, string error) = HoltProcess.Run("init", "--config", fifo, "--force", "--endpoint", "vpn.example.com", "--interface", "hci0");

        Assert.Equal(1, code);
        Assert.Equal($"holt: cannot write {fifo}: it is a FIFO (named pipe), not a configuration file\n", error);
        Assert.Equal("fifo", SpecialFiles.TypeOf(fifo));
    }

    [Fact]
    public void Init_IntoADirectory_SaysItIsADirectory_AndWritesNothingInIt()
    {
        string directory = Directory.CreateDirectory(Path.Combine(_directory, "holt.toml")).FullName;

        (int code, _, string error) = HoltProcess.Run("init", "--config", directory, "--endpoint", "vpn.example.com", "--interface", "hci0");

        Assert.Equal(1, code);
        Assert.Equal($"holt: cannot write {directory}: it is a directory, not a configuration file\n", error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
    }

    [Theory]
    [InlineData("peer", "add", "laptop")]
    [InlineData("init", "--endpoint", "vpn.example.com")]
    public void RootDirectoryAsConfig_IsRefused_NotAnInternalError(params string[] command)
    {
        (int code, _, string error) = HoltProcess.Run([.. command, "--config", "/"]);

        Assert.Equal(1, code);
        Assert.Equal("holt: cannot use /: it is a directory, not a configuration file\n", error);
    }

    [Fact]
    public void GuardRun_WithAFifoAsConfig_DoesNotWaitForAWriter()
    {
        string fifo = SpecialFiles.MakeFifo(_directory, "holt.toml");

        (int code, _, string error) = HoltProcess.Run("guard", "run", "--config", fifo);

        Assert.Equal(1, code);
        Assert.Equal($"holt: cannot read {fifo}: it is a FIFO (named pipe), not a configuration file\n", error);
    }

    [Fact]
    public void Down_WithAFifoAsConfig_DoesNotWaitForAWriter()
    {
        string fifo = SpecialFiles.MakeFifo(_directory, "wg0.conf");

        (int code, _, string error) = HoltProcess.Run("down", "--config", fifo);

        Assert.Equal(1, code);
        Assert.Equal($"holt: {fifo}: it is a FIFO (named pipe), not a configuration file\n", error);
    }

    [Fact]
    public void Install_WhereHoltTomlIsADirectory_IsRefusedBeforeAnythingIsCopied()
    {
        string config = Directory.CreateDirectory(Path.Combine(_directory, "etc", "holt", "holt.toml")).FullName;

        (int code, _, string error) = HoltProcess.Run("install", "--root", _directory, "--endpoint", "vpn.example.com");

        Assert.Equal(1, code);
        Assert.Equal($"holt: cannot use {config}: it is a directory, not a configuration file\n", error);
        Assert.Equal(["etc"], Directory.EnumerateFileSystemEntries(_directory).Select(Path.GetFileName));
        Assert.Empty(Directory.EnumerateFileSystemEntries(config));
    }

    [Fact]
    public void Import_OfALinkLoop_IsOneLine_NotAnInternalError()
    {
        string first = Path.Combine(_directory, "wg0.conf");
        File.CreateSymbolicLink(first, Path.Combine(_directory, "wg1.conf"));
        File.CreateSymbolicLink(Path.Combine(_directory, "wg1.conf"), first);

        (int code, _, string error) = HoltProcess.Run(
            new Dictionary<string, string> { ["HOLT_CONFIG"] = Path.Combine(_directory, "holt.toml") }, "import", first, "--endpoint", "vpn.example.com");

        Assert.Equal(1, code);
        Assert.Equal($"holt: {first}: cannot read it: too many levels of symbolic links (a link that leads back to itself?)\n", error);
    }

    /// <summary>A path of the kind asked for, and the message it gets after "holt: ".</summary>
    private (string Path, string Expected) MakeNotAFile(string kind)
    {
        switch (kind)
        {
            case "directory":
                return (_directory, $"cannot read {_directory}: it is a directory, not a configuration file");
            case "root":
                return ("/", "cannot read /: it is a directory, not a configuration file");
            case "fifo":
                string fifo = SpecialFiles.MakeFifo(_directory, "holt.toml");
                return (fifo, $"cannot read {fifo}: it is a FIFO (named pipe), not a configuration file");
            case "/dev/null":
                return (kind, "cannot read /dev/null: it is a character device, not a configuration file");
            default:
                string first = Path.Combine(_directory, "holt.toml");
                File.CreateSymbolicLink(first, Path.Combine(_directory, "other.toml"));
                File.CreateSymbolicLink(Path.Combine(_directory, "other.toml"), first);
                return (first, $"cannot read {first}: too many levels of symbolic links (a link that leads back to itself?)");
        }
    }

    private (string Path, string Expected) MakeNotText(string kind)
    {
        string path = Path.Combine(_directory, "holt.toml");
        switch (kind)
        {
            case "random bytes":
                byte[] random = new byte[300];
                new Random(11).NextBytes(random);
                File.WriteAllBytes(path, random);
                return (path, $"{path}:{Line(random, FirstInvalid(random))}: not a text file (bytes that are not UTF-8)");
            case "NUL":
                File.WriteAllText(path, "[gateway]\nname = \"home\"\nmtu = 1380\0\n");
                return (path, $"{path}:3: not a text file (a NUL byte)");
            case "not UTF-8":
                File.WriteAllBytes(path, [.. "[gateway]\nname = \""u8, 0xff, 0xfe, .. "\"\n"u8]);
                return (path, $"{path}:2: not a text file (bytes that are not UTF-8)");
            case "UTF-16":
                File.WriteAllBytes(path, [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("[gateway]\n")]);
                return (path, $"{path}:1: the file is UTF-16 text, and TOML is UTF-8: convert it, for example with iconv -f UTF-16 -t UTF-8");
            case "control character":
                File.WriteAllText(path, "[gateway]\n\n# a comment\u0001\n");
                return (path, $"{path}:3: not a text file (control character 0x01, which TOML does not allow)");
            case "too deep":
                File.WriteAllText(path, "a = " + new string('[', 10_000) + new string(']', 10_000) + "\n");
                return (path, $"{path}:1: values are nested too deeply (more than 64 levels of arrays and tables)");
            default:
                using (var file = new FileStream(path, FileMode.Create))
                {
                    file.SetLength((16 << 20) + 1);
                }

                return (path, $"cannot read {path}: it is larger than 16 MiB");
        }
    }

    private static int FirstInvalid(byte[] bytes)
    {
        System.Text.Unicode.Utf8.ToUtf16(bytes, new char[bytes.Length], out int read, out _, replaceInvalidSequences: false);
        return read;
    }

    private static int Line(byte[] bytes, int offset) => bytes.AsSpan(0, offset).Count((byte)'\n') + 1;
}
