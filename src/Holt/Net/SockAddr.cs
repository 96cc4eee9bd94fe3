using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Holt.Interop;
using Holt.WireGuard.IO;

namespace Holt.Net;

/// <summary>
/// <see cref="Endpoint"/> to and from the kernel's socket addresses. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d)
/// come back as IPv4, the form the engine keys peers and rate limits by.
/// </summary>
/// <remarks>
/// <code>
/// struct sockaddr_in  { u16 family; be16 port; be32 addr; u8 zero[8]; }                          16 bytes
/// struct sockaddr_in6 { u16 family; be16 port; be32 flowinfo; u8 addr[16]; u32 scope_id; }     28 bytes
/// </code>
/// The family and scope id are in host byte order, the port and addresses in network order.
/// </remarks>
internal static class SockAddr
{
    /// <summary>Room for either form.</summary>
    public const int Size = Libc.SockAddrIn6Size;

    private static ReadOnlySpan<byte> MappedPrefix => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

    /// <summary>Writes <paramref name="endpoint"/> as a sockaddr_in or sockaddr_in6; returns its length.</summary>
    public static int Write(Endpoint endpoint, Span<byte> destination)
    {
        destination[..Size].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], endpoint.Port);
        if (!endpoint.IsIPv6)
        {
            MemoryMarshal.Write(destination, (ushort)Libc.AF_INET);
            endpoint.WriteAddress(destination[4..8]);
            return Libc.SockAddrIn4Size;
        }

        MemoryMarshal.Write(destination, (ushort)Libc.AF_INET6);
        endpoint.WriteAddress(destination[8..24]);
        MemoryMarshal.Write(destination[24..], endpoint.ScopeId);
        return Libc.SockAddrIn6Size;
    }

    /// <summary>Reads a sockaddr_in or sockaddr_in6 of <paramref name="source"/>.Length bytes; false for anything else.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out Endpoint endpoint)
    {
        endpoint = default;
        if (source.Length < Libc.SockAddrIn4Size)
        {
            return false;
        }

        ushort family = MemoryMarshal.Read<ushort>(source);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        if (family == Libc.AF_INET)
        {
            endpoint = Endpoint.FromIPv4(source[4..8], port);
            return true;
        }

        if (family != Libc.AF_INET6 || source.Length < Libc.SockAddrIn6Size)
        {
            return false;
        }

        ReadOnlySpan<byte> address = source[8..24];
        endpoint = address.StartsWith(MappedPrefix)
            ? Endpoint.FromIPv4(address[12..], port)
            : Endpoint.FromIPv6(address, port, MemoryMarshal.Read<uint>(source[24..]));
        return true;
    }
}
