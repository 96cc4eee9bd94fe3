using System.Globalization;
using System.Net;
using Holt.Gateway;

namespace Holt.Audit;

/// <summary>The algorithms sshd offers, rated as ssh-audit rates them.</summary>
internal sealed partial class SshdArea
{
    /// <summary>
    /// One finding for a kind of algorithm when sshd offers any that ssh-audit fails (a warning) or warns about
    /// (a note). The fix lists what sshd offers now without them, in sshd's order; it is not offered when nothing
    /// would be left (or, for host keys, no key sshd has could sign).
    /// </summary>
    private static Finding? Algorithms(AuditMachine machine, SshdEffective sshd, AlgorithmKind kind)
    {
        (string effective, string directive, string plural) = SshAlgorithms.Keywords(kind);
        IReadOnlyList<string> offered = kind == AlgorithmKind.HostKey ? OfferedHostKeys(machine, sshd) : sshd.List(effective);
        List<string> failed = offered.Where(a => SshAlgorithms.Rate(kind, a) == AlgorithmRating.Fail).ToList();
        List<string> warned = offered.Where(a => SshAlgorithms.Rate(kind, a) == AlgorithmRating.Warn).ToList();
        if (failed.Count == 0 && warned.Count == 0)
        {
            return null;
        }

        List<string> kept = sshd.List(effective).Where(a => SshAlgorithms.Rate(kind, a) == AlgorithmRating.Good).ToList();
        bool usable = kind == AlgorithmKind.HostKey
            ? kept.Intersect(offered, StringComparer.Ordinal).Any()
            : kept.Count > 0;
        string line = $"{directive} {string.Join(',', kept)}";
        string rated = string.Join("; ", new[]
        {
            failed.Count > 0 ? $"ssh-audit fails {string.Join(", ", failed)}" : null,
            warned.Count > 0 ? $"warns about {string.Join(", ", warned)}" : null,
        }.Where(s => s is not null));
        string check = kind switch
        {
            AlgorithmKind.Kex => "weak-kex",
            AlgorithmKind.HostKey => "weak-host-keys",
            AlgorithmKind.Cipher => "weak-ciphers",
            _ => "weak-macs",
        };
        return new Finding
        {
            Id = $"{AreaName}.{check}",
            Severity = failed.Count > 0 ? Severity.Warning : Severity.Info,
            Area = AreaName,
            Title = $"sshd offers weak {plural}",
            Evidence = $"{rated} ({sshd.Command}{(kind == AlgorithmKind.HostKey ? ", with the host keys it has" : "")})",
            Why = kind switch
            {
                AlgorithmKind.Kex => "A client that agrees to a weak key exchange (SHA-1, small groups, NIST curves of doubtful origin) gets a session key an attacker may recover.",
                AlgorithmKind.HostKey => "Host keys prove the server is the server; a signature algorithm that can be forged (SHA-1, DSA, NIST curves) lets someone in the middle pose as it.",
                AlgorithmKind.Cipher => "CBC modes and RC4 leak plaintext to an attacker who watches or tampers with the stream.",
                _ => "MD5, SHA-1 and truncated MACs are weaker integrity checks; encrypt-then-MAC (-etm) variants are the sound ones.",
            },
            Fix = usable
                ? $"{line} in {sshd.DropIn}, then sshd -t and a reload (every OpenSSH client since 7.x supports what is left)"
                : kind == AlgorithmKind.HostKey
                    ? "generate an Ed25519 host key (ssh-keygen -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key), add HostKey /etc/ssh/ssh_host_ed25519_key, then run holt audit fix again"
                    : $"nothing sshd offers now would be left; set {directive} to modern algorithms by hand",
            Fixable = usable,
            Safe = usable,
            SshdLine = usable ? line : null,
        };
    }

    /// <summary>
    /// The host key algorithms sshd can really offer: those of HostKeyAlgorithms that one of its host keys can
    /// sign with. A key's type is the first word of its .pub file, else told by its file name.
    /// </summary>
    private static List<string> OfferedHostKeys(AuditMachine machine, SshdEffective sshd)
    {
        var signatures = new HashSet<string>(StringComparer.Ordinal);
        foreach (string key in sshd.All("hostkey"))
        {
            if (KeyType(machine, key) is string type)
            {
                signatures.UnionWith(SshAlgorithms.SignaturesOf(type));
            }
        }

        return sshd.List("hostkeyalgorithms").Where(signatures.Contains).ToList();
    }

