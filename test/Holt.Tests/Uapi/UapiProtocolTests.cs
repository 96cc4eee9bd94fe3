using System.Net;
using Holt.Tests.Uapi.Support;
using Holt.WireGuard.IO.Memory;
using Holt.WireGuard.Keys;

namespace Holt.Tests.Uapi;

/// <summary>The protocol spoken directly over the socket: answers, errnos, and what a bad request leaves behind.</summary>
public sealed class UapiProtocolTests : IDisposable
{
    private readonly UapiHarness _harness = UapiHarness.Private(maxRequestBytes: 1 << 20);
    private readonly PrivateKey _key = PrivateKey.Generate();
    private readonly PrivateKey _peer = PrivateKey.Generate();
    private readonly PresharedKey _psk = PresharedKey.Generate();

    public void Dispose()
    {
        _harness.Dispose();
        _key.Dispose();
        _peer.Dispose();
        _psk.Dispose();
    }

    private static string Get(RawClient client)
    {
        string answer = client.Request("get=1\n\n");
        Assert.EndsWith("errno=0\n\n", answer, StringComparison.Ordinal);
        return answer;
    }

    private string Configure(RawClient client)
    {
        string answer = client.Request(
            $"set=1\nprivate_key={_key.ToHex()}\nlisten_port=51820\nfwmark=7\n" +
            $"public_key={_peer.PublicKey.ToHex()}\npreshared_key={_psk.ToHex()}\nendpoint=[2001:db8::1]:443\n" +
            "persistent_keepalive_interval=25\nreplace_allowed_ips=true\nallowed_ip=10.0.0.5/24\nallowed_ip=fd00::/64\n\n");
        Assert.Equal("errno=0\n\n", answer);
        return Get(client);
    }

    [Fact]
    public void Get_OfAnEmptyDevice_IsJustTheErrno()
    {
        using RawClient client = _harness.Connect();
        Assert.Equal("errno=0\n\n", Get(client));
    }

    [Fact]
    public void SetThenGet_RoundTripsEveryField()
    {
        using RawClient client = _harness.Connect();
        string expected =
            $"private_key={_key.ToHex()}\nlisten_port=51820\nfwmark=7\n" +
            $"public_key={_peer.PublicKey.ToHex()}\npreshared_key={_psk.ToHex()}\nprotocol_version=1\n" +
            "endpoint=[2001:db8::1]:443\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n" +
            "persistent_keepalive_interval=25\nallowed_ip=10.0.0.0/24\nallowed_ip=fd00::/64\nerrno=0\n\n";
        Assert.Equal(expected, Configure(client));
    }

    [Fact]
    public void PeerWithoutPresharedKey_ShowsZeros_AndNoEndpointLine()
    {
        using RawClient client = _harness.Connect();
        Assert.Equal("errno=0\n\n", client.Request($"set=1\npublic_key={_peer.PublicKey.ToHex()}\n\n"));
        Assert.Equal(
            $"public_key={_peer.PublicKey.ToHex()}\npreshared_key={new string('0', 64)}\nprotocol_version=1\n" +
            "last_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\npersistent_keepalive_interval=0\nerrno=0\n\n",
            Get(client));
    }

