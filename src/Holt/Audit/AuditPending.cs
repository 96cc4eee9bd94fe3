using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Holt.External;
using Holt.Gateway;
using Holt.Storage;

namespace Holt.Audit;

/// <summary>
/// A fix that awaits <c>holt audit confirm</c>: what the drop-in held before the first unconfirmed fix (null: there
/// was none), so the rollback can put it back. Kept in the state directory (<c>audit.pending</c>, 0600), not in
/// /run: after a reboot in the middle of the wait the daemon still finds it and rolls back.
/// </summary>
internal sealed record AuditPending
{
    public required string Token { get; init; }

    public required DateTimeOffset Applied { get; init; }

    public required DateTimeOffset Deadline { get; init; }

    public required string DropIn { get; init; }

    public string? Previous { get; init; }

    public required string Sshd { get; init; }

    public string? SshdConfig { get; init; }

    /// <summary>The drop-in lines the pending fixes wrote.</summary>
    public required IReadOnlyList<string> Lines { get; init; }

    public static string PathOf() => Path.Combine(StateStore.StateDirectory(), "audit.pending");

    /// <summary>The pending fix, or null when none waits (or the file does not read: it is then treated as gone).</summary>
    public static AuditPending? Read()
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(PathOf()), AuditPendingJson.Default.AuditPending);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new CommandException($"{PathOf()} does not read ({e.Message.Split('\n')[0]}); look at {SshdDropIn.FileName} and remove the file by hand");
        }
    }

    public void Write()
    {
        AtomicFile.CreateParent(PathOf());
        _ = AtomicFile.WriteAllText(PathOf(), JsonSerializer.Serialize(this, AuditPendingJson.Default.AuditPending) + "\n");
    }

    public static void Delete() => File.Delete(PathOf());

    /// <summary>Serializes fixes, confirmations and rollbacks: a confirmation never races the watcher's rollback.</summary>
    public static IDisposable Lock() => FileLock.Take(Path.Combine(StateStore.StateDirectory(), ".audit.lock"));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(AuditPending))]
internal sealed partial class AuditPendingJson : JsonSerializerContext;

/// <summary>Telling the running sshd to read its configuration again, keeping every session it has.</summary>
internal static class SshdReload
{
    private const int SignalHangUp = 1;

    /// <summary>
    /// Reloads sshd: SIGHUP to the listener whose pid file <c>sshd -T</c> names (sshd then re-executes itself with
    /// the new configuration; sessions are child processes and stay), else <c>systemctl reload</c> of ssh.service.
    /// Returns what it did, in words; null when no sshd runs (it reads the drop-in when it starts).
    /// </summary>
    /// <exception cref="CommandException">The reload failed, or sshd did not survive it.</exception>
    public static string? Reload(string? pidFilePath)
    {
        if (ListenerPid(pidFilePath) is int pid)
        {
            HashSet<long> before = ListeningInodes(pid);
            if (Interop.Libc.kill(pid, SignalHangUp) != 0)
            {
                throw new CommandException($"could not signal sshd (pid {pid}): {Interop.Libc.Describe(Interop.Libc.LastErrno)}");
            }

            // sshd closes its listening sockets, re-executes itself in place and opens new ones: the reload is done
            // when the same process listens on sockets it did not have before (for a moment nothing answers).
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (waited.Elapsed < ListenTimeout)
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(50));
                if (!IsSshd(pid))
                {
                    throw new CommandException($"sshd (pid {pid}) did not survive the reload");
                }

                HashSet<long> now = ListeningInodes(pid);
                if (now.Count > 0 && !now.Overlaps(before))
                {
                    return $"sshd (pid {pid}) reloaded and listens again; open sessions stay";
                }
            }

            throw new CommandException($"sshd (pid {pid}) did not listen again within {ListenTimeout.TotalSeconds:0} s of the reload");
        }

        foreach (string unit in new[] { "ssh.service", "sshd.service" })
        {
            try
            {
                ToolResult active = ExternalTool.TryRun("systemctl", ["is-active", "--quiet", unit]);
                if (active.ExitCode == 0)
                {
                    _ = ExternalTool.Run("systemctl", ["reload", unit]);
                    return $"{unit} reloaded; open sessions stay";
                }
            }
            catch (CommandException)
            {
                // No systemd here.
                break;
            }
        }

        return null;
    }

    private static readonly TimeSpan ListenTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The TCP sockets the process listens on (its network namespace's tables, its own descriptors).</summary>
    private static HashSet<long> ListeningInodes(int pid)
    {
        var listening = new HashSet<long>();
        try
        {
            foreach (string table in new[] { "tcp", "tcp6" })
            {
                string path = $"/proc/{pid}/net/{table}";
                if (File.Exists(path))
                {
                    foreach (string line in File.ReadLines(path))
                    {
                        if (SocketTable.Parse(line, Firewall.Protocol.Tcp) is ListeningSocket socket)
                        {
                            _ = listening.Add(socket.Inode);
                        }
                    }
                }
            }

            var owned = new HashSet<long>();
            foreach (string fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                if (new FileInfo(fd).LinkTarget is string target && SocketTable.Inode(target) is long inode)
                {
                    _ = owned.Add(inode);
                }
            }

            listening.IntersectWith(owned);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process is between images or gone; the caller looks again.
            listening.Clear();
        }

        return listening;
    }

    private static int? ListenerPid(string? pidFilePath)
    {
        try
        {
            if (pidFilePath is null || pidFilePath == "none")
            {
                return null;
            }

            string text = File.ReadAllText(pidFilePath).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 1 && IsSshd(pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Whether the process runs sshd (a stale pid file must never make Holt signal something else).</summary>
    private static bool IsSshd(int pid)
    {
        try
        {
            string comm = File.ReadAllText($"/proc/{pid}/comm").Trim();
            return comm is "sshd" || comm.StartsWith("sshd", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
