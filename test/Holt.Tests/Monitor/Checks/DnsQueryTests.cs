using System.Net;
using Holt.Monitor.Checks;

namespace Holt.Tests.Monitor.Checks;

/// <summary>The DNS query a check sends, and the parser of what comes back: vectors, every malformation, and random bytes.</summary>
public sealed class DnsQueryTests
{
    private static readonly byte[] s_query = DnsQuery.Build(0x1234, "example.com", DnsRecordType.A);

    [Fact]
    public void Build_WritesTheQuestion_AsRfc1035Says()
    {
        byte[] expected =
        [
            0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 3, (byte)'c', (byte)'o', (byte)'m', 0,
            0x00, 0x01, 0x00, 0x01,
        ];

        Assert.Equal(expected, s_query);
        Assert.Equal(28, DnsQuery.Build(1, "example.com.", DnsRecordType.Aaaa)[^3]);
    }

    [Fact]
    public void AnAnswer_WithCompressedNames_GivesItsAddresses()
    {
        byte[] response = DnsWire.Response(s_query, 0, false, IPAddress.Parse("93.184.216.34"), IPAddress.Parse("10.0.0.1"));

        Assert.Null(DnsQuery.TryParse(response, 0x1234, "EXAMPLE.com", DnsRecordType.A, out DnsAnswer? answer));

        Assert.Equal((0, false), (answer!.Rcode, answer.Truncated));
        Assert.Equal([IPAddress.Parse("93.184.216.34"), IPAddress.Parse("10.0.0.1")], answer.Addresses);
    }

    [Fact]
    public void RecordsOfAnotherType_AreSkipped()
    {
        // A CNAME (type 5) to "a.b" before the A record.
        byte[] response = DnsWire.Response(s_query, 0, false, IPAddress.Parse("10.0.0.9"));
        response[7] = 2;
        byte[] cname = [0xC0, 0x0C, 0, 5, 0, 1, 0, 0, 0, 60, 0, 5, 1, (byte)'a', 1, (byte)'b', 0];
        byte[] withCname = [.. response[..s_query.Length], .. cname, .. response[s_query.Length..]];

        Assert.Null(DnsQuery.TryParse(withCname, 0x1234, "example.com", DnsRecordType.A, out DnsAnswer? answer));

        Assert.Equal([IPAddress.Parse("10.0.0.9")], answer!.Addresses);
    }

    [Fact]
    public void AnAaaaAnswer_GivesIPv6Addresses()
    {
        byte[] query = DnsQuery.Build(7, "nas.home.arpa", DnsRecordType.Aaaa);

        Assert.Null(DnsQuery.TryParse(DnsWire.Response(query, 0, false, IPAddress.Parse("fd00::2")), 7, "nas.home.arpa", DnsRecordType.Aaaa, out DnsAnswer? answer));

        Assert.Equal([IPAddress.Parse("fd00::2")], answer!.Addresses);
    }

    [Theory]
    [InlineData(3, false, "NXDOMAIN")]
    [InlineData(2, false, "SERVFAIL")]
    [InlineData(0, true, "NOERROR")]
    public void TheCodeAndTruncation_AreReported(int rcode, bool truncated, string text)
    {
        Assert.Null(DnsQuery.TryParse(DnsWire.Response(s_query, rcode, truncated), 0x1234, "example.com", DnsRecordType.A, out DnsAnswer? answer));

        Assert.Equal((rcode, truncated, text), (answer!.Rcode, answer.Truncated, answer.RcodeText));
        Assert.Empty(answer.Addresses);
    }

