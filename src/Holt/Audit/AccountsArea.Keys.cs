using Holt.Storage;

namespace Holt.Audit;

internal sealed partial class AccountsArea
{
    private static readonly string[] s_authorizedKeys = ["authorized_keys", "authorized_keys2"];

    /// <summary>
    /// Every home's authorized_keys (each home once, though several accounts may share one), the private keys
    /// beside them, and the host's own keys.
    /// </summary>
    private void CheckKeys(AuditMachine machine, IReadOnlyList<Account> accounts, List<Finding> findings)
    {
        var homes = new HashSet<string>(StringComparer.Ordinal);
        foreach (Account account in accounts)
        {
            string home = account.Home.TrimEnd('/');
            if (home.Length == 0 || !home.StartsWith('/') || !homes.Add(home) || machine.StatusOf(home, follow: true) is not { Type: FileType.Directory })
            {
                continue;
            }

            string sshDirectory = $"{home}/.ssh";
            if (machine.StatusOf(sshDirectory) is not { Type: FileType.Directory } sshStatus)
            {
                continue;
            }

            if ((sshStatus.Mode & SecretFiles.WritableByOthers) != 0)
            {
                findings.Add(WritableByOthers(sshDirectory, sshStatus, $"chmod 700 {sshDirectory}"));
            }

            var keys = new List<(SshPublicKey Key, string File, int Line)>();
            foreach (string name in s_authorizedKeys)
            {
                string file = $"{sshDirectory}/{name}";
                if (machine.StatusOf(file) is not { Type: FileType.RegularFile } status)
                {
                    continue;
                }

                if ((status.Mode & SecretFiles.WritableByOthers) != 0)
                {
                    findings.Add(WritableByOthers(file, status, $"chmod 600 {file}"));
                }

                keys.AddRange(ReadKeys(machine, file, findings));
            }

            foreach ((SshPublicKey key, string file, int line) in keys)
            {
                if (Weakness(key) is string weakness)
                {
                    findings.Add(Finding($"weak-key:{account.User}:{key.Fingerprint[..Math.Min(key.Fingerprint.Length, 19)]}", Severity.Warning,
                        $"{account.User} lets in a weak {key.Type} key",
                        $"{file}:{line}: {key.Type} {key.Bits} bits {key.Fingerprint}{(key.Comment.Length > 0 ? $" {key.Comment}" : "")}",
                        $"{weakness} Whoever factors or forges it logs in as {account.User}.",
                        $"on the device: ssh-keygen -t ed25519, add its .pub line to {file}, then delete line {line} ({key.Fingerprint})"));
                }
            }

            if (account.Uid == 0 && keys.Count > 0)
            {
                findings.Add(RootKeys(keys));
            }

            CheckPrivateKeys(machine, sshDirectory, findings);
        }

        CheckHostKeys(machine, findings);
    }

    /// <summary>Why the key is weak, or null when it is not.</summary>
    private static string? Weakness(SshPublicKey key) => key.Type switch
    {
        "ssh-dss" or "ssh-dss-cert-v01@openssh.com" => "DSA keys are limited to 1024 bits and OpenSSH dropped them (9.8 removed DSA altogether).",
        "ssh-rsa" or "ssh-rsa-cert-v01@openssh.com" when key.Bits < MinRsaBits => $"RSA under {MinRsaBits} bits is within reach of a well-funded attacker.",
        _ => null,
    };

    /// <summary>
    /// Root's keys, listed: a note, or a warning when there are more than <see cref="MaxRootKeys"/> or any has no
    /// comment (a key nobody can name is a key nobody will think to revoke).
    /// </summary>
    private Finding RootKeys(List<(SshPublicKey Key, string File, int Line)> keys)
    {
        List<string> unnamed = keys.Where(k => k.Key.Comment.Length == 0).Select(k => $"{k.File}:{k.Line}").ToList();
        bool warn = keys.Count > MaxRootKeys || unnamed.Count > 0;
        string list = string.Join("\n", keys.Select(k => $"{k.File}:{k.Line}: {k.Key.Type} {k.Key.Fingerprint} {(k.Key.Comment.Length > 0 ? k.Key.Comment : "(no comment)")}"));
        return Finding("root-keys", warn ? Severity.Warning : Severity.Info,
            $"{keys.Count} {(keys.Count == 1 ? "key logs" : "keys log")} in as root" +
            (keys.Count > MaxRootKeys ? $" (more than {MaxRootKeys})" : "") + (unnamed.Count > 0 ? $"; {unnamed.Count} without a comment" : ""),
            list,
            "Each of these keys is the whole machine. Every one should belong to someone you can name, on a device you still trust.",
            "delete the lines of keys nobody claims; give each remaining key a comment naming its owner and device (the text after the key)");
    }

