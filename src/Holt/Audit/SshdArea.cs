using System.Globalization;

namespace Holt.Audit;

/// <summary>
/// sshd, judged from its effective configuration (<see cref="SshdEffective"/>): how it lets people in (passwords,
/// root, empty passwords), how long it lets a stranger try, what it forwards, the algorithms it offers (rated as
/// ssh-audit rates them) and where it listens. The settings <c>holt audit fix</c> can change go into a drop-in
/// (<see cref="SshdDropIn"/>); each finding's fix names the exact line.
/// </summary>
internal sealed partial class SshdArea : IAuditArea
{
    public const string AreaName = "sshd";

    public string Name => AreaName;

    public IReadOnlyList<Finding> Check(AuditMachine machine)
    {
        SshdEffective sshd = SshdEffective.Read(machine);
        var findings = new List<Finding>();
        Authentication(sshd, findings);
        Limits(sshd, findings);
        Forwarding(sshd, findings);
        foreach (AlgorithmKind kind in Enum.GetValues<AlgorithmKind>())
        {
            if (Algorithms(machine, sshd, kind) is Finding weak)
            {
                findings.Add(weak);
            }
        }

        Listening(machine, sshd, findings);
        Penalties(sshd, findings);
        return findings;
    }

    private static void Authentication(SshdEffective sshd, List<Finding> findings)
    {
        bool passwords = sshd.Yes("passwordauthentication");
        bool keyboard = sshd.Yes("kbdinteractiveauthentication") && sshd.Yes("usepam");
        if (passwords)
        {
            findings.Add(Setting(sshd, "password-authentication", Severity.Critical, "sshd accepts passwords", "passwordauthentication",
                "Passwords can be guessed: every server on the internet is tried with thousands of them a day, and one weak or reused password is a way in. Keys cannot be guessed.",
                "PasswordAuthentication no", safe: true));
        }

        if (keyboard)
        {
            findings.Add(Setting(sshd, "kbd-interactive", Severity.Critical, "sshd accepts keyboard-interactive logins through PAM (passwords by another name)", "kbdinteractiveauthentication",
                "With UsePAM yes, keyboard-interactive asks PAM, and PAM asks for the account's password: turning PasswordAuthentication off alone leaves passwords on.",
                "KbdInteractiveAuthentication no", safe: true));
        }

        if (sshd.Yes("permitemptypasswords"))
        {
            findings.Add(Setting(sshd, "permit-empty-passwords", Severity.Critical, "sshd lets accounts without a password log in", "permitemptypasswords",
                "An account whose password is empty is then open to anyone who knows its name.",
                "PermitEmptyPasswords no", safe: true));
        }

        string root = sshd["permitrootlogin"] ?? "yes";
        if (root == "yes")
        {
            findings.Add(Setting(sshd, "permit-root-login", passwords || keyboard ? Severity.Critical : Severity.Warning, "root may log in with a password", "permitrootlogin",
                "root is the name every attacker tries first, and a root login owns the machine; keys only (prohibit-password) or no root logins at all leave nothing to guess.",
                "PermitRootLogin prohibit-password", safe: true));
        }
        else if (root is "prohibit-password" or "without-password")
        {
            findings.Add(Setting(sshd, "root-login-keys", Severity.Info, "root may log in with a key", "permitrootlogin",
                "A stolen key of root's owns the machine at once; logging in as a user and using sudo leaves a trace of who did what and one more step.",
                "PermitRootLogin no", safe: false));
        }
    }

