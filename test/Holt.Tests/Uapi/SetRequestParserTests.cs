using System.Net;
using System.Text;
using Holt.Uapi;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;

namespace Holt.Tests.Uapi;

/// <summary>Every key of a set request, and every way a request is refused.</summary>
public sealed class SetRequestParserTests : IDisposable
{
    private static readonly string s_zeroKey = new('0', 64);
    private readonly PrivateKey _device = PrivateKey.Generate();
    private readonly PrivateKey _peer1 = PrivateKey.Generate();
    private readonly PrivateKey _peer2 = PrivateKey.Generate();
    private readonly PresharedKey _psk = PresharedKey.Generate();

    public void Dispose()
    {
        _device.Dispose();
        _peer1.Dispose();
        _peer2.Dispose();
        _psk.Dispose();
    }

    private string Peer1 => _peer1.PublicKey.ToHex();

    private string Peer2 => _peer2.PublicKey.ToHex();

    internal static SetRequestParser Parse(params string[] lines)
    {
        var parser = new SetRequestParser();
        foreach (string line in lines)
        {
            parser.Add(line.AsSpan());
        }

        return parser;
    }

    private static DeviceUpdate Build(SetRequestParser parser)
    {
        Assert.Null(parser.Error);
        return parser.Build();
    }

    private static UapiError Refused(params string[] lines)
    {
        using SetRequestParser parser = Parse(lines);
        Assert.NotNull(parser.Error);
        Assert.Throws<InvalidOperationException>(() => parser.Build());
        return parser.Error.Value;
    }

    [Fact]
    public void EmptyRequest_ChangesNothing()
    {
        using SetRequestParser parser = Parse();
        DeviceUpdate update = Build(parser);
        Assert.Null(update.PrivateKey);
        Assert.False(update.RemovePrivateKey);
        Assert.Null(update.ListenPort);
        Assert.Null(update.FirewallMark);
        Assert.False(update.ReplacePeers);
        Assert.Empty(update.Peers);
    }

    [Fact]
    public void DeviceKeys_AreRead()
    {
        using SetRequestParser parser = Parse($"private_key={_device.ToHex()}", "listen_port=51820", "fwmark=4294967295", "replace_peers=true");
        DeviceUpdate update = Build(parser);
        Assert.True(update.PrivateKey!.SecretEquals(_device));
        Assert.Equal((ushort)51820, update.ListenPort);
        Assert.Equal(uint.MaxValue, update.FirewallMark);
        Assert.True(update.ReplacePeers);
    }

    [Theory]
    [InlineData("listen_port=0", 0)]
    [InlineData("listen_port=65535", 65535)]
    [InlineData("listen_port=00080", 80)]
    public void ListenPort_AcceptsTheWholeRange(string line, int port)
    {
        using SetRequestParser parser = Parse(line);
        Assert.Equal((ushort)port, Build(parser).ListenPort);
    }

    [Fact]
    public void FirewallMarkZero_RemovesTheMark()
    {
        using SetRequestParser parser = Parse("fwmark=0");
        Assert.Equal(0u, Build(parser).FirewallMark);
    }

    [Fact]
    public void PrivateKey_UppercaseHex_IsTheSameKey()
    {
        using SetRequestParser parser = Parse($"private_key={_device.ToHex().ToUpperInvariant()}");
        Assert.True(Build(parser).PrivateKey!.SecretEquals(_device));
    }

    [Fact]
    public void AllZeroPrivateKey_RemovesIt()
    {
        using SetRequestParser parser = Parse($"private_key={s_zeroKey}");
        DeviceUpdate update = Build(parser);
        Assert.True(update.RemovePrivateKey);
        Assert.Null(update.PrivateKey);
    }

    [Fact]
    public void UnclampedPrivateKey_IsStoredClamped_AsTheKernelAndWireguardGoDo()
    {
        byte[] raw = [.. _device.Span];
        raw[0] |= 7;
        raw[31] = (byte)((raw[31] | 0x80) & ~0x40);
        using SetRequestParser parser = Parse($"private_key={Convert.ToHexStringLower(raw)}");
        using PrivateKey stored = PrivateKey.FromBytes(Build(parser).PrivateKey!.Span);
        Assert.True(stored.SecretEquals(_device));
    }

