using System.Net;
using System.Text;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO;
using Holt.WireGuard.IO.Memory;
using Holt.WireGuard.Keys;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Device;

/// <summary>The device model the control socket drives: <see cref="WireGuardDevice.Apply"/> in the protocol's terms.</summary>
public sealed class ConfigurationTests
{
    private static IPNetwork Net(string text) => IPNetwork.Parse(text);

    [Fact]
    public void PeerFields_AreSetUpdatedAndRead()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode();
        using var key = PrivateKey.Generate();
        using var psk = PresharedKey.Generate();
        var endpoint = Endpoint.FromIPEndPoint(IPEndPoint.Parse("192.0.2.200:51820"));

        a.Device.Apply(new DeviceUpdate
        {
            Peers = [new PeerUpdate
            {
                PublicKey = key.PublicKey,
                PresharedKey = psk,
                Endpoint = endpoint,
                PersistentKeepaliveInterval = 0,
                AllowedIps = [Net("10.1.0.0/16"), Net("fd00::/64")],
            }],
        });
        Assert.True(a.Device.TryGetPeer(key.PublicKey, out Peer peer));
        Assert.Equal(endpoint, peer.Endpoint);
        using (PresharedKey? copy = peer.GetPresharedKey())
        {
            Assert.True(copy!.SecretEquals(psk));
        }

        Assert.Equal(["10.1.0.0/16", "fd00::/64"], peer.AllowedIps.Select(n => n.ToString()));

