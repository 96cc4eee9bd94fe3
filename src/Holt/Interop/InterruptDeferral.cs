using System.Runtime.InteropServices;
using System.Text;

namespace Holt.Interop;

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
    private static Func<PosixSignal, string>? s_note;

    private bool _ended;

    private InterruptDeferral()
    {
    }

    /// <summary>Starts deferring; from now until this deferral ends, the three signals are held back.</summary>
    /// <param name="note">
    /// A line for standard error when the first signal is held back, to say at once why nothing stops yet; only the
    /// outermost deferral's is written. It is written before the deferral can end, so an exit just after never
    /// loses it, and straight to the descriptor: Console's writes share one lock, which a write to a standard
    /// output nobody reads (a full pipe) holds.
    /// </param>
    public static InterruptDeferral Begin(Func<PosixSignal, string>? note = null)
    {
        lock (s_gate)
        {
            if (s_open++ == 0)
            {
                s_received = null;
                s_note = note;
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
                if (s_note is not null)
                {
                    WriteToStandardError(s_note(context.Signal) + "\n");
                }
            }
        }
    }

    private static unsafe void WriteToStandardError(string line)
    {
        const int StandardError = 2;
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        fixed (byte* start = bytes)
        {
            int written = 0;
            while (written < bytes.Length)
            {
                nint count = Libc.write(StandardError, start + written, (nuint)(bytes.Length - written));
                if (count < 0 && Libc.LastErrno != Errno.EINTR)
                {
                    return;
                }

                written += (int)Math.Max(count, 0);
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
            s_note = null;
        }

        foreach (PosixSignalRegistration registration in released)
        {
            registration.Dispose();
        }

        return received;
    }
}
