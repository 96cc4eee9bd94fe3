namespace Holt.Integration.Tests.Harness;

/// <summary>
/// Names for namespaces and interfaces. /var/run/wireguard is shared by every namespace on the machine, so a
/// userspace interface name must be unique machine-wide, not just in its namespace: names carry this process's id
/// ("hti-PID-LAB" plus a letter per host, at most 15 characters, IFNAMSIZ - 1). The id also lets a later run find
/// and remove what a crashed run left behind.
/// </summary>
internal static class Names
{
    public const string Prefix = "hti-";
    private const int MaxInterfaceName = 15;

    private static readonly string s_run = ToBase36(Environment.ProcessId);
    private static int s_labs;

    /// <summary>A fresh lab id, "hti-PID-N", to which hosts append one letter.</summary>
    public static string NextLab()
    {
        string name = $"{Prefix}{s_run}-{ToBase36(Interlocked.Increment(ref s_labs))}";
        if (name.Length + 1 > MaxInterfaceName)
        {
            throw new InvalidOperationException($"Interface names from '{name}' would exceed {MaxInterfaceName} characters.");
        }

        return name;
    }

    /// <summary>The id of the process that made a name, or null when it is not one of ours.</summary>
    public static int? OwnerOf(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        string[] parts = name.Split('-');
        return parts.Length == 3 && TryParseBase36(parts[1], out int pid) ? pid : null;
    }

    private static string ToBase36(int value)
    {
        const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        string text = "";
        do
        {
            text = Digits[value % 36] + text;
            value /= 36;
        }
        while (value > 0);
        return text;
    }

    private static bool TryParseBase36(string text, out int value)
    {
        value = 0;
        foreach (char c in text)
        {
            int digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetterLower(c) ? c - 'a' + 10 : -1;
            if (digit < 0 || value > int.MaxValue / 36)
            {
                return false;
            }

            value = (value * 36) + digit;
        }

        return text.Length > 0;
    }
}
