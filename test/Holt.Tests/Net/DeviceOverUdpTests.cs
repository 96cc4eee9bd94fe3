using System.Net;
using System.Net.Sockets;
using Holt.Interop;
using Holt.Net;
using Holt.Tests.Support;
using Holt.Tun;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO;
using Holt.WireGuard.IO.Memory;
using Holt.WireGuard.Keys;
using Xunit.Abstractions;

namespace Holt.Tests.Net;

/// <summary>
/// Two engine devices talking through real UDP sockets on a namespace's loopback (their TUN side in memory):
/// handshakes go out as single fresh arrays, transport data as batches of pooled pinned buffers.
/// </summary>
public sealed class DeviceOverUdpTests : IClassFixture<NetNsFixture>
{
    private readonly NetNsFixture _fixture;
    private readonly ITestOutputHelper _output;

    public DeviceOverUdpTests(NetNsFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void TwoDevices_HandshakeAndCarryPacketsBothWays(string loopback)
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        using Node a = Node.Start(ns, "10.0.0.1");
        using Node b = Node.Start(ns, "10.0.0.2");
        a.Connect(b, IPAddress.Parse(loopback));
        b.Connect(a, IPAddress.Parse(loopback));

        // The first packet waits for the handshake; the rest then travel on the session, in batches.
        a.Tun.Inject(Ipv4Udp.Build(a.Address, 1000, b.Address, 2000, "hello"u8));
        Assert.Equal("hello"u8.ToArray(), b.Tun.Take(Wait.Timeout).AsSpan(Ipv4Udp.HeaderSize).ToArray());
        for (int i = 0; i < 200; i++)
        {
            a.Tun.Inject(Ipv4Udp.Build(a.Address, 1000, b.Address, 2000, LinuxUdpBindTests.Payload(i, 100 + i)));
        }

        for (int i = 0; i < 200; i++)
        {
            byte[]? packet = b.Tun.Take(Wait.Timeout);
            Assert.NotNull(packet);
            Assert.Equal(LinuxUdpBindTests.Payload(i, 100 + i), packet.AsSpan(Ipv4Udp.HeaderSize).ToArray());
        }

        b.Tun.Inject(Ipv4Udp.Build(b.Address, 2000, a.Address, 1000, "reply"u8));
        byte[]? reply = a.Tun.Take(Wait.Timeout);
        Assert.NotNull(reply);
        Assert.Equal("reply"u8.ToArray(), reply.AsSpan(Ipv4Udp.HeaderSize).ToArray());
    }

    [Fact]
    public void LinuxTunAndBind_CarryASocketsDatagramsThroughTheEngine()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        // A: a real TUN (10.20.0.1) and bind; B: a bind and a TUN in memory (10.20.0.2); UDP between them on loopback.
        using var keyA = PrivateKey.Generate();
        LinuxTun tun = ns.Run(() => LinuxTun.Create("holtwg0"));
        using var a = new WireGuardDevice(tun, new LinuxUdpBind(), new DeviceOptions { CryptoWorkers = 2, HandshakeWorkers = 1 });
        a.Apply(new DeviceUpdate { PrivateKey = keyA });
        ns.Run(a.Up);
        using Node b = Node.Start(ns, "10.20.0.2");
        var addressA = IPAddress.Parse("10.20.0.1");
        a.Apply(PeerAt(b.Key.PublicKey, b.Device.ListenPort, b.Address));
        b.Device.Apply(PeerAt(keyA.PublicKey, a.ListenPort, addressA));
        ns.Run(() => File.WriteAllText("/proc/sys/net/ipv6/conf/holtwg0/disable_ipv6", "1"));
        ns.Ip("addr add 10.20.0.1/24 dev holtwg0");
        ns.Ip("link set dev holtwg0 up");
        using Socket socket = ns.Run(() => LinuxUdpBindTests.Bound(new IPEndPoint(addressA, 0)));
        ushort port = (ushort)((IPEndPoint)socket.LocalEndPoint!).Port;

