using System.Runtime.InteropServices;

namespace Holt.Hosting;

/// <summary>
/// How a daemon learns it must stop: SIGTERM, SIGINT or SIGHUP, or a reason of its own (its interface deleted).
/// The first reason is kept for the log line. Disposing it gives the signals back to the runtime.
/// </summary>
internal sealed class StopRequest : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _signals;
    private string? _reason;

    public StopRequest()
    {
        _signals =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Stop("SIGTERM"); }),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; Stop("SIGINT"); }),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; Stop("SIGHUP"); }),
        ];
    }

    public CancellationToken Token => _stop.Token;

    public string Reason => _reason ?? "a stop request";

    public void Stop(string why)
    {
        Interlocked.CompareExchange(ref _reason, why, null);
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A signal raced with shutdown.
        }
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration signal in _signals)
        {
            signal.Dispose();
        }

        _stop.Dispose();
    }
}
