using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Holt.Config;

/// <summary>IP address literals as configuration files and command lines write them.</summary>
internal static class AddressText
{
    /// <summary>
    /// An IPv4 address in exactly four decimal parts, or an IPv6 address without a zone: what inet_pton accepts.
    /// IPAddress.TryParse alone would also take "10.1", "0x0a.1" or "fe80::1%eth0".
    /// </summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return !text.Contains('%', StringComparison.Ordinal) && !text.Contains('[', StringComparison.Ordinal) &&
                IPAddress.TryParse(text, out address) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        string[] parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++)
        {
            string part = parts[i];
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0'))
            {
                return false;
            }

            int value = int.Parse(part, CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return false;
            }

            bytes[i] = (byte)value;
        }

        address = new IPAddress(bytes);
        return true;
    }
}
