using System.Buffers;
using System.Globalization;
using System.Net;

namespace Holt.Guard;

/// <summary>
/// Reads the client's address out of sshd's messages. sshd writes it after everything the client chose (a user
/// name, a banner) or straight after its own words, so each reader here starts from the place sshd writes it and
/// never from the first "from" in the line; and only an IP literal, written as sshd writes one, is taken.
/// </summary>
internal static class SshdText
{
    private static readonly SearchValues<char> s_addressChars = SearchValues.Create("0123456789abcdefABCDEF:.");

    /// <summary>An IP literal as sshd prints it (no zone, no leading zeros in IPv4), or null.</summary>
    public static IPAddress? Ip(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text.Length > 45 || text.IndexOfAnyExcept(s_addressChars) >= 0)
        {
            return null;
        }

        if (!text.Contains(':') && (text.Count('.') != 3 || HasLeadingZero(text)))
        {
            // "192.030.0.6" is octal to some parsers; sshd never writes an address that way.
            return null;
        }

        return IPAddress.TryParse(text, out IPAddress? address) ? address : null;
    }

    private static bool HasLeadingZero(ReadOnlySpan<char> dotted)
    {
        for (int i = 0; i < dotted.Length - 1; i++)
        {
            if (dotted[i] == '0' && (i == 0 || dotted[i - 1] == '.') && dotted[i + 1] != '.')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The text up to the first space.</summary>
    public static ReadOnlySpan<char> Word(ReadOnlySpan<char> text)
    {
        int space = text.IndexOf(' ');
        return space < 0 ? text : text[..space];
    }

    /// <summary>
    /// The address of an authentication line: "... from ADDRESS port N[ ssh2][: INFO]", or "... from ADDRESS" at the
    /// very end (older OpenSSH). <paramref name="fromAt"/> is where that " from " starts, so the text before it is
    /// the user. The user is the client's, and so can be the INFO of some methods (a certificate's key id, a
    /// hostbased client's names), so every " from ADDRESS port N" followed by the end or ": ", and a " from ADDRESS"
    /// that ends the line, is a candidate. Where the line has no INFO by its kind (<paramref name="endDecides"/>:
    /// "Invalid user", "maximum authentication attempts"), the candidate that ends the line is sshd's, as everything
    /// the client chose is before it. Otherwise it is the connection's known address among the candidates, or the
    /// one they all agree on; anything else is ambiguous, and no address is better than a wrong one.
    /// </summary>
    public static IPAddress? AuthAddress(ReadOnlySpan<char> text, IPAddress? known, bool endDecides, out int fromAt)
    {
        fromAt = -1;
        IPAddress? agreed = null;
        int agreedAt = -1;
        int knownAt = -1;
        bool disagree = false;
        void Candidate(IPAddress address, int at)
        {
            if (known is not null && address.Equals(known))
            {
                knownAt = at;
            }

            disagree |= agreed is not null && !agreed.Equals(address);
            agreed ??= address;
            agreedAt = at;
        }

        int bare = text.LastIndexOf(" from ");
        if (bare >= 0 && Ip(text[(bare + 6)..]) is IPAddress last)
        {
            // "... from ADDRESS" ends the line: the older form without a port.
            if (endDecides)
            {
                fromAt = bare;
                return last;
            }

            Candidate(last, bare);
        }

        for (int port = text.LastIndexOf(" port "); port > 0; port = text[..port].LastIndexOf(" port "))
        {
            ReadOnlySpan<char> after = text[(port + 6)..];
            int digits = after.IndexOfAnyExceptInRange('0', '9');
            digits = digits < 0 ? after.Length : digits;
            if (digits is 0 or > 5)
            {
                continue;
            }

            after = after[digits..];
            if (after.StartsWith(" ssh2") || after.StartsWith(" ssh1"))
            {
                after = after[5..];
            }

            if (!after.IsEmpty && !after.StartsWith(": "))
            {
                continue;
            }

            ReadOnlySpan<char> before = text[..port];
            int space = before.LastIndexOf(' ');
            if (space < 5 || !before[..space].EndsWith(" from") || Ip(before[(space + 1)..]) is not IPAddress address)
            {
                continue;
            }

            if (after.IsEmpty && endDecides)
            {
                // Nothing follows sshd's own words: whatever the client chose is before them.
                fromAt = space - 5;
                return address;
            }

            Candidate(address, space - 5);
        }

        if (knownAt >= 0)
        {
            fromAt = knownAt;
            return known;
        }

        fromAt = disagree ? -1 : agreedAt;
        return disagree ? null : agreed;
    }

    /// <summary>
    /// Finds "SEP ADDRESS port N" at the end of <paramref name="text"/> (after removing " ssh2"), searching for the
    /// last separator, so nothing a client put earlier in the line can stand in for the address.
    /// </summary>
    public static bool TailAddress(ReadOnlySpan<char> text, string separator, out IPAddress? address, out ReadOnlySpan<char> head)
    {
        address = null;
        head = default;
        if (text.EndsWith(" ssh2"))
        {
            text = text[..^5];
        }

        int port = text.LastIndexOf(" port ");
        if (port < 0 || !int.TryParse(text[(port + 6)..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return false;
        }

        ReadOnlySpan<char> beforePort = text[..port];
        int sep = beforePort.LastIndexOf(separator);
        if (sep < 0)
        {
            return false;
        }

        address = Ip(beforePort[(sep + separator.Length)..]);
        head = beforePort[..sep];
        return address is not null;
    }

    /// <summary>
    /// "... ADDRESS port N: REASON" where REASON is sshd's own text: the last " ADDRESS port N: " in the line (the
    /// client's user name is before it). <paramref name="head"/> is the text before the address.
    /// </summary>
    public static IPAddress? AddressBeforePortColon(ReadOnlySpan<char> text, out ReadOnlySpan<char> head)
    {
        head = default;
        for (int at = text.LastIndexOf(" port "); at > 0; at = text[..at].LastIndexOf(" port "))
        {
            ReadOnlySpan<char> after = text[(at + 6)..];
            int digits = after.IndexOfAnyExceptInRange('0', '9');
            if (digits > 0 && after[digits] == ':')
            {
                ReadOnlySpan<char> before = text[..at];
                int space = before.LastIndexOf(' ');
                if (Ip(before[(space + 1)..]) is IPAddress address)
                {
                    head = space < 0 ? default : before[..space];
                    return address;
                }
            }
        }

        return null;
    }

    /// <summary>For the aggressive-only lines: the address in "ADDRESS port N" nearest the end.</summary>
    public static IPAddress? AddressNearEnd(ReadOnlySpan<char> text)
    {
        int port = text.LastIndexOf(" port ");
        if (port < 0)
        {
            return null;
        }

        ReadOnlySpan<char> before = text[..port];
        int space = before.LastIndexOf(' ');
        return Ip(before[(space + 1)..]);
    }

    /// <summary>An address followed by one colon ("1.2.3.4:", "2001:db8:::") without it.</summary>
    public static IPAddress? IpBeforeColon(ReadOnlySpan<char> word) => Ip(word.EndsWith(':') ? word[..^1] : word);
}