    [Theory]
    [InlineData("[fe80::1%1]:51820", "[fe80::1%1]:51820")]
    [InlineData("[::ffff:192.0.2.1]:7", "192.0.2.1:7")]
    [InlineData("[2001:DB8:0::1]:65535", "[2001:db8::1]:65535")]
    public void Endpoint_IsAnsweredInCanonicalForm(string given, string answered)
    {
        using RawClient client = _harness.Connect();
        Assert.Equal("errno=0\n\n", client.Request($"set=1\npublic_key={_peer.PublicKey.ToHex()}\nendpoint={given}\n\n"));
        Assert.Contains($"\nendpoint={answered}\n", Get(client), StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralRequests_OnOneConnection_AreEachAnswered()
    {
        using RawClient client = _harness.Connect();
        Assert.Equal("errno=0\n\n", client.Request("set=1\nlisten_port=1000\n\n"));
        Assert.Equal("listen_port=1000\nerrno=0\n\n", Get(client));

        // Pipelined: both requests sent before either answer is read.
        client.Send("set=1\nlisten_port=1001\n\nget=1\n\n");
        Assert.Equal("errno=0\n\n", client.ReadAnswer());
        Assert.Equal("listen_port=1001\nerrno=0\n\n", client.ReadAnswer());
    }

    [Fact]
    public void BadLineAfterGoodLines_AnswersEinval_AndChangesNothing()
    {
        using RawClient client = _harness.Connect();
        string before = Configure(client);
        using var other = PrivateKey.Generate();
        Assert.Equal("errno=-22\n\n", client.Request(
            $"set=1\nprivate_key={other.ToHex()}\nlisten_port=1\nreplace_peers=true\npublic_key={other.PublicKey.ToHex()}\n" +
            "allowed_ip=10.9.0.0/16\nendpoint=nowhere:1\n\n"));
        Assert.Equal(before, Get(client));
        Assert.Contains(_harness.Logger.Lines, l => l.Contains("UAPI: set request rejected: invalid endpoint on line 7", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("set=1\nlisten_port=x\n\n", "errno=-22\n\n")]
    [InlineData("set=1\nbogus=1\n\n", "errno=-22\n\n")]
    [InlineData("set=1\nlisten_port\n\n", "errno=-71\n\n")]
    [InlineData("set=1\nendpoint=192.0.2.1:1\n\n", "errno=-22\n\n")]
    [InlineData("set=1\n\n", "errno=0\n\n")]
    public void SetErrors_AreAnswered_AndTheConnectionStaysUsable(string request, string answer)
    {
        using RawClient client = _harness.Connect();
        Assert.Equal(answer, client.Request(request));
        Assert.Equal("errno=0\n\n", Get(client));
    }

    [Fact]
    public void ListenPortTaken_AnswersEaddrinuse_AndChangesNothing()
    {
        MemoryBind squatter = _harness.Network.CreateBind(IPAddress.Parse("192.0.2.1"));
        squatter.Open(51821, out _);
        using RawClient client = _harness.Connect();
        string before = Configure(client);
        _harness.Device.Up();
        before = Get(client);

        using var other = PrivateKey.Generate();
        Assert.Equal("errno=-98\n\n", client.Request(
            $"set=1\nprivate_key={other.ToHex()}\nlisten_port=51821\nfwmark=9\nreplace_peers=true\n\n"));
        Assert.Equal(before, Get(client));
        squatter.Dispose();
    }

    [Theory]
    [InlineData("hello\n")]
    [InlineData("get=2\n\n")]
    [InlineData("GET=1\n\n")]
    [InlineData("get=1\nfoo\n")]
    public void Garbage_IsAnsweredEinval_AndClosesOnlyThatConnection(string garbage)
    {
        using RawClient bystander = _harness.Connect();
        using RawClient client = _harness.Connect();
        Get(bystander);
        client.Send(garbage);
        Assert.Equal("errno=-22\n\n", client.ReadAnswer());
        Assert.True(client.IsClosedByServer());
        Assert.Equal("errno=0\n\n", Get(bystander));
    }

    [Fact]
    public void OverlongLine_AnswersEmsgsize_AndCloses()
    {
        using RawClient client = _harness.Connect();
        client.Send("set=1\nlisten_port=" + new string('1', 10_000) + "\n\n");
        Assert.Equal("errno=-90\n\n", client.ReadAnswer());
        Assert.True(client.IsClosedByServer());
        using RawClient next = _harness.Connect();
        Assert.Equal("errno=0\n\n", Get(next));
    }

    [Fact]
    public void OverlongRequest_AnswersEmsgsize_ClosesAndChangesNothing()
    {
        using RawClient client = _harness.Connect();
        var request = new System.Text.StringBuilder($"set=1\nlisten_port=4242\npublic_key={_peer.PublicKey.ToHex()}\n");
        for (int i = 0; request.Length < (1 << 20) + 100; i++)
        {
            request.Append(System.Globalization.CultureInfo.InvariantCulture, $"allowed_ip=10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}/32\n");
        }

        client.Send(request.Append('\n').ToString());
        Assert.Equal("errno=-90\n\n", client.ReadAnswer());
        using RawClient next = _harness.Connect();
        Assert.Equal("errno=0\n\n", Get(next));
    }

    [Fact]
    public void RequestCutOff_IsNotApplied()
    {
        using (RawClient client = _harness.Connect())
        {
            client.Send($"set=1\nlisten_port=4242\npublic_key={_peer.PublicKey.ToHex()}\n");
            client.ShutdownSend();
            Assert.Equal("errno=-71\n\n", client.ReadAnswer());
        }

        using RawClient next = _harness.Connect();
        Assert.Equal("errno=0\n\n", Get(next));
    }

    [Fact]
    public void ClientVanishingMidRequest_LeavesTheServerServing()
    {
        for (int i = 0; i < 20; i++)
        {
            using RawClient client = _harness.Connect();
            client.Send("set=1\nlisten_port=1");
        }

        using RawClient next = _harness.Connect();
        Assert.Equal("errno=0\n\n", Get(next));
    }

    [Fact]
    public async Task ManyClients_AtOnce_AreAllServed()
    {
        PrivateKey[] peers = [.. Enumerable.Range(0, 16).Select(_ => PrivateKey.Generate())];
        try
        {
            // Threads of their own: the clients block, and must not starve the pool the server runs on.
            await Task.WhenAll(peers.Select((peer, i) => Task.Factory.StartNew(() =>
            {
                using RawClient client = _harness.Connect();
                for (int round = 0; round < 10; round++)
                {
                    Assert.Equal("errno=0\n\n", client.Request(
                        $"set=1\npublic_key={peer.PublicKey.ToHex()}\nreplace_allowed_ips=true\nallowed_ip=10.{i}.{round}.0/24\n\n"));
                    Assert.Contains($"allowed_ip=10.{i}.{round}.0/24\n", Get(client), StringComparison.Ordinal);
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
            Assert.Equal(16, _harness.Device.Peers.Count);
        }
        finally
        {
            foreach (PrivateKey peer in peers)
            {
                peer.Dispose();
            }
        }
    }

    [Fact]
    public void Logs_NeverContainAKey()
    {
        using RawClient client = _harness.Connect();
        Configure(client);
        client.Request($"set=1\nprivate_key={_key.ToHex()}x\n\n");
        client.Request($"set=1\npublic_key={_peer.PublicKey.ToHex()}\npreshared_key={_psk.ToHex()}\nbogus=1\n\n");
        client.Request($"set=1\n{_psk.ToHex()}\n\n");
        Assert.NotEmpty(_harness.Logger.Lines);
        _harness.Logger.AssertNoneContain(_key.ToHex(), _key.ToBase64(), _psk.ToHex(), _psk.ToBase64());
    }
}