    public static TheoryData<string, byte[]> Malformed()
    {
        byte[] good = DnsWire.Response(s_query, 0, false, IPAddress.Parse("10.0.0.1"));
        byte[] Edit(Action<byte[]> change)
        {
            byte[] copy = (byte[])good.Clone();
            change(copy);
            return copy;
        }

        int record = s_query.Length;
        return new TheoryData<string, byte[]>
        {
            { "a 5-byte answer is shorter than a DNS header", good[..5] },
            { "the answer's id is not the query's", Edit(b => b[1] = 0x35) },
            { "the answer is a query (QR not set)", Edit(b => b[2] = 0x01) },
            { "the answer's opcode is not a standard query's", Edit(b => b[2] = 0x81 | (2 << 3)) },
            { "the answer holds 2 questions, not the one asked", Edit(b => b[5] = 2) },
            { "the answer is to another question", Edit(b => b[13] = (byte)'E' + 1) },
            { "the answer is to another question", Edit(b => b[record - 3] = 28) },
            { "the message ends inside answer record 1", good[..(record + 8)] },
            { "answer record 1 claims 4 bytes of data, more than the message holds", good[..^1] },
            { "answer record 1 is an A record of 5 bytes, not 4", [.. Edit(b => b[record + 11] = 5), 0] },
            { "answer record 2: the message ends inside a name", Edit(b => b[7] = 2) },
            { "the question's name: the message ends inside a label", good[..15] },
            { "answer record 1: a name's pointer does not point backwards", Edit(b => b[record + 1] = (byte)record) },
            { "answer record 1: a label of an unknown kind", Edit(b => b[record] = 0x80) },
            { "answer record 1: the message ends inside a name's pointer", good[..(record + 1)] },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void AMalformedAnswer_IsAProblemInWords(string problem, byte[] message)
    {
        Assert.Equal(problem, DnsQuery.TryParse(message, 0x1234, "example.com", DnsRecordType.A, out DnsAnswer? answer));
        Assert.Null(answer);
    }

    [Fact]
    public void PointersThatLoop_AreRefused()
    {
        // The question's name: a label "a", then a pointer back to that label's own start (offset 12), for ever.
        byte[] looping = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0xC0, 12, 0, 1, 0, 1];
        // Two pointers, each to the other.
        byte[] pingPong = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 14, 0xC0, 12, 0, 1, 0, 1];

        Assert.Equal("the question's name: a name's pointer does not point backwards", DnsQuery.TryParse(looping, 0x1234, "a", DnsRecordType.A, out _));
        Assert.Equal("the question's name: a name's pointer does not point backwards", DnsQuery.TryParse(pingPong, 0x1234, "a", DnsRecordType.A, out _));
    }

    [Fact]
    public void ANameLongerThan255Bytes_IsRefused()
    {
        // Five labels of 63 bytes: 320 bytes of name.
        var message = new List<byte> { 0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0 };
        for (int i = 0; i < 5; i++)
        {
            message.Add(63);
            message.AddRange(Enumerable.Repeat((byte)'a', 63));
        }

        message.AddRange([0, 0, 1, 0, 1]);

        Assert.Equal("the question's name: a name longer than 255 bytes", DnsQuery.TryParse([.. message], 0x1234, "a", DnsRecordType.A, out _));
    }

    [Fact]
    public void RandomBytes_AndRandomlyDamagedAnswers_NeverThrow()
    {
        var random = new Random(1313);
        byte[] good = DnsWire.Response(s_query, 0, false, IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"));
        int accepted = 0;
        for (int i = 0; i < 200_000; i++)
        {
            byte[] message;
            if (i % 2 == 0)
            {
                message = new byte[random.Next(0, 600)];
                random.NextBytes(message);

                // Most random headers fail at the id; give half of them the right one to reach the rest.
                if (message.Length >= 2 && i % 4 == 0)
                {
                    message[0] = 0x12;
                    message[1] = 0x34;
                }
            }
            else
            {
                message = (byte[])good.Clone();
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    message[random.Next(message.Length)] = (byte)random.Next(256);
                }

                message = message[..random.Next(message.Length / 2, message.Length + 1)];
            }

            string? problem = DnsQuery.TryParse(message, 0x1234, "example.com", DnsRecordType.A, out DnsAnswer? answer);

            Assert.True((problem is null) == (answer is not null));
            if (answer is not null)
            {
                accepted++;
                Assert.All(answer.Addresses, a => Assert.Equal(System.Net.Sockets.AddressFamily.InterNetwork, a.AddressFamily));
            }
        }

        // The damaged copies include harmless damage (a TTL byte), so some are still answers.
        Assert.True(accepted > 0);
    }

    [Theory]
    [InlineData("nas.home.arpa", null)]
    [InlineData("_dns._udp.example.com.", null)]
    [InlineData("", "a name must be 1 to 253 characters")]
    [InlineData("a.-", null)]
    [InlineData("a/b", "use letters, digits, '-' and '_' between the dots")]
    public void NameProblem_CoversWhatAQueryCanCarry(string name, string? problem) => Assert.Equal(problem, DnsQuery.NameProblem(name));
}
