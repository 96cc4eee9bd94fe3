using System.Text;
using Holt.WireGuard.Device;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Device;

public sealed class TwoDeviceTests
{
    private static byte[] Payload(string text) => Encoding.ASCII.GetBytes(text);

    private static void AssertDelivered(TestNode to, TestNode from, string text)
    {
        byte[]? packet = to.Receive();
        Assert.NotNull(packet);
        (var source, var destination, byte[] payload) = Packets.ParseUdp(packet);
        Assert.Equal(from.TunnelAddress, source);
        Assert.Equal(to.TunnelAddress, destination);
        Assert.Equal(text, Encoding.ASCII.GetString(payload));
    }

    [Fact]
    public void FirstPacket_StartsHandshake_AndArrives()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);

        a.SendTo(b, Payload("hello b"));
        AssertDelivered(b, a, "hello b");

        Peer bOnA = a.PeerOf(b);
        Assert.NotNull(bOnA.LastHandshake);
        Assert.Equal(1, bOnA.HandshakeAttempts);
        Assert.True(bOnA.TxBytes > 0);
    }

    [Fact]
    public void EitherSide_CanInitiate()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b, aKnowsB: false, bKnowsA: true);

        b.SendTo(a, Payload("b starts"));
        AssertDelivered(a, b, "b starts");
        Assert.Equal(1, b.PeerOf(a).HandshakeAttempts);
        Assert.Equal(0, a.PeerOf(b).HandshakeAttempts);
        Assert.True(b.PeerOf(a).CurrentKeypair!.IsInitiator);
        Assert.False(a.PeerOf(b).CurrentKeypair!.IsInitiator);

        a.SendTo(b, Payload("a answers"));
        AssertDelivered(b, a, "a answers");
    }

    [Fact]
    public void DataFlows_BothDirections_ResponderLearnsEndpoint()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);

        a.SendTo(b, Payload("ping"));
        AssertDelivered(b, a, "ping");
        Assert.Equal(a.Endpoint, b.PeerOf(a).Endpoint);

        b.SendTo(a, Payload("pong"));
        AssertDelivered(a, b, "pong");
        for (int i = 0; i < 100; i++)
        {
            a.SendTo(b, Payload($"a{i}"));
            b.SendTo(a, Payload($"b{i}"));
        }

        for (int i = 0; i < 100; i++)
        {
            AssertDelivered(b, a, $"a{i}");
            AssertDelivered(a, b, $"b{i}");
        }

        Assert.Equal(0, a.PeerOf(b).Counters.TotalDropped);
        Assert.Equal(0, b.PeerOf(a).Counters.TotalDropped);
    }

    [Fact]
    public void StalledTun_PacketsArrivingOneByOne_AreQueuedNotDropped()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);
        a.SendTo(b, Payload("open"));
        AssertDelivered(b, a, "open");

        // b's writes to its TUN stall (a starved consumer), while a's packets arrive a few milliseconds apart, so
        // b's receiver queues each in a batch of its own. The kernel holds 1024 packets per peer; Holt must too,
        // not 64 batches.
        using var gate = new ManualResetEventSlim(false);
        b.Tun.OnWrite = _ => gate.Wait(TimeSpan.FromSeconds(30));
        try
        {
            for (int i = 0; i < 200; i++)
            {
                a.SendTo(b, Payload($"p{i}"));
                Thread.Sleep(2);
            }

            // Time for b to receive and queue them all while its TUN is still stalled.
            Thread.Sleep(500);
        }
        finally
        {
            gate.Set();
        }

        for (int i = 0; i < 200; i++)
        {
            AssertDelivered(b, a, $"p{i}");
        }

        Assert.Equal(0, b.PeerOf(a).Counters.TotalDropped);
    }

    [Fact]
    public void ParallelCrypto_KeepsEachPeersPacketsInOrder()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(new DeviceOptions { CryptoWorkers = 4 }), b = net.AddNode(new DeviceOptions { CryptoWorkers = 4 });
        TestNetwork.Connect(a, b);
        a.SendTo(b, Payload("open"));
        AssertDelivered(b, a, "open");

        const int count = 20_000;
        var sender = new Thread(() =>
        {
            byte[] payload = new byte[64];
            for (int i = 0; i < count; i++)
            {
                BitConverter.TryWriteBytes(payload, i);
                a.SendTo(b, payload);
            }
        });
        sender.Start();

        // Sent faster than two cores decrypt, packets may be dropped at b's full queues (as UDP and the kernel
        // drop them), each one counted; what arrives must arrive in order.
        // Every packet ends delivered or counted as dropped; the loop waits for that (packets still in b's queues
        // when the sender finishes are neither yet), and gives up only after 10 s without a packet.
        int received = 0, last = -1;
        long Counted() => b.PeerOf(a).Counters.TotalDropped + b.Bind.QueueDrops + a.PeerOf(b).Counters.TotalDropped;
        while (sender.IsAlive || received + Counted() < count)
        {
            byte[]? packet = b.Receive(10);
            if (packet is null)
            {
                break;
            }

            int sequence = BitConverter.ToInt32(Packets.ParseUdp(packet).Payload);
            Assert.True(sequence > last, $"packet {sequence} arrived after {last}");
            last = sequence;
            received++;
        }

        sender.Join();
        Assert.Equal(count, received + Counted());
        // Enough must arrive for the order check to mean something; how many depends on the machine's load (the
        // other test assemblies run at the same time in CI), so this is a floor, not a rate.
        Assert.True(received >= count / 10, $"only {received} of {count} arrived");
    }
}
