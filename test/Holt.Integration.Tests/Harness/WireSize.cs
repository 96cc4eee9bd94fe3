namespace Holt.Integration.Tests.Harness;

/// <summary>
/// Bytes on the wire, as <c>wg show transfer</c> counts them. Both references count the UDP payload of every
/// message they send or receive, handshakes included: wireguard-go adds the length of each sent buffer
/// (Peer.SendBuffer) and of each received initiation, response and transport message (the plaintext plus the 32
/// bytes of header and tag); the kernel's selftest pins the same sums (10 pings: 1372 received, 1428 sent by the
/// initiator). Message layouts: whitepaper section 5.4.
/// </summary>
internal static class WireSize
{
    public const int HandshakeInitiation = 148;
    public const int HandshakeResponse = 92;

    /// <summary>Transport header (type, receiver, counter: 16 bytes) plus the Poly1305 tag (16).</summary>
    public const int TransportOverhead = 32;

    public const int Keepalive = TransportOverhead;

    /// <summary>ping's default: 56 data bytes after the 8-byte ICMP header.</summary>
    public const int PingData = 56;

    /// <summary>A transport message carrying an inner packet, padded to 16 bytes (below the MTU, as here).</summary>
    public static int Transport(int innerPacket) => TransportOverhead + ((innerPacket + 15) / 16 * 16);

    /// <summary>One ICMP echo of ping's default size through the tunnel: a 20-byte IPv4 header, 8 ICMP, 56 data.</summary>
    public static int PingV4 => Transport(20 + 8 + PingData);

    /// <summary>The same over IPv6: a 40-byte header.</summary>
    public static int PingV6 => Transport(40 + 8 + PingData);
}
