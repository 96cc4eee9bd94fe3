using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Holt.External;
using Holt.Hosting;
using Holt.Storage;

namespace Holt.Audit;

/// <summary>What <c>holt audit fix</c> did: the fixes it made (awaiting confirmation until the deadline) and those it can only describe.</summary>
internal sealed record FixOutcome(IReadOnlyList<Finding> Applied, IReadOnlyList<Finding> ByHand, DateTimeOffset? Deadline, string? Reload, IReadOnlyList<string> Warnings);

/// <summary>
/// <c>holt audit fix</c>: the sshd settings go into Holt's drop-in, checked with <c>sshd -t</c>, confirmed to take
/// effect with <c>sshd -T</c>, and loaded by a reload that keeps open sessions; a watcher puts the previous drop-in
/// back unless <c>holt audit confirm</c> follows in time, as <c>holt firewall apply</c> does with the ruleset. Nothing
/// is changed until every finding named is known and every lockout guard (<see cref="SshdLockout"/>) has passed.
/// </summary>
internal static partial class AuditFixes
{
    public static readonly TimeSpan DefaultConfirmTimeout = TimeSpan.FromSeconds(120);

    public static FixOutcome Fix(AuditMachine machine, IReadOnlyList<string> ids, bool safe, TimeSpan confirmTimeout, SshdLockout lockout)
    {
        if (ids.Count == 0 && !safe)
        {
            throw new CommandException("name the findings to fix (holt audit lists their IDs), or give --safe for every safe fix");
        }

        if (confirmTimeout < TimeSpan.FromSeconds(5) || confirmTimeout > TimeSpan.FromHours(1))
        {
            throw new CommandException("--confirm-timeout must be between 5 and 3600 seconds");
        }

        foreach (string id in ids)
        {
            if (!IdPattern().IsMatch(id))
            {
                throw new CommandException($"'{id}' is not a finding ID (they look like sshd.password-authentication; holt audit lists them)");
            }
        }

        // Only sshd's fixes are made here: when only they are named, only sshd is asked, so an area that cannot be
        // checked elsewhere does not stand in the way.
        bool sshdOnly = !safe && ids.All(i => i.StartsWith(SshdArea.AreaName + ".", StringComparison.Ordinal));
        AuditReport report = Auditor.Run(machine, sshdOnly ? [SshdArea.AreaName] : null);
        if (report.Areas.FirstOrDefault(a => a.Area == SshdArea.AreaName) is { Checked: false } sshdArea)
        {
            throw new CommandException($"sshd: {sshdArea.Note}; nothing was changed");
        }

        var chosen = new List<Finding>();
        foreach (string id in ids.Distinct(StringComparer.Ordinal))
        {
            chosen.Add(report.Findings.FirstOrDefault(f => f.Id == id)
                ?? throw new CommandException($"no finding {id} on this machine now (holt audit lists what there is); nothing was changed"));
        }

        if (safe)
        {
            chosen.AddRange(report.Findings.Where(f => f.Safe && !chosen.Contains(f)));
        }

        List<Finding> applied = chosen.Where(f => f.SshdLine is not null).ToList();
        List<Finding> byHand = chosen.Where(f => f.SshdLine is null).ToList();
        if (safe)
        {
            byHand.AddRange(report.Findings.Where(f => f.Severity == Severity.Critical && !f.Fixable && !byHand.Contains(f)));
        }

        if (applied.Count == 0)
        {
            return new FixOutcome([], byHand, null, null, []);
        }

        SshdEffective before = SshdEffective.Read(machine);
        List<string> warnings = lockout.Check(before, applied.Select(f => f.SshdLine!).ToList());
        using (AuditPending.Lock())
        {
            (DateTimeOffset deadline, string? reload) = Apply(machine, before, applied.Select(f => f.SshdLine!).ToList(), confirmTimeout);
            return new FixOutcome(applied, byHand, deadline, reload, warnings);
        }
    }

