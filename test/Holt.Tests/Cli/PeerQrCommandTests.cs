using System.Diagnostics;
using Holt.Qr;
using Holt.Tests.Qr;
using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary>
/// The terminal QR code where it can fail to scan (a terminal narrower than the code), and configs the mobile
/// apps refuse (an exposed peer's). Terminals are real: a pseudo-terminal from script(1), sized with stty.
/// </summary>
public sealed class PeerQrCommandTests : IDisposable
{
    private const string Script = "/usr/bin/script";

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-qr-cli").FullName;
    private readonly string _interface = "hqt" + Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, string> _environment;

    public PeerQrCommandTests()
    {
        _environment = new Dictionary<string, string>
        {
            ["HOLT_CONFIG"] = ConfigPath,
            ["HOLT_STATE_DIR"] = Path.Combine(_directory, "state"),
        };
    }

    private string ConfigPath => Path.Combine(_directory, "etc", "holt.toml");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Write_TerminalNarrowerThanTheCode_GivesOneLineInsteadOfTheCode()
    {
        string config = QrCodeTestsConfig();
        int needed = QrCode.TerminalColumns(config);
        var output = new StringWriter();
        var error = new StringWriter();

        bool written = TerminalQr.Write(config, needed - 1, "\n", output, error);

        Assert.False(written);
        Assert.Equal("", output.ToString());
        Assert.Equal($"holt: the QR code needs a terminal at least {needed} columns wide (this one has {needed - 1}); widen it, or write the code to a file with --qr png:FILE\n", error.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(200)]
    public void Write_WideEnoughOrUnknownWidth_WritesTheCode(int? extra)
    {
        string config = QrCodeTestsConfig();
        int? columns = extra is int more ? QrCode.TerminalColumns(config) + more : null;
        var output = new StringWriter();
        var error = new StringWriter();

        bool written = TerminalQr.Write(config, columns, "\n", output, error);

        Assert.True(written);
        Assert.Equal("\n" + QrCode.ToTerminal(config), output.ToString());
        Assert.Equal("", error.ToString());
    }

    [Fact]
    public void PeerAddAndQr_OnANarrowTerminal_PrintTheConfigAndSayHowWide()
    {
        Init();
        (int addCode, string added) = OnTerminal(40, "peer", "add", "phone");
        string config = ConfigOf("phone");
        int needed = QrCode.TerminalColumns(config);
        (int qrCode, string shown) = OnTerminal(40, "peer", "qr", "phone");

        string line = $"holt: the QR code needs a terminal at least {needed} columns wide (this one has 40); widen it, or write the code to a file with --qr png:FILE\n";
        Assert.Equal(0, addCode);
        Assert.Contains(config, added, StringComparison.Ordinal);
        Assert.Contains(line, added, StringComparison.Ordinal);
        Assert.DoesNotContain('▀', added);
        Assert.Equal(0, qrCode);
        Assert.Equal(line, shown);
    }

    [Fact]
    public void PeerQr_OnAWideTerminal_DrawsTheCode()
    {
        Init();
        Holt("peer", "add", "phone");
        string config = ConfigOf("phone");

        (int code, string shown) = OnTerminal(200, "peer", "qr", "phone");

        Assert.Equal(0, code);
        Assert.Equal(QrCode.ToTerminal(config), shown);
    }

    [Fact]
    public void ConfigAndQr_OfAnExposedPeer_WarnThatTheMobileAppsRefuseIt()
    {
        Init();
        Holt("peer", "add", "home");
        Holt("peer", "add", "phone");
        File.AppendAllText(ConfigPath, "\n[[expose]]\npublic_port = 8080\nproto = \"tcp\"\npeer = \"home\"\nto_port = 80\n");

        (int configCode, string config, string configError) = Holt("peer", "config", "home");
        (int qrCode, _, string qrError) = Holt("peer", "qr", "home", "--qr", $"svg:{_directory}/home.svg");
        (int plainCode, _, string plainError) = Holt("peer", "qr", "phone", "--qr", $"svg:{_directory}/phone.svg");

        const string Warning = "holt: warning: this config has Table/PostUp/PostDown lines (the routing for its exposed ports), which the WireGuard mobile apps refuse: use it with wg-quick on Linux, or expose its ports with --snat to use it on a phone\n";
        Assert.True(configCode == 0, configError);
        Assert.Contains("\nTable = off\n", config, StringComparison.Ordinal);
        Assert.Equal(Warning, configError);
        Assert.True(qrCode == 0, qrError);
        Assert.StartsWith(Warning, qrError, StringComparison.Ordinal);
        Assert.True(plainCode == 0, plainError);
        Assert.DoesNotContain("warning", plainError, StringComparison.Ordinal);
    }

    private static string QrCodeTestsConfig() => QrCodeTests.RealisticConfig();

    /// <summary>
    /// Runs holt on a pseudo-terminal <paramref name="columns"/> wide, as script(1) gives one; standard output and
    /// error both go to it, and come back with the terminal's \r\n turned into \n.
    /// </summary>
    private (int Code, string Shown) OnTerminal(int columns, params string[] arguments)
    {
        var start = new ProcessStartInfo(Script)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string command = $"stty cols {columns} rows 100 && exec \"$HOLT\" {string.Join(' ', arguments)}";
        foreach (string argument in (string[])["-q", "-e", "-c", command, "/dev/null"])
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string key, string value) in _environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["HOLT"] = HoltProcess.ExecutablePath;
        using Process script = Process.Start(start)!;
        Task<string> output = script.StandardOutput.ReadToEndAsync();
        Task<string> error = script.StandardError.ReadToEndAsync();
        Assert.True(script.WaitForExit(TimeSpan.FromSeconds(30)), "script did not exit");
        Assert.Equal("", error.Result);
        // .NET's console puts a terminal into keypad transmit mode as it starts (terminfo's smkx); not Holt's output.
        string shown = output.Result.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Replace("\u001b[?1h\u001b=", "", StringComparison.Ordinal)
            .Replace("\u001b[?1l\u001b>", "", StringComparison.Ordinal);
        return (script.ExitCode, shown);
    }

    private string ConfigOf(string name)
    {
        (int code, string config, string error) = Holt("peer", "config", name);
        Assert.True(code == 0, error);
        return config;
    }

    private void Init()
    {
        (int code, _, string error) = Holt("init", "--endpoint", "vpn.example.com", "--interface", _interface);
        Assert.True(code == 0, error);
    }

    private (int ExitCode, string Output, string Error) Holt(params string[] arguments) =>
        HoltProcess.Run(_environment, arguments);
}