    private static string? KeyType(AuditMachine machine, string keyPath)
    {
        try
        {
            if (machine.ReadText(keyPath + ".pub") is string pub && pub.Split(' ', 2)[0].Trim() is { Length: > 0 } type)
            {
                return type;
            }
        }
        catch (AuditAreaException)
        {
            // Fall back to the file's name.
        }

        string name = Path.GetFileName(keyPath);
        return name.Contains("ed25519", StringComparison.Ordinal) ? "ssh-ed25519"
            : name.Contains("ecdsa", StringComparison.Ordinal) ? "ecdsa-sha2-nistp256"
            : name.Contains("rsa", StringComparison.Ordinal) ? "ssh-rsa"
            : name.Contains("dsa", StringComparison.Ordinal) ? "ssh-dss"
            : null;
    }

    /// <summary>
    /// Where sshd listens (its listenaddress lines), judged by the firewall as the kernel has it: reachable from the
    /// internet is critical (SSH is what Holt exists to hide); behind the firewall on every address is a note, with
    /// the fix of listening on the VPN address alone, which holt audit fix makes only from a session through the VPN.
    /// </summary>
    private static void Listening(AuditMachine machine, SshdEffective sshd, List<Finding> findings)
    {
        Reachability reach;
        try
        {
            reach = Reachability.Of(machine);
        }
        catch (AuditAreaException e)
        {
            findings.Add(new Finding
            {
                Id = $"{AreaName}.listen-unknown",
                Severity = Severity.Info,
                Area = AreaName,
                Title = "where sshd listens could not be judged against the firewall",
                Evidence = e.Message,
                Why = "Without the ruleset Holt cannot tell whether the internet reaches sshd.",
                Fix = "run holt audit as root, with nft installed",
            });
            return;
        }

        var open = new List<string>();
        var hidden = new List<string>();
        foreach (string listen in sshd.All("listenaddress"))
        {
            if (ParseListen(listen) is not (IPAddress address, int port))
            {
                continue;
            }

            Reach judged = reach.For(Firewall.Protocol.Tcp, address, port);
            string where = $"{listen}: {judged.Reason}";
            if (judged.Kind is ReachKind.Internet or ReachKind.Unknown)
            {
                open.Add(where);
            }
            else if (judged.Kind is ReachKind.Blocked or ReachKind.AllowFrom)
            {
                hidden.Add(where);
            }
        }

        Config.HoltConfig? config = null;
        try
        {
            config = machine.Store?.Load();
        }
        catch (Config.ConfigException)
        {
            // The wireguard area reports a broken holt.toml; here it only names the VPN address.
        }

        string vpn = config?.Gateway.Address.ToString() ?? "the VPN address";
        string line = config is null ? "" : $"ListenAddress {config.Gateway.Address}";
        if (open.Count > 0 || hidden.Count > 0)
        {
            bool exposed = open.Count > 0;
            findings.Add(new Finding
            {
                Id = $"{AreaName}.listen-public",
                Severity = exposed ? Severity.Critical : Severity.Info,
                Area = AreaName,
                Title = exposed ? "the internet reaches sshd" : "sshd listens on every address (the firewall hides it)",
                Evidence = string.Join("; ", exposed ? open : hidden) + $" ({sshd.Command})",
                Why = exposed
                    ? "SSH open to the internet is the door every scanner knocks on; behind the VPN it answers only peers. holt lockdown ssh closes it in the firewall."
                    : "Should the firewall ever be off (a flush, a reinstall), sshd would answer the internet again; listening on the VPN address alone keeps it hidden either way.",
                Fix = exposed
                    ? $"holt lockdown ssh, then holt firewall confirm through the VPN; or, from a session through the VPN, holt audit fix {AreaName}.listen-public ({line} in {sshd.DropIn})"
                    : $"from a session through the VPN: holt audit fix {AreaName}.listen-public ({line} in {sshd.DropIn})",
                Fixable = config is not null,
                Safe = false,
                SshdLine = config is null ? null : line,
            });
        }
    }

    /// <summary>"0.0.0.0:22", "[::]:22" or "10.8.0.1:2222" as sshd -T prints a listen address.</summary>
    private static (IPAddress Address, int Port)? ParseListen(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            return null;
        }

        string host = text[..colon].Trim('[', ']');
        return IPAddress.TryParse(host, out IPAddress? address) ? (address, port) : null;
    }
}
