using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary>
/// Command lines that do not parse, run as the built executable: one line on standard error, a guess at what a
/// typo meant when one is close, and exit code 2 (a failed operation is 1).
/// </summary>
public sealed class UsageErrorTests
{
    [Theory]
    [InlineData("holt: unknown command 'lst' for 'holt peer'; did you mean 'list'? (see holt peer --help)", "peer", "lst")]
    [InlineData("holt: unknown command 'stauts' for 'holt'; did you mean 'status'? (see holt --help)", "stauts")]
    [InlineData("holt: unknown command 'mon' for 'holt'; did you mean 'monitor'? (see holt --help)", "mon")]
    [InlineData("holt: unknown option '--expire'; did you mean '--expires'? (see holt peer add --help)", "peer", "add", "x", "--expire", "1d")]
    [InlineData("holt: unknown option '--expire'; did you mean '--expires'? (see holt peer add --help)", "peer", "add", "x", "--expire=1d")]
    [InlineData("holt: unknown option '--jsn'; did you mean '--json'? (see holt peer list --help)", "peer", "list", "--jsn")]
    [InlineData("holt: unknown option '--hlep'; did you mean '--help'? (see holt status --help)", "status", "--hlep")]
    public void Typo_IsOneLineWithASuggestion(string expected, params string[] arguments)
    {
        (int code, string output, string error) = HoltProcess.Run(arguments);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal(expected + "\n", error);
    }

    [Theory]
    [InlineData("holt: unknown command 'frobnicate' for 'holt' (see holt --help)", "frobnicate")]
    [InlineData("holt: unknown command 'xyz' for 'holt peer' (see holt peer --help)", "peer", "xyz")]
    [InlineData("holt: unknown option '--frobnicate' (see holt peer add --help)", "peer", "add", "x", "--frobnicate")]
    [InlineData("holt: unexpected argument 'extra' (see holt peer list --help)", "peer", "list", "extra")]
    public void UnknownWord_NothingClose_HasNoSuggestion(string expected, params string[] arguments)
    {
        (int code, _, string error) = HoltProcess.Run(arguments);

        Assert.Equal(2, code);
        Assert.Equal(expected + "\n", error);
    }

    [Theory]
    [InlineData("firewall", "rollback")]
    [InlineData("firewall", "rollback-wach")]
    [InlineData("audit", "rollback-watc")]
    public void HiddenCommand_IsNeverSuggested(params string[] arguments)
    {
        (int code, _, string error) = HoltProcess.Run(arguments);

        Assert.Equal(2, code);
        Assert.DoesNotContain("rollback-watch", error, StringComparison.Ordinal);
        Assert.DoesNotContain("did you mean", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("peer", "add")]
    [InlineData("peer", "add", "a", "--keepalive", "x")]
    [InlineData("monitor", "run", "--interface", "wg0", "--via", "carrier-pigeon")]
    [InlineData("monitor", "run")]
    public void MissingOrBadValue_IsAUsageErrorOnOneLine(params string[] arguments)
    {
        (int code, string output, string error) = HoltProcess.Run(arguments);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("holt: ", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.EndsWith($" (see holt {arguments[0]} {arguments[1]} --help)\n", error, StringComparison.Ordinal);
    }

    [Fact]
    public void BadChoice_ListsTheChoicesOnTheSameLine()
    {
        (_, _, string error) = HoltProcess.Run("monitor", "run", "--interface", "wg0", "--via", "carrier-pigeon");

        Assert.Equal("holt: argument 'carrier-pigeon' not recognized; it must be one of 'auto', 'socket', 'wg' (see holt monitor run --help)\n", error);
    }

    [Fact]
    public void GroupWithoutCommand_NamesItsCommands()
    {
        (int code, _, string error) = HoltProcess.Run("peer");

        Assert.Equal(2, code);
        Assert.StartsWith("holt: 'holt peer' needs a command: add, list, show, ", error, StringComparison.Ordinal);
        Assert.EndsWith(" (see holt peer --help)\n", error, StringComparison.Ordinal);
    }

    [Fact]
    public void HoltAlone_PrintsItsHelpOnStandardErrorAndExits2()
    {
        (int code, string output, string error) = HoltProcess.Run();

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("Usage:", error, StringComparison.Ordinal);
        Assert.Contains("peer", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_DocumentsTheExitStatus()
    {
        (int code, string output, _) = HoltProcess.Run("--help");

        Assert.Equal(0, code);
        Assert.Contains("Exit status: 0 success, 1 failure, 2 usage error", output, StringComparison.Ordinal);
    }
}
