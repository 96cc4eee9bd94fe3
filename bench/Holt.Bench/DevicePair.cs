using System.Net;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO;
using Holt.WireGuard.IO.Memory;
using Holt.WireGuard.Keys;
using Holt.WireGuard.Noise;

namespace Holt.Bench;

/// <summary>
/// Two devices, A (10.0.0.1, underlay 192.0.2.1) and B (10.0.0.2, underlay 192.0.2.2), peers of each other on one
/// <see cref="MemoryNetwork"/>, each with a <see cref="MemoryPacketDevice"/> as its TUN. They start down: the
/// handshake and crypto steps called directly need neither the bind nor the timers. <see cref="Up"/> starts both
/// for end-to-end runs.
/// </summary>
internal sealed class DevicePair : IDisposable
{
    private const ushort Port = 51820;

    public DevicePair(TimeProvider time, int mtu)
    {
        Network = new MemoryNetwork();
        TunA = new MemoryPacketDevice(mtu);
        TunB = new MemoryPacketDevice(mtu);
        A = new WireGuardDevice(TunA, Network.CreateBind(UnderlayA), new DeviceOptions { TimeProvider = time });
        B = new WireGuardDevice(TunB, Network.CreateBind(UnderlayB), new DeviceOptions { TimeProvider = time });

        using var keyA = PrivateKey.Generate();
        using var keyB = PrivateKey.Generate();
        A.Apply(new DeviceUpdate { PrivateKey = keyA, ListenPort = Port, Peers = [PeerOf(keyB, UnderlayB, TunnelB)] });
        B.Apply(new DeviceUpdate { PrivateKey = keyB, ListenPort = Port, Peers = [PeerOf(keyA, UnderlayA, TunnelA)] });
        PeerAtA = A.TryGetPeer(keyB.PublicKey, out Peer b) ? b : throw new InvalidOperationException("B is not a peer of A");
        PeerAtB = B.TryGetPeer(keyA.PublicKey, out Peer a) ? a : throw new InvalidOperationException("A is not a peer of B");
    }

    public static IPAddress TunnelA { get; } = IPAddress.Parse("10.0.0.1");

    public static IPAddress TunnelB { get; } = IPAddress.Parse("10.0.0.2");

    public MemoryNetwork Network { get; }

    public MemoryPacketDevice TunA { get; }

    public MemoryPacketDevice TunB { get; }

    public WireGuardDevice A { get; }

    public WireGuardDevice B { get; }

    /// <summary>B, as A knows it.</summary>
    public Peer PeerAtA { get; }

    /// <summary>A, as B knows it.</summary>
    public Peer PeerAtB { get; }

    private static IPAddress UnderlayA { get; } = IPAddress.Parse("192.0.2.1");

    private static IPAddress UnderlayB { get; } = IPAddress.Parse("192.0.2.2");

    /// <summary>
    /// One whole handshake, A initiating, as the two handshake workers would run it minus the queues and sends:
    /// initiation, mac1 check, consumption and response at B, B's session, mac1 check and consumption at A, A's
    /// session. False if any step refused.
    /// </summary>
    public bool Handshake()
    {
        Span<byte> initiation = stackalloc byte[Messages.InitiationSize];
        Span<byte> response = stackalloc byte[Messages.ResponseSize];
        return A.CreateInitiation(PeerAtA, initiation)
            && B.CookieChecker.CheckMac1(initiation)
            && B.ConsumeInitiation(initiation) == PeerAtB
            && B.CreateResponse(PeerAtB, response)
            && B.BeginSession(PeerAtB) is not null
            && A.CookieChecker.CheckMac1(response)
            && A.ConsumeResponse(response) == PeerAtA
            && A.BeginSession(PeerAtA) is not null;
    }

    public void Up()
    {
        A.Up();
        B.Up();
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }

    private static PeerUpdate PeerOf(PrivateKey key, IPAddress underlay, IPAddress tunnel) => new()
    {
        PublicKey = key.PublicKey,
        Endpoint = Endpoint.FromIPEndPoint(new IPEndPoint(underlay, Port)),
        AllowedIps = [new IPNetwork(tunnel, 32)],
    };
}
