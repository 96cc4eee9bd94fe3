using System.Buffers.Binary;
using System.Globalization;
using Holt.Tests.Uapi.Support;
using Holt.Uapi;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO.Memory;
using Holt.WireGuard.Keys;

namespace Holt.Tests.Uapi;

/// <summary>
/// Two devices configured only through their control sockets complete a handshake and carry a packet; get then
/// reports the handshake time and byte counters the engine holds.
/// </summary>
public sealed class UapiCountersTests
{
    [Fact]
    public void AfterAHandshake_GetReportsItsTimeAndTheByteCounters()
    {
        var network = new MemoryNetwork();
        using UapiHarness a = UapiHarness.Private(network: network, address: "192.0.2.1");
        using UapiHarness b = UapiHarness.Private(network: network, address: "192.0.2.2");
        using PrivateKey keyA = PrivateKey.Generate();
        using PrivateKey keyB = PrivateKey.Generate();
        using PresharedKey psk = PresharedKey.Generate();
        using (RawClient client = a.Connect())
        {
            Assert.Equal("errno=0\n\n", client.Request(
                $"set=1\nprivate_key={keyA.ToHex()}\nlisten_port=51820\npublic_key={keyB.PublicKey.ToHex()}\n" +
                $"preshared_key={psk.ToHex()}\nendpoint=192.0.2.2:51820\nallowed_ip=10.0.0.2/32\n\n"));
        }

        using (RawClient client = b.Connect())
        {
            Assert.Equal("errno=0\n\n", client.Request(
                $"set=1\nprivate_key={keyB.ToHex()}\nlisten_port=51820\npublic_key={keyA.PublicKey.ToHex()}\n" +
                $"preshared_key={psk.ToHex()}\nallowed_ip=10.0.0.1/32\n\n"));
        }

        a.Device.Up();
        b.Device.Up();
        DateTimeOffset before = DateTimeOffset.UtcNow;
        a.Tun.Inject(Ipv4Udp([10, 0, 0, 1], [10, 0, 0, 2], "hello"u8));
        Assert.NotNull(b.Tun.Take(TimeSpan.FromSeconds(10)));

        using RawClient get = a.Connect();
        Dictionary<string, string> fields = get.Request("get=1\n\n").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2)).Where(kv => kv[0] != "allowed_ip").ToDictionary(kv => kv[0], kv => kv[1]);
        Assert.True(a.Device.TryGetPeer(keyB.PublicKey, out Peer peer));

        long seconds = long.Parse(fields["last_handshake_time_sec"], CultureInfo.InvariantCulture);
        long nanoseconds = long.Parse(fields["last_handshake_time_nsec"], CultureInfo.InvariantCulture);
        var handshake = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / 100);
        Assert.Equal(peer.LastHandshake, handshake);
        Assert.InRange(handshake, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.InRange(nanoseconds, 0, 999_999_999);
        Assert.True(long.Parse(fields["tx_bytes"], CultureInfo.InvariantCulture) > 0);
        Assert.True(long.Parse(fields["rx_bytes"], CultureInfo.InvariantCulture) > 0);
        Assert.Equal("192.0.2.2:51820", fields["endpoint"]);
        Assert.Equal(psk.ToHex(), fields["preshared_key"]);
        Assert.Equal("0", fields["errno"]);
    }

    /// <summary>
    /// The daemon reads its own engine directly (<see cref="UapiServer.TryReadLocal"/>); what it reads must be what a
    /// client parses from the socket's get=1, field for field: keys, PSK or none, IPv4 and IPv6 endpoints, the
    /// handshake time to the tick, counters, keepalive and every allowed IP in order.
    /// </summary>
    [Fact]
    public void ReadingTheEngineDirectly_GivesExactlyWhatGetReports()
    {
        var network = new MemoryNetwork();
        using UapiHarness a = UapiHarness.Private(network: network, address: "192.0.2.1");
        using UapiHarness b = UapiHarness.Private(network: network, address: "192.0.2.2");
        using PrivateKey keyA = PrivateKey.Generate();
        using PrivateKey keyB = PrivateKey.Generate();
        using PrivateKey keyC = PrivateKey.Generate();
        PublicKey third = keyC.PublicKey;
        using PresharedKey psk = PresharedKey.Generate();
        using (RawClient client = a.Connect())
        {
            Assert.Equal("errno=0\n\n", client.Request(
                $"set=1\nprivate_key={keyA.ToHex()}\nlisten_port=51820\nfwmark=51\npublic_key={keyB.PublicKey.ToHex()}\n" +
                $"preshared_key={psk.ToHex()}\nendpoint=192.0.2.2:51820\npersistent_keepalive_interval=25\nallowed_ip=10.0.0.2/32\n" +
                $"allowed_ip=fd00::2/128\nallowed_ip=10.9.0.0/16\npublic_key={third.ToHex()}\nendpoint=[2001:db8::7]:4500\n" +
                "allowed_ip=10.0.0.3/32\n\n"));
        }

        using (RawClient client = b.Connect())
        {
            Assert.Equal("errno=0\n\n", client.Request(
                $"set=1\nprivate_key={keyB.ToHex()}\nlisten_port=51820\npublic_key={keyA.PublicKey.ToHex()}\n" +
                $"preshared_key={psk.ToHex()}\nallowed_ip=10.0.0.1/32\n\n"));
        }

        a.Device.Up();
        b.Device.Up();
        a.Tun.Inject(Ipv4Udp([10, 0, 0, 1], [10, 0, 0, 2], "hello"u8));
        Assert.NotNull(b.Tun.Take(TimeSpan.FromSeconds(10)));

        DeviceStatus parsed;
        using (RawClient get = a.Connect())
        {
            parsed = UapiClient.ParseGet(a.Name, get.Request("get=1\n\n"));
        }

        DeviceStatus direct = UapiServer.TryReadLocal(a.SocketPath) ?? throw new Xunit.Sdk.XunitException("the server is not found as local");
        Assert.Equal(Describe(parsed), Describe(direct));
        Assert.Equal(2, direct.Peers.Count);
        Assert.NotNull(direct.Peers[0].LatestHandshake);
        Assert.Equal("[2001:db8::7]:4500", direct.Peers[1].Endpoint);
        Assert.Null(direct.Peers[1].PresharedKey);

        a.Server.Dispose();
        Assert.Null(UapiServer.TryReadLocal(a.SocketPath));
    }

    private static string Describe(DeviceStatus status) =>
        $"{status.ListenPort} {status.FirewallMark} {status.PublicKey}\n" + string.Join('\n', status.Peers.Select(p =>
            $"{p.PublicKey} {p.PresharedKey ?? "-"} {p.Endpoint ?? "-"} {p.LatestHandshake?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? "-"} " +
            $"{p.RxBytes} {p.TxBytes} {p.PersistentKeepalive} {string.Join(',', p.AllowedIps)}"));

    /// <summary>A minimal IPv4 UDP packet with a valid header checksum (RFC 791, RFC 768; UDP checksum 0 is "none").</summary>
    private static byte[] Ipv4Udp(byte[] source, byte[] destination, ReadOnlySpan<byte> payload)
    {
        byte[] packet = new byte[28 + payload.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 17;
        source.CopyTo(packet, 12);
        destination.CopyTo(packet, 16);
        uint sum = 0;
        for (int i = 0; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i));
        }

        sum = (sum & 0xffff) + (sum >> 16);
        sum += sum >> 16;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), (ushort)~sum);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 9000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 9000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + payload.Length));
        payload.CopyTo(packet.AsSpan(28));
        return packet;
    }
}
