namespace Holt.Interop;

/// <summary>The outcome of waiting on a descriptor beside a <see cref="WakeSignal"/>.</summary>
internal enum PollResult
{
    /// <summary>The descriptor has an event (or the wait failed transiently); try the operation again.</summary>
    Ready,

    /// <summary>The wake signal is set: the owner is closing.</summary>
    Woken,

    TimedOut,
}

/// <summary>poll(2) on one descriptor and a wake signal, without allocating.</summary>
internal static unsafe class Poller
{
    /// <summary>
    /// Waits for <paramref name="events"/> on <paramref name="fd"/>, for the wake signal, or for the timeout
    /// (-1: none). <paramref name="returnedEvents"/> holds what the descriptor reported.
    /// </summary>
    public static PollResult Wait(int fd, short events, int wakeFd, int timeoutMilliseconds, out short returnedEvents)
    {
        Libc.PollFd* fds = stackalloc Libc.PollFd[2];
        fds[0] = new Libc.PollFd { Fd = fd, Events = events };
        fds[1] = new Libc.PollFd { Fd = wakeFd, Events = Libc.POLLIN };
        int result = Libc.poll(fds, 2, timeoutMilliseconds);
        returnedEvents = fds[0].REvents;
        if (result < 0)
        {
            // EINTR is a retry; anything else (ENOMEM) is transient here: pause so the caller does not spin.
            if (Libc.LastErrno != Errno.EINTR)
            {
                Thread.Sleep(1);
            }

            return PollResult.Ready;
        }

        if (fds[1].REvents != 0)
        {
            return PollResult.Woken;
        }

        return result == 0 ? PollResult.TimedOut : PollResult.Ready;
    }
}
