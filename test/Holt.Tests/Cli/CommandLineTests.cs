using Holt.Tests.Support;
using Xunit.Abstractions;

namespace Holt.Tests.Cli;

public class CommandLineTests(ITestOutputHelper log)
{
    [Fact]
    public void Version_PrintsTheVersion()
    {
        log.WriteLine("holt: " + HoltProcess.Describe());
        (int code, string output, _) = HoltProcess.Run("--version");

        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", output.Trim());
    }

    [Fact]
    public void Help_ListsTheTunnelCommand()
    {
        (int code, string output, _) = HoltProcess.Run("--help");

        Assert.Equal(0, code);
        Assert.Contains("tunnel", output, StringComparison.Ordinal);
    }

    [Fact]
    public void TunnelHelp_HasAnExample()
    {
        (int code, string output, _) = HoltProcess.Run("tunnel", "--help");

        Assert.Equal(0, code);
        Assert.Contains("Example: holt tunnel wg0", output, StringComparison.Ordinal);
        Assert.Contains("--foreground", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad/name")]
    [InlineData("much-too-long-name")]
    [InlineData("..")]
    public void Tunnel_InvalidName_FailsWithOneLine(string name)
    {
        (int code, string output, string error) = HoltProcess.Run("tunnel", "--foreground", name);

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"holt: invalid interface name '{name}': use 1 to 15 letters, digits or _=+.-", error.TrimEnd('\n'));
    }

    [Fact]
    public void Tunnel_InvalidName_FailsBeforeDaemonizing()
    {
        (int code, _, string error) = HoltProcess.Run("tunnel", "bad/name");

        Assert.Equal(1, code);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Tunnel_BadLogLevel_FailsWithOneLine()
    {
        (int code, _, string error) = HoltProcess.Run(new Dictionary<string, string> { ["LOG_LEVEL"] = "loud" }, "tunnel", "-f", "wg0");

        Assert.Equal(1, code);
        Assert.Equal("holt: LOG_LEVEL=loud is not a log level; use verbose, info, error or silent", error.TrimEnd('\n'));
    }

    [Fact]
    public void Tunnel_MissingName_IsAnError()
    {
        (int code, _, string error) = HoltProcess.Run("tunnel");

        Assert.NotEqual(0, code);
        Assert.Contains("NAME", error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownCommand_IsAnError()
    {
        (int code, _, string error) = HoltProcess.Run("frobnicate");

        Assert.NotEqual(0, code);
        Assert.Contains("frobnicate", error, StringComparison.Ordinal);
    }
}
