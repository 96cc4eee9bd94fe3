using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;

namespace Holt.Uapi;

/// <summary>
/// The value syntaxes of the configuration protocol (https://www.wireguard.com/xplatform/#configuration-protocol),
/// parsed strictly: what <c>wg</c> writes and nothing looser. .NET's own IP parsers accept forms no WireGuard tool
/// writes ("10.1" for 10.0.0.1, a bracketed IPv6 address with a port), so the shapes are checked here first.
/// </summary>
internal static class UapiValues
{
    public delegate T HexKeyParser<out T>(ReadOnlySpan<char> hex);

    private static readonly SearchValues<char> s_notInZone = SearchValues.Create("%[]/ \t");
    private static readonly SearchValues<char> s_ipv6Chars = SearchValues.Create("0123456789abcdefABCDEF:.");

    /// <summary>A decimal number, digits only (as Go's ParseUint: no sign, no spaces; leading zeros allowed).</summary>
    public static bool TryParseUInt(ReadOnlySpan<char> text, uint max, out uint value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }

        ulong result = 0;
        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            result = (result * 10) + (uint)(c - '0');
            if (result > max)
            {
                return false;
            }
        }

        value = (uint)result;
        return true;
    }

    /// <summary>The protocol's flags take exactly <c>true</c>; wireguard-go refuses anything else, "false" too.</summary>
    public static bool IsTrue(ReadOnlySpan<char> text) => text.SequenceEqual("true");

    /// <summary>
    /// <c>a.b.c.d:port</c> or <c>[v6]:port</c>, where v6 may carry a zone (<c>%eth0</c> or <c>%2</c>). Host names
    /// are refused: <c>wg</c> resolves them before it writes the request. Port 0 is refused too, though
    /// wireguard-go takes it: no datagram can be sent there.
    /// </summary>
    public static bool TryParseEndpoint(ReadOnlySpan<char> text, out Endpoint endpoint)
    {
        endpoint = default;
        ReadOnlySpan<char> host;
        ReadOnlySpan<char> port;
        bool bracketed = text.StartsWith('[');
        if (bracketed)
        {
            int close = text.IndexOf(']');
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                return false;
            }

            host = text[1..close];
            port = text[(close + 2)..];
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon < 0)
            {
                return false;
            }

            host = text[..colon];
            port = text[(colon + 1)..];
        }

        if (!TryParseUInt(port, ushort.MaxValue, out uint portNumber) || portNumber == 0)
        {
            return false;
        }

        if (!bracketed)
        {
            if (!TryParseIPv4(host, out uint v4))
            {
                return false;
            }

            endpoint = Endpoint.FromIPv4(v4, (ushort)portNumber);
            return true;
        }

        if (!TryParseIPv6(host, allowZone: true, out IPAddress? v6))
        {
            return false;
        }

        // An IPv4-mapped address becomes IPv4, as the engine keeps every IPv4 endpoint.
        endpoint = Endpoint.FromIPEndPoint(new IPEndPoint(v6, (int)portNumber));
        return true;
    }

    /// <summary>
    /// <c>address/bits</c>. Host bits are accepted and cleared (10.0.0.5/24 is 10.0.0.0/24), as wireguard-go and
    /// the kernel do. Bits are plain decimal without leading zeros, as Go's netip.ParsePrefix wants them.
    /// </summary>
    public static bool TryParsePrefix(ReadOnlySpan<char> text, out IPNetwork prefix)
    {
        prefix = default;
        int slash = text.IndexOf('/');
        if (slash < 0)
        {
            return false;
        }

        ReadOnlySpan<char> address = text[..slash];
        ReadOnlySpan<char> bitsText = text[(slash + 1)..];
        if (bitsText.Length > 1 && bitsText[0] == '0')
        {
            return false;
        }

        if (address.Contains(':'))
        {
            if (!TryParseIPv6(address, allowZone: false, out IPAddress? v6)
                || !TryParseUInt(bitsText, 128, out uint bits6))
            {
                return false;
            }

            Span<byte> bytes = stackalloc byte[16];
            v6.TryWriteBytes(bytes, out _);
            UInt128 mask = bits6 == 0 ? UInt128.Zero : UInt128.MaxValue << (int)(128 - bits6);
            BinaryPrimitives.WriteUInt128BigEndian(bytes, BinaryPrimitives.ReadUInt128BigEndian(bytes) & mask);
            prefix = new IPNetwork(new IPAddress(bytes), (int)bits6);
            return true;
        }

        if (!TryParseIPv4(address, out uint v4) || !TryParseUInt(bitsText, 32, out uint bits4))
        {
            return false;
        }

        uint mask4 = bits4 == 0 ? 0 : uint.MaxValue << (int)(32 - bits4);
        Span<byte> v4Bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(v4Bytes, v4 & mask4);
        prefix = new IPNetwork(new IPAddress(v4Bytes), (int)bits4);
        return true;
    }

    /// <summary>Dotted quad only: four decimal fields, 0 to 255, no leading zeros (which some parsers read as octal).</summary>
    public static bool TryParseIPv4(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        int fields = 0;
        foreach (Range range in text.Split('.'))
        {
            ReadOnlySpan<char> field = text[range];
            if (++fields > 4 || field.Length is 0 or > 3 || (field.Length > 1 && field[0] == '0')
                || !TryParseUInt(field, 255, out uint octet))
            {
                return false;
            }

            address = (address << 8) | octet;
        }

        return fields == 4;
    }

    /// <summary>
    /// A 64-digit hex key (either case, as wireguard-go's hex decoding takes it); all zeros means "remove", as
    /// <c>wg</c> writes it for <c>private-key /dev/null</c>. The zero test reads the text, so nothing secret is
    /// decoded for it.
    /// </summary>
    public static bool TryParseSecret<T>(ReadOnlySpan<char> text, HexKeyParser<T> parse, out T? key, out bool remove)
        where T : SecretKey
    {
        key = null;
        remove = text.Length == 64 && !text.ContainsAnyExcept('0');
        if (remove)
        {
            return true;
        }

        try
        {
            key = parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Clamped on the way in, as both the kernel (wg_noise_set_static_identity_private_key) and wireguard-go
    /// (NoisePrivateKey.FromMaybeZeroHex) store it, so <c>get</c> answers what they would.
    /// </summary>
    public static PrivateKey PrivateKeyFromHex(ReadOnlySpan<char> hex)
    {
        PrivateKey key = PrivateKey.ParseHex(hex);
        ReadOnlySpan<byte> raw = key.Span;
        if ((raw[0] & 7) == 0 && (raw[31] & 0xc0) == 0x40)
        {
            return key;
        }

        Span<byte> clamped = stackalloc byte[32];
        raw.CopyTo(clamped);
        clamped[0] &= 248;
        clamped[31] = (byte)((clamped[31] & 127) | 64);
        try
        {
            return PrivateKey.FromBytes(clamped);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(clamped);
            key.Dispose();
        }
    }

    private static bool TryParseIPv6(ReadOnlySpan<char> text, bool allowZone, out IPAddress address)
    {
        address = IPAddress.None;
        ReadOnlySpan<char> bare = text;
        int percent = text.IndexOf('%');
        if (percent >= 0)
        {
            if (!allowZone || percent == text.Length - 1 || text[(percent + 1)..].ContainsAny(s_notInZone))
            {
                return false;
            }

            bare = text[..percent];
        }

        if (bare.IsEmpty || !bare.Contains(':') || bare.ContainsAnyExcept(s_ipv6Chars))
        {
            return false;
        }

        if (!IPAddress.TryParse(text, out IPAddress? parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        address = parsed;
        return true;
    }
}