    [Fact]
    public void PeerKeys_AreRead()
    {
        using SetRequestParser parser = Parse(
            $"public_key={Peer1}",
            $"preshared_key={_psk.ToHex()}",
            "endpoint=192.0.2.7:51820",
            "persistent_keepalive_interval=25",
            "replace_allowed_ips=true",
            "allowed_ip=10.0.0.0/24",
            "allowed_ip=fd00::/64",
            "protocol_version=1",
            $"public_key={Peer2}",
            "update_only=true",
            "endpoint=[2001:db8::1]:443");
        DeviceUpdate update = Build(parser);
        Assert.Equal(2, update.Peers.Count);

        PeerUpdate first = update.Peers[0];
        Assert.Equal(_peer1.PublicKey, first.PublicKey);
        Assert.True(first.PresharedKey!.SecretEquals(_psk));
        Assert.False(first.RemovePresharedKey);
        Assert.Equal(Endpoint.FromIPEndPoint(IPEndPoint.Parse("192.0.2.7:51820")), first.Endpoint);
        Assert.Equal((ushort)25, first.PersistentKeepaliveInterval);
        Assert.True(first.ReplaceAllowedIps);
        Assert.Equal(["10.0.0.0/24", "fd00::/64"], first.AllowedIps.Select(n => n.ToString()));
        Assert.False(first.Remove);
        Assert.False(first.UpdateOnly);

        PeerUpdate second = update.Peers[1];
        Assert.Equal(_peer2.PublicKey, second.PublicKey);
        Assert.True(second.UpdateOnly);
        Assert.Null(second.PresharedKey);
        Assert.Null(second.PersistentKeepaliveInterval);
        Assert.Equal(Endpoint.FromIPEndPoint(IPEndPoint.Parse("[2001:db8::1]:443")), second.Endpoint);
        Assert.Empty(second.AllowedIps);
    }

    [Fact]
    public void RemoveAndAllZeroPresharedKey_AreRead()
    {
        using SetRequestParser parser = Parse($"public_key={Peer1}", "remove=true", $"public_key={Peer2}", $"preshared_key={s_zeroKey}");
        DeviceUpdate update = Build(parser);
        Assert.True(update.Peers[0].Remove);
        Assert.True(update.Peers[1].RemovePresharedKey);
        Assert.Null(update.Peers[1].PresharedKey);
    }

    [Theory]
    [InlineData("persistent_keepalive_interval=0", 0)]
    [InlineData("persistent_keepalive_interval=65535", 65535)]
    public void Keepalive_AcceptsTheWholeRange(string line, int interval)
    {
        using SetRequestParser parser = Parse($"public_key={Peer1}", line);
        Assert.Equal((ushort)interval, Build(parser).Peers[0].PersistentKeepaliveInterval);
    }

    [Theory]
    [InlineData("10.1.2.3/24", "10.1.2.0/24")]
    [InlineData("10.1.2.3/32", "10.1.2.3/32")]
    [InlineData("255.255.255.255/0", "0.0.0.0/0")]
    [InlineData("fd00::1234/64", "fd00::/64")]
    [InlineData("::/0", "::/0")]
    [InlineData("2001:db8::1/128", "2001:db8::1/128")]
    [InlineData("::ffff:10.0.0.1/128", "::ffff:10.0.0.1/128")]
    public void AllowedIp_HostBitsAreCleared(string text, string expected)
    {
        using SetRequestParser parser = Parse($"public_key={Peer1}", $"allowed_ip={text}");
        Assert.Equal([expected], Build(parser).Peers[0].AllowedIps.Select(n => n.ToString()));
    }

    [Fact]
    public void AllowedIpWithMinus_Removes_AndTheLastLineForAPrefixDecides()
    {
        using SetRequestParser parser = Parse(
            $"public_key={Peer1}",
            "allowed_ip=-10.1.0.0/16",
            "allowed_ip=-10.2.0.0/16",
            "allowed_ip=10.2.0.0/16",
            "allowed_ip=10.3.0.0/16",
            "allowed_ip=-10.3.0.0/16");
        PeerUpdate peer = Build(parser).Peers[0];

        // 10.2 was removed then added: kept. 10.3 was added then removed: in both lists, so the engine takes it
        // from whoever held it and then from this peer, as line-by-line application would.
        Assert.Equal(["10.2.0.0/16", "10.3.0.0/16"], peer.AllowedIps.Select(n => n.ToString()));
        Assert.Equal(["10.1.0.0/16", "10.3.0.0/16"], peer.RemoveAllowedIps.Select(n => n.ToString()).Order());
    }

    [Theory]
    [InlineData("[fe80::1%1]:51820")]
    [InlineData("[fe80::1%lo]:51820")]
    [InlineData("[::ffff:192.0.2.1]:51820")]
    [InlineData("0.0.0.0:1")]
    public void Endpoint_OtherAcceptedForms(string text)
    {
        using SetRequestParser parser = Parse($"public_key={Peer1}", $"endpoint={text}");
        Assert.True(Build(parser).Peers[0].Endpoint!.Value.IsSet);
    }

    [Fact]
    public void MappedIPv6Endpoint_BecomesIPv4()
    {
        using SetRequestParser parser = Parse($"public_key={Peer1}", "endpoint=[::ffff:192.0.2.1]:51820");
        Endpoint endpoint = Build(parser).Peers[0].Endpoint!.Value;
        Assert.False(endpoint.IsIPv6);
        Assert.Equal("192.0.2.1:51820", endpoint.ToString());
    }

