using System.Text;

namespace Holt.Audit;

/// <summary>
/// A user's authorized keys as sshd finds them: the files of AuthorizedKeysFile (<c>sshd -T</c>), with %h, %u and
/// %% expanded and relative paths taken from the home directory in /etc/passwd.
/// </summary>
internal static class AuthorizedKeys
{
    /// <summary>The files sshd would read for <paramref name="user"/>.</summary>
    public static IReadOnlyList<string> Files(AuditMachine machine, SshdEffective sshd, string user)
    {
        string? home = Home(machine, user);
        string patterns = sshd["authorizedkeysfile"] ?? ".ssh/authorized_keys .ssh/authorized_keys2";
        var files = new List<string>();
        foreach (string pattern in patterns.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (pattern == "none")
            {
                continue;
            }

            string expanded = Expand(pattern, home ?? "/nonexistent", user);
            files.Add(expanded.StartsWith('/') ? expanded : Path.Combine(home ?? "/nonexistent", expanded));
        }

        return files;
    }

    /// <summary>How many key lines the user's files hold (comments, blank and unreadable lines not counted).</summary>
    public static int Count(AuditMachine machine, SshdEffective sshd, string user)
    {
        int count = 0;
        foreach (string file in Files(machine, sshd, user))
        {
            try
            {
                count += machine.ReadLines(file).Count(IsKeyLine);
            }
            catch (AuditAreaException)
            {
                // A file sshd cannot read either holds no key that counts.
            }
        }

        return count;
    }

    /// <summary>
    /// Whether a line holds a key: after any options, a key type and its base64 blob. Options may hold quoted
    /// strings with spaces, so the line is searched for a known key type word followed by base64.
    /// </summary>
    public static bool IsKeyLine(string line)
    {
        string trimmed = line.Trim();
        if (trimmed.Length == 0 || trimmed.StartsWith('#'))
        {
            return false;
        }

        string[] words = trimmed.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i + 1 < words.Length; i++)
        {
            if (LooksLikeKeyType(words[i]) && IsBase64(words[i + 1]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool LooksLikeKeyType(string word) =>
        word.StartsWith("ssh-", StringComparison.Ordinal) || word.StartsWith("ecdsa-", StringComparison.Ordinal) ||
        word.StartsWith("sk-", StringComparison.Ordinal) || word.StartsWith("rsa-", StringComparison.Ordinal);

    private static bool IsBase64(string word)
    {
        if (word.Length < 16 || word.Length % 4 != 0)
        {
            return false;
        }

        var buffer = new byte[word.Length];
        return Convert.TryFromBase64String(word, buffer, out _);
    }

    private static string? Home(AuditMachine machine, string user)
    {
        foreach (string line in machine.ReadLines("/etc/passwd"))
        {
            string[] fields = line.Split(':');
            if (fields.Length >= 7 && fields[0] == user)
            {
                return fields[5];
            }
        }

        return null;
    }

    private static string Expand(string pattern, string home, string user)
    {
        var text = new StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '%' && i + 1 < pattern.Length)
            {
                i++;
                _ = pattern[i] switch
                {
                    'h' => text.Append(home),
                    'u' => text.Append(user),
                    '%' => text.Append('%'),
                    _ => text.Append('%').Append(pattern[i]),
                };
            }
            else
            {
                text.Append(pattern[i]);
            }
        }

        return text.ToString();
    }
}