        // Without replace, prefixes add up; with it, they are swapped.
        a.Device.Apply(new DeviceUpdate { Peers = [new PeerUpdate { PublicKey = key.PublicKey, AllowedIps = [Net("10.2.0.0/16")] }] });
        Assert.Equal(3, peer.AllowedIps.Count);
        a.Device.Apply(new DeviceUpdate
        {
            Peers = [new PeerUpdate { PublicKey = key.PublicKey, ReplaceAllowedIps = true, AllowedIps = [Net("10.3.0.0/16")], RemovePresharedKey = true, PersistentKeepaliveInterval = 30 }],
        });
        Assert.Equal(["10.3.0.0/16"], peer.AllowedIps.Select(n => n.ToString()));
        Assert.False(peer.HasPresharedKey);
        Assert.Null(peer.GetPresharedKey());
        Assert.Equal(30, peer.PersistentKeepaliveInterval);
        Assert.Same(peer, a.Device.Peers.Single(p => p.PublicKey == key.PublicKey));
    }

    [Fact]
    public void APrefixHeldByAnotherPeer_MovesToTheNewOne()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode();
        using var k1 = PrivateKey.Generate();
        using var k2 = PrivateKey.Generate();
        a.Device.Apply(new DeviceUpdate { Peers = [new PeerUpdate { PublicKey = k1.PublicKey, AllowedIps = [Net("10.9.0.0/24")] }] });
        a.Device.Apply(new DeviceUpdate { Peers = [new PeerUpdate { PublicKey = k2.PublicKey, AllowedIps = [Net("10.9.0.0/24")] }] });
        a.Device.TryGetPeer(k1.PublicKey, out Peer p1);
        a.Device.TryGetPeer(k2.PublicKey, out Peer p2);
        Assert.Empty(p1.AllowedIps);
        Assert.Single(p2.AllowedIps);
    }

    [Fact]
    public void Remove_UpdateOnly_ReplacePeers_AndOwnKey()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode();
        using var k1 = PrivateKey.Generate();
        using var k2 = PrivateKey.Generate();
        using var k3 = PrivateKey.Generate();

        a.Device.Apply(new DeviceUpdate { Peers = [new PeerUpdate { PublicKey = k1.PublicKey, AllowedIps = [Net("10.1.0.0/24")] }] });
        a.Device.Apply(new DeviceUpdate { Peers = [new PeerUpdate { PublicKey = k2.PublicKey, UpdateOnly = true }] });
        Assert.False(a.Device.TryGetPeer(k2.PublicKey, out _));

        // A peer with the device's own public key is ignored.
        a.Device.Apply(new DeviceUpdate { Peers = [new PeerUpdate { PublicKey = a.PublicKey }] });
        Assert.False(a.Device.TryGetPeer(a.PublicKey, out _));

        a.Device.Apply(new DeviceUpdate { Peers = [new PeerUpdate { PublicKey = k1.PublicKey, Remove = true }] });
        Assert.Empty(a.Device.Peers);
        Assert.Null(a.Device.Routes.Lookup(IPAddress.Parse("10.1.0.1")));

        a.Device.Apply(new DeviceUpdate { Peers = [new PeerUpdate { PublicKey = k1.PublicKey }, new PeerUpdate { PublicKey = k2.PublicKey }] });
        a.Device.Apply(new DeviceUpdate { ReplacePeers = true, Peers = [new PeerUpdate { PublicKey = k3.PublicKey }] });
        Assert.Equal([k3.PublicKey], a.Device.Peers.Select(p => p.PublicKey));
    }

    [Fact]
    public void NewPrivateKey_EndsSessions_AndANewHandshakeUsesIt()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);
        a.SendTo(b, Encoding.ASCII.GetBytes("old key"));
        Assert.NotNull(b.Receive());

        using var newKey = PrivateKey.Generate();
        a.Device.Apply(new DeviceUpdate { PrivateKey = newKey });
        Assert.Equal(newKey.PublicKey, a.Device.PublicKey);
        Assert.False(a.PeerOf(b).HasSession);

        // b learns a's new key; the next packet needs, and gets, a handshake under it.
        b.Device.Apply(new DeviceUpdate
        {
            ReplacePeers = true,
            Peers = [new PeerUpdate { PublicKey = newKey.PublicKey, AllowedIps = [new IPNetwork(a.TunnelAddress, 32)] }],
        });
        net.Time.Advance(TimeSpan.FromSeconds(1));
        a.SendTo(b, Encoding.ASCII.GetBytes("new key"));
        byte[]? packet = b.Receive();
        Assert.NotNull(packet);
        Assert.Equal("new key", Encoding.ASCII.GetString(Packets.ParseUdp(packet).Payload));
        Assert.Equal(2, a.PeerOf(b).HandshakeAttempts);
    }

    [Fact]
    public void ListenPortTaken_ThrowsAndChangesNothing()
    {
        var network = new MemoryNetwork();
        MemoryBind squatter = network.CreateBind(IPAddress.Parse("192.0.2.1"));
        squatter.Open(51821, out _);
        using var key = PrivateKey.Generate();
        using var other = PrivateKey.Generate();
        using var device = new WireGuardDevice(new MemoryPacketDevice(), network.CreateBind(IPAddress.Parse("192.0.2.1")));
        device.Apply(new DeviceUpdate { PrivateKey = key, ListenPort = 51820 });
        device.Up();

        var failing = new DeviceUpdate
        {
            ListenPort = 51821,
            PrivateKey = other,
            FirewallMark = 7,
            Peers = [new PeerUpdate { PublicKey = other.PublicKey }],
        };
        DeviceConfigurationException error = Assert.Throws<DeviceConfigurationException>(() => device.Apply(failing));
        Assert.Contains("51821", error.Message, StringComparison.Ordinal);

        Assert.Equal(51820, device.ListenPort);
        Assert.Equal(key.PublicKey, device.PublicKey);
        Assert.Equal(0u, device.FirewallMark);
        Assert.Empty(device.Peers);

        // The port can then be changed while running, and 0 picks a free one.
        device.Apply(new DeviceUpdate { ListenPort = 51830 });
        Assert.Equal(51830, device.ListenPort);
        device.Apply(new DeviceUpdate { ListenPort = 0 });
        Assert.NotEqual(0, device.ListenPort);
        squatter.Dispose();
    }

    [Fact]
    public void Peers_AreListedInTheOrderTheyWereAdded()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode();
        PrivateKey[] keys = [.. Enumerable.Range(0, 40).Select(_ => PrivateKey.Generate())];
        try
        {
            foreach (PrivateKey key in keys)
            {
                a.Device.Apply(new DeviceUpdate { Peers = [new PeerUpdate { PublicKey = key.PublicKey }] });
            }

            // Removing and re-adding a peer moves it to the end, as the kernel's peer list does.
            a.Device.Apply(new DeviceUpdate { Peers = [new PeerUpdate { PublicKey = keys[3].PublicKey, Remove = true }] });
            a.Device.Apply(new DeviceUpdate { Peers = [new PeerUpdate { PublicKey = keys[3].PublicKey }] });

            PublicKey[] expected = [.. keys.Where((_, i) => i != 3).Select(k => k.PublicKey), keys[3].PublicKey];
            Assert.Equal(expected, a.Device.Peers.Select(p => p.PublicKey));
        }
        finally
        {
            foreach (PrivateKey key in keys)
            {
                key.Dispose();
            }
        }
    }

    [Fact]
    public void TryCopyPrivateKey_CopiesTheKey_OrReportsNone()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode();
        byte[] copy = new byte[32];
        Assert.True(a.Device.TryCopyPrivateKey(copy));
        Assert.Equal(a.Key.Span.ToArray(), copy);

        a.Device.Apply(new DeviceUpdate { RemovePrivateKey = true });
        Array.Clear(copy);
        Assert.False(a.Device.TryCopyPrivateKey(copy));
        Assert.All(copy, b => Assert.Equal(0, b));
        Assert.Throws<ArgumentException>(() => a.Device.TryCopyPrivateKey(new byte[31]));
    }

    [Fact]
    public void RemoveAllowedIps_TakesOnlyWhatThePeerHolds_AfterTheAdditions()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode();
        using var k1 = PrivateKey.Generate();
        using var k2 = PrivateKey.Generate();
        a.Device.Apply(new DeviceUpdate
        {
            Peers =
            [
                new PeerUpdate { PublicKey = k1.PublicKey, AllowedIps = [Net("10.1.0.0/24"), Net("10.2.0.0/24")] },
                new PeerUpdate { PublicKey = k2.PublicKey, AllowedIps = [Net("10.3.0.0/24"), Net("10.4.0.0/24")] },
            ],
        });

        // 10.3.0.0/24 belongs to k2, so k1 cannot remove it; 10.4.0.0/24 is taken by k1's addition, then
        // removed by its removal, and ends up held by nobody.
        a.Device.Apply(new DeviceUpdate
        {
            Peers = [new PeerUpdate
            {
                PublicKey = k1.PublicKey,
                AllowedIps = [Net("10.4.0.0/24")],
                RemoveAllowedIps = [Net("10.1.0.0/24"), Net("10.3.0.0/24"), Net("10.4.0.0/24"), Net("10.9.0.0/24")],
            }],
        });
        a.Device.TryGetPeer(k1.PublicKey, out Peer p1);
        a.Device.TryGetPeer(k2.PublicKey, out Peer p2);
        Assert.Equal(["10.2.0.0/24"], p1.AllowedIps.Select(n => n.ToString()));
        Assert.Equal(["10.3.0.0/24"], p2.AllowedIps.Select(n => n.ToString()));
        Assert.Null(a.Device.Routes.Lookup(IPAddress.Parse("10.4.0.1")));
    }

    [Fact]
    public void MarkRefused_ThrowsAndChangesNothing()
    {
        var network = new MemoryNetwork();
        var bind = new MarkRefusingBind(network.CreateBind(IPAddress.Parse("192.0.2.1")));
        using var key = PrivateKey.Generate();
        using var other = PrivateKey.Generate();
        using var device = new WireGuardDevice(new MemoryPacketDevice(), bind);
        device.Apply(new DeviceUpdate { PrivateKey = key, ListenPort = 51820 });
        device.Up();

        bind.RefuseMarks = true;
        var failing = new DeviceUpdate { FirewallMark = 5, ListenPort = 51830, PrivateKey = other, Peers = [new PeerUpdate { PublicKey = other.PublicKey }] };
        DeviceConfigurationException error = Assert.Throws<DeviceConfigurationException>(() => device.Apply(failing));
        Assert.Contains("fwmark", error.Message, StringComparison.Ordinal);
        Assert.Equal(0u, device.FirewallMark);
        Assert.Equal(0u, bind.Inner.Mark);
        Assert.Equal(51820, device.ListenPort);
        Assert.Equal(key.PublicKey, device.PublicKey);
        Assert.Empty(device.Peers);
    }

    [Fact]
    public void PortTakenAfterTheMarkWasSet_PutsTheOldMarkBack()
    {
        var network = new MemoryNetwork();
        MemoryBind squatter = network.CreateBind(IPAddress.Parse("192.0.2.1"));
        squatter.Open(51821, out _);
        MemoryBind bind = network.CreateBind(IPAddress.Parse("192.0.2.1"));
        using var device = new WireGuardDevice(new MemoryPacketDevice(), bind);
        device.Apply(new DeviceUpdate { ListenPort = 51820, FirewallMark = 3 });
        device.Up();
        Assert.Equal(3u, bind.Mark);

        Assert.Throws<DeviceConfigurationException>(() => device.Apply(new DeviceUpdate { FirewallMark = 9, ListenPort = 51821 }));
        Assert.Equal(3u, device.FirewallMark);
        Assert.Equal(3u, bind.Mark);
        Assert.Equal(51820, device.ListenPort);

        // Both at once, when both can be done: the rebound socket carries the new mark.
        device.Apply(new DeviceUpdate { FirewallMark = 9, ListenPort = 51822 });
        Assert.Equal(9u, bind.Mark);
        Assert.Equal(51822, device.ListenPort);
        squatter.Dispose();
    }

    /// <summary>A bind whose SetMark fails on request, as SO_MARK does without CAP_NET_ADMIN.</summary>
    private sealed class MarkRefusingBind(MemoryBind inner) : IDatagramBind
    {
        public MemoryBind Inner { get; } = inner;

        public bool RefuseMarks { get; set; }

        public int BatchSize => Inner.BatchSize;

        public IReadOnlyList<DatagramReceiver> Open(ushort port, out ushort actualPort) => Inner.Open(port, out actualPort);

        public void Close() => Inner.Close();

        public void SetMark(uint mark)
        {
            if (RefuseMarks && mark != 0)
            {
                throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AccessDenied);
            }

            Inner.SetMark(mark);
        }

        public bool Send(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset, Endpoint destination) =>
            Inner.Send(buffers, sizes, offset, destination);

        public void Dispose() => Inner.Dispose();
    }
}