    /// <summary>The keys of one authorized_keys file, with their lines; lines that are not keys noted once for the file.</summary>
    private List<(SshPublicKey Key, string File, int Line)> ReadKeys(AuditMachine machine, string file, List<Finding> findings)
    {
        var keys = new List<(SshPublicKey, string, int)>();
        var bad = new List<string>();
        IReadOnlyList<string> lines = machine.ReadLines(file);
        for (int i = 0; i < Math.Min(lines.Count, MaxLines); i++)
        {
            if (SshPublicKey.IsBlankOrComment(lines[i]))
            {
                continue;
            }

            if (SshPublicKey.Parse(lines[i], out string? problem) is SshPublicKey key)
            {
                keys.Add((key, file, i + 1));
            }
            else
            {
                bad.Add($"line {i + 1}: {problem}");
            }
        }

        if (bad.Count > 0)
        {
            findings.Add(Finding($"malformed-keys:{file}", Severity.Info, $"{file} has {bad.Count} {(bad.Count == 1 ? "line" : "lines")} that {(bad.Count == 1 ? "is" : "are")} not a key",
                $"{file}: {string.Join("; ", bad.Take(5))}{(bad.Count > 5 ? $"; and {bad.Count - 5} more" : "")}",
                "sshd skips these lines; a key meant to work does not, and a damaged file hides what it was meant to hold.",
                $"correct or delete those lines of {file} (ssh-keygen -l -f {file} lists the keys sshd reads)"));
        }

        return keys;
    }

    /// <summary>A user's private keys (<c>~/.ssh/id_*</c> without .pub) that others may read.</summary>
    private void CheckPrivateKeys(AuditMachine machine, string sshDirectory, List<Finding> findings)
    {
        foreach (string name in machine.List(sshDirectory).Where(n => n.StartsWith("id_", StringComparison.Ordinal) && !n.EndsWith(".pub", StringComparison.Ordinal)))
        {
            string path = $"{sshDirectory}/{name}";
            if (machine.StatusOf(path) is { Type: FileType.RegularFile } status && (status.Mode & SecretFiles.Exposed) != 0)
            {
                findings.Add(ReadableKey(path, status, $"chmod 600 {path}"));
            }
        }
    }

    /// <summary>
    /// The host's keys (<c>/etc/ssh/ssh_host_*_key</c>). Group read is allowed for the group ssh_keys, which
    /// Fedora and RHEL give them (0640 root:ssh_keys) so sshd's unprivileged helpers can sign.
    /// </summary>
    private void CheckHostKeys(AuditMachine machine, List<Finding> findings)
    {
        uint? sshKeysGid = GroupId(machine, "ssh_keys");
        foreach (string name in machine.List("/etc/ssh").Where(n => n.StartsWith("ssh_host_", StringComparison.Ordinal) && n.EndsWith("_key", StringComparison.Ordinal)))
        {
            string path = $"/etc/ssh/{name}";
            if (machine.StatusOf(path) is not { Type: FileType.RegularFile } status)
            {
                continue;
            }

            UnixFileMode exposed = status.Mode & SecretFiles.Exposed;
            if (status.Gid == sshKeysGid)
            {
                exposed &= ~UnixFileMode.GroupRead;
            }

            if (exposed != 0)
            {
                findings.Add(ReadableKey(path, status, $"chmod 600 {path} && chown root:root {path}"));
            }
        }
    }

    private static uint? GroupId(AuditMachine machine, string group)
    {
        foreach (string line in machine.ReadLines("/etc/group").Take(MaxLines))
        {
            string[] fields = line.Split(':');
            if (fields.Length >= 3 && fields[0] == group && uint.TryParse(fields[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out uint gid))
            {
                return gid;
            }
        }

        return null;
    }

    private Finding ReadableKey(string path, FileStatus status, string fix) =>
        Finding($"readable-key:{path}", Severity.Critical, $"the private key {path} is readable or writable by others",
            $"{path}: {SecretFiles.Describe(status)}",
            "Whoever reads a private key is its owner from then on: they log in wherever it is accepted, or, for a host key, impersonate this server.",
            fix);

    private Finding WritableByOthers(string path, FileStatus status, string fix) =>
        Finding($"writable-keys:{path}", Severity.Warning, $"others may change {path}",
            $"{path}: {SecretFiles.Describe(status)}",
            "Whoever may write there may add a key of their own and log in as its owner (sshd's StrictModes refuses such files, which also locks the owner out).",
            fix);
}
