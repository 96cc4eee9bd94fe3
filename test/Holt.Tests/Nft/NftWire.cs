using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Holt.Interop;
using Holt.Nft;

namespace Holt.Tests.Nft;

/// <summary>Builds nf_tables notifications the way the kernel lays them out, for the parser's tests.</summary>
internal static class NftWire
{
    public static byte[] Message(byte messageType, NftFamily family, params byte[][] attributes) =>
        Raw((ushort)((Libc.NFNL_SUBSYS_NFTABLES << 8) | messageType), [(byte)family, 0, 0, 0], attributes);

    /// <summary>
    /// A table message, or another object's: the table in attribute 1, then a handle, then the object's name in
    /// <paramref name="nameAttribute"/> (3 for a chain, whose handle is attribute 2; 2 for the others).
    /// </summary>
    public static byte[] Change(byte messageType, NftFamily family, string table, string? name = null, ushort nameAttribute = 2) =>
        name is null
            ? Message(messageType, family, String(1, table), U64(4, 42))
            : Message(messageType, family, String(1, table), U64(nameAttribute == 3 ? (ushort)2 : (ushort)3, 42), String(nameAttribute, name));

    public static byte[] Generation(uint id, uint pid, string name) =>
        Message(Libc.NFT_MSG_NEWGEN, NftFamily.Unspecified, U32(Libc.NFTA_GEN_ID, id), U32(Libc.NFTA_GEN_PROC_PID, pid), String(Libc.NFTA_GEN_PROC_NAME, name));

    public static byte[] Raw(ushort type, byte[] fixedHeader, params byte[][] attributes)
    {
        int length = NftMessageReader.HeaderSize + fixedHeader.Length + attributes.Sum(a => a.Length);
        byte[] message = new byte[length];
        MemoryMarshal.Write(message, (uint)length);
        MemoryMarshal.Write(message.AsSpan(4), type);
        MemoryMarshal.Write(message.AsSpan(8), (ushort)0);
        fixedHeader.CopyTo(message, NftMessageReader.HeaderSize);
        int at = NftMessageReader.HeaderSize + fixedHeader.Length;
        foreach (byte[] attribute in attributes)
        {
            attribute.CopyTo(message, at);
            at += attribute.Length;
        }

        return message;
    }

    public static byte[] String(ushort type, string value) => Attribute(type, [.. Encoding.UTF8.GetBytes(value), 0]);

    public static byte[] U32(ushort type, uint value)
    {
        byte[] payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, value);
        return Attribute(type, payload);
    }

    public static byte[] U64(ushort type, ulong value)
    {
        byte[] payload = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(payload, value);
        return Attribute(type, payload);
    }

    public static byte[] Attribute(ushort type, ReadOnlySpan<byte> payload)
    {
        byte[] attribute = new byte[(4 + payload.Length + 3) & ~3];
        MemoryMarshal.Write(attribute, (ushort)(4 + payload.Length));
        MemoryMarshal.Write(attribute.AsSpan(2), type);
        payload.CopyTo(attribute.AsSpan(4));
        return attribute;
    }
}
