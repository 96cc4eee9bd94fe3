using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Holt.Audit;

/// <summary>
/// One public key of an authorized_keys file (sshd(8), "AUTHORIZED_KEYS FILE FORMAT"): optional options, the key
/// type, the base64 key blob and an optional comment, separated by spaces. Options are comma-separated and may hold
/// double-quoted strings with spaces and backslash-escaped quotes (<c>command="echo \"hi\"",no-pty ssh-ed25519 ...</c>).
/// The blob is the key in SSH wire format (RFC 4253 section 6.6): <c>string type</c> first, then for ssh-rsa
/// <c>mpint e, mpint n</c>, for ssh-dss <c>mpint p, q, g, y</c>, for ecdsa <c>string curve, string Q</c>. The
/// strength the audit judges is the modulus' bit length for RSA and the size of p for DSA.
/// </summary>
internal sealed record SshPublicKey(string Type, int Bits, string Fingerprint, string Comment, string Options)
{
    /// <summary>sshd's own limit on a key line's length (SSH_MAX_PUBKEY_BYTES); anything longer is not a key.</summary>
    public const int MaxLineLength = 16 * 1024;

    private static readonly string[] s_types =
    [
        "ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
        "ssh-ed25519-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com",
        "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
        "sk-ssh-ed25519-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    ];

    /// <summary>Whether the line holds no key by design: blank, or a comment.</summary>
    public static bool IsBlankOrComment(string line)
    {
        string trimmed = line.TrimStart(' ', '\t');
        return trimmed.Length == 0 || trimmed[0] == '#';
    }

    /// <summary>The key on <paramref name="line"/>, or null with <paramref name="problem"/> saying why it is not one.</summary>
    public static SshPublicKey? Parse(string line, out string? problem)
    {
        problem = null;
        if (line.Length > MaxLineLength)
        {
            problem = $"longer than {MaxLineLength} characters";
            return null;
        }

        if (line.Any(c => char.IsControl(c) && c != '\t'))
        {
            problem = "holds control characters";
            return null;
        }

        string rest = line.Trim(' ', '\t');
        string options = "";
        string first = FirstWord(rest);
        if (!s_types.Contains(first, StringComparer.Ordinal))
        {
            if (OptionsEnd(rest) is not int end)
            {
                problem = "an option's quoted string is not closed";
                return null;
            }

            options = rest[..end];
            rest = rest[end..].TrimStart(' ', '\t');
        }

        string[] words = rest.Split([' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2)
        {
            problem = words.Length == 0 ? "no key type" : "no key after the type";
            return null;
        }

        string type = words[0];
        if (!s_types.Contains(type, StringComparer.Ordinal))
        {
            problem = "an unknown key type";
            return null;
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(words[1]);
        }
        catch (FormatException)
        {
            problem = "the key is not base64";
            return null;
        }

        if (Strength(blob, type) is not int bits)
        {
            problem = $"the key's data is not a {type} key";
            return null;
        }

        string fingerprint = "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');
        return new SshPublicKey(type, bits, fingerprint, words.Length > 2 ? words[2].Trim() : "", options);
    }

    /// <summary>The key's size in bits as ssh-keygen -l prints it, or null when the blob is not a key of <paramref name="type"/>.</summary>
    private static int? Strength(ReadOnlySpan<byte> blob, string type)
    {
        if (!ReadString(ref blob, out ReadOnlySpan<byte> inner) || !inner.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(type)))
        {
            return null;
        }

        // A certificate carries a nonce before the key's own fields.
        if (type.EndsWith("-cert-v01@openssh.com", StringComparison.Ordinal) && !ReadString(ref blob, out _))
        {
            return null;
        }

        string plain = type.Replace("-cert-v01@openssh.com", "", StringComparison.Ordinal);
        switch (plain)
        {
            case "ssh-rsa":
                // mpint e, mpint n: the modulus' bit length is the key's.
                return ReadString(ref blob, out _) && ReadString(ref blob, out ReadOnlySpan<byte> modulus) ? BitLength(modulus) : null;
            case "ssh-dss":
                return ReadString(ref blob, out ReadOnlySpan<byte> prime) ? BitLength(prime) : null;
            case "ssh-ed25519":
            case "sk-ssh-ed25519@openssh.com":
                return ReadString(ref blob, out ReadOnlySpan<byte> point) && point.Length == 32 ? 256 : null;
            default:
                // ecdsa-sha2-nistpNNN: the curve names its size.
                return ReadString(ref blob, out ReadOnlySpan<byte> curve) && curve.Length == 8 &&
                    int.TryParse(curve[5..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int size)
                    ? size
                    : null;
        }
    }

    /// <summary>Reads an SSH <c>string</c>: a big-endian uint32 length, then that many bytes.</summary>
    private static bool ReadString(ref ReadOnlySpan<byte> data, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (data.Length < 4)
        {
            return false;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (length > (uint)(data.Length - 4))
        {
            return false;
        }

        value = data.Slice(4, (int)length);
        data = data[(4 + (int)length)..];
        return true;
    }

    /// <summary>The bit length of a positive mpint (big-endian, a leading zero byte when the top bit is set).</summary>
    private static int? BitLength(ReadOnlySpan<byte> mpint)
    {
        int start = 0;
        while (start < mpint.Length && mpint[start] == 0)
        {
            start++;
        }

        if (start == mpint.Length)
        {
            return null;
        }

        return ((mpint.Length - start - 1) * 8) + (32 - BitOperations.LeadingZeroCount((uint)mpint[start]));
    }

    private static string FirstWord(string text)
    {
        int end = text.IndexOfAny([' ', '\t']);
        return end < 0 ? text : text[..end];
    }

    /// <summary>Where the options end: the first space or tab outside double quotes; null when a quote is not closed.</summary>
    private static int? OptionsEnd(string text)
    {
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted && c == '\\' && i + 1 < text.Length)
            {
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c is ' ' or '\t')
            {
                return i;
            }
        }

        return quoted ? null : text.Length;
    }
}
