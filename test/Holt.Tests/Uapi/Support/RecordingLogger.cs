using Microsoft.Extensions.Logging;

namespace Holt.Tests.Uapi.Support;

/// <summary>Keeps every log line, so tests can check what was said and that no key was.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
        }
    }

    /// <summary>Fails if any line contains any of <paramref name="secrets"/>.</summary>
    public void AssertNoneContain(params string[] secrets)
    {
        foreach (string line in Lines)
        {
            foreach (string secret in secrets)
            {
                Assert.DoesNotContain(secret, line, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
