using Holt.External;
using Holt.Nft;
using Holt.Tests.Support;
using Xunit.Abstractions;

namespace Holt.Tests.Nft;

/// <summary>
/// The digest a repair decides on, against the real nft in a namespace of the test's own: traffic (counters, the
/// elements a meter collects) and a reload of the same text leave it alone; any change of the definition, or of a
/// static set's elements, changes it. Needs root.
/// </summary>
public sealed class NftCanonicalTests(NetNsFixture fixture, ITestOutputHelper output) : IClassFixture<NetNsFixture>
{
    private const string Table = """
        table inet canon {
        	set meter_v4 {
        		type ipv4_addr
        		size 65535
        		flags dynamic,timeout
        		timeout 1m
        	}
        	set allowed_v4 {
        		type ipv4_addr
        		elements = { 192.0.2.1 }
        	}
        	chain input {
        		type filter hook input priority filter; policy accept;
        		tcp dport 9 ct state new add @meter_v4 { ip saddr limit rate over 1000/minute } counter drop
        		ip saddr @allowed_v4 counter accept
        	}
        }

        """;

    [Fact]
    public void Traffic_AndAReloadOfTheSameText_LeaveTheDigestAlone_ButAnyRealChangeDoesNot()
    {
        if (fixture.GetOrSkip(output) is not NetNs ns)
        {
            return;
        }

        ns.Run(() =>
        {
            _ = ExternalTool.Run("ip", ["link", "set", "lo", "up"]);
            NftTables.Replace("canon", Table);
            string loaded = Digest();

            // Connections fill the meter and the counters; the definition is the same.
            for (int i = 0; i < 3; i++)
            {
                using var client = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                client.Blocking = false;
                try
                {
                    client.Connect(System.Net.IPAddress.Loopback, 9);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // The rule drops the SYN; the packet counted is what matters.
                }
            }

            Thread.Sleep(200);
            Assert.Contains("127.0.0.1", NftTables.List("canon"), StringComparison.Ordinal);
            Assert.Equal(loaded, Digest());

            // The same text loaded again: new handles, the same digest.
            NftTables.Replace("canon", Table);
            Assert.Equal(loaded, Digest());

            // A rule slipped in changes it; so does an element added to the static set (but not when elements do not count).
            _ = ExternalTool.Run("nft", ["insert", "rule", "inet", "canon", "input", "tcp", "dport", "22", "accept"]);
            Assert.NotEqual(loaded, Digest());
            NftTables.Replace("canon", Table);
            string withoutElements = Digest(withElements: false);
            _ = ExternalTool.Run("nft", ["add", "element", "inet", "canon", "allowed_v4", "{ 192.0.2.2 }"]);
            Assert.NotEqual(loaded, Digest());
            Assert.Equal(withoutElements, Digest(withElements: false));

            NftTables.Remove("canon");
            Assert.Null(NftTables.ListJson("canon"));
        });
    }

    [Fact]
    public void NotAListing_HasNoDigest()
    {
        Assert.Null(NftCanonical.Digest("not json"));
        Assert.Null(NftCanonical.Digest("{\"something\": []}"));
    }

    private static string Digest(bool withElements = true) =>
        NftCanonical.Digest(NftTables.ListJson("canon") ?? throw new InvalidOperationException("no table"), withElements)!;
}
