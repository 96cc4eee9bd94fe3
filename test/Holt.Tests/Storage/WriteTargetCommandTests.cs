using Holt.Qr;
using Holt.Tests.Support;

namespace Holt.Tests.Storage;

/// <summary>
/// The real holt peer add and holt peer qr writing where a careless atomic write would do harm: a device node,
/// a FIFO, /dev/stdout, a symlinked holt.toml, a directory. Each runs the built executable against a holt.toml in
/// a temporary directory with an interface name no running gateway has.
/// </summary>
public sealed class WriteTargetCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-targets").FullName;
    private readonly string _interface = "hwt" + Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, string> _environment;

    public WriteTargetCommandTests()
    {
        _environment = new Dictionary<string, string>
        {
            ["HOLT_CONFIG"] = ConfigPath,
            ["HOLT_STATE_DIR"] = Path.Combine(_directory, "state"),
        };
    }

    private string ConfigPath => Path.Combine(_directory, "etc", "holt.toml");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [MknodFact]
    public void QrPngAndSvg_IntoACharacterDevice_LeaveItACharacterDevice()
    {
        Init();
        string device = SpecialFiles.MakeNullDevice(_directory);

        (int addCode, _, string addError) = Holt("peer", "add", "phone", "--qr", $"png:{device}");
        (int svgCode, _, string svgError) = Holt("peer", "qr", "phone", "--qr", $"svg:{device}");
        (int pngCode, _, _) = Holt("peer", "qr", "phone", "--qr", $"png:{device}");

        Assert.True(addCode == 0, addError);
        Assert.True(svgCode == 0, svgError);
        Assert.Equal(0, pngCode);
        Assert.Equal("character special file", SpecialFiles.TypeOf(device));
        Assert.Equal("666", SpecialFiles.ModeOf(device));
        Assert.Contains($"Wrote the QR code to {device}.\n", addError, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory, "*.tmp"));
    }

    [Fact]
    public async Task QrPng_IntoAFifo_ItsReaderGetsThePng()
    {
        Init();
        Holt("peer", "add", "phone");
        (_, string config, _) = Holt("peer", "config", "phone");
        string fifo = SpecialFiles.MakeFifo(_directory);
        Task<byte[]> read = SpecialFiles.ReadFifo(fifo);

        (int code, string output, string error) = Holt("peer", "qr", "phone", "--qr", $"png:{fifo}");

        Assert.True(code == 0, error);
        Assert.Equal("", output);
        Assert.Equal("fifo", SpecialFiles.TypeOf(fifo));
        Assert.Equal(QrCode.ToPng(config), await read.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void QrSvg_ThroughALinkToDevStdout_IsTheCommandsOutput()
    {
        Init();
        Holt("peer", "add", "phone");
        (_, string config, _) = Holt("peer", "config", "phone");

        // A link of the test's own, so a writer that replaced links would replace this one and not the system's.
        string link = Path.Combine(_directory, "out.svg");
        File.CreateSymbolicLink(link, "/dev/stdout");

        (int code, string output, string error) = Holt("peer", "qr", "phone", "--qr", $"svg:{link}");

        Assert.True(code == 0, error);
        Assert.Equal(QrCode.ToSvg(config), output);
        Assert.Equal("/dev/stdout", new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void PeerAdd_ThroughASymlinkedConfig_WritesItsTargetAndKeepsTheLink()
    {
        Init();
        string real = Path.Combine(_directory, "real", "holt.toml");
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.Move(ConfigPath, real);
        File.CreateSymbolicLink(ConfigPath, "../real/holt.toml");

        (int code, string output, string error) = Holt("peer", "add", "phone");

        Assert.True(code == 0, error);
        Assert.StartsWith("[Interface]\nPrivateKey = ", output, StringComparison.Ordinal);
        Assert.Equal("symbolic link", SpecialFiles.TypeOf(ConfigPath));
        Assert.Equal("../real/holt.toml", new FileInfo(ConfigPath).LinkTarget);
        Assert.Contains("name = \"phone\"", File.ReadAllText(real), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(real));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(real)!, "*.tmp"));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(ConfigPath)!, "*.tmp"));
    }

    [Fact]
    public void PeerAdd_ThroughAChainOfLinks_WritesTheLastFile()
    {
        Init();
        string final = Path.Combine(_directory, "final", "holt.toml");
        Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        File.Move(ConfigPath, final);
        string middle = Path.Combine(_directory, "middle.toml");
        File.CreateSymbolicLink(middle, "final/holt.toml");
        File.CreateSymbolicLink(ConfigPath, middle);

        (int code, _, string error) = Holt("peer", "add", "phone");
        (int again, _, string againError) = Holt("peer", "add", "laptop");

        Assert.True(code == 0, error);
        Assert.True(again == 0, againError);
        Assert.Equal("symbolic link", SpecialFiles.TypeOf(ConfigPath));
        Assert.Equal("symbolic link", SpecialFiles.TypeOf(middle));
        string text = File.ReadAllText(final);
        Assert.Contains("name = \"phone\"", text, StringComparison.Ordinal);
        Assert.Contains("name = \"laptop\"", text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(final));
    }

    [Fact]
    public void QrIntoADirectory_IsOneLine_AndThePeerIsNotAdded()
    {
        Init();
        byte[] before = File.ReadAllBytes(ConfigPath);
        string directory = Path.Combine(_directory, "pictures");
        Directory.CreateDirectory(directory);

        (int code, string output, string error) = Holt("peer", "add", "phone", "--qr", $"png:{directory}");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"holt: --qr: cannot write {directory}: it is a directory\n", error);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
        Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
    }

    [Fact]
    public void QrThroughADanglingLink_IsOneLine_AndNothingIsCreated()
    {
        Init();
        byte[] before = File.ReadAllBytes(ConfigPath);
        string link = Path.Combine(_directory, "phone.png");
        File.CreateSymbolicLink(link, "missing.png");

        (int code, _, string error) = Holt("peer", "add", "phone", "--qr", $"png:{link}");

        Assert.Equal(1, code);
        Assert.Equal($"holt: --qr: cannot write {link}: it is a symbolic link leading to {_directory}/missing.png, which does not exist (create that file first, or remove the link)\n", error);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
        Assert.False(File.Exists(Path.Combine(_directory, "missing.png")));
    }

    private void Init()
    {
        (int code, _, string error) = Holt("init", "--endpoint", "vpn.example.com", "--interface", _interface);
        Assert.True(code == 0, error);
    }

    private (int ExitCode, string Output, string Error) Holt(params string[] arguments) =>
        HoltProcess.Run(_environment, arguments);
}
