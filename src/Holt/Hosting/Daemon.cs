using System.Diagnostics;
using System.Globalization;
using System.Text;
using Holt.Interop;
using Holt.Logging;
using Microsoft.Win32.SafeHandles;

namespace Holt.Hosting;

/// <summary>
/// Daemonizing the way wireguard-go does it: the command starts a copy of itself in the foreground mode, detached
/// into a session of its own, and returns only once that copy reports the interface ready, so that wg-quick can
/// configure it at once. .NET cannot fork safely, hence the re-execution. Readiness travels over a pipe whose write
/// end only the child holds: <see cref="ReadySignal.ReadyByte"/> means ready; <see cref="ReadySignal.FailedByte"/>
/// is followed by the child's one-line error, which the parent prints as its own; end-of-file means the child died
/// without a word.
/// </summary>
/// <remarks>
/// As with wireguard-go, the daemon keeps the caller's standard output and error only when LOG_LEVEL is set;
/// otherwise it starts with /dev/null in their place (and always for standard input), so that a caller capturing
/// the output (<c>$(holt tunnel wg0)</c>) is not left waiting for a daemon that never closes it. The swap must
/// happen before the child starts: the .NET runtime takes copies of the standard streams before Main runs. For the
/// same reason no other descriptor of the caller's may reach the child.
/// </remarks>
internal static class Daemon
{
    public const string ReadyFdVariable = "HOLT_READY_FD";

    private static ReadySignal? s_ready;

    /// <summary>Starts the detached child with <paramref name="arguments"/> and waits until it is ready or fails.</summary>
    /// <param name="arguments">The child's command line after the program.</param>
    /// <param name="timeout">How long to wait for readiness.</param>
    /// <param name="quiet">Never hand the child the caller's output, even with LOG_LEVEL set (a helper with nothing to log).</param>
    /// <param name="log">
    /// The name the child logs under (<see cref="DaemonLog"/>) when it does not keep the caller's output: to syslog,
    /// or a file under /var/log/holt. Null for a child with nothing to log.
    /// </param>
    /// <exception cref="CommandException">The child failed to start; the message is its reason.</exception>
    public static int Spawn(IReadOnlyList<string> arguments, TimeSpan timeout, bool quiet = false, string? log = null)
    {
        (int readFd, int writeFd) = CreateReadinessPipe();
        KeepDescriptorsFromChild(writeFd);
        bool keepOutput = !quiet && Environment.GetEnvironmentVariable(LogLevelSwitch.VariableName) is not null;
        Process child;
        using (StandardStreams.ReplaceWithNull(keepOutput ? [0] : [0, 1, 2]))
        {
            try
            {
                ProcessStartInfo start = StartInfoForSelf();
                foreach (string argument in arguments)
                {
                    start.ArgumentList.Add(argument);
                }

                start.Environment[ReadyFdVariable] = writeFd.ToString(CultureInfo.InvariantCulture);
                if (!keepOutput && log is not null)
                {
                    start.Environment[DaemonLog.Variable] = log;
                }

                child = Process.Start(start) ?? throw new CommandException("could not start the daemon process");
            }
            finally
            {
                // Only the child may hold the write end, or end-of-file would never come.
                _ = Libc.close(writeFd);
            }
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

            if (signal.Result == ReadySignal.ReadyByte)
            {
                return 0;
            }

            if (signal.Result == ReadySignal.FailedByte)
            {
                using var text = new StreamReader(reader, Encoding.UTF8);
                string message = text.ReadToEnd().Trim();
                _ = child.WaitForExit(TimeSpan.FromSeconds(10));
                throw new CommandException(message.Length > 0 ? message : "the daemon failed to start");
            }

            // End-of-file: the child died before it could say anything.
            if (!child.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                child.Kill();
                throw new CommandException("the daemon closed its readiness pipe but did not exit; it was stopped");
            }

            throw new CommandException($"the daemon exited with code {child.ExitCode} before it was ready");
        }
    }