    [Fact]
    public void PeerWithTheDevicesOwnKey_IsParsedAndLeftToTheEngineToIgnore()
    {
        using SetRequestParser parser = Parse($"private_key={_device.ToHex()}", $"public_key={_device.PublicKey.ToHex()}", "allowed_ip=10.0.0.0/8");
        Assert.Single(Build(parser).Peers);
    }

    [Theory]
    [InlineData("listen_port", 71)]
    [InlineData("listen_port 51820", 71)]
    [InlineData("=1", 22)]
    [InlineData("foo=bar", 22)]
    [InlineData("Listen_port=1", 22)]
    [InlineData(" listen_port=1", 22)]
    [InlineData("listen_port=1\r", 22)]
    [InlineData("listen_port=1 ", 22)]
    [InlineData("listen_port=", 22)]
    [InlineData("listen_port=-1", 22)]
    [InlineData("listen_port=+1", 22)]
    [InlineData("listen_port=65536", 22)]
    [InlineData("listen_port=0x10", 22)]
    [InlineData("listen_port=99999999999999999999999", 22)]
    [InlineData("fwmark=4294967296", 22)]
    [InlineData("fwmark=0x10", 22)]
    [InlineData("replace_peers=false", 22)]
    [InlineData("replace_peers=TRUE", 22)]
    [InlineData("replace_peers=1", 22)]
    [InlineData("private_key=", 22)]
    [InlineData("private_key=00", 22)]
    [InlineData("protocol_version=1", 22)]
    [InlineData("endpoint=192.0.2.1:1", 22)]
    [InlineData("allowed_ip=10.0.0.0/8", 22)]
    [InlineData("remove=true", 22)]
    [InlineData("update_only=true", 22)]
    [InlineData("preshared_key=00", 22)]
    [InlineData("persistent_keepalive_interval=1", 22)]
    [InlineData("replace_allowed_ips=true", 22)]
    [InlineData("public_key=", 22)]
    [InlineData("public_key=zz", 22)]
    public void BadDeviceLine_IsRefused(string line, int errno)
    {
        UapiError error = Refused("listen_port=1", line);
        Assert.Equal(errno, error.Errno);
        Assert.Equal(3, error.Line);
    }

    [Theory]
    [InlineData("private_key=", 22)]
    [InlineData("listen_port=1", 22)]
    [InlineData("fwmark=1", 22)]
    [InlineData("replace_peers=true", 22)]
    [InlineData("unknown=1", 22)]
    [InlineData("remove=false", 22)]
    [InlineData("update_only=yes", 22)]
    [InlineData("replace_allowed_ips=false", 22)]
    [InlineData("protocol_version=2", 22)]
    [InlineData("protocol_version=", 22)]
    [InlineData("persistent_keepalive_interval=65536", 22)]
    [InlineData("persistent_keepalive_interval=-1", 22)]
    [InlineData("preshared_key=0", 22)]
    [InlineData("preshared_key=000000000000000000000000000000000000000000000000000000000000000", 22)]
    [InlineData("preshared_key=00000000000000000000000000000000000000000000000000000000000000000", 22)]
    [InlineData("preshared_key=g000000000000000000000000000000000000000000000000000000000000000", 22)]
    [InlineData("preshared_key=0000000000000000000000000000000000000000000=", 22)]
    [InlineData("endpoint=192.0.2.1", 22)]
    [InlineData("endpoint=192.0.2.1:", 22)]
    [InlineData("endpoint=192.0.2.1:0", 22)]
    [InlineData("endpoint=192.0.2.1:65536", 22)]
    [InlineData("endpoint=192.0.2:51820", 22)]
    [InlineData("endpoint=192.0.2.01:51820", 22)]
    [InlineData("endpoint=192.0.2.256:51820", 22)]
    [InlineData("endpoint=example.com:51820", 22)]
    [InlineData("endpoint=2001:db8::1:51820", 22)]
    [InlineData("endpoint=[2001:db8::1]", 22)]
    [InlineData("endpoint=[2001:db8::1]51820", 22)]
    [InlineData("endpoint=[2001:db8::1]:", 22)]
    [InlineData("endpoint=[192.0.2.1]:51820", 22)]
    [InlineData("endpoint=[2001:db8::g]:51820", 22)]
    [InlineData("endpoint=[fe80::1%]:51820", 22)]
    [InlineData("endpoint=", 22)]
    [InlineData("allowed_ip=10.0.0.0", 22)]
    [InlineData("allowed_ip=10.0.0.0/", 22)]
    [InlineData("allowed_ip=10.0.0.0/33", 22)]
    [InlineData("allowed_ip=10.0.0.0/08", 22)]
    [InlineData("allowed_ip=10.0.0.0/-1", 22)]
    [InlineData("allowed_ip=10.0.0/8", 22)]
    [InlineData("allowed_ip=::/129", 22)]
    [InlineData("allowed_ip=fe80::1%1/64", 22)]
    [InlineData("allowed_ip=--10.0.0.0/8", 22)]
    [InlineData("allowed_ip=", 22)]
    [InlineData("allowed_ip=10.0.0.0/8,10.1.0.0/16", 22)]
    [InlineData("endpoint 192.0.2.1:1", 71)]
    public void BadPeerLine_IsRefused(string line, int errno)
    {
        UapiError error = Refused($"public_key={Peer1}", "endpoint=192.0.2.9:9", line);
        Assert.Equal(errno, error.Errno);
        Assert.Equal(4, error.Line);
    }

