using System.Text;
using Holt.WireGuard.Device;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Device;

/// <summary>Fifty devices on one network: a hub with 49 spokes, and each spoke also peered with the next.</summary>
public sealed class FiftyDeviceTests
{
    [Fact]
    public void HubAndRing_EveryPairExchangesData()
    {
        using var net = new TestNetwork();
        var nodes = new List<TestNode>();
        for (int i = 0; i < 50; i++)
        {
            nodes.Add(net.AddNode(new DeviceOptions { CryptoWorkers = 1, HandshakeWorkers = 1 }));
        }

        TestNode hub = nodes[0];
        var pairs = new List<(TestNode From, TestNode To)>();
        for (int i = 1; i < 50; i++)
        {
            TestNetwork.Connect(nodes[i], hub, aKnowsB: true, bKnowsA: false);
            pairs.Add((nodes[i], hub));
            if (i + 1 < 50)
            {
                TestNetwork.Connect(nodes[i], nodes[i + 1], aKnowsB: true, bKnowsA: true);
                pairs.Add((nodes[i], nodes[i + 1]));
            }
        }

        // Spokes speak first (the hub knows no endpoints), then every receiver answers.
        foreach ((TestNode from, TestNode to) in pairs)
        {
            from.SendTo(to, Encoding.ASCII.GetBytes($"{from.TunnelAddress}->{to.TunnelAddress}"));
        }

        var received = new Dictionary<TestNode, List<string>>();
        foreach (TestNode node in nodes)
        {
            received[node] = [];
        }

        int expectedPerNode(TestNode n) => pairs.Count(p => p.To == n);
        foreach (TestNode node in nodes)
        {
            for (int k = 0; k < expectedPerNode(node); k++)
            {
                byte[]? packet = node.Receive(20);
                Assert.NotNull(packet);
                received[node].Add(Encoding.ASCII.GetString(Packets.ParseUdp(packet).Payload));
            }
        }

        foreach ((TestNode from, TestNode to) in pairs)
        {
            Assert.Contains($"{from.TunnelAddress}->{to.TunnelAddress}", received[to]);
            to.SendTo(from, Encoding.ASCII.GetBytes("ack"));
        }

        foreach (TestNode node in nodes.Skip(1))
        {
            int acks = pairs.Count(p => p.From == node);
            for (int k = 0; k < acks; k++)
            {
                byte[]? packet = node.Receive(20);
                Assert.NotNull(packet);
                Assert.Equal("ack", Encoding.ASCII.GetString(Packets.ParseUdp(packet).Payload));
            }
        }

        Assert.Equal(49, hub.Device.Peers.Count(p => p.HasSession));
        Assert.All(nodes, n => Assert.Equal(0, n.Device.Peers.Sum(p => p.Counters.TotalDropped)));
    }
}
