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
    /// <summary>Set to 1 in the environment, the guard takes faults injected by tests (see <see cref="FaultFile"/>).</summary>
    public const string TestHooksVariable = "HOLT_TEST_HOOKS";

    private static string LockPath => Path.Combine(StateStore.StateDirectory(), "guard.lock");

    /// <summary>
    /// With <see cref="TestHooksVariable"/> set, the guard's thread throws when this file appears (and deletes it):
    /// how the tests show that a failing guard is restarted while the tunnel runs on.
    /// </summary>
    public static string FaultFile => Path.Combine(StateStore.StateDirectory(), "guard.fault");

    /// <summary>Takes the guard's lock, puts the table in place and starts the guard with <paramref name="config"/>.</summary>
    /// <exception cref="CommandException">Another guard runs, or the store or a source cannot be opened.</exception>
    public static RunningGuard Start(GuardConfig config, IgnorePolicy ignore, ILogger logger, TimeProvider time, Action<Exception>? faulted) =>
        TryStart(config, ignore, logger, time, faulted) ??
            throw new CommandException($"the guard already runs (in the gateway daemon or `holt guard run`; {LockPath} is locked)");

    /// <summary>As <see cref="Start"/>, but null when another guard of this state directory runs.</summary>
    public static RunningGuard? TryStart(GuardConfig config, IgnorePolicy ignore, ILogger logger, TimeProvider time, Action<Exception>? faulted)
    {
        if (TakeLock() is not SafeFdHandle guardLock)
        {
            return null;
        }

        BanStore? store = null;
        try
        {
            store = BanStore.Open(BanStore.DefaultPath);

            // Another guard (of another state directory) may share the table and its bans: it is recreated only when
            // it is not as Holt defines it; the service's start then puts this store's bans back in any case.
            BanTable.LearnDefinition();
            BanTable.Ensure();
            if (!BanTable.IsIntact())
            {
                BanTable.Recreate();
            }
            var service = new GuardService(config, ignore, store, new KernelBans(), logger, time)
            {
                Faulted = faulted,
                FaultHook = Environment.GetEnvironmentVariable(TestHooksVariable) == "1" ? TakeInjectedFault : null,
            };
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

    private static bool TakeInjectedFault()
    {
        try
        {
            if (!File.Exists(FaultFile))
            {
                return false;
            }

            File.Delete(FaultFile);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static SafeFdHandle? TakeLock()
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
            return null;
        }

        return handle;
    }
}

/// <summary>A started guard and its lock; disposing stops it, saves its positions and releases the lock.</summary>
internal sealed class RunningGuard(GuardService service, SafeFdHandle guardLock) : IDisposable
{
    private bool _disposed;

    public GuardService Service => service;

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
