using System.Text.RegularExpressions;
using Holt.Cli;
using Holt.Monitor;

namespace Holt.Tests.Cli;

/// <summary>When holt colours (NO_COLOR, --color, a terminal, TERM) and which word gets which colour.</summary>
public sealed partial class TerminalColorTests
{
    private static readonly DateTimeOffset s_now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("auto", true, null, "xterm-256color", true)]
    [InlineData("auto", true, null, null, true)]
    [InlineData("auto", true, "", "xterm", true)]
    [InlineData("auto", false, null, "xterm", false)]
    [InlineData("auto", true, "1", "xterm", false)]
    [InlineData("auto", true, "0", "xterm", false)]
    [InlineData("auto", true, null, "dumb", false)]
    [InlineData("always", false, null, null, true)]
    [InlineData("always", false, "1", "dumb", true)]
    [InlineData("never", true, null, "xterm", false)]
    [InlineData("never", true, "", "xterm-256color", false)]
    public void IsOn_FollowsTheFlagThenNoColorThenTheTerminal(string mode, bool terminal, string? noColor, string? term, bool expected)
    {
        Assert.Equal(expected, TerminalColor.IsOn(Enum.Parse<ColorMode>(mode, ignoreCase: true), terminal, noColor, term));
    }

    [Theory]
    [InlineData("enabled", "\e[32m")]
    [InlineData("disabled", "\e[33m")]
    [InlineData("expired", "\e[33m")]
    [InlineData("enabled (gateway down)", "\e[31m")]
    public void PeerState_HasItsColour(string state, string sgr)
    {
        Assert.Equal(sgr + state + "\e[0m", TerminalColor.PeerState(state, color: true));
        Assert.Equal(state, TerminalColor.PeerState(state, color: false));
    }

    [Theory]
    [InlineData("up", "\e[32m")]
    [InlineData("disabled", "\e[33m")]
    [InlineData("stale", "\e[31m")]
    [InlineData("down", "\e[31m")]
    [InlineData("never", "\e[31m")]
    [InlineData("idle", "")]
    public void MonitorState_HasItsColour(string state, string sgr)
    {
        Assert.Equal(sgr.Length == 0 ? state : sgr + state + "\e[0m", TerminalColor.MonitorState(state, color: true));
        Assert.Equal(state, TerminalColor.MonitorState(state, color: false));
    }

    [Theory]
    [InlineData("firing", "\e[31m")]
    [InlineData("firing (held back by interface_down)", "\e[31m")]
    [InlineData("resolving", "\e[32m")]
    [InlineData("resolved", "\e[32m")]
    [InlineData("pending", "\e[33m")]
    public void AlertPhase_HasItsColour(string phase, string sgr)
    {
        Assert.Equal(sgr + phase + "\e[0m", TerminalColor.AlertPhase(phase, color: true));
        Assert.Equal(phase, TerminalColor.AlertPhase(phase, color: false));
    }

    [Fact]
    public void AlertsTable_Coloured_PaintsThePhaseAndKeepsTheColumns()
    {
        ActiveAlert[] alerts =
        [
            Alert("peer_down:nas", "firing", "nas is down"),
            Alert("peer_stale:phone", "pending", "phone is stale"),
            Alert("check_failing:web", "resolving", "check web fails"),
        ];

        string plain = MonitorAlertsCommand.Table(alerts, s_now, color: false);
        string coloured = MonitorAlertsCommand.Table(alerts, s_now, color: true);

        Assert.DoesNotContain("\e", plain, StringComparison.Ordinal);
        Assert.Contains("nas is down      \e[31mfiring\e[0m     critical", coloured, StringComparison.Ordinal);
        Assert.Contains("\e[33mpending\e[0m    ", coloured, StringComparison.Ordinal);
        Assert.Contains("\e[32mresolving\e[0m  ", coloured, StringComparison.Ordinal);
        Assert.Equal(plain, Sgr().Replace(coloured, ""));
    }

    private static ActiveAlert Alert(string key, string phase, string summary) => new()
    {
        Key = key,
        Rule = key.Split(':')[0],
        Severity = AlertSeverity.Critical,
        Summary = summary,
        Description = "since the last sample",
        Phase = phase,
        Since = s_now.AddMinutes(-3),
    };

    [GeneratedRegex("\e\\[[0-9;]*m")]
    private static partial Regex Sgr();
}
