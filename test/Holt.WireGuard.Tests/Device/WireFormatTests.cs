using System.Text;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;
using Holt.WireGuard.Noise;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Device;

/// <summary>What goes on the wire: exact sizes, padding, mac1 on every handshake message, fresh indices.</summary>
public sealed class WireFormatTests
{
    private static List<(Endpoint From, byte[] Data)> Record(TestNetwork net)
    {
        var seen = new List<(Endpoint, byte[])>();
        net.Network.Tap = (source, _, data) =>
        {
            lock (seen)
            {
                seen.Add((source, data.ToArray()));
            }
        };
        return seen;
    }

    [Fact]
    public void Messages_HaveTheirExactSizes_AndTransportIsPaddedTo16()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);
        List<(Endpoint From, byte[] Data)> seen = Record(net);

        for (int length = 0; length < 40; length++)
        {
            a.SendTo(b, new byte[length]);
            Assert.NotNull(b.Receive());
        }

        net.Time.Advance(Protocol.KeepaliveTimeout + TimeSpan.FromSeconds(1));
        Assert.True(Eventually.True(() => { lock (seen) { return seen.Any(s => s.Data.Length == Messages.TransportMinSize); } }));

        lock (seen)
        {
            Assert.Contains(seen, s => s.Data[0] == 1);
            Assert.Contains(seen, s => s.Data[0] == 2);
            foreach ((_, byte[] data) in seen)
            {
                Assert.True(Messages.TryGetType(data, out MessageType type));
                switch (type)
                {
                    case MessageType.HandshakeInitiation:
                        Assert.Equal(148, data.Length);
                        break;
                    case MessageType.HandshakeResponse:
                        Assert.Equal(92, data.Length);
                        break;
                    case MessageType.TransportData:
                        Assert.Equal(0, (data.Length - 32) % 16);
                        break;
                    default:
                        Assert.Fail($"unexpected message type {type}");
                        break;
                }
            }

            // Every inner packet length from 28 to 67 bytes padded up to 32, 48, 64 or 80.
            int[] transportSizes = [.. seen.Where(s => s.Data[0] == 4 && s.Data.Length > 32).Select(s => s.Data.Length - 32).Distinct().Order()];
            Assert.Equal([32, 48, 64, 80], transportSizes);
        }
    }

    [Fact]
    public void EveryHandshakeMessage_CarriesAValidMac1_ForItsReceiver()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);
        List<(Endpoint From, byte[] Data)> seen = Record(net);
        a.SendTo(b, Encoding.ASCII.GetBytes("x"));
        Assert.NotNull(b.Receive());

        lock (seen)
        {
            byte[] initiation = seen.Single(s => s.Data[0] == 1).Data;
            byte[] response = seen.Single(s => s.Data[0] == 2).Data;
            Assert.True(b.Device.CookieChecker.CheckMac1(initiation));
            Assert.False(a.Device.CookieChecker.CheckMac1(initiation));
            Assert.True(a.Device.CookieChecker.CheckMac1(response));
            Assert.False(b.Device.CookieChecker.CheckMac1(response));

            // The response names the initiation's sender index as its receiver.
            Assert.Equal(Messages.ReadIndex(initiation, Messages.InitiationSenderOffset), Messages.ReadIndex(response, Messages.ResponseReceiverOffset));
        }
    }

    [Fact]
    public void EachHandshake_UsesFreshRandomIndices()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);
        List<(Endpoint From, byte[] Data)> seen = Record(net);
        for (int i = 0; i < 5; i++)
        {
            a.SendTo(b, Encoding.ASCII.GetBytes("x"));
            Assert.NotNull(b.Receive());

            // Forget the session so the next packet needs a new handshake, and let time pass: b refuses a second
            // initiation with the same timestamp, or within 20 ms of the last.
            a.PeerOf(b).ExpireCurrentKeypairs();
            net.Time.Advance(TimeSpan.FromSeconds(1));
        }

        lock (seen)
        {
            uint[] senders = [.. seen.Where(s => s.Data[0] is 1 or 2).Select(s => Messages.ReadIndex(s.Data, 4))];
            Assert.Equal(10, senders.Length);
            Assert.Equal(senders.Length, senders.Distinct().Count());
        }
    }

    [Fact]
    public void MatchingPresharedKeys_Connect_MismatchedOnesDoNot()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode(), c = net.AddNode();
        using var psk = PresharedKey.Generate();
        TestNetwork.Connect(a, b, psk: psk);
        a.SendTo(b, Encoding.ASCII.GetBytes("with psk"));
        Assert.NotNull(b.Receive());
        Assert.True(a.PeerOf(b).HasPresharedKey);

        using var other = PresharedKey.Generate();
        TestNetwork.Connect(a, c, psk: psk);
        c.Device.Apply(new DeviceUpdate { Peers = [new PeerUpdate { PublicKey = a.PublicKey, UpdateOnly = true, PresharedKey = other }] });
        a.SendTo(c, Encoding.ASCII.GetBytes("wrong psk"));
        Assert.True(Eventually.True(() => a.Device.Counters.Dropped(DropReason.HandshakeRejected) >= 1));
        Assert.Null(c.Receive(0.2));
        Assert.False(a.PeerOf(c).HasSession);
    }
}
