using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Holt.WireGuard.IO;

/// <summary>
/// A UDP endpoint as a value: the packet path records the source of every datagram, and an
/// <see cref="IPEndPoint"/> per packet would allocate. IPv4 addresses are kept as IPv4, not mapped.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct Endpoint : IEquatable<Endpoint>
{
    private readonly UInt128 _address;
    private readonly uint _scopeId;

    private Endpoint(UInt128 address, bool isIPv6, ushort port, uint scopeId)
    {
        _address = address;
        IsIPv6 = isIPv6;
        Port = port;
        _scopeId = scopeId;
        IsSet = true;
    }

    /// <summary>False for <c>default(Endpoint)</c>: a peer with no known endpoint.</summary>
    public bool IsSet { get; }

    public bool IsIPv6 { get; }

    public ushort Port { get; }

    public static Endpoint FromIPv4(uint addressBigEndianValue, ushort port) => new(addressBigEndianValue, false, port, 0);

    public static Endpoint FromIPv4(ReadOnlySpan<byte> address, ushort port) =>
        new(BinaryPrimitives.ReadUInt32BigEndian(address), false, port, 0);

    public static Endpoint FromIPv6(ReadOnlySpan<byte> address, ushort port, uint scopeId = 0) =>
        new(BinaryPrimitives.ReadUInt128BigEndian(address), true, port, scopeId);

    public static Endpoint FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        IPAddress address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return address.AddressFamily == AddressFamily.InterNetwork
            ? FromIPv4(bytes[..written], (ushort)endPoint.Port)
            : FromIPv6(bytes[..written], (ushort)endPoint.Port, (uint)address.ScopeId);
    }

    /// <summary>Parses <c>1.2.3.4:51820</c> or <c>[fd00::1]:51820</c>, the forms <c>wg</c> uses.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Endpoint endpoint)
    {
        endpoint = default;
        if (!IPEndPoint.TryParse(text, out IPEndPoint? parsed) || parsed.Port == 0)
        {
            return false;
        }

        // IPEndPoint.TryParse accepts a bare IPv6 address with a trailing ":n" as an address; require brackets.
        if (parsed.AddressFamily == AddressFamily.InterNetworkV6 && !text.StartsWith("["))
        {
            return false;
        }

        endpoint = FromIPEndPoint(parsed);
        return true;
    }

    /// <summary>Writes the address bytes (4 or 16) and returns how many were written.</summary>
    public int WriteAddress(Span<byte> destination)
    {
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(destination, _address);
            return 16;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_address);
        return 4;
    }

    public uint ScopeId => _scopeId;

    public IPEndPoint ToIPEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        int n = WriteAddress(bytes);
        var address = IsIPv6 ? new IPAddress(bytes[..n], _scopeId) : new IPAddress(bytes[..n]);
        return new IPEndPoint(address, Port);
    }

    public override string ToString() => IsSet ? ToIPEndPoint().ToString() : "(none)";

    public bool Equals(Endpoint other) =>
        _address == other._address && IsIPv6 == other.IsIPv6 && Port == other.Port && _scopeId == other._scopeId && IsSet == other.IsSet;

    /// <summary>Same host, ignoring the port: the unit of handshake rate limiting.</summary>
    public bool SameAddress(Endpoint other) => _address == other._address && IsIPv6 == other.IsIPv6;

    /// <summary>The address alone, for keying per-source tables.</summary>
    public UInt128 AddressKey => IsIPv6 ? _address : _address | ((UInt128)0xffff << 32);

    public override bool Equals(object? obj) => obj is Endpoint other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_address, Port, IsIPv6);

    public static bool operator ==(Endpoint left, Endpoint right) => left.Equals(right);

    public static bool operator !=(Endpoint left, Endpoint right) => !left.Equals(right);
}