        // Out: socket, kernel route into the TUN, encryption, UDP, decryption, B's TUN.
        socket.SendTo("ping"u8.ToArray(), new IPEndPoint(b.Address, 7000));
        byte[]? outbound = b.Tun.Take(Wait.Timeout);
        Assert.NotNull(outbound);
        Assert.Equal("ping"u8.ToArray(), outbound.AsSpan(Ipv4Udp.HeaderSize).ToArray());

        // Back: B's TUN, encryption, UDP, decryption, a write into the real TUN, the kernel, the socket.
        b.Tun.Inject(Ipv4Udp.Build(b.Address, 7000, addressA, port, "pong"u8));
        byte[] reply = new byte[64];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int length = socket.ReceiveFrom(reply, ref from);
        Assert.Equal("pong"u8.ToArray(), reply.AsSpan(0, length).ToArray());
        Assert.Equal(new IPEndPoint(b.Address, 7000), from);
    }

    [Fact]
    public void ChangingToATakenPort_FailsAsConfigurationError_CarryingEaddrinuse_AndKeepsTheOldPort()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        using Node a = Node.Start(ns, "10.0.0.1");
        ushort before = a.Device.ListenPort;
        using Socket holder = ns.Run(() => LinuxUdpBindTests.Bound(new IPEndPoint(IPAddress.Any, 0)));
        ushort taken = (ushort)((IPEndPoint)holder.LocalEndPoint!).Port;

        var e = Assert.Throws<DeviceConfigurationException>(() => ns.Run(() => a.Device.Apply(new DeviceUpdate { ListenPort = taken })));

        SocketException inner = Assert.IsType<SocketException>(e.InnerException);
        Assert.Equal(Errno.EADDRINUSE, inner.ErrorCode);
        Assert.Equal(SocketError.AddressAlreadyInUse, inner.SocketErrorCode);
        Assert.Equal(before, a.Device.ListenPort);
        _output.WriteLine(e.Message);
    }

    private static DeviceUpdate PeerAt(PublicKey publicKey, ushort port, IPAddress tunnelAddress) => new()
    {
        Peers =
        [
            new PeerUpdate
            {
                PublicKey = publicKey,
                Endpoint = Endpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, port)),
                AllowedIps = [new IPNetwork(tunnelAddress, 32)],
            },
        ],
    };

    private sealed class Node : IDisposable
    {
        private Node(WireGuardDevice device, MemoryPacketDevice tun, PrivateKey key, IPAddress address)
        {
            Device = device;
            Tun = tun;
            Key = key;
            Address = address;
        }

        public WireGuardDevice Device { get; }

        public MemoryPacketDevice Tun { get; }

        public PrivateKey Key { get; }

        public IPAddress Address { get; }

        public static Node Start(NetNs ns, string address)
        {
            var tun = new MemoryPacketDevice();
            var key = PrivateKey.Generate();
            var device = new WireGuardDevice(tun, new LinuxUdpBind(), new DeviceOptions { CryptoWorkers = 2, HandshakeWorkers = 1 });
            device.Apply(new DeviceUpdate { PrivateKey = key });

            // The bind opens its sockets in the namespace of the thread that brings the device up.
            ns.Run(device.Up);
            return new Node(device, tun, key, IPAddress.Parse(address));
        }

        public void Connect(Node other, IPAddress loopback) => Device.Apply(new DeviceUpdate
        {
            Peers =
            [
                new PeerUpdate
                {
                    PublicKey = other.Key.PublicKey,
                    Endpoint = Endpoint.FromIPEndPoint(new IPEndPoint(loopback, other.Device.ListenPort)),
                    AllowedIps = [new IPNetwork(other.Address, 32)],
                },
            ],
        });

        public void Dispose()
        {
            Device.Dispose();
            Key.Dispose();
        }
    }
}
