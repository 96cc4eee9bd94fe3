using System.Runtime.InteropServices;
using Holt.Interop;

namespace Holt.Hosting;

/// <summary>
/// Holds back SIGINT, SIGTERM and SIGHUP while work that must not be cut in the middle runs: a file being replaced
/// (its temporary copy holds private keys), or an edit of holt.toml that must end with the new peer's config on the
/// screen. The signal is remembered, not lost: <see cref="End"/> hands it to a caller that honours it itself (a
/// note and exit code 130, as a shell reports an interrupted command), and <see cref="Dispose"/> delivers it again
/// once nothing is deferred any more, as if it had only just arrived.
/// </summary>
/// <remarks>
/// Deferrals nest and are process-wide: a signal waits until the outermost one ends, whichever thread opened them,
/// and only the outermost hands it on. Outside any deferral the signals are the runtime's again (or those of
/// another registration, such as the daemon's stop request), so an interrupt before the work starts still ends the
/// process at once. A signal runs its handlers on a thread of its own; one that comes just as the last deferral
/// ends finds nothing deferred and takes its ordinary course.
/// </remarks>
internal sealed class InterruptDeferral : IDisposable
{
    private static readonly Lock s_gate = new();
    private static int s_open;
    private static PosixSignal? s_received;
    private static PosixSignalRegistration[] s_registrations = [];
    private static Action<PosixSignal>? s_onDeferred;

    private bool _ended;

    private InterruptDeferral()
    {
    }

    /// <summary>Starts deferring; from now until this deferral ends, the three signals are held back.</summary>
    /// <param name="onDeferred">
    /// Told of the first signal held back, at once, to say why nothing stops yet; only the outermost deferral's is
    /// called. It runs on the signal's thread, before the deferral can end (so its word is never lost to an exit
    /// just after), and must be quick and leave deferrals alone.
    /// </param>
    public static InterruptDeferral Begin(Action<PosixSignal>? onDeferred = null)
    {
        lock (s_gate)
        {
            if (s_open++ == 0)
            {
                s_received = null;
                s_onDeferred = onDeferred;
                s_registrations =
                [
                    PosixSignalRegistration.Create(PosixSignal.SIGINT, Hold),
                    PosixSignalRegistration.Create(PosixSignal.SIGTERM, Hold),
                    PosixSignalRegistration.Create(PosixSignal.SIGHUP, Hold),
                ];
            }
        }

        return new InterruptDeferral();
    }

    /// <summary>
    /// Ends the deferral and returns the first signal that came during it, which the caller must now honour; null
    /// if none came, or if an enclosing deferral is still open (that one receives it).
    /// </summary>
    public PosixSignal? End() => Close();

    /// <summary>Ends the deferral; a signal that came during it is raised again now, with nothing left to hold it back.</summary>
    public void Dispose()
    {
        if (Close() is PosixSignal signal)
        {
            _ = Libc.kill(Environment.ProcessId, Number(signal));
        }
    }

    /// <summary>The exit status a shell reports for a command the signal ended: 128 plus its number.</summary>
    public static int ExitCode(PosixSignal signal) => 128 + Number(signal);

    public static string Name(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => "SIGINT",
        PosixSignal.SIGTERM => "SIGTERM",
        PosixSignal.SIGHUP => "SIGHUP",
        _ => signal.ToString(),
    };

    // PosixSignal's values are .NET's own; the kernel's numbers are the same on every Linux architecture.
    private static int Number(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => Libc.SIGINT,
        PosixSignal.SIGTERM => Libc.SIGTERM,
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a signal a deferral holds back"),
    };

    private static void Hold(PosixSignalContext context)
    {
        lock (s_gate)
        {
            if (s_open == 0)
            {
                return;
            }

            context.Cancel = true;
            if (s_received is null)
            {
                s_received = context.Signal;
                s_onDeferred?.Invoke(context.Signal);
            }
        }
    }

    private PosixSignal? Close()
    {
        PosixSignalRegistration[] released;
        PosixSignal? received;
        lock (s_gate)
        {
            if (_ended)
            {
                return null;
            }

            _ended = true;
            if (--s_open > 0)
            {
                return null;
            }

            released = s_registrations;
            s_registrations = [];
            received = s_received;
            s_received = null;
            s_onDeferred = null;
        }

        foreach (PosixSignalRegistration registration in released)
        {
            registration.Dispose();
        }

        return received;
    }
}
