using System.Net;
using Holt.Gateway;
using Holt.Interop;
using Microsoft.Extensions.Logging;

namespace Holt.Guard;

/// <summary>
/// Starts the guard where it runs: inside the gateway daemon (<c>holt up</c>) or on its own (<c>holt guard run</c>).
/// One guard per state directory: a second one would read the same logs and write the same positions, so it is
/// refused while the first holds the lock.
/// </summary>
internal static class GuardRunner
{
    private static string LockPath => Path.Combine(StateStore.StateDirectory(), "guard.lock");

    /// <summary>
    /// Takes the guard's lock and starts it with <paramref name="config"/>.
    /// </summary>
    /// <exception cref="CommandException">Another guard runs, or the store or a source cannot be opened.</exception>
    public static RunningGuard Start(GuardConfig config, IReadOnlyList<IPNetwork> vpnSubnets, ILogger logger)
    {
        SafeFdHandle guardLock = TakeLock();
        BanStore? store = null;
        try
        {
            store = BanStore.Open(BanStore.DefaultPath);
            var service = new GuardService(config, vpnSubnets, store, new KernelBans(), logger);
            store = null;
            try
            {
                service.Start();
            }
            catch
            {
                service.Dispose();
                throw;
            }

            return new RunningGuard(service, guardLock);
        }
        catch
        {
            store?.Dispose();
            guardLock.Dispose();
            throw;
        }
    }

    private static SafeFdHandle TakeLock()
    {
        string path = LockPath;
        Storage.AtomicFile.CreateParent(path);
        SafeFdHandle handle = Libc.OpenWithMode(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0b110_000_000);
        if (handle.IsInvalid)
        {
            int errno = Libc.LastErrno;
            handle.Dispose();
            throw new CommandException($"cannot open {path}: {Libc.Describe(errno)}");
        }

        if (Libc.flock(handle, Libc.LOCK_EX | Libc.LOCK_NB) != 0)
        {
            handle.Dispose();
            throw new CommandException($"the guard already runs (in the gateway daemon or `holt guard run`; {path} is locked)");
        }

        return handle;
    }
}

/// <summary>A started guard and its lock; disposing stops it, saves its positions and releases the lock.</summary>
internal sealed class RunningGuard(GuardService service, SafeFdHandle guardLock) : IDisposable
{
    private bool _disposed;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        service.Dispose();
        guardLock.Dispose();
    }
}
