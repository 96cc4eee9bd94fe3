using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Holt.Gateway;

/// <summary>
/// The endpoint a client dials, as WireGuard configs write it: <c>host</c>, <c>host:port</c>, <c>a.b.c.d:port</c>,
/// <c>[v6]:port</c> or a bare IPv6 address.
/// </summary>
internal static class EndpointText
{
    /// <summary>Splits <paramref name="text"/> into host and optional port, or explains why it is not an endpoint.</summary>
    public static string? TryParse(string text, out string host, out int? port)
    {
        host = "";
        port = null;
        if (string.IsNullOrWhiteSpace(text) || text.Trim() != text)
        {
            return "an endpoint must be a host name or address, optionally with :PORT";
        }

        string rest;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !IPAddress.TryParse(text[1..close], out IPAddress? v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return $"'{text}' is not a valid [IPv6]:port endpoint";
            }

            host = text[..(close + 1)];
            rest = text[(close + 1)..];
            if (rest.Length == 0)
            {
                return null;
            }

            if (rest[0] != ':')
            {
                return $"'{text}' is not a valid [IPv6]:port endpoint";
            }

            return ParsePort(text, rest[1..], ref port);
        }

        int colons = text.Count(c => c == ':');
        if (colons > 1)
        {
            // A bare IPv6 address: no port can follow it unbracketed.
            if (!IPAddress.TryParse(text, out IPAddress? address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return $"'{text}' is not a valid endpoint (write IPv6 with a port as [address]:port)";
            }

            host = "[" + text + "]";
            return null;
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        host = colon < 0 ? text : text[..colon];
        if (!IsHostName(host))
        {
            return $"'{host}' is not a valid host name or IPv4 address";
        }

        return colon < 0 ? null : ParsePort(text, text[(colon + 1)..], ref port);
    }

    public static string WithDefaultPort(string endpoint, int defaultPort)
    {
        if (TryParse(endpoint, out string host, out int? port) is not null)
        {
            return endpoint;
        }

        return $"{host}:{(port ?? defaultPort).ToString(CultureInfo.InvariantCulture)}";
    }

    private static string? ParsePort(string text, string digits, ref int? port)
    {
        if (digits.Length is 0 or > 5 || !digits.All(char.IsAsciiDigit) ||
            !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value is < 1 or > 65535)
        {
            return $"'{text}' has an invalid port (1-65535)";
        }

        port = value;
        return null;
    }

    // RFC 1123 host names; IPv4 literals fit the same alphabet.
    private static bool IsHostName(string host)
    {
        if (host.Length is 0 or > 253)
        {
            return false;
        }

        foreach (string label in host.TrimEnd('.').Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' ||
                !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }
}
