namespace Holt.Audit;

/// <summary>How ssh-audit rates an algorithm.</summary>
internal enum AlgorithmRating
{
    Good,

    /// <summary>ssh-audit warns: usable, but weaker than it should be (SHA-1, small tags, encrypt-and-MAC).</summary>
    Warn,

    /// <summary>ssh-audit fails it: broken or distrusted (MD5, CBC modes, DSA, SHA-1 signatures, NIST curves).</summary>
    Fail,
}

/// <summary>The four kinds of algorithm an SSH server offers, as <c>sshd -T</c> names their keywords.</summary>
internal enum AlgorithmKind
{
    Kex,
    HostKey,
    Cipher,
    Mac,
}

/// <summary>
/// The algorithm ratings of ssh-audit 2.5.0 (Debian 12's ssh-audit package, its database of SSH2 algorithms), so
/// <c>holt audit</c> judges sshd as ssh-audit does, without connecting. Only names an OpenSSH server can be
/// configured with are listed; anything else is rated <see cref="AlgorithmRating.Good"/>, as ssh-audit does not
/// fail what it does not know.
/// </summary>
internal static class SshAlgorithms
{
    private static readonly HashSet<string> s_failKex = new(StringComparer.Ordinal)
    {
        "diffie-hellman-group1-sha1", "diffie-hellman-group-exchange-sha1", "diffie-hellman-group1-sha256", "rsa1024-sha1",
        "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
        "gss-group1-sha1-", "gss-nistp256-sha256-",
    };

    private static readonly HashSet<string> s_warnKex = new(StringComparer.Ordinal)
    {
        "diffie-hellman-group14-sha1", "gss-gex-sha1-", "gss-group14-sha1-",
    };

    private static readonly HashSet<string> s_failHostKey = new(StringComparer.Ordinal)
    {
        "ssh-rsa", "ssh-dss",
        "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ecdsa-sha2-nistp256@openssh.com",
        "ssh-rsa-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com",
        "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
        "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    };

    private static readonly HashSet<string> s_failCipher = new(StringComparer.Ordinal)
    {
        "3des-cbc", "aes128-cbc", "aes192-cbc", "aes256-cbc", "rijndael-cbc@lysator.liu.se", "blowfish-cbc", "cast128-cbc",
        "arcfour", "arcfour128", "arcfour256", "none",
    };

    private static readonly HashSet<string> s_failMac = new(StringComparer.Ordinal)
    {
        "hmac-md5", "hmac-md5-96", "hmac-md5-etm@openssh.com", "hmac-md5-96-etm@openssh.com",
        "hmac-ripemd160", "hmac-ripemd160@openssh.com", "hmac-ripemd160-etm@openssh.com",
        "hmac-sha1-96", "hmac-sha1-96-etm@openssh.com", "none",
    };

    private static readonly HashSet<string> s_warnMac = new(StringComparer.Ordinal)
    {
        "hmac-sha1", "hmac-sha1-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512",
        "umac-64@openssh.com", "umac-128@openssh.com", "umac-64-etm@openssh.com",
    };

    /// <summary>The <c>sshd -T</c> keyword that lists the algorithms of a kind, and the sshd_config keyword that sets them.</summary>
    public static (string Effective, string Directive, string Plural) Keywords(AlgorithmKind kind) => kind switch
    {
        AlgorithmKind.Kex => ("kexalgorithms", "KexAlgorithms", "key exchanges"),
        AlgorithmKind.HostKey => ("hostkeyalgorithms", "HostKeyAlgorithms", "host key algorithms"),
        AlgorithmKind.Cipher => ("ciphers", "Ciphers", "ciphers"),
        _ => ("macs", "MACs", "MACs"),
    };

    public static AlgorithmRating Rate(AlgorithmKind kind, string name)
    {
        (HashSet<string> fail, HashSet<string>? warn) = kind switch
        {
            AlgorithmKind.Kex => (s_failKex, s_warnKex),
            AlgorithmKind.HostKey => (s_failHostKey, null),
            AlgorithmKind.Cipher => (s_failCipher, null),
            _ => (s_failMac, s_warnMac),
        };
        if (fail.Contains(name))
        {
            return AlgorithmRating.Fail;
        }

        return warn?.Contains(name) == true ? AlgorithmRating.Warn : AlgorithmRating.Good;
    }

    /// <summary>
    /// The host key algorithms a key of this type can sign with ("ssh-rsa" keys sign as rsa-sha2-512, rsa-sha2-256
    /// and the SHA-1 ssh-rsa).
    /// </summary>
    public static IReadOnlyList<string> SignaturesOf(string keyType) => keyType switch
    {
        "ssh-rsa" => ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
        _ => [keyType],
    };
}
