using Holt.Interop;

namespace Holt.Storage;

/// <summary>An exclusive flock(2) on a lock file (created 0600 beside what it guards), held until disposed.</summary>
internal static class FileLock
{
    /// <summary>Takes the lock, waiting for another holder to finish.</summary>
    /// <exception cref="CommandException">The lock file cannot be opened or locked.</exception>
    public static IDisposable Take(string lockPath)
    {
        try
        {
            AtomicFile.CreateParent(lockPath);
            SafeFdHandle handle = Libc.OpenWithMode(lockPath, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0b110_000_000);
            if (handle.IsInvalid)
            {
                int openErrno = Libc.LastErrno;
                handle.Dispose();
                throw new CommandException($"cannot open {lockPath}: {Libc.Describe(openErrno)}");
            }

            // A signal may interrupt the wait; try again then.
            int result;
            while ((result = Libc.flock(handle, Libc.LOCK_EX)) != 0 && Libc.LastErrno == Errno.EINTR)
            {
            }

            if (result != 0)
            {
                int errno = Libc.LastErrno;
                handle.Dispose();
                throw new CommandException($"cannot lock {lockPath}: {Libc.Describe(errno)}");
            }

            return handle;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot lock {lockPath}: {e.Message}", e);
        }
    }
}
