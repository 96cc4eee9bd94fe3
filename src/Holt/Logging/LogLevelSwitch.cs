using Microsoft.Extensions.Logging;

namespace Holt.Logging;

/// <summary>
/// The <c>LOG_LEVEL</c> environment switch, named as wireguard-go names it: <c>verbose</c> (also <c>debug</c>),
/// <c>error</c> and <c>silent</c>, plus <c>info</c>, Holt's default, which adds the few lines an operator wants to
/// see (interface up, port bound, shutting down) to the errors.
/// </summary>
internal static class LogLevelSwitch
{
    public const string VariableName = "LOG_LEVEL";

    /// <summary>The threshold for <paramref name="value"/>; false for a value that names no level.</summary>
    public static bool TryParse(string? value, out LogLevel minimum)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "":
            case "info":
                minimum = LogLevel.Information;
                return true;
            case "verbose" or "debug":
                minimum = LogLevel.Debug;
                return true;
            case "error":
                minimum = LogLevel.Error;
                return true;
            case "silent":
                minimum = LogLevel.None;
                return true;
            default:
                minimum = LogLevel.Information;
                return false;
        }
    }

    /// <summary>Reads the switch from the environment, failing with a one-line message for a bad value.</summary>
    public static LogLevel FromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(VariableName);
        if (!TryParse(value, out LogLevel minimum))
        {
            throw new CommandException($"{VariableName}={value} is not a log level; use verbose, info, error or silent");
        }

        return minimum;
    }
}
