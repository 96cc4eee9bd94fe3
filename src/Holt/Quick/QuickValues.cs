using System.Globalization;
using System.Net;
using Holt.Config;

namespace Holt.Quick;

/// <summary>
/// The values of a wg-quick file, read as wg and wg-quick read them. Each returns null (or false) for a value it
/// does not take, and the parser turns that into a "FILE:LINE" error naming the key.
/// </summary>
internal static class QuickValues
{
    /// <summary>A port, 0 to 65535, in decimal. wg also takes service names from /etc/services; Holt does not.</summary>
    public static ushort? Port(string value) =>
        IsDecimal(value, 5) && ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) ? port : null;

    /// <summary>A firewall mark as wg reads it: "off", decimal, or hexadecimal after "0x"; at most 32 bits.</summary>
    public static uint? FwMark(string value)
    {
        if (value.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        if (value.Length > 2 && value.StartsWith("0x", StringComparison.Ordinal))
        {
            string digits = value[2..];
            return digits.Length <= 8 && digits.All(char.IsAsciiHexDigit) &&
                uint.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint hex) ? hex : null;
        }

        return IsDecimal(value, 10) && uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint mark) ? mark : null;
    }

    /// <summary>A persistent keepalive interval in seconds: "off" (0) or 0 to 65535.</summary>
    public static ushort? Keepalive(string value) =>
        value.Equals("off", StringComparison.OrdinalIgnoreCase) ? (ushort)0 : Port(value);

    /// <summary>An MTU the kernel takes for an interface: from 68 (IPv4's minimum) to 65535.</summary>
    public static int? Mtu(string value) =>
        IsDecimal(value, 5) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int mtu) && mtu is >= 68 and <= 65535
            ? mtu
            : null;

    /// <summary>wg-quick's Table: off, auto, a table number, or a table's name for ip(8) to look up.</summary>
    public static RouteTable? Table(string value)
    {
        if (value.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return RouteTable.Off;
        }

        if (value.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return RouteTable.Auto;
        }

        if (value.All(char.IsAsciiDigit))
        {
            return IsDecimal(value, 10) && uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint number)
                ? new RouteTable(RouteTableKind.Explicit, number.ToString(CultureInfo.InvariantCulture))
                : null;
        }

        // A name goes to ip as one argument: letters first, so it can never read as an option.
        return value.Length <= 64 && char.IsAsciiLetter(value[0]) && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
            ? new RouteTable(RouteTableKind.Explicit, value)
            : null;
    }

    /// <summary>wg-quick's booleans, for SaveConfig: exactly true or false.</summary>
    public static bool? Boolean(string value) =>
        value.Equals("true", StringComparison.OrdinalIgnoreCase) ? true
        : value.Equals("false", StringComparison.OrdinalIgnoreCase) ? false
        : null;

    /// <summary>
    /// <c>HOST:PORT</c> or <c>[IPv6]:PORT</c>, as wg splits it: the port follows the last colon (or the closing
    /// bracket). The host is an address or a name, resolved when the interface comes up.
    /// </summary>
    public static (string Host, ushort Port)? Endpoint(string value)
    {
        string host;
        string port;
        if (value.StartsWith('['))
        {
            int close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= value.Length || value[close + 1] != ':')
            {
                return null;
            }

            host = value[1..close];
            port = value[(close + 2)..];
            if (!host.Contains(':', StringComparison.Ordinal) || !AddressText.TryParse(host, out _))
            {
                return null;
            }
        }
        else
        {
            int colon = value.LastIndexOf(':');
            if (colon <= 0)
            {
                return null;
            }

            host = value[..colon];
            port = value[(colon + 1)..];
            if (host.Contains(':', StringComparison.Ordinal) ? !AddressText.TryParse(host, out _) : !IsHost(host))
            {
                return null;
            }
        }

        return Port(port) is ushort number and > 0 ? (host, number) : null;
    }

    /// <summary>
    /// One DNS entry: wg-quick takes digits-and-dots or anything with a colon for a nameserver (which must then be
    /// an address), and anything else for a search domain (which must then be a domain name).
    /// </summary>
    public static (IPAddress? Server, string? Domain)? Dns(string value)
    {
        bool looksLikeAddress = value.Contains(':', StringComparison.Ordinal) || value.All(c => char.IsAsciiDigit(c) || c == '.');
        if (looksLikeAddress)
        {
            return AddressText.TryParse(value, out IPAddress? server) ? (server, null) : null;
        }

        return IsDomain(value) ? (null, value) : null;
    }

    /// <summary>A value short enough to quote in an error message.</summary>
    public static string Quote(string value) => value.Length <= 60 ? $"'{value}'" : $"'{value[..57]}...'";

    private static bool IsDecimal(string value, int maxDigits) =>
        value.Length > 0 && value.Length <= maxDigits && value.All(char.IsAsciiDigit);

    /// <summary>
    /// An IPv4 address or a host name (letters, digits, '-', '_' and dots). Digits and dots alone must be an
    /// address: getaddrinfo would read "10.1" as 10.0.0.1.
    /// </summary>
    private static bool IsHost(string host) =>
        host.All(c => char.IsAsciiDigit(c) || c == '.') ? AddressText.TryParse(host, out _) : IsDomain(host);

    private static bool IsDomain(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (string label in name.TrimEnd('.').Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' ||
                !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
