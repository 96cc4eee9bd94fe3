using System.Text.RegularExpressions;
using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary>
/// Colour as the built executable prints it: states in holt peer list and holt status, the red holt: of an error;
/// --color always, never or auto (a terminal, NO_COLOR, TERM); never in JSON. Without colour, the same text.
/// </summary>
public sealed partial class ColorCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-color").FullName;
    private readonly string _interface = "hgt" + Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, string> _environment;

    public ColorCommandTests()
    {
        // NO_COLOR and TERM from whoever runs the tests must not decide; each test sets what it needs.
        _environment = new Dictionary<string, string>
        {
            ["HOLT_CONFIG"] = Path.Combine(_directory, "holt.toml"),
            ["HOLT_STATE_DIR"] = Path.Combine(_directory, "state"),
            ["NO_COLOR"] = "",
            ["TERM"] = "xterm-256color",
        };
        Succeed("init", "--endpoint", "vpn.example.com", "--interface", _interface);
        Succeed("peer", "add", "laptop");
        Succeed("peer", "add", "phone");
        Succeed("peer", "disable", "phone");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void PeerList_Always_ColoursEachStateAndKeepsTheColumns()
    {
        (int code, string coloured, _) = Holt("peer", "list", "--color=always");
        (_, string plain, _) = Holt("peer", "list");

        Assert.Equal(0, code);
        Assert.Contains("   \e[31menabled (gateway down)\e[0m  never", coloured, StringComparison.Ordinal);
        Assert.Contains("   \e[33mdisabled\e[0m                never", coloured, StringComparison.Ordinal);
        Assert.Equal(plain, Sgr().Replace(coloured, ""));
    }

    [Fact]
    public void Status_Always_ColoursEachState()
    {
        (int code, string coloured, _) = Holt("status", "--color", "always");
        (_, string plain, _) = Holt("status");

        Assert.Equal(0, code);
        // The gateway is not up here: holt status says of its peers what holt peer list says.
        Assert.Contains("  \e[31menabled (gateway down)\e[0m  never", coloured, StringComparison.Ordinal);
        Assert.Contains("  \e[33mdisabled\e[0m                ", coloured, StringComparison.Ordinal);

        // Only the gateway's part: other tests' tunnels, which holt status lists too, come and go between the runs.
        static string Gateway(string status) => status.IndexOf("\ninterface: ", StringComparison.Ordinal) is int next and > 0 ? status[..next] : status;
        Assert.Equal(Gateway(plain), Gateway(Sgr().Replace(coloured, "")));
    }

    [Fact]
    public void Error_Always_HasARedPrefix()
    {
        (int code, string output, string error) = Holt("peer", "remove", "nobody", "--color=always");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal("\e[31mholt:\e[0m no peer named 'nobody' (holt peer list shows them)\n", error);
    }

    [Fact]
    public void UsageError_Always_HasARedPrefix()
    {
        (int code, _, string error) = Holt("--color=always", "peer", "lst");

        Assert.Equal(2, code);
        Assert.Equal("\e[31mholt:\e[0m unknown command 'lst' for 'holt peer'; did you mean 'list'? (see holt peer --help)\n", error);
    }

    [Theory]
    [InlineData("peer", "list")]
    [InlineData("peer", "list", "--color=auto")]
    [InlineData("status")]
    [InlineData("peer", "remove", "nobody")]
    public void Auto_InAPipe_HasNoColour(params string[] arguments)
    {
        (_, string output, string error) = Holt(arguments);

        Assert.DoesNotContain("\e", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\e", error, StringComparison.Ordinal);
    }

    [Fact]
    public void NoColor_AgainstAlways_TheFlagWins()
    {
        _environment["NO_COLOR"] = "1";

        (_, string output, string error) = Holt("peer", "list", "--color=always");
        (_, _, string refusal) = Holt("peer", "remove", "nobody", "--color=always");

        Assert.Contains("\e[33mdisabled\e[0m", output, StringComparison.Ordinal);
        Assert.Equal("", error);
        Assert.StartsWith("\e[31mholt:\e[0m ", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("peer", "list", "--json", "--color=always")]
    [InlineData("peer", "show", "phone", "--json", "--color=always")]
    [InlineData("status", "--json", "--color=always")]
    public void Json_Always_HasNoColour(params string[] arguments)
    {
        (int code, string output, _) = Holt(arguments);

        Assert.Equal(0, code);
        Assert.DoesNotContain("\e", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("'sometimes' not recognized; it must be one of 'auto', 'always', 'never'", "--color=sometimes", "peer", "list")]
    [InlineData("'yes' not recognized; it must be one of 'auto', 'always', 'never'", "peer", "list", "--color", "yes")]
    [InlineData("missing for option: '--color'", "peer", "list", "--color")]
    public void InvalidColor_IsAUsageError(string fault, params string[] arguments)
    {
        (int code, string output, string error) = Holt(arguments);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("holt: ", error, StringComparison.Ordinal);
        Assert.Contains(fault, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [PtyFact]
    public void Auto_OnATerminal_Colours()
    {
        (int code, string terminal) = Pty.Run(_environment, "peer", "list");

        Assert.Equal(0, code);
        Assert.Contains("\e[33mdisabled\e[0m", terminal, StringComparison.Ordinal);
    }

    [PtyFact]
    public void Auto_OnATerminal_ErrorIsRed()
    {
        (int code, string terminal) = Pty.Run(_environment, "peer", "remove", "nobody");

        Assert.Equal(1, code);
        Assert.Contains("\e[31mholt:\e[0m no peer named 'nobody'", terminal, StringComparison.Ordinal);
    }

    [PtyFact]
    public void NoColor_OnATerminal_HasNoColour()
    {
        _environment["NO_COLOR"] = "1";

        (int code, string terminal) = Pty.Run(_environment, "peer", "list", "--color=auto");
        (_, string refusal) = Pty.Run(_environment, "peer", "remove", "nobody");

        Assert.Equal(0, code);
        Assert.Contains("disabled", terminal, StringComparison.Ordinal);
        Assert.DoesNotMatch(Sgr(), terminal);
        Assert.DoesNotMatch(Sgr(), refusal);
    }

    [PtyFact]
    public void DumbTerminal_HasNoColour()
    {
        _environment["TERM"] = "dumb";

        (_, string terminal) = Pty.Run(_environment, "peer", "list");

        Assert.Contains("disabled", terminal, StringComparison.Ordinal);
        Assert.DoesNotMatch(Sgr(), terminal);
    }

    [PtyFact]
    public void Never_OnATerminal_BeatsEverything()
    {
        (_, string terminal) = Pty.Run(_environment, "peer", "list", "--color=never");
        (_, string refusal) = Pty.Run(_environment, "--color=never", "peer", "remove", "nobody");

        Assert.Contains("disabled", terminal, StringComparison.Ordinal);
        Assert.DoesNotMatch(Sgr(), terminal);
        Assert.DoesNotMatch(Sgr(), refusal);
    }

    private (int ExitCode, string Output, string Error) Holt(params string[] arguments) => HoltProcess.Run(_environment, arguments);

    private void Succeed(params string[] arguments)
    {
        (int code, _, string error) = Holt(arguments);
        Assert.True(code == 0, error);
    }

    [GeneratedRegex("\e\\[[0-9;]*m")]
    private static partial Regex Sgr();
}