    [Theory]
    [InlineData("listen_port=1", "listen_port=2")]
    [InlineData("fwmark=1", "fwmark=1")]
    [InlineData("replace_peers=true", "replace_peers=true")]
    public void RepeatedDeviceKey_IsRefused(string first, string second) =>
        Assert.Equal(22, Refused(first, second).Errno);

    [Fact]
    public void RepeatedPrivateKey_IsRefused() =>
        Assert.Equal(22, Refused($"private_key={_device.ToHex()}", $"private_key={s_zeroKey}").Errno);

    [Theory]
    [InlineData("remove=true")]
    [InlineData("update_only=true")]
    [InlineData("endpoint=192.0.2.1:1")]
    [InlineData("persistent_keepalive_interval=1")]
    [InlineData("replace_allowed_ips=true")]
    [InlineData("protocol_version=1")]
    public void RepeatedPeerKey_IsRefused(string line)
    {
        UapiError error = Refused($"public_key={Peer1}", line, line);
        Assert.Equal(22, error.Errno);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void SameKeyInDifferentSections_IsFine()
    {
        using SetRequestParser parser = Parse($"public_key={Peer1}", "endpoint=192.0.2.1:1", $"public_key={Peer2}", "endpoint=192.0.2.1:1");
        Assert.Equal(2, Build(parser).Peers.Count);
    }

    [Fact]
    public void SecondSectionForAPeer_IsRefused()
    {
        UapiError error = Refused($"public_key={Peer1}", $"public_key={Peer2}", $"public_key={Peer1.ToUpperInvariant()}");
        Assert.Equal(22, error.Errno);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void ReplaceAllowedIpsAfterAllowedIp_IsRefused()
    {
        UapiError error = Refused($"public_key={Peer1}", "allowed_ip=10.0.0.0/8", "replace_allowed_ips=true");
        Assert.Equal(22, error.Errno);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void FirstErrorWins_AndLaterLinesAreOnlyCounted()
    {
        UapiError error = Refused("listen_port=1", "fwmark=x", "nonsense", "listen_port 3");
        Assert.Equal(22, error.Errno);
        Assert.Equal(3, error.Line);
        Assert.Equal("invalid fwmark on line 3", error.ToString());
    }

    [Fact]
    public void NonAsciiBytes_AreRefused()
    {
        using var parser = new SetRequestParser();
        parser.Add("listen_port=1"u8);
        parser.Add(Encoding.UTF8.GetBytes("fwmark=\u00e91"));
        Assert.Equal(new UapiError(22, "invalid characters", 3), parser.Error);
    }

    [Fact]
    public void OverlongLine_IsRefusedWithEmsgsize()
    {
        using var parser = new SetRequestParser();
        parser.Add(Encoding.ASCII.GetBytes("listen_port=" + new string('1', SetRequestParser.MaxLineLength)));
        Assert.Equal(90, parser.Error!.Value.Errno);
    }

    [Fact]
    public void ErrorReasons_NeverContainAValue()
    {
        string secret = _psk.ToHex();
        UapiError error = Refused($"public_key={Peer1}", $"preshared_key={secret}x");
        Assert.Equal("invalid preshared_key on line 3", error.ToString());
        Assert.Equal("unknown peer key (unprintable) on line 3", Refused($"public_key={Peer1}", $"{secret}=1").ToString());
        Assert.Equal("unknown device key bogus_key on line 2", Refused("bogus_key=1").ToString());
    }

    [Fact]
    public void Dispose_ZeroesTheParsedKeys()
    {
        SetRequestParser parser = Parse($"private_key={_device.ToHex()}", $"public_key={Peer1}", $"preshared_key={_psk.ToHex()}");
        DeviceUpdate update = parser.Build();
        parser.Dispose();
        Assert.Throws<ObjectDisposedException>(() => update.PrivateKey!.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => update.Peers[0].PresharedKey!.Span.Length);
    }
}