    /// <summary>
    /// In the child, at the very start of the process: leaves the parent's session and terminal, so a hang-up or
    /// Ctrl-C there cannot reach the daemon, and keeps the signal to send when ready for
    /// <see cref="TakeReadySignal"/>. Does nothing when this process was not started by <see cref="Spawn"/>.
    /// </summary>
    public static void DetachIfChild()
    {
        string? text = Environment.GetEnvironmentVariable(ReadyFdVariable);
        if (text is null)
        {
            return;
        }

        Environment.SetEnvironmentVariable(ReadyFdVariable, null);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int fd) || fd < 3)
        {
            // Not from Spawn: someone set the variable by hand. Run as an ordinary foreground process.
            return;
        }

        _ = Libc.setsid();
        Directory.SetCurrentDirectory("/");
        s_ready = new ReadySignal(fd);
    }

    /// <summary>The readiness signal of a daemon child, once; null in any other process.</summary>
    public static ReadySignal? TakeReadySignal() => Interlocked.Exchange(ref s_ready, null);

    /// <summary>
    /// Marks every descriptor of this process close-on-exec but the readiness pipe's, so the daemon inherits none
    /// of what its caller leaked to us (a shell's or a test harness's pipes), which it would otherwise hold open for
    /// its whole life. This process only starts the child and exits, so its own descriptors lose nothing.
    /// </summary>
    private static void KeepDescriptorsFromChild(int keep)
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int fd) && fd > 2 && fd != keep)
            {
                _ = Libc.FcntlInt(fd, Libc.F_SETFD, Libc.FD_CLOEXEC);
            }
        }
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
        IReadOnlyList<string> self = SelfCommand() ?? throw new CommandException("cannot find the holt executable to start the daemon");
        var start = new ProcessStartInfo(self[0]) { UseShellExecute = false };
        foreach (string argument in self.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>
    /// The command that runs this program again, before its arguments: the executable, and for a run as
    /// <c>dotnet holt.dll</c> the assembly too. Null if the executable cannot be found.
    /// </summary>
    internal static IReadOnlyList<string>? SelfCommand()
    {
        string? path = Environment.ProcessPath;
        if (path is null)
        {
            return null;
        }

        return Path.GetFileNameWithoutExtension(path) == "dotnet" ? [path, Path.Combine(AppContext.BaseDirectory, "holt.dll")] : [path];
    }
}

/// <summary>The child's end of the readiness pipe: written once, then closed.</summary>
internal sealed class ReadySignal(int fd)
{
    public const int ReadyByte = 1;
    public const int FailedByte = 2;

    private int _fd = fd;

    public void Ready() => Send(ReadyByte, null);

    /// <summary>Hands the one-line reason for failing to start to the parent, which prints it.</summary>
    public void Fail(string message) => Send(FailedByte, message);

    private void Send(int kind, string? message)
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd < 0)
        {
            return;
        }

        try
        {
            using var writer = new FileStream(new SafeFileHandle((nint)fd, ownsHandle: true), FileAccess.Write, bufferSize: 1);
            writer.WriteByte((byte)kind);
            if (message is not null)
            {
                writer.Write(Encoding.UTF8.GetBytes(message));
            }
        }
        catch (IOException)
        {
            // The parent is gone (killed, or timed out); nobody is left to tell.
        }
    }
}

/// <summary>
/// Standard streams of this process swapped for /dev/null while a child starts, then put back: the child inherits
/// /dev/null, this process keeps its own streams.
/// </summary>
internal sealed class StandardStreams : IDisposable
{
    private const int F_DUPFD_CLOEXEC = 1030;
    private readonly List<(int Fd, int Saved)> _saved = [];

    private StandardStreams()
    {
    }

    public static StandardStreams ReplaceWithNull(ReadOnlySpan<int> fds)
    {
        var streams = new StandardStreams();
        using SafeFileHandle devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        int target = (int)devNull.DangerousGetHandle();
        foreach (int fd in fds)
        {
            int saved = Libc.FcntlInt(fd, F_DUPFD_CLOEXEC, 3);
            if (saved < 0)
            {
                continue;
            }

            streams._saved.Add((fd, saved));
            _ = Libc.dup2(target, fd);
        }

        return streams;
    }

    public void Dispose()
    {
        foreach ((int fd, int saved) in _saved)
        {
            _ = Libc.dup2(saved, fd);
            _ = Libc.close(saved);
        }

        _saved.Clear();
    }
}
