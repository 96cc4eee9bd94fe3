using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Holt.Monitor.Checks;

/// <summary>What a resolver said: its response code, whether it truncated, and the addresses of the asked type.</summary>
internal sealed record DnsAnswer(int Rcode, bool Truncated, IReadOnlyList<IPAddress> Addresses)
{
    public const int NoError = 0;
    public const int NxDomain = 3;

    /// <summary>RFC 1035 section 4.1.1's response codes by name, for messages.</summary>
    public string RcodeText => Rcode switch
    {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        _ => "RCODE " + Rcode,
    };
}

/// <summary>
/// The little of DNS a check needs (RFC 1035 section 4): one question over UDP, and a parser of the response that
/// checks every length against the bytes it was given. A response is untrusted input: whatever it holds, the parser
/// returns a problem in words and never reads past the end or follows a compression pointer in a loop.
/// </summary>
/// <remarks>
/// Header, 12 bytes: ID (16) | QR, Opcode (4), AA, TC, RD, RA, Z (3), RCODE (4) | QDCOUNT | ANCOUNT | NSCOUNT | ARCOUNT.
/// Question: QNAME (labels, each a length byte and that many bytes, ending with 0) | QTYPE (16) | QCLASS (16).
/// Resource record: NAME | TYPE (16) | CLASS (16) | TTL (32) | RDLENGTH (16) | RDATA.
/// A NAME may end with a pointer (two bytes, top bits 11) to an earlier name in the message.
/// </remarks>
internal static class DnsQuery
{
    public const int HeaderLength = 12;
    private const int ClassIn = 1;
    private const int MaxNameLength = 255;
    private const int MaxLabelLength = 63;

    /// <summary>Why <paramref name="name"/> cannot be asked for, or null: LDH labels (and '_'), 1 to 63 bytes each, 253 in all.</summary>
    public static string? NameProblem(string name)
    {
        string trimmed = name.EndsWith('.') ? name[..^1] : name;
        if (trimmed.Length is 0 or > 253)
        {
            return "a name must be 1 to 253 characters";
        }

        foreach (string label in trimmed.Split('.'))
        {
            if (label.Length is 0 or > MaxLabelLength)
            {
                return "each label (between dots) must be 1 to 63 characters";
            }

            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return "use letters, digits, '-' and '_' between the dots";
            }
        }