    private static void Limits(SshdEffective sshd, List<Finding> findings)
    {
        if (sshd.Number("maxauthtries") is int tries && tries > 4)
        {
            findings.Add(Setting(sshd, "max-auth-tries", tries > 6 ? Severity.Warning : Severity.Info, $"a connection may try {tries} passwords or keys", "maxauthtries",
                "Each connection of a brute-force run gets this many guesses before sshd closes it; fewer guesses a connection means fewer guesses before the guard bans the source.",
                "MaxAuthTries 4", safe: true));
        }

        if (sshd.Number("logingracetime") is int grace && (grace == 0 || grace > 60))
        {
            findings.Add(Setting(sshd, "login-grace-time", grace == 0 ? Severity.Warning : Severity.Info,
                grace == 0 ? "a connection may stay unauthenticated forever" : $"a connection may stay unauthenticated for {grace} s", "logingracetime",
                "Unauthenticated connections hold one of MaxStartups' slots: a few slow clients can keep everyone else out, the owner included.",
                "LoginGraceTime 30", safe: true));
        }

        if (sshd["maxstartups"] is string startups && StartupsTooLoose(startups))
        {
            findings.Add(Setting(sshd, "max-startups", Severity.Info, $"sshd lets many unauthenticated connections wait ({startups})", "maxstartups",
                "MaxStartups caps connections that have not logged in yet and starts dropping them at random past its first number; a high cap gives a flood more room.",
                "MaxStartups 10:30:60", safe: true));
        }
    }

    private static void Forwarding(SshdEffective sshd, List<Finding> findings)
    {
        if (sshd.Yes("x11forwarding"))
        {
            findings.Add(Setting(sshd, "x11-forwarding", Severity.Warning, "sshd forwards X11", "x11forwarding",
                "A server has no use for X11; a forwarded display lets the server's side (or whoever owns it) read the client's keyboard and screen.",
                "X11Forwarding no", safe: true));
        }

        string tcp = sshd["allowtcpforwarding"] ?? "yes";
        if (tcp != "no")
        {
            findings.Add(Setting(sshd, "tcp-forwarding", Severity.Info, "any user who logs in may forward TCP ports", "allowtcpforwarding",
                "A login can tunnel to anything the server reaches (its localhost services, the VPN); keep it if you use ssh -L, otherwise turn it off.",
                "AllowTcpForwarding no", safe: false));
        }

        if (sshd.Yes("allowagentforwarding"))
        {
            findings.Add(Setting(sshd, "agent-forwarding", Severity.Info, "sshd forwards SSH agents", "allowagentforwarding",
                "While a forwarded agent is connected, root on the server can use its keys to log in elsewhere as you.",
                "AllowAgentForwarding no", safe: false));
        }
    }

    private static void Penalties(SshdEffective sshd, List<Finding> findings)
    {
        if (sshd.Version is not Version version || version < new Version(9, 8))
        {
            return;
        }

        string penalties = sshd["persourcepenalties"] ?? "yes";
        if (penalties != "no")
        {
            findings.Add(new Finding
            {
                Id = $"{AreaName}.per-source-penalties",
                Severity = Severity.Info,
                Area = AreaName,
                Title = $"OpenSSH {version.ToString(2)} penalizes failing sources itself (PerSourcePenalties), as Holt's guard does",
                Evidence = $"persourcepenalties {penalties} ({sshd.Command})",
                Why = "Both refuse brute-force sources: sshd for a while in its own memory, the guard in the firewall with bans that outlive restarts. A source sshd refuses leaves fewer failures in the log, so the guard may take longer to ban it; the two do not conflict.",
                Fix = $"Nothing is needed. To let the guard alone decide, add PerSourcePenalties no to {sshd.DropIn}.",
            });
        }
    }

    private static bool StartupsTooLoose(string value)
    {
        string[] parts = value.Split(':');
        return int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int start) &&
            (start > 10 || (parts.Length == 3 && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int full) && full > 100) || (parts.Length == 1 && start > 10));
    }

    /// <summary>A finding about one setting, fixed by one line of the drop-in.</summary>
    private static Finding Setting(SshdEffective sshd, string check, Severity severity, string title, string keyword, string why, string line, bool safe, bool fixable = true) => new()
    {
        Id = $"{AreaName}.{check}",
        Severity = severity,
        Area = AreaName,
        Title = title,
        Evidence = $"{keyword} {sshd[keyword] ?? "(not printed)"} ({sshd.Command})",
        Why = why,
        Fix = fixable ? $"{line} in {sshd.DropIn} (the first drop-in, whose values win), then sshd -t and a reload" : line,
        Fixable = fixable,
        Safe = safe && fixable,
        SshdLine = fixable ? line : null,
    };
}
