using System.Net;
using System.Security.Cryptography;
using System.Text;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;
using Holt.WireGuard.Noise;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Device;

/// <summary>What an attacker on the path or on the internet can try, and what the device must refuse.</summary>
public sealed class AttackTests
{
    private static byte[] Text(string s) => Encoding.ASCII.GetBytes(s);

    private static List<byte[]> Capture(TestNetwork net, Endpoint from, byte type)
    {
        var list = new List<byte[]>();
        net.Network.Tap = (source, _, data) =>
        {
            if (source == from && data[0] == type)
            {
                lock (list)
                {
                    list.Add(data.ToArray());
                }
            }
        };
        return list;
    }

    [Fact]
    public void ReplayedTransportPacket_IsDropped()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);
        List<byte[]> data = Capture(net, a.Endpoint, 4);
        a.SendTo(b, Text("once"));
        Assert.NotNull(b.Receive());

        net.Network.Inject(a.Endpoint, b.Endpoint, data[0]);
        Assert.True(Eventually.True(() => b.PeerOf(a).Counters.Dropped(DropReason.Replay) == 1));
        Assert.Null(b.Receive(0.2));
    }

    [Fact]
    public void TamperedTransportPacket_IsDropped_AndDoesNotMoveTheEndpoint()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);
        var held = new List<byte[]>();
        net.Network.Filter = (source, _, d) =>
        {
            if (source == a.Endpoint && d[0] == 4 && held.Count == 0 && d.Length > 32)
            {
                held.Add(d.ToArray());
                return false;
            }

            return true;
        };
        a.SendTo(b, Text("original"));
        Assert.True(Eventually.True(() => held.Count == 1));
        byte[] tampered = held[0];
        tampered[^20] ^= 0x40;

        var attacker = Endpoint.FromIPv4(IPAddress.Parse("198.51.100.9").GetAddressBytes(), 6666);
        net.Network.Inject(attacker, b.Endpoint, tampered);
        Assert.True(Eventually.True(() => b.PeerOf(a).Counters.Dropped(DropReason.DecryptionFailed) == 1));
        Assert.Null(b.Receive(0.2));
        Assert.Equal(a.Endpoint, b.PeerOf(a).Endpoint);
    }

    [Fact]
    public void ReplayedInitiation_IsRejected()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);
        var initiations = new List<byte[]>();
        var responses = new List<byte[]>();
        net.Network.Tap = (source, _, d) =>
        {
            List<byte[]>? into = source == a.Endpoint && d[0] == 1 ? initiations : source == b.Endpoint && d[0] == 2 ? responses : null;
            if (into is not null)
            {
                lock (into)
                {
                    into.Add(d.ToArray());
                }
            }
        };
        a.SendTo(b, Text("hello"));
        Assert.NotNull(b.Receive());
        Assert.Single(responses);

        net.Time.Advance(TimeSpan.FromSeconds(1));
        net.Network.Inject(a.Endpoint, b.Endpoint, initiations[0]);
        Assert.True(Eventually.True(() => b.Device.Counters.Dropped(DropReason.HandshakeRejected) == 1));
        Assert.Single(responses);
    }

    [Fact]
    public void PeerWithWrongKey_GetsNoReply()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode(), stranger = net.AddNode();
        TestNetwork.Connect(a, b);

        // The stranger knows b's public key, but b does not know the stranger's.
        stranger.Device.Apply(new DeviceUpdate
        {
            Peers = [new PeerUpdate { PublicKey = b.PublicKey, Endpoint = b.Endpoint, AllowedIps = [IPNetwork.Parse("10.0.0.0/24")] }],
        });
        // And a thinks b has some other key: its mac1 is wrong for b.
        using var wrong = PrivateKey.Generate();
        a.Device.Apply(new DeviceUpdate
        {
            ReplacePeers = true,
            Peers = [new PeerUpdate { PublicKey = wrong.PublicKey, Endpoint = b.Endpoint, AllowedIps = [IPNetwork.Parse("10.0.0.0/24")] }],
        });
        int fromB = 0;
        net.Network.Tap = (source, _, _) =>
        {
            if (source == b.Endpoint)
            {
                Interlocked.Increment(ref fromB);
            }
        };

        stranger.SendTo(b, Text("let me in"));
        a.SendTo(b, Text("me too"));
        Assert.True(Eventually.True(() =>
            b.Device.Counters.Dropped(DropReason.HandshakeRejected) >= 1 && b.Device.Counters.Dropped(DropReason.InvalidMac) >= 1));
        Thread.Sleep(100);
        Assert.Equal(0, Volatile.Read(ref fromB));
        Assert.Null(b.Receive(0.1));
    }

    [Fact]
    public void InnerSourceOutsideAllowedIps_IsDropped()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);
        a.SendTo(b, Text("legit"));
        Assert.NotNull(b.Receive());

        a.Tun.Inject(Packets.Ipv4Udp(IPAddress.Parse("10.9.9.9"), b.TunnelAddress, 1, 2, Text("spoofed")));
        Assert.True(Eventually.True(() => b.PeerOf(a).Counters.Dropped(DropReason.SourceNotAllowed) == 1));
        Assert.Null(b.Receive(0.2));
    }

    [Fact]
    public void BadMac1Flood_DoesNoDiffieHellmanWork()
    {
        using var net = new TestNetwork();
        TestNode b = net.AddNode();
        var random = new Random(5);
        for (int i = 0; i < 200; i++)
        {
            byte[] initiation = new byte[Messages.InitiationSize];
            random.NextBytes(initiation);
            Messages.WriteHeader(initiation, MessageType.HandshakeInitiation);
            net.Network.Inject(Endpoint.FromIPv4((uint)(0xC6336400 + i), 5000), b.Endpoint, initiation);
        }

        Assert.True(Eventually.True(() => b.Device.Counters.Dropped(DropReason.InvalidMac) == 200));
        Assert.Equal(0, b.Device.DiffieHellmanAttempts);
    }

    [Fact]
    public void InitiationFlood_TriggersCookies_WhileLegitimatePeerStillConnects()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode();
        TestNode b = net.AddNode(new DeviceOptions { UnderLoadQueueLength = 32 });
        TestNetwork.Connect(a, b);

        // Initiations with a valid mac1 (anyone who knows b's public key can make them) from many sources.
        var macs = new CookieGenerator(b.PublicKey, net.Time);
        void Flood(int count)
        {
            byte[] initiation = new byte[Messages.InitiationSize];
            for (int i = 0; i < count; i++)
            {
                RandomNumberGenerator.Fill(initiation);
                Messages.WriteHeader(initiation, MessageType.HandshakeInitiation);
                macs.AddMacs(initiation);
                net.Network.Inject(Endpoint.FromIPv4((uint)(0xC6336400 + (i % 250)) + ((uint)(i / 250) << 8), 40000), b.Endpoint, initiation);
            }
        }

        Flood(2000);
        a.SendTo(b, Text("through the storm"));
        Assert.True(Eventually.True(() => b.Device.CookieRepliesSent > 100));

        byte[]? delivered = null;
        for (int round = 0; round < 10 && delivered is null; round++)
        {
            Flood(1000);
            net.Time.Advance(Protocol.RekeyTimeout + Limits.RekeyTimeoutJitterMax);
            delivered = b.Receive(1);
        }

        Assert.NotNull(delivered);
        Assert.True(a.PeerOf(b).CookieRepliesReceived > 0, "a never took in b's cookie reply");
        Assert.Equal("through the storm", Encoding.ASCII.GetString(Packets.ParseUdp(delivered).Payload));
        Assert.True(b.Device.DiffieHellmanAttempts < 1000, $"{b.Device.DiffieHellmanAttempts} handshakes reached DH under load");
    }
}