    private static (DateTimeOffset Deadline, string? Reload) Apply(AuditMachine machine, SshdEffective before, IReadOnlyList<string> lines, TimeSpan confirmTimeout)
    {
        string dropIn = SshdDropIn.PathFor(machine.SshdConfig);
        string? current = SshdDropIn.ReadCurrent(dropIn);
        AuditPending? pending = AuditPending.Read();
        if (pending is not null && pending.DropIn != dropIn)
        {
            throw new CommandException($"a fix of {pending.DropIn} awaits confirmation; run holt audit confirm or holt audit rollback first");
        }

        string? previous = pending is not null ? pending.Previous : current;
        DateTimeOffset deadline = machine.Now + confirmTimeout;
        var next = new AuditPending
        {
            Token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            Applied = machine.Now,
            Deadline = deadline,
            DropIn = dropIn,
            Previous = previous,
            Sshd = machine.Sshd,
            SshdConfig = machine.SshdConfig,
            Lines = [.. (pending?.Lines ?? []), .. lines],
        };

        // The pending fix and its watcher come before the drop-in changes: a kill -9 anywhere after this leaves a
        // fix that the watcher (or the daemon's next start) rolls back, never a changed drop-in nobody knows of.
        next.Write();
        try
        {
            _ = Daemon.Spawn(["audit", "rollback-watch", "--token", next.Token], TimeSpan.FromSeconds(30), quiet: true);
            SshdDropIn.Write(dropIn, SshdDropIn.Merge(current, lines, machine.Now));
            Check(machine);
            Verify(machine, lines);
            if (lines.Any(l => l.StartsWith("ListenAddress ", StringComparison.Ordinal)))
            {
                NonLocalBind.Ensure();
            }
        }
        catch (CommandException)
        {
            // Nothing was loaded: the drop-in and the earlier pending fix (with a watcher of its own) are put back.
            SshdDropIn.Write(dropIn, current);
            if (pending is null)
            {
                AuditPending.Delete();
            }
            else
            {
                pending.Write();
                _ = ResumeWatch();
            }

            throw;
        }

        try
        {
            return (deadline, SshdReload.Reload(before["pidfile"]));
        }
        catch (CommandException)
        {
            RollBack(next);
            throw;
        }
    }

    /// <summary><c>sshd -t</c> with the new drop-in: a configuration sshd would refuse is never loaded.</summary>
    private static void Check(AuditMachine machine)
    {
        List<string> arguments = ["-t"];
        if (machine.SshdConfig is string file)
        {
            arguments.AddRange(["-f", file]);
        }

        ToolResult result = machine.Run(machine.Sshd, arguments) ?? throw new CommandException($"{machine.Sshd} is not installed");
        if (result.ExitCode != 0)
        {
            throw new CommandException($"sshd -t refused the change ({result.FirstErrorLine}); the drop-in was put back, nothing else changed");
        }
    }

    /// <summary>
    /// Each line must be what sshd now uses: a drop-in that sshd_config does not include, or includes after setting
    /// the same keyword, would otherwise be a fix in name only.
    /// </summary>
    private static void Verify(AuditMachine machine, IReadOnlyList<string> lines)
    {
        var fresh = new AuditMachine(machine.Root, machine.Time, machine.Run) { SshdConfig = machine.SshdConfig, Sshd = machine.Sshd };
        SshdEffective after;
        try
        {
            after = SshdEffective.Read(fresh);
        }
        catch (AuditAreaException e)
        {
            throw new CommandException($"{e.Message}; the drop-in was put back");
        }

        foreach (string line in lines)
        {
            string[] parts = line.Split(' ', 2);
            string keyword = parts[0].ToLowerInvariant();
            string wanted = parts[1];
            if (keyword == "listenaddress")
            {
                // ListenAddress adds up rather than the first winning: every address sshd listens on must be the one asked.
                List<string> others = after.All(keyword).Where(l => l.Trim('[').Split(']')[0] != wanted && !l.StartsWith(wanted + ":", StringComparison.Ordinal)).ToList();
                if (others.Count > 0)
                {
                    throw new CommandException(
                        $"sshd would still listen on {string.Join(", ", others)}: {machine.SshdConfig ?? SshdDropIn.DefaultConfig} sets ListenAddress itself; remove those lines for the drop-in to decide. The drop-in was put back");
                }

                continue;
            }

            string? now = after[keyword];
            if (!string.Equals(Canonical(now), Canonical(wanted), StringComparison.OrdinalIgnoreCase))
            {
                throw new CommandException(
                    $"sshd still uses {keyword} {now ?? "(unset)"} after {SshdDropIn.FileName} set {wanted}: {machine.SshdConfig ?? SshdDropIn.DefaultConfig} must include sshd_config.d/*.conf before it sets {parts[0]} (Debian's has 'Include /etc/ssh/sshd_config.d/*.conf' at its top); the drop-in was put back");
            }
        }
    }

