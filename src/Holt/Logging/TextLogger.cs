using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Holt.Logging;

/// <summary>
/// One concise line per event on a text writer (standard error for the daemon):
/// <c>INFO: (wg0) 2026-11-23 22:05:01.123 message</c>, the shape wireguard-go uses with a level and the interface.
/// Exceptions add their message, and their stack trace only at the verbose level. Callers never pass secrets:
/// peers appear by a public-key prefix.
/// </summary>
internal sealed class TextLogger : ILogger
{
    private readonly TextWriter _writer;
    private readonly string _name;
    private readonly LogLevel _minimum;
    private readonly TimeProvider _time;
    private readonly Lock _sync = new();

    public TextLogger(TextWriter writer, string name, LogLevel minimum, TimeProvider? time = null)
    {
        _writer = writer;
        _name = name;
        _minimum = minimum;
        _time = time ?? TimeProvider.System;
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= _minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
        {
            return;
        }

        string message = formatter(state, exception);
        if (exception is not null)
        {
            message = _minimum <= LogLevel.Debug ? $"{message}: {exception}" : $"{message}: {exception.Message}";
        }

        string stamp = _time.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
        string line = $"{Label(logLevel)}: ({_name}) {stamp} {OneLine(message)}";
        lock (_sync)
        {
            try
            {
                _writer.WriteLine(line);
                _writer.Flush();
            }
            catch (IOException)
            {
                // The terminal that started a daemon may be gone; logging must never take the tunnel down.
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static string Label(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARN",
        _ => "ERROR",
    };

    /// <summary>Keeps a log entry on one line, so a hostile value cannot forge extra entries.</summary>
    private static string OneLine(string message) =>
        message.AsSpan().IndexOfAny('\r', '\n') < 0 ? message : message.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
