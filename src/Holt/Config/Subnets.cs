using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Holt.Config;

/// <summary>Address arithmetic for the VPN subnets: which addresses a peer may have, and the next free one.</summary>
internal static class Subnets
{
    /// <summary>The smallest subnets a gateway accepts: room for the gateway and at least one peer.</summary>
    public const int MaxPrefix4 = 30;
    public const int MaxPrefix6 = 126;

    /// <summary>A CIDR in canonical form (host bits zero), or an error.</summary>
    public static string? TryParseNetwork(string text, out IPNetwork network)
    {
        network = default;
        if (!IPNetwork.TryParse(text, out IPNetwork parsed) || !text.Contains('/', StringComparison.Ordinal) || text.Contains('%', StringComparison.Ordinal))
        {
            // A CIDR-shaped text refused anyway (a runtime that refuses host bits): say which form is wanted.
            int slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && IPAddress.TryParse(text[..slash], out IPAddress? address) &&
                int.TryParse(text[(slash + 1)..], out int length) && length >= 0 &&
                length <= (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
            {
                return $"'{text}' has host bits set; the network is {Canonical(address, length)}";
            }

            return $"'{text}' is not a CIDR such as 10.8.0.0/24 or fd00::/64";
        }

        // .NET 10's parser masks host bits ("10.8.0.1/24" parses as 10.8.0.0/24), which would let a typo such as
        // 10.8.1.0/16 pass unseen as another network.
        if (IPAddress.TryParse(text.AsSpan(0, text.IndexOf('/', StringComparison.Ordinal)), out IPAddress? written) &&
            !written.Equals(parsed.BaseAddress))
        {
            return $"'{text}' has host bits set; the network is {parsed}";
        }

        network = parsed;
        return null;
    }

    private static IPNetwork Canonical(IPAddress address, int length)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int bit = length; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPNetwork(new IPAddress(bytes), length);
    }

    public static bool IsIPv4(IPNetwork network) => network.BaseAddress.AddressFamily == AddressFamily.InterNetwork;

    /// <summary>The host address at <paramref name="index"/> in <paramref name="network"/> (1 is the first host).</summary>
    public static IPAddress HostAt(IPNetwork network, UInt128 index)
    {
        byte[] bytes = network.BaseAddress.GetAddressBytes();
        if (bytes.Length == 4)
        {
            uint value = BinaryPrimitives.ReadUInt32BigEndian(bytes) + (uint)index;
            BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        }
        else
        {
            UInt128 value = BinaryPrimitives.ReadUInt128BigEndian(bytes) + index;
            BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        }

        return new IPAddress(bytes);
    }

    /// <summary>The index of <paramref name="address"/> inside <paramref name="network"/> (which must contain it).</summary>
    public static UInt128 IndexOf(IPNetwork network, IPAddress address)
    {
        byte[] bytes = address.GetAddressBytes();
        byte[] baseBytes = network.BaseAddress.GetAddressBytes();
        return bytes.Length == 4
            ? BinaryPrimitives.ReadUInt32BigEndian(bytes) - BinaryPrimitives.ReadUInt32BigEndian(baseBytes)
            : BinaryPrimitives.ReadUInt128BigEndian(bytes) - BinaryPrimitives.ReadUInt128BigEndian(baseBytes);
    }

    /// <summary>How many addresses the network spans, capped at <see cref="UInt128.MaxValue"/>.</summary>
    public static UInt128 Size(IPNetwork network)
    {
        int hostBits = (IsIPv4(network) ? 32 : 128) - network.PrefixLength;
        return hostBits >= 128 ? UInt128.MaxValue : UInt128.One << hostBits;
    }

    /// <summary>
    /// Why <paramref name="address"/> cannot be a host in <paramref name="network"/>, or null if it can: it must be
    /// inside, and neither the network's own address nor (IPv4) its broadcast address.
    /// </summary>
    public static string? HostProblem(IPNetwork network, IPAddress address)
    {
        if (address.AddressFamily != network.BaseAddress.AddressFamily || !network.Contains(address))
        {
            return $"{address} is outside the subnet {network}";
        }

        UInt128 index = IndexOf(network, address);
        if (index == 0)
        {
            return $"{address} is the network address of {network}";
        }

        if (IsIPv4(network) && index == Size(network) - 1)
        {
            return $"{address} is the broadcast address of {network}";
        }

        return null;
    }

    /// <summary>The first host address of <paramref name="network"/> not in <paramref name="taken"/>, or null when full.</summary>
    public static IPAddress? FirstFree(IPNetwork network, IReadOnlySet<IPAddress> taken, UInt128? preferredIndex = null)
    {
        UInt128 last = IsIPv4(network) ? Size(network) - 2 : Size(network) - 1;
        if (preferredIndex is UInt128 preferred && preferred >= 1 && preferred <= last)
        {
            IPAddress candidate = HostAt(network, preferred);
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }

        // Linear from the start: at most one step per peer already there, since every step past a free one stops.
        for (UInt128 index = 1; index <= last; index++)
        {
            IPAddress candidate = HostAt(network, index);
            if (!taken.Contains(candidate))
            {
                return candidate;
            }

            if (index == UInt128.MaxValue)
            {
                break;
            }
        }

        return null;
    }
}
