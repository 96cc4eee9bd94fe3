using System.Text;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO;
using Holt.WireGuard.Noise;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Device;

/// <summary>
/// Random, truncated and mutated messages of every type, from anywhere: each is dropped and counted, nothing
/// throws inside the engine, and the state a real peer built stays exactly as it was.
/// </summary>
public sealed class HostileInputTests
{
    private sealed record Snapshot(Endpoint Endpoint, object? Current, object? Previous, object? Next, DateTimeOffset? LastHandshake, long Rx, long Attempts, int Routes);

    private static Snapshot Take(Peer peer) => new(
        peer.Endpoint, peer.CurrentKeypair, peer.PreviousKeypair, peer.NextKeypair, peer.LastHandshake, peer.RxBytes, peer.HandshakeAttempts, peer.AllowedIps.Count);

    private static long Handled(TestNode node, Peer peer) =>
        node.Device.Counters.TotalDropped + peer.Counters.TotalDropped + node.Device.CookieRepliesSent;

    [Fact]
    public void RandomTruncatedAndMutatedMessages_AreDroppedWithoutChangingState()
    {
        var logger = new RecordingLogger();
        using var net = new TestNetwork();
        TestNode a = net.AddNode();
        TestNode b = net.AddNode(new DeviceOptions { Logger = logger });
        TestNetwork.Connect(a, b);

        // Real traffic of every kind to mutate: initiation, response, transport; and a cookie reply shape.
        var real = new List<byte[]>();
        net.Network.Tap = (_, _, d) =>
        {
            lock (real)
            {
                real.Add(d.ToArray());
            }
        };
        a.SendTo(b, Encoding.ASCII.GetBytes("establish"));
        Assert.NotNull(b.Receive());
        b.SendTo(a, Encoding.ASCII.GetBytes("back"));
        Assert.NotNull(a.Receive());
        net.Network.Tap = null;
        byte[] cookieShape = new byte[Messages.CookieReplySize];
        Messages.WriteHeader(cookieShape, MessageType.CookieReply);
        Messages.WriteIndex(cookieShape, Messages.CookieReceiverOffset, b.PeerOf(a).CurrentKeypair!.LocalIndex);
        real.Add(cookieShape);

        Peer aOnB = b.PeerOf(a);
        Snapshot before = Take(aOnB);
        long handledBefore = Handled(b, aOnB);
        var random = new Random(1234);
        var hostile = new List<byte[]>();

        // Random bytes of random lengths, including the exact sizes of each type with a valid header.
        for (int i = 0; i < 1500; i++)
        {
            byte[] d = new byte[random.Next(0, 200)];
            random.NextBytes(d);
            if (i % 3 == 0 && d.Length >= 4)
            {
                Messages.WriteHeader(d, (MessageType)random.Next(1, 5));
            }

            hostile.Add(d);
        }

        foreach (int size in new[] { Messages.InitiationSize, Messages.ResponseSize, Messages.CookieReplySize, Messages.TransportMinSize, 100 })
        {
            for (int type = 0; type <= 5; type++)
            {
                byte[] d = new byte[size];
                random.NextBytes(d);
                Messages.WriteHeader(d, (MessageType)type);
                hostile.Add(d);
            }
        }

        // Every real message truncated at every length, and mutated in one to three bytes.
        foreach (byte[] message in real)
        {
            for (int length = 0; length < message.Length; length++)
            {
                hostile.Add(message[..length]);
            }

            for (int i = 0; i < 100; i++)
            {
                byte[] d = (byte[])message.Clone();
                int flips = random.Next(1, 4);
                for (int f = 0; f < flips; f++)
                {
                    d[random.Next(d.Length)] ^= (byte)random.Next(1, 256);
                }

                hostile.Add(d);
            }
        }

        Endpoint[] sources = [a.Endpoint, Endpoint.FromIPv4(0xC6336401, 1), Endpoint.FromIPv4(0xCB007109, 65535)];
        foreach (byte[] d in hostile)
        {
            net.Network.Inject(sources[random.Next(sources.Length)], b.Endpoint, d);
        }

        Assert.True(
            Eventually.True(() => Handled(b, aOnB) - handledBefore == hostile.Count, 30),
            $"{Handled(b, aOnB) - handledBefore} of {hostile.Count} hostile datagrams accounted for");
        Assert.Null(b.Receive(0.1));
        Assert.Equal(before, Take(aOnB));
        Assert.Empty(logger.Warnings);

        // And the real session still works both ways.
        a.SendTo(b, Encoding.ASCII.GetBytes("still here"));
        Assert.NotNull(b.Receive());
        b.SendTo(a, Encoding.ASCII.GetBytes("me too"));
        Assert.NotNull(a.Receive());
    }
}
