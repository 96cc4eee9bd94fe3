using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Holt.Config;

namespace Holt.Quick;

/// <summary>
/// An address with a prefix length, as in <c>Address = 10.0.0.2/24</c> (an interface address: host bits are the
/// point) or <c>AllowedIPs = 10.0.0.0/8</c> (a route: see <see cref="Network"/>).
/// </summary>
internal readonly record struct IpPrefix(IPAddress Address, int Length)
{
    public bool IsIPv6 => Address.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>"-4" or "-6", the ip(8) option for this prefix's family.</summary>
    public string IpFamilyOption => IsIPv6 ? "-6" : "-4";

    public int MaxLength => IsIPv6 ? 128 : 32;

    /// <summary>The same prefix with the host bits cleared, as the kernel stores a route.</summary>
    public IpPrefix Network
    {
        get
        {
            byte[] bytes = Address.GetAddressBytes();
            for (int bit = Length; bit < bytes.Length * 8; bit++)
            {
                bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
            }

            return new IpPrefix(new IPAddress(bytes), Length);
        }
    }

    public bool HasHostBits => !Network.Address.Equals(Address);

    /// <summary>
    /// Parses <c>ADDRESS[/LENGTH]</c> as wg does: an address as inet_pton spells it (no shorthand like "10.1"),
    /// and a length that fits its family, the full length when left out.
    /// </summary>
    public static bool TryParse(string text, out IpPrefix prefix)
    {
        prefix = default;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? text : text[..slash];
        if (!AddressText.TryParse(addressText, out IPAddress? address))
        {
            return false;
        }

        int max = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        int length = max;
        if (slash >= 0)
        {
            string lengthText = text[(slash + 1)..];
            if (lengthText.Length is 0 or > 3 || !lengthText.All(char.IsAsciiDigit) ||
                !int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > max)
            {
                return false;
            }
        }

        prefix = new IpPrefix(address, length);
        return true;
    }

    public override string ToString() => $"{Address}/{Length.ToString(CultureInfo.InvariantCulture)}";
}
