using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;

namespace Holt.Uapi;

/// <summary>
/// Writes the answer to <c>get=1</c> (https://www.wireguard.com/xplatform/#configuration-protocol) in the order and
/// shape wireguard-go writes it: <c>private_key</c>, <c>listen_port</c> and <c>fwmark</c> when set; then per peer
/// <c>public_key</c>, <c>preshared_key</c> (zeros when none), <c>protocol_version=1</c>, <c>endpoint</c> when known,
/// the handshake time, byte counters, keepalive interval and one <c>allowed_ip</c> line per prefix. The caller
/// appends the <c>errno=0</c> line.
/// </summary>
internal static class GetResponseWriter
{
    private const int KeySize = 32;

    public static void Write(WireGuardDevice device, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(device);
        Span<byte> secret = stackalloc byte[KeySize];
        try
        {
            if (device.TryCopyPrivateKey(secret))
            {
                WriteHex(output, "private_key="u8, secret);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        if (device.ListenPort != 0)
        {
            WriteNumber(output, "listen_port="u8, device.ListenPort);
        }

        if (device.FirewallMark != 0)
        {
            WriteNumber(output, "fwmark="u8, device.FirewallMark);
        }

        foreach (Peer peer in device.Peers)
        {
            WritePeer(peer, output);
        }
    }

    private static void WritePeer(Peer peer, IBufferWriter<byte> output)
    {
        WriteHex(output, "public_key="u8, peer.PublicKey.Span);
        using (PresharedKey? psk = peer.GetPresharedKey())
        {
            WriteHex(output, "preshared_key="u8, psk is null ? stackalloc byte[KeySize] : psk.Span);
        }

        WriteAscii(output, "protocol_version=1\n"u8);
        Endpoint endpoint = peer.Endpoint;
        if (endpoint.IsSet)
        {
            WriteEndpoint(output, endpoint);
        }

        long ticks = peer.LastHandshake is DateTimeOffset at ? (at - DateTimeOffset.UnixEpoch).Ticks : 0;
        WriteNumber(output, "last_handshake_time_sec="u8, (ulong)(ticks / TimeSpan.TicksPerSecond));
        WriteNumber(output, "last_handshake_time_nsec="u8, (ulong)(ticks % TimeSpan.TicksPerSecond * TimeSpan.NanosecondsPerTick));
        WriteNumber(output, "tx_bytes="u8, (ulong)peer.TxBytes);
        WriteNumber(output, "rx_bytes="u8, (ulong)peer.RxBytes);
        WriteNumber(output, "persistent_keepalive_interval="u8, peer.PersistentKeepaliveInterval);
        foreach (IPNetwork prefix in peer.AllowedIps)
        {
            // "allowed_ip=" + the longest IPv6 text (45) + "/128" + newline fits easily.
            Span<byte> line = output.GetSpan(80);
            "allowed_ip="u8.CopyTo(line);
            int n = "allowed_ip="u8.Length;
            if (!prefix.TryFormat(line[n..], out int written))
            {
                throw new InvalidOperationException("An allowed IP did not fit its line.");
            }

            n += written;
            line[n++] = (byte)'\n';
            output.Advance(n);
        }
    }

    private static void WriteEndpoint(IBufferWriter<byte> output, Endpoint endpoint)
    {
        Span<byte> line = output.GetSpan(128);
        "endpoint="u8.CopyTo(line);
        int n = "endpoint="u8.Length;
        n += FormatEndpoint(endpoint, line[n..]);
        line[n++] = (byte)'\n';
        output.Advance(n);
    }

    /// <summary>
    /// Writes an endpoint as <c>get=1</c> shows it, <c>192.0.2.1:51820</c> or <c>[2001:db8::1]:51820</c> (with its
    /// scope, if any), into at least <see cref="MaxEndpointLength"/> bytes; returns the bytes written.
    /// </summary>
    internal static int FormatEndpoint(Endpoint endpoint, Span<byte> text)
    {
        int n = 0;
        Span<byte> raw = stackalloc byte[16];
        int length = endpoint.WriteAddress(raw);
        IPAddress address = endpoint.IsIPv6 ? new IPAddress(raw[..length], endpoint.ScopeId) : new IPAddress(raw[..length]);
        if (endpoint.IsIPv6)
        {
            text[n++] = (byte)'[';
        }

        if (!address.TryFormat(text[n..], out int written))
        {
            throw new InvalidOperationException("An endpoint did not fit its line.");
        }

        n += written;
        if (endpoint.IsIPv6)
        {
            text[n++] = (byte)']';
        }

        text[n++] = (byte)':';
        endpoint.Port.TryFormat(text[n..], out written, default, CultureInfo.InvariantCulture);
        return n + written;
    }

    /// <summary>Room enough for any endpoint's text: an IPv6 address with a scope, brackets and a port.</summary>
    internal const int MaxEndpointLength = 80;

    private static void WriteHex(IBufferWriter<byte> output, ReadOnlySpan<byte> key, ReadOnlySpan<byte> bytes)
    {
        Span<byte> line = output.GetSpan(key.Length + (bytes.Length * 2) + 1);
        key.CopyTo(line);
        int n = key.Length;
        foreach (byte b in bytes)
        {
            line[n++] = HexDigit(b >> 4);
            line[n++] = HexDigit(b & 0xf);
        }

        line[n++] = (byte)'\n';
        output.Advance(n);
    }

    private static byte HexDigit(int value) => (byte)(value < 10 ? '0' + value : 'a' + value - 10);

    private static void WriteNumber(IBufferWriter<byte> output, ReadOnlySpan<byte> key, ulong value)
    {
        Span<byte> line = output.GetSpan(key.Length + 21);
        key.CopyTo(line);
        int n = key.Length;
        value.TryFormat(line[n..], out int written, default, CultureInfo.InvariantCulture);
        n += written;
        line[n++] = (byte)'\n';
        output.Advance(n);
    }

    private static void WriteAscii(IBufferWriter<byte> output, ReadOnlySpan<byte> text)
    {
        text.CopyTo(output.GetSpan(text.Length));
        output.Advance(text.Length);
    }
}
