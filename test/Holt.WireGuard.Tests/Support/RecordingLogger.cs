using Microsoft.Extensions.Logging;

namespace Holt.WireGuard.Tests.Support;

/// <summary>Keeps every log line at Warning or above, so tests can assert that nothing went wrong inside.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly List<string> _warnings = [];

    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (_warnings)
            {
                return [.. _warnings];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public List<string> All { get; } = [];

    public Func<string>? Clock { get; set; }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (All)
        {
            All.Add($"{Clock?.Invoke()} {formatter(state, exception)}");
        }

        if (logLevel >= LogLevel.Warning)
        {
            lock (_warnings)
            {
                _warnings.Add(formatter(state, exception) + (exception is null ? "" : ": " + exception));
            }
        }
    }
}
