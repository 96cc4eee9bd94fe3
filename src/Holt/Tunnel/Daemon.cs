using System.Diagnostics;
using System.Globalization;
using Holt.Interop;
using Microsoft.Win32.SafeHandles;

namespace Holt.Tunnel;

/// <summary>
/// Daemonizing the way wireguard-go does it: the command starts a copy of itself in the foreground mode, detached
/// into a session of its own, and returns only once that copy reports the interface ready, so that wg-quick can
/// configure it at once. .NET cannot fork safely, hence the re-execution. Readiness travels over a pipe whose write
/// end only the child holds: one byte means ready; end-of-file means the child failed, and its exit code (after
/// its own one-line error on the shared standard error) becomes ours.
/// </summary>
internal static class Daemon
{
    public const string ReadyFdVariable = "HOLT_READY_FD";

    /// <summary>Starts the detached child with <paramref name="arguments"/> and waits until it is ready or fails.</summary>
    public static int Spawn(IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        (int readFd, int writeFd) = CreateReadinessPipe();
        Process child;
        try
        {
            ProcessStartInfo start = StartInfoForSelf();
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment[ReadyFdVariable] = writeFd.ToString(CultureInfo.InvariantCulture);
            child = Process.Start(start) ?? throw new CommandException("could not start the daemon process");
        }
        finally
        {
            // Only the child may hold the write end, or end-of-file would never come.
            _ = Libc.close(writeFd);
        }

        using (child)
        using (var reader = new FileStream(new SafeFileHandle((nint)readFd, ownsHandle: true), FileAccess.Read, bufferSize: 1))
        {
            Task<int> signal = Task.Run(reader.ReadByte);
            if (!signal.Wait(timeout))
            {
                child.Kill();
                throw new CommandException($"the daemon did not become ready within {timeout.TotalSeconds:0} s and was stopped");
            }

            if (signal.Result == 1)
            {
                return 0;
            }

            // The child closed the pipe without saying ready: it failed and has said why on standard error.
            if (!child.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                child.Kill();
                return 1;
            }

            return child.ExitCode == 0 ? 1 : child.ExitCode;
        }
    }

    /// <summary>
    /// In the child: leaves the parent's session and terminal, so a hang-up or Ctrl-C there cannot reach the
    /// daemon, and returns the signal to send when ready. Null when this process was not started by
    /// <see cref="Spawn"/>.
    /// </summary>
    public static ReadySignal? DetachIfChild()
    {
        string? text = Environment.GetEnvironmentVariable(ReadyFdVariable);
        if (text is null)
        {
            return null;
        }

        Environment.SetEnvironmentVariable(ReadyFdVariable, null);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int fd) || fd < 3)
        {
            throw new CommandException($"{ReadyFdVariable}={text} is not a file descriptor");
        }

        _ = Libc.setsid();
        using (SafeFileHandle devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read))
        {
            _ = Libc.dup2((int)devNull.DangerousGetHandle(), 0);
        }

        Directory.SetCurrentDirectory("/");
        return new ReadySignal(fd);
    }

    private static unsafe (int Read, int Write) CreateReadinessPipe()
    {
        int* fds = stackalloc int[2];
        if (Libc.pipe2(fds, Libc.O_CLOEXEC) != 0)
        {
            throw new CommandException($"could not create a pipe: {Libc.Describe(Libc.LastErrno)}");
        }

        // The write end alone crosses exec into the child.
        _ = Libc.FcntlInt(fds[1], Libc.F_SETFD, 0);
        return (fds[0], fds[1]);
    }

    private static ProcessStartInfo StartInfoForSelf()
    {
        string path = Environment.ProcessPath ?? throw new CommandException("cannot find the holt executable to start the daemon");
        var start = new ProcessStartInfo(path) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            // Run as `dotnet holt.dll`: the child needs the assembly path too.
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "holt.dll"));
        }

        return start;
    }
}

/// <summary>The child's end of the readiness pipe: written once, then closed.</summary>
internal sealed class ReadySignal(int fd)
{
    private int _fd = fd;

    public void Ready()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd < 0)
        {
            return;
        }

        using var writer = new FileStream(new SafeFileHandle((nint)fd, ownsHandle: true), FileAccess.Write, bufferSize: 1);
        writer.WriteByte(1);
    }
}