    /// <summary>sshd -T prints PermitRootLogin prohibit-password by its older name.</summary>
    private static string? Canonical(string? value) => value == "prohibit-password" ? "without-password" : value;

    /// <summary>Puts the drop-in back as it was before the first unconfirmed fix, reloads sshd and forgets the pending fix.</summary>
    public static string? RollBack(AuditPending pending)
    {
        SshdDropIn.Write(pending.DropIn, pending.Previous);
        string? pidFile = null;
        try
        {
            var machine = new AuditMachine("/", TimeProvider.System) { Sshd = pending.Sshd, SshdConfig = pending.SshdConfig };
            pidFile = SshdEffective.Read(machine)["pidfile"];
        }
        catch (AuditAreaException)
        {
            // The old configuration is back; sshd's default pid file is the usual one.
            pidFile = "/run/sshd.pid";
        }

        // The pending fix is forgotten only once sshd runs with the old configuration: a reload that fails leaves it
        // for the next watcher (the daemon's start) to finish.
        string? reloaded = SshdReload.Reload(pidFile);
        AuditPending.Delete();
        return reloaded;
    }

    /// <summary>
    /// The watcher a fix starts: waits for the deadline, then rolls back if the same fix still waits. Returns true
    /// when it rolled back.
    /// </summary>
    public static bool WatchAndRollBack(string token, ReadySignal? ready, TimeProvider time)
    {
        ready?.Ready();
        while (AuditPending.Read() is AuditPending pending && pending.Token == token)
        {
            TimeSpan left = pending.Deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                using (AuditPending.Lock())
                {
                    if (AuditPending.Read() is AuditPending still && still.Token == token)
                    {
                        _ = RollBack(still);
                        return true;
                    }
                }

                return false;
            }

            Task.Delay(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500), time).GetAwaiter().GetResult();
        }

        return false;
    }

    /// <summary>Starts a watcher for a fix that still awaits confirmation (after a reboot its watcher is gone); returns it, or null when none waits.</summary>
    public static AuditPending? ResumeWatch()
    {
        AuditPending? pending = AuditPending.Read();
        if (pending is not null)
        {
            _ = Daemon.Spawn(["audit", "rollback-watch", "--token", pending.Token], TimeSpan.FromSeconds(30), quiet: true);
        }

        return pending;
    }

    [GeneratedRegex(@"^[a-z0-9-]+\.[a-z0-9-]+(:\S+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}

/// <summary>
/// sshd listening on the VPN address alone must still start at boot, before Holt has brought the interface (and
/// its address) up: with ip_nonlocal_bind a program may bind an address the machine does not have yet, and sshd then
/// answers as soon as the VPN comes up. Set now and in /etc/sysctl.d for every boot; it stays after a rollback, as
/// it only lets programs bind such addresses.
/// </summary>
internal static class NonLocalBind
{
    public const string File = "/etc/sysctl.d/90-holt-sshd.conf";

    public static void Ensure()
    {
        try
        {
            _ = AtomicFile.WriteAllText(File, "# Written by holt audit fix: sshd may bind the VPN address before the VPN is up at boot.\nnet.ipv4.ip_nonlocal_bind = 1\nnet.ipv6.ip_nonlocal_bind = 1\n", AtomicFile.Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            System.IO.File.WriteAllText("/proc/sys/net/ipv4/ip_nonlocal_bind", "1\n");
            System.IO.File.WriteAllText("/proc/sys/net/ipv6/ip_nonlocal_bind", "1\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot let sshd bind the VPN address before the VPN is up ({File}: {e.Message}); without it sshd would not start after a reboot. The drop-in was put back");
        }
    }
}
