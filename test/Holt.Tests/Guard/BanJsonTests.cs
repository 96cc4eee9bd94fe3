using System.Net;
using System.Text;
using System.Text.Json;
using Holt.Guard;

namespace Holt.Tests.Guard;

public sealed class BanJsonTests
{
    // What nft 1.0.6 (Debian 12) prints for the guard's table with a few bans, captured, plus a set without timeouts
    // (bare addresses and prefixes) and an element of a shape bans never take (a range).
    private const string Listing = """
        {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "holt_guard", "handle": 1}}, {"set": {"family": "inet", "name": "ban_v4", "table": "holt_guard", "type": "ipv4_addr", "handle": 2, "flags": ["timeout"], "elem": [{"elem": {"val": "198.51.100.2", "timeout": 7200, "expires": 7199}}, {"elem": {"val": "203.0.113.7", "timeout": 3600, "expires": 3599, "comment": "sshd"}}]}}, {"set": {"family": "inet", "name": "ban_v6", "table": "holt_guard", "type": "ipv6_addr", "handle": 3, "flags": ["timeout"], "elem": [{"elem": {"val": "2001:db8::5", "timeout": 3600, "expires": 3599, "comment": "recidive"}}]}}, {"set": {"family": "inet", "name": "bannet_v4", "table": "holt_guard", "type": "ipv4_addr", "handle": 4, "flags": ["interval", "timeout"], "elem": [{"elem": {"val": {"prefix": {"addr": "10.9.0.0", "len": 16}}, "timeout": 3600, "expires": 3599}}, {"elem": {"val": {"prefix": {"addr": "192.0.2.0", "len": 24}}, "timeout": 86400, "expires": 86399, "comment": "sshd"}}]}}, {"set": {"family": "inet", "name": "plain", "table": "holt_guard", "type": "ipv4_addr", "handle": 7, "flags": ["interval"], "elem": ["192.0.2.9", {"prefix": {"addr": "198.18.0.0", "len": 15}}, {"range": ["198.51.100.10", "198.51.100.20"]}]}}, {"chain": {"family": "inet", "table": "holt_guard", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": -10, "policy": "accept"}}, {"rule": {"family": "inet", "table": "holt_guard", "chain": "input", "handle": 5, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "@ban_v4"}}, {"drop": null}]}}]}
        """;

    private static readonly Ban[] s_expected =
    [
        new(IPNetwork.Parse("198.51.100.2/32"), null, TimeSpan.FromSeconds(7199)),
        new(IPNetwork.Parse("203.0.113.7/32"), "sshd", TimeSpan.FromSeconds(3599)),
        new(IPNetwork.Parse("2001:db8::5/128"), "recidive", TimeSpan.FromSeconds(3599)),
        new(IPNetwork.Parse("10.9.0.0/16"), null, TimeSpan.FromSeconds(3599)),
        new(IPNetwork.Parse("192.0.2.0/24"), "sshd", TimeSpan.FromSeconds(86399)),
        new(IPNetwork.Parse("192.0.2.9/32"), null, null),
        new(IPNetwork.Parse("198.18.0.0/15"), null, null),
    ];

    private static List<Ban> Read(Stream stream)
    {
        var bans = new List<Ban>();
        BanJson.Read(stream, bans.Add);
        return bans;
    }

    [Fact]
    public void NftsListing_GivesEveryElement_WithItsJailAndTimeLeft() =>
        Assert.Equal(s_expected, Read(new MemoryStream(Encoding.UTF8.GetBytes(Listing))));

    [Fact]
    public void ListingArrivingAByteAtATime_ReadsTheSame() =>
        Assert.Equal(s_expected, Read(new Trickle(Encoding.UTF8.GetBytes(Listing), _ => 1)));

    [Fact]
    public void ListingCutAtEveryPlace_ReadsTheSame()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Listing);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            int first = cut;
            Assert.Equal(s_expected, Read(new Trickle(bytes, served => served == 0 ? first : int.MaxValue)));
        }
    }

    [Fact]
    public void HundredThousandBans_AreAllRead_ThroughTheSmallBuffer()
    {
        var json = new StringBuilder("""{"nftables": [{"set": {"family": "inet", "name": "ban_v4", "elem": [""");
        for (int i = 0; i < 100_000; i++)
        {
            _ = json.Append(i == 0 ? "" : ", ")
                .Append("{\"elem\": {\"val\": \"10.").Append(i >> 16).Append('.').Append((i >> 8) & 255).Append('.').Append(i & 255)
                .Append("\", \"timeout\": 3600, \"expires\": ").Append(i % 3600).Append(", \"comment\": \"sshd\"}}");
        }

        _ = json.Append("]}}]}");
        byte[] bytes = Encoding.UTF8.GetBytes(json.ToString());
        Assert.True(bytes.Length > 50 * BanJson.BufferBytes);

        List<Ban> bans = Read(new Trickle(bytes, _ => 4096));

        Assert.Equal(100_000, bans.Count);
        Assert.Equal(new Ban(IPNetwork.Parse("10.1.134.159/32"), "sshd", TimeSpan.FromSeconds(99_999 % 3600)), bans[99_999]);
    }

    [Fact]
    public void NothingWritten_IsNoBans() => Assert.Empty(Read(new MemoryStream()));

    [Theory]
    [InlineData("""{"nftables": [{"set": {"elem": ["10.0.0.1", """)]
    [InlineData("""{"nftables": [}""")]
    [InlineData("not json")]
    public void BrokenListing_IsAJsonError(string json) =>
        Assert.ThrowsAny<JsonException>(() => Read(new MemoryStream(Encoding.UTF8.GetBytes(json))));

    [Fact]
    public void TokenLongerThanTheBuffer_IsRefused_NotGrownInto()
    {
        string json = "{\"nftables\": [{\"set\": {\"elem\": [{\"elem\": {\"val\": \"10.0.0.1\", \"comment\": \"" + new string('x', BanJson.BufferBytes) + "\"}}]}}]}";
        JsonException e = Assert.ThrowsAny<JsonException>(() => Read(new MemoryStream(Encoding.UTF8.GetBytes(json))));
        Assert.Contains("longer than", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NamesAndValuesElsewhere_AreNotTakenForBans()
    {
        // "elem", "val" and "prefix" outside a set's element list, and addresses in rules and comments.
        const string Json = """
            {"nftables": [{"rule": {"expr": [{"match": {"right": "10.0.0.1", "elem": ["10.0.0.2"]}}]}}, {"set": {"name": "x", "comment": "10.0.0.3", "val": "10.0.0.4", "elem": [{"elem": {"val": "10.0.0.5", "counter": {"val": "10.0.0.6"}}}]}}, {"map": {"elem": [["10.0.0.7", "accept"]]}}]}
            """;
        Assert.Equal([new Ban(IPNetwork.Parse("10.0.0.5/32"), null, null)], Read(new MemoryStream(Encoding.UTF8.GetBytes(Json))));
    }

    /// <summary>A stream that serves its bytes in reads of the sizes it is told (never more than asked).</summary>
    private sealed class Trickle(byte[] bytes, Func<int, int> size) : Stream
    {
        private int _at;
        private int _reads;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position { get => _at; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, size(_reads++)), bytes.Length - _at);
            bytes.AsSpan(_at, n).CopyTo(buffer.AsSpan(offset));
            _at += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
