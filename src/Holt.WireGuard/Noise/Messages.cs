using System.Buffers.Binary;

namespace Holt.WireGuard.Noise;

/// <summary>Message types of section 5.4, the first byte of every datagram (followed by three zero bytes).</summary>
public enum MessageType : byte
{
    HandshakeInitiation = 1,
    HandshakeResponse = 2,
    CookieReply = 3,
    TransportData = 4,
}

/// <summary>
/// Wire layouts of the four messages (section 5.4.2 - 5.4.6). All integers are little-endian.
/// <code>
/// initiation (148): type:1 reserved:3 sender:4 ephemeral:32 static:32+16 timestamp:12+16 mac1:16 mac2:16
/// response    (92): type:1 reserved:3 sender:4 receiver:4 ephemeral:32 empty:0+16 mac1:16 mac2:16
/// cookie      (64): type:1 reserved:3 receiver:4 nonce:24 cookie:16+16
/// transport (32+n): type:1 reserved:3 receiver:4 counter:8 packet:n+16
/// </code>
/// </summary>
internal static class Messages
{
    public const int InitiationSize = 148;
    public const int ResponseSize = 92;
    public const int CookieReplySize = 64;
    public const int TransportHeaderSize = 16;
    public const int TransportMinSize = TransportHeaderSize + 16;
    public const int MacSize = 16;
    public const int TimestampSize = 12;

    public const int InitiationSenderOffset = 4;
    public const int InitiationNoiseOffset = 8;
    public const int InitiationNoiseSize = 32 + 48 + 28;

    public const int ResponseSenderOffset = 4;
    public const int ResponseReceiverOffset = 8;
    public const int ResponseNoiseOffset = 12;
    public const int ResponseNoiseSize = 32 + 16;

    public const int CookieReceiverOffset = 4;
    public const int CookieNonceOffset = 8;
    public const int CookieEncryptedOffset = 32;
    public const int CookieEncryptedSize = 16 + 16;

    public const int TransportReceiverOffset = 4;
    public const int TransportCounterOffset = 8;

    /// <summary>Payloads are padded to a multiple of this (section 5.4.6).</summary>
    public const int PaddingMultiple = 16;

    /// <summary>Offset of mac1 in a handshake message of <paramref name="length"/> bytes; mac2 follows it.</summary>
    public static int Mac1Offset(int length) => length - (2 * MacSize);

    public static int Mac2Offset(int length) => length - MacSize;

    /// <summary>
    /// Classifies a datagram by its header: the type byte, three zero reserved bytes and the exact size its type
    /// demands. Anything else is not a WireGuard message and is dropped silently.
    /// </summary>
    public static bool TryGetType(ReadOnlySpan<byte> datagram, out MessageType type)
    {
        type = default;
        if (datagram.Length < 4 || datagram[1] != 0 || datagram[2] != 0 || datagram[3] != 0)
        {
            return false;
        }

        type = (MessageType)datagram[0];
        return type switch
        {
            MessageType.HandshakeInitiation => datagram.Length == InitiationSize,
            MessageType.HandshakeResponse => datagram.Length == ResponseSize,
            MessageType.CookieReply => datagram.Length == CookieReplySize,
            MessageType.TransportData => datagram.Length >= TransportMinSize,
            _ => false,
        };
    }

    public static void WriteHeader(Span<byte> message, MessageType type)
    {
        message[0] = (byte)type;
        message[1] = 0;
        message[2] = 0;
        message[3] = 0;
    }

    public static uint ReadIndex(ReadOnlySpan<byte> message, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(message[offset..]);

    public static void WriteIndex(Span<byte> message, int offset, uint index) => BinaryPrimitives.WriteUInt32LittleEndian(message[offset..], index);

    /// <summary>
    /// Plain-text length after padding (section 5.4.6): a multiple of 16, but never past the MTU. A packet larger
    /// than the MTU is padded on its last MTU-sized unit, as the kernel does.
    /// </summary>
    public static int PaddedLength(int length, int mtu)
    {
        int last = mtu > 0 && length > mtu ? length % mtu : length;
        int padded = (last + PaddingMultiple - 1) & ~(PaddingMultiple - 1);
        if (mtu > 0 && padded > mtu)
        {
            padded = mtu;
        }

        return length + Math.Max(0, padded - last);
    }
}
