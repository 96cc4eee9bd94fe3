namespace Holt.Integration.Tests.Harness;

/// <summary>
/// A real rsyslogd of the lab's own: it listens on a socket in the lab's directory instead of /dev/log and writes
/// the auth and authpriv facilities to the lab's auth.log, in rsyslog's default file format (RFC 3339 time stamps,
/// as Debian 12 writes /var/log/auth.log). <see cref="Sshd"/> points its /dev/log at the socket.
/// </summary>
internal sealed class Rsyslog
{
    private Rsyslog(BackgroundProcess process, string socket, string authLog)
    {
        Process = process;
        Socket = socket;
        AuthLog = authLog;
    }

    public BackgroundProcess Process { get; }

    /// <summary>The datagram socket programs log to.</summary>
    public string Socket { get; }

    /// <summary>The file auth and authpriv messages go to.</summary>
    public string AuthLog { get; }

    public static async Task<Rsyslog> StartAsync(Lab lab, NetworkNamespace ns)
    {
        string directory = Path.Combine(lab.Directory, "rsyslog");
        Directory.CreateDirectory(Path.Combine(directory, "work"));
        string socket = Path.Combine(directory, "log.sock");
        string authLog = Path.Combine(directory, "auth.log");
        string config = await lab.WriteFileAsync(Path.Combine("rsyslog", "rsyslog.conf"), $"""
            global(workDirectory="{Path.Combine(directory, "work")}")
            module(load="imuxsock" SysSock.Name="{socket}")
            auth,authpriv.* {authLog}

            """);
        BackgroundProcess process = lab.StartProcess(ns, Tools.Rsyslogd, "-n", "-f", config, "-i", Path.Combine(directory, "rsyslogd.pid"));
        lab.KeepLog(authLog);
        await Poll.UntilAsync(
            () => Task.FromResult(process.HasExited || File.Exists(socket)),
            TimeSpan.FromSeconds(10),
            () => $"rsyslogd did not create {socket}: {process.Log()}");
        if (process.HasExited)
        {
            throw new Xunit.Sdk.XunitException($"rsyslogd exited at once: {process.Log()}");
        }

        return new Rsyslog(process, socket, authLog);
    }

    /// <summary>
    /// Rotates auth.log the way logrotate does by default: renamed to auth.log.1, then rsyslogd told (SIGHUP) to
    /// reopen its files, so lines logged in between still land in the renamed file.
    /// </summary>
    public void Rotate()
    {
        File.Move(AuthLog, AuthLog + ".1");
        Assert.True(Process.Signal(1), "rsyslogd is not running");
    }
}
