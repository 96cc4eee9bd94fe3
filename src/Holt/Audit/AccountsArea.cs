using System.Globalization;

namespace Holt.Audit;

/// <summary>
/// Who can log in, and with what: accounts with a usable password and a login shell (an empty password is
/// critical), the keys in each user's authorized_keys (DSA, and RSA under 2048 bits, are weak; root's keys are
/// listed), and private keys or key files that others may read or change.
/// <para>
/// The authorized_keys files read are sshd's defaults, <c>~/.ssh/authorized_keys</c> and
/// <c>~/.ssh/authorized_keys2</c>; a different AuthorizedKeysFile is the sshd area's to show. Hashes are never
/// shown: the evidence names the file and line.
/// </para>
/// </summary>
internal sealed partial class AccountsArea : IAuditArea
{
    /// <summary>No more lines of one file are judged: a file this long is not a list of keys someone keeps.</summary>
    public const int MaxLines = 10_000;

    /// <summary>Bits below which an RSA key is weak (NIST SP 800-131A: 2048 since 2014).</summary>
    public const int MinRsaBits = 2048;

    /// <summary>More keys in root's authorized_keys than this and nobody can say who holds each.</summary>
    public const int MaxRootKeys = 5;

    private static readonly string[] s_noLoginShells = ["nologin", "false", "sync", "shutdown", "halt"];

    public string Name => "accounts";

    public IReadOnlyList<Finding> Check(AuditMachine machine)
    {
        IReadOnlyList<Account> accounts = ReadPasswd(machine);
        string? shadow;
        try
        {
            shadow = machine.ReadText("/etc/shadow");
        }
        catch (AuditAreaException e)
        {
            throw new AuditAreaException($"{e.Message} (password hashes are root's to read: run holt audit as root)");
        }

        var findings = new List<Finding>();
        CheckPasswords(machine, accounts, shadow, findings);
        CheckKeys(machine, accounts, findings);
        return findings;
    }

    /// <summary>An account as /etc/passwd gives it, with the line it is on.</summary>
    private sealed record Account(string User, string Password, int Uid, string Home, string Shell, int Line);

    private static List<Account> ReadPasswd(AuditMachine machine)
    {
        if (machine.ReadText("/etc/passwd") is not string text)
        {
            throw new AuditAreaException("/etc/passwd does not exist");
        }

        var accounts = new List<Account>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < Math.Min(lines.Length, MaxLines); i++)
        {
            string[] fields = lines[i].TrimEnd('\r').Split(':');
            if (fields.Length >= 7 && fields[0].Length > 0 && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out int uid))
            {
                accounts.Add(new Account(fields[0], fields[1], uid, fields[5], fields[6], i + 1));
            }
        }

        return accounts;
    }

    /// <summary>Accounts that take a password at a login prompt: a usable hash (or none at all) and a shell that logs in.</summary>
    private void CheckPasswords(AuditMachine machine, IReadOnlyList<Account> accounts, string? shadow, List<Finding> findings)
    {
        // user -> (password field, line); without /etc/shadow the hashes are in /etc/passwd, as on very old systems.
        var hashes = new Dictionary<string, (string Field, string File, int Line, bool Expired)>(StringComparer.Ordinal);
        if (shadow is not null)
        {
            long today = (long)Math.Floor((machine.Now - DateTimeOffset.UnixEpoch).TotalDays);
            string[] lines = shadow.Split('\n');
            for (int i = 0; i < Math.Min(lines.Length, MaxLines); i++)
            {
                string[] fields = lines[i].TrimEnd('\r').Split(':');
                if (fields.Length >= 2 && fields[0].Length > 0)
                {
                    // Field 8: the day (since 1970) the account expired, after which it cannot log in at all.
                    bool expired = fields.Length >= 8 && long.TryParse(fields[7], NumberStyles.None, CultureInfo.InvariantCulture, out long day) && day <= today;
                    hashes.TryAdd(fields[0], (fields[1], "/etc/shadow", i + 1, expired));
                }
            }
        }

        List<string> shells = machine.ReadText("/etc/shells") is string listed
            ? listed.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#').ToList()
            : [];
        bool shellsListed = machine.StatusOf("/etc/shells") is not null;
        foreach (Account account in accounts)
        {
            (string field, string file, int line, bool expired) = account.Password == "x" && hashes.TryGetValue(account.User, out (string Field, string File, int Line, bool Expired) shadowed)
                ? shadowed
                : (account.Password, "/etc/passwd", account.Line, false);
            if (account.Password == "x" && shadow is not null && !hashes.ContainsKey(account.User))
            {
                // Shadowed, but /etc/shadow has no line for it: no password is accepted.
                continue;
            }

            string shell = account.Shell.Length == 0 ? "/bin/sh" : account.Shell;
            if (expired || !LogsIn(shell, shells, shellsListed) || field.StartsWith('!') || field.StartsWith('*'))
            {
                continue;
            }

            if (field.Length == 0)
            {
                findings.Add(Finding($"empty-password:{account.User}", Severity.Critical, $"{account.User} logs in with an empty password",
                    $"{file}:{line}: {account.User}'s password field is empty; shell {shell}",
                    "Anyone at a login prompt (a console, su, and sshd where PermitEmptyPasswords is on) becomes this user without knowing anything.",
                    $"passwd -l {account.User} (or passwd {account.User} to set one)"));
            }
            else if (field != "x")
            {
                findings.Add(Finding($"password-login:{account.User}", Severity.Warning, $"{account.User} can log in with a password",
                    $"{file}:{line}: {account.User} has a password hash (not shown); shell {shell}",
                    "A password can be guessed, phished or reused from another breach; a key cannot. Wherever sshd or another service still takes passwords, this account is one guess away.",
                    $"once {account.User} logs in with a key: passwd -l {account.User} (locks the password; keys keep working)"));
            }
        }
    }

    /// <summary>Whether a login shell lets one in: not nologin or false, and listed in /etc/shells when that file exists.</summary>
    private static bool LogsIn(string shell, List<string> shells, bool shellsListed) =>
        !s_noLoginShells.Contains(Path.GetFileName(shell), StringComparer.Ordinal) && (!shellsListed || shells.Contains(shell, StringComparer.Ordinal));

    private Finding Finding(string check, Severity severity, string title, string evidence, string why, string fix) =>
        Audit.Finding.Create(Name, check, severity, title, evidence, why, fix);
}
