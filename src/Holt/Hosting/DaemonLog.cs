using Holt.Logging;
using Holt.Storage;

namespace Holt.Hosting;

/// <summary>
/// Where a daemon's log goes when nobody keeps its standard error: a daemonized <c>holt up</c> has /dev/null there,
/// so the parent names the log in <see cref="Variable"/> and the daemon writes to syslog (<c>/dev/log</c>, which
/// journald serves on systemd machines, so <c>journalctl -t holt-wg0</c> shows it), or, without a syslog socket, to
/// <c>/var/log/holt/NAME.log</c>. Never to nowhere.
/// </summary>
internal static class DaemonLog
{
    /// <summary>Set by the parent for the daemon: the name its log lines carry.</summary>
    public const string Variable = "HOLT_DAEMON_LOG";

    /// <summary>The syslog socket; the tests point it elsewhere (an empty value: no syslog).</summary>
    public const string SocketVariable = "HOLT_SYSLOG_SOCKET";

    public const string Directory = "/var/log/holt";

    /// <summary>The daemon's log when its standard error is /dev/null: <paramref name="name"/> is its tag.</summary>
    public static string For(string name) => "holt-" + name;

    /// <summary>
    /// The writer the daemon logs to: standard error when it was kept (LOG_LEVEL set, or the foreground), else
    /// syslog, else a file. Called in the daemon.
    /// </summary>
    public static TextWriter Open()
    {
        string? tag = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(tag))
        {
            return Console.Error;
        }

        string socket = Environment.GetEnvironmentVariable(SocketVariable) ?? "/dev/log";
        if (socket.Length > 0 && SyslogWriter.TryOpen(socket, tag) is SyslogWriter syslog)
        {
            return syslog;
        }

        string path = Path.Combine(Directory, tag + ".log");
        try
        {
            _ = System.IO.Directory.CreateDirectory(Directory, AtomicFile.PrivateDirectory);
            var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Append,
                Access = FileAccess.Write,
                Share = FileShare.ReadWrite,
                UnixCreateMode = AtomicFile.Private,
            });
            return new StreamWriter(file) { AutoFlush = true };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Console.Error;
        }
    }
}