        return null;
    }

    /// <summary>A recursive query (RD set) for <paramref name="name"/>, a name <see cref="NameProblem"/> accepts.</summary>
    public static byte[] Build(ushort id, string name, DnsRecordType type)
    {
        string[] labels = name.TrimEnd('.').Split('.');
        byte[] message = new byte[HeaderLength + labels.Sum(l => l.Length + 1) + 1 + 4];
        BinaryPrimitives.WriteUInt16BigEndian(message, id);
        message[2] = 0x01; // RD: the resolver is asked to recurse.
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(4), 1); // QDCOUNT
        int at = HeaderLength;
        foreach (string label in labels)
        {
            message[at++] = (byte)label.Length;
            at += Encoding.ASCII.GetBytes(label, message.AsSpan(at));
        }

        message[at++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(at), (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(at + 2), ClassIn);
        return message;
    }

    /// <summary>Whether a datagram carries <paramref name="id"/>: anything else is not the answer to this query.</summary>
    public static bool HasId(ReadOnlySpan<byte> message, ushort id) => message.Length >= 2 && BinaryPrimitives.ReadUInt16BigEndian(message) == id;

    /// <summary>
    /// Reads the response to the question (<paramref name="name"/>, <paramref name="type"/>) with <paramref name="id"/>.
    /// Returns null and the answer, or a problem in words when the message is not a well-formed response to it.
    /// </summary>
    public static string? TryParse(ReadOnlySpan<byte> message, ushort id, string name, DnsRecordType type, out DnsAnswer? answer)
    {
        answer = null;
        if (message.Length < HeaderLength)
        {
            return $"a {message.Length}-byte answer is shorter than a DNS header";
        }

        if (!HasId(message, id))
        {
            return "the answer's id is not the query's";
        }

        byte flags = message[2];
        if ((flags & 0x80) == 0)
        {
            return "the answer is a query (QR not set)";
        }

        if (((flags >> 3) & 0x0F) != 0)
        {
            return "the answer's opcode is not a standard query's";
        }

        bool truncated = (flags & 0x02) != 0;
        int rcode = message[3] & 0x0F;
        int questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        int answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        if (questions != 1)
        {
            // A resolver echoes the one question; FORMERR and the like may leave it out, and then only the code counts.
            if (questions == 0 && rcode != DnsAnswer.NoError)
            {
                answer = new DnsAnswer(rcode, truncated, []);
                return null;
            }

            return $"the answer holds {questions} questions, not the one asked";
        }

        int at = HeaderLength;
        var owner = new StringBuilder();
        if (ReadName(message, ref at, owner) is string nameProblem)
        {
            return "the question's name: " + nameProblem;
        }

        if (at + 4 > message.Length)
        {
            return "the answer ends inside its question";
        }

        if (!string.Equals(owner.ToString(), name.TrimEnd('.'), StringComparison.OrdinalIgnoreCase) ||
            BinaryPrimitives.ReadUInt16BigEndian(message[at..]) != (ushort)type || BinaryPrimitives.ReadUInt16BigEndian(message[(at + 2)..]) != ClassIn)
        {
            return "the answer is to another question";
        }

        at += 4;
        var addresses = new List<IPAddress>();
        for (int i = 0; i < answers; i++)
        {
            if (ReadName(message, ref at, null) is string problem)
            {
                return $"answer record {i + 1}: {problem}";
            }

            if (at + 10 > message.Length)
            {
                return $"the message ends inside answer record {i + 1}";
            }

            int recordType = BinaryPrimitives.ReadUInt16BigEndian(message[at..]);
            int recordClass = BinaryPrimitives.ReadUInt16BigEndian(message[(at + 2)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(message[(at + 8)..]);
            at += 10;
            if (length > message.Length - at)
            {
                return $"answer record {i + 1} claims {length} bytes of data, more than the message holds";
            }

            if (recordType == (int)type && recordClass == ClassIn)
            {
                int expected = type == DnsRecordType.A ? 4 : 16;
                if (length != expected)
                {
                    return $"answer record {i + 1} is {(type == DnsRecordType.A ? "an A" : "an AAAA")} record of {length} bytes, not {expected}";
                }

                addresses.Add(new IPAddress(message.Slice(at, length)));
            }

            at += length;
        }

        answer = new DnsAnswer(rcode, truncated, addresses);
        return null;
    }

    /// <summary>
    /// Reads a name at <paramref name="at"/> and moves past it, into <paramref name="into"/> when given. A pointer
    /// must point before where the name's previous piece began, so each jump lands further back and a chain of
    /// them always ends.
    /// </summary>
    private static string? ReadName(ReadOnlySpan<byte> message, ref int at, StringBuilder? into)
    {
        int position = at;
        int pieceStart = at;
        int? end = null;
        int length = 0;
        while (true)
        {
            if (position >= message.Length)
            {
                return "the message ends inside a name";
            }

            byte first = message[position];
            switch (first & 0xC0)
            {
                case 0xC0:
                    if (position + 1 >= message.Length)
                    {
                        return "the message ends inside a name's pointer";
                    }

                    int target = ((first & 0x3F) << 8) | message[position + 1];
                    if (target >= pieceStart)
                    {
                        return "a name's pointer does not point backwards";
                    }

                    end ??= position + 2;
                    position = target;
                    pieceStart = target;
                    continue;
                case 0x00:
                    break;
                default:
                    return "a label of an unknown kind";
            }

            if (first == 0)
            {
                at = end ?? position + 1;
                return null;
            }

            length += first + 1;
            if (length > MaxNameLength)
            {
                return "a name longer than 255 bytes";
            }

            if (position + 1 + first > message.Length)
            {
                return "the message ends inside a label";
            }

            if (into is not null)
            {
                if (into.Length > 0)
                {
                    into.Append('.');
                }

                foreach (byte b in message.Slice(position + 1, first))
                {
                    into.Append(b is > 0x20 and < 0x7F ? (char)b : '?');
                }
            }

            position += 1 + first;
        }
    }
}
