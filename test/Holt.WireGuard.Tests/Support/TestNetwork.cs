using System.Net;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO;
using Holt.WireGuard.IO.Memory;
using Holt.WireGuard.Keys;
using Microsoft.Extensions.Time.Testing;

namespace Holt.WireGuard.Tests.Support;

/// <summary>One WireGuard device on the in-memory network, with its TUN, bind, key and tunnel address.</summary>
internal sealed class TestNode : IDisposable
{
    public required WireGuardDevice Device { get; init; }

    public required MemoryPacketDevice Tun { get; init; }

    public required MemoryBind Bind { get; init; }

    public required PrivateKey Key { get; init; }

    /// <summary>The node's address inside the tunnel, 10.0.x.y.</summary>
    public required IPAddress TunnelAddress { get; init; }

    public PublicKey PublicKey => Key.PublicKey;

    public Endpoint Endpoint => Bind.LocalEndpoint;

    public Peer PeerOf(TestNode other) =>
        Device.TryGetPeer(other.PublicKey, out Peer peer) ? peer : throw new InvalidOperationException("not a peer");

    /// <summary>Makes the OS side send a UDP packet into the tunnel.</summary>
    public void SendTo(TestNode other, ReadOnlySpan<byte> payload, ushort port = 9000) =>
        Tun.Inject(Packets.Ipv4Udp(TunnelAddress, other.TunnelAddress, port, port, payload));

    /// <summary>The next packet the device delivered to the OS side, or null after a generous wait.</summary>
    public byte[]? Receive(double seconds = 10) => Tun.Take(TimeSpan.FromSeconds(seconds));

    public void Dispose()
    {
        Device.Dispose();
        Key.Dispose();
    }
}

/// <summary>
/// Devices on one <see cref="MemoryNetwork"/>, sharing one fake clock: protocol timers run in virtual time,
/// while the packet path runs on real threads. Underlay addresses are 192.0.2.x (TEST-NET-1), all in memory.
/// </summary>
internal sealed class TestNetwork : IDisposable
{
    private readonly List<TestNode> _nodes = [];

    public MemoryNetwork Network { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    public IReadOnlyList<TestNode> Nodes => _nodes;

    public TestNode AddNode(DeviceOptions? options = null)
    {
        int n = _nodes.Count + 1;
        var tun = new MemoryPacketDevice(mtu: 1420);
        MemoryBind bind = Network.CreateBind(IPAddress.Parse($"192.0.2.{n}"));
        var key = PrivateKey.Generate();
        var device = new WireGuardDevice(tun, bind, new DeviceOptions
        {
            TimeProvider = Time,
            CryptoWorkers = options?.CryptoWorkers ?? 2,
            HandshakeWorkers = options?.HandshakeWorkers ?? 1,
            UnderLoadQueueLength = options?.UnderLoadQueueLength ?? Holt.WireGuard.Noise.Limits.UnderLoadQueueLength,
            Logger = options?.Logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
        });
        device.Apply(new DeviceUpdate { PrivateKey = key, ListenPort = 51820 });
        device.Up();
        var node = new TestNode
        {
            Device = device,
            Tun = tun,
            Bind = bind,
            Key = key,
            TunnelAddress = IPAddress.Parse($"10.0.{n / 250}.{(n % 250) + 1}"),
        };
        _nodes.Add(node);
        return node;
    }

    /// <summary>Makes a and b peers; each knows the other's endpoint only if asked to.</summary>
    public static void Connect(TestNode a, TestNode b, bool aKnowsB = true, bool bKnowsA = false, PresharedKey? psk = null)
    {
        a.Device.Apply(new DeviceUpdate { Peers = [PeerConfig(b, aKnowsB, psk)] });
        b.Device.Apply(new DeviceUpdate { Peers = [PeerConfig(a, bKnowsA, psk)] });
    }

    public void Dispose()
    {
        foreach (TestNode node in _nodes)
        {
            node.Dispose();
        }
    }

    private static PeerUpdate PeerConfig(TestNode node, bool withEndpoint, PresharedKey? psk) => new()
    {
        PublicKey = node.PublicKey,
        Endpoint = withEndpoint ? node.Endpoint : null,
        PresharedKey = psk,
        AllowedIps = [new IPNetwork(node.TunnelAddress, 32)],
    };
}

internal static class Eventually
{
    /// <summary>Advances virtual time a step at a time until <paramref name="condition"/> holds.</summary>
    public static bool AfterAdvancing(TestNetwork net, Func<bool> condition, TimeSpan step, int maxSteps, double pollSeconds = 0.5)
    {
        for (int i = 0; i < maxSteps; i++)
        {
            if (True(condition, pollSeconds))
            {
                return true;
            }

            net.Time.Advance(step);
        }

        return True(condition, 2);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; false after a generous real-time limit.</summary>
    public static bool True(Func<bool> condition, double seconds = 10)
    {
        DateTime until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(5);
        }

        return condition();
    }
}
