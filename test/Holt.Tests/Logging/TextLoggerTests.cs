using Holt.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Logging;

public class TextLoggerTests
{
    private static readonly FakeTimeProvider s_time = new(new DateTimeOffset(2026, 11, 23, 22, 5, 1, 123, TimeSpan.Zero));

    [Theory]
    [InlineData(null, LogLevel.Information)]
    [InlineData("", LogLevel.Information)]
    [InlineData("info", LogLevel.Information)]
    [InlineData("verbose", LogLevel.Debug)]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("VERBOSE", LogLevel.Debug)]
    [InlineData("error", LogLevel.Error)]
    [InlineData("silent", LogLevel.None)]
    public void LogLevel_KnownNames_Parse(string? value, LogLevel expected)
    {
        Assert.True(LogLevelSwitch.TryParse(value, out LogLevel level));
        Assert.Equal(expected, level);
    }

    [Theory]
    [InlineData("loud")]
    [InlineData("3")]
    public void LogLevel_UnknownName_IsRejected(string value) => Assert.False(LogLevelSwitch.TryParse(value, out _));

    [Fact]
    public void Line_HasLevelInterfaceAndTime()
    {
        var writer = new StringWriter();
        var logger = new TextLogger(writer, "wg0", LogLevel.Information, s_time);

        logger.LogInformation("interface is running");

        Assert.Equal("INFO: (wg0) 2026-11-23 22:05:01.123 interface is running" + Environment.NewLine, writer.ToString());
    }

    [Fact]
    public void Threshold_Error_HidesInformationAndDebug()
    {
        var writer = new StringWriter();
        var logger = new TextLogger(writer, "wg0", LogLevel.Error, s_time);

        logger.LogDebug("debug");
        logger.LogInformation("info");
        logger.LogWarning("warning");
        logger.LogError("broken");

        Assert.Equal("ERROR: (wg0) 2026-11-23 22:05:01.123 broken" + Environment.NewLine, writer.ToString());
    }

    [Fact]
    public void Silent_WritesNothing()
    {
        var writer = new StringWriter();
        var logger = new TextLogger(writer, "wg0", LogLevel.None, s_time);

        logger.LogCritical("even this");

        Assert.Equal(string.Empty, writer.ToString());
    }

    [Fact]
    public void Message_WithNewlines_StaysOneLine()
    {
        var writer = new StringWriter();
        var logger = new TextLogger(writer, "wg0", LogLevel.Information, s_time);

        logger.LogInformation("bad value {Value}", "x\nERROR: (wg0) forged");

        string output = writer.ToString();
        Assert.Single(output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("x\\nERROR", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Exception_AddsMessageOnly_UnlessVerbose()
    {
        var quiet = new StringWriter();
        var verbose = new StringWriter();
        var error = new InvalidOperationException("socket gone");

        new TextLogger(quiet, "wg0", LogLevel.Information, s_time).LogWarning(error, "receive failed");
        new TextLogger(verbose, "wg0", LogLevel.Debug, s_time).LogWarning(error, "receive failed");

        Assert.EndsWith("receive failed: socket gone" + Environment.NewLine, quiet.ToString(), StringComparison.Ordinal);
        Assert.Contains("System.InvalidOperationException: socket gone", verbose.ToString(), StringComparison.Ordinal);
    }
}
