using System.Net;
using Holt.WireGuard.IO;
using Holt.WireGuard.IO.Memory;

namespace Holt.WireGuard.Tests.IO;

public class MemoryNetworkTests
{
    // Only a bound on how long a broken fixture may hang a test run; nothing asserts on elapsed time.
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    private static readonly IPAddress s_hostA = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress s_hostB = IPAddress.Parse("192.0.2.2");
    private static readonly IPAddress s_hostC = IPAddress.Parse("198.51.100.7");
    private static readonly IPAddress s_hostV6A = IPAddress.Parse("2001:db8::a");
    private static readonly IPAddress s_hostV6B = IPAddress.Parse("2001:db8::b");

    [Fact]
    public void TwoBinds_ExchangeDatagrams_SourceIsSender()
    {
        var network = new MemoryNetwork();
        using MemoryBind a = network.CreateBind(s_hostA);
        using MemoryBind b = network.CreateBind(s_hostB);
        DatagramReceiver receiveA = a.Open(51820, out ushort portA).Single();
        DatagramReceiver receiveB = b.Open(51821, out ushort portB).Single();

        Assert.True(Send(a, At(s_hostB, portB), [1, 2, 3]));
        Assert.True(Send(b, At(s_hostA, portA), [4, 5]));

        (byte[] atB, Endpoint fromA) = ReceiveOne(receiveB);
        (byte[] atA, Endpoint fromB) = ReceiveOne(receiveA);
        Assert.Equal(new byte[] { 1, 2, 3 }, atB);
        Assert.Equal(At(s_hostA, 51820), fromA);
        Assert.Equal(new byte[] { 4, 5 }, atA);
        Assert.Equal(At(s_hostB, 51821), fromB);
        Assert.Equal(2, network.Delivered);
        Assert.Equal(0, network.Dropped);
    }

    [Fact]
    public void Send_Batch_ArrivesAsOneBatchFromOffset()
    {
        var network = new MemoryNetwork();
        using MemoryBind a = network.CreateBind(s_hostA);
        using MemoryBind b = network.CreateBind(s_hostB);
        a.Open(0, out _);
        DatagramReceiver receiveB = b.Open(0, out ushort portB).Single();

        byte[][] outgoing = [[9, 9, 1], [9, 9, 2, 2], [9, 9, 3, 3, 3]];
        Assert.True(a.Send(outgoing, [1, 2, 3], 2, At(s_hostB, portB)));

        byte[][] buffers = [.. Enumerable.Range(0, 4).Select(_ => new byte[16])];
        int[] sizes = new int[4];
        var sources = new Endpoint[4];
        Assert.Equal(3, receiveB(buffers, sizes, sources));
        Assert.Equal([1, 2, 3], sizes[..3]);
        Assert.Equal([1, 2, 3], buffers[..3].Select(x => (int)x[0]));
        Assert.All(sources[..3], s => Assert.Equal(a.LocalEndpoint, s));
    }

    [Fact]
    public void Open_PortZero_PicksDistinctFreePorts()
    {
        var network = new MemoryNetwork();
        using MemoryBind a = network.CreateBind(s_hostA);
        using MemoryBind b = network.CreateBind(s_hostA);

        a.Open(0, out ushort portA);
        b.Open(0, out ushort portB);

        Assert.True(portA >= MemoryNetwork.FirstEphemeralPort);
        Assert.True(portB >= MemoryNetwork.FirstEphemeralPort);
        Assert.NotEqual(portA, portB);
        Assert.Equal(portA, a.Port);
        Assert.Equal(At(s_hostA, portA), a.LocalEndpoint);
    }

    [Fact]
    public void Open_PortInUse_ThrowsAndOtherAddressIsFine()
    {
        var network = new MemoryNetwork();
        using MemoryBind a = network.CreateBind(s_hostA);
        using MemoryBind sameHost = network.CreateBind(s_hostA);
        using MemoryBind otherHost = network.CreateBind(s_hostB);
        a.Open(51820, out _);

        var error = Assert.Throws<InvalidOperationException>(() => sameHost.Open(51820, out _));
        Assert.Contains("in use", error.Message, StringComparison.Ordinal);
        Assert.False(sameHost.IsOpen);
        otherHost.Open(51820, out ushort port);
        Assert.Equal(51820, port);
    }

    [Fact]
    public void Open_Twice_Throws()
    {
        var network = new MemoryNetwork();
        using MemoryBind a = network.CreateBind(s_hostA);
        a.Open(0, out _);

        Assert.Throws<InvalidOperationException>(() => a.Open(0, out _));
    }

    [Fact]
    public void Close_UnblocksReceiverAndSendFails()
    {
        var network = new MemoryNetwork();
        using MemoryBind a = network.CreateBind(s_hostA);
        DatagramReceiver receive = a.Open(0, out _).Single();
        int result = -1;
        var receiver = new Thread(() => result = receive([new byte[100]], new int[1], new Endpoint[1]));
        receiver.Start();

        // Close once the thread is really parked in the wait, which is the case worth testing.
        SpinWait.SpinUntil(() => (receiver.ThreadState & ThreadState.WaitSleepJoin) != 0, s_patience);
        a.Close();

        Assert.True(receiver.Join(s_patience), "receiver did not return after Close");
        Assert.Equal(0, result);
        Assert.False(Send(a, At(s_hostB, 1), [1]));
        Assert.Equal(0, a.Port);
    }

    [Fact]
    public void Close_ThenReopenOnAnotherPort_FreesOldPortAndRetiresOldReceiver()
    {
        var network = new MemoryNetwork();
        using MemoryBind a = network.CreateBind(s_hostA);
        using MemoryBind squatter = network.CreateBind(s_hostA);
        using MemoryBind b = network.CreateBind(s_hostB);
        b.Open(0, out _);
        DatagramReceiver oldReceive = a.Open(1000, out _).Single();

        a.Close();
        squatter.Open(1000, out _);
        DatagramReceiver newReceive = a.Open(2000, out ushort newPort).Single();
        Send(b, At(s_hostA, 2000), [7]);

        Assert.Equal(2000, newPort);
        Assert.Equal(0, oldReceive([new byte[10]], new int[1], new Endpoint[1]));
        Assert.Equal(new byte[] { 7 }, ReceiveOne(newReceive).Datagram);
        Assert.True(Send(a, At(s_hostB, b.Port), [8]));
    }

    [Fact]
    public void Send_ToEndpointWithoutBind_SucceedsAndCountsDrop()
    {
        var network = new MemoryNetwork();
        using MemoryBind a = network.CreateBind(s_hostA);
        a.Open(0, out _);

        Assert.True(Send(a, At(s_hostC, 9), [1]));
        Assert.True(Send(a, default, [1]));
        Assert.Equal(2, network.Dropped);
        Assert.Equal(0, network.Delivered);
    }

    [Fact]
    public void MoveTo_ReceiverSeesNewSourceAndOldEndpointGoesDead()
    {
        var network = new MemoryNetwork();
        using MemoryBind roamer = network.CreateBind(s_hostA);
        using MemoryBind server = network.CreateBind(s_hostB);
        DatagramReceiver receiveRoamer = roamer.Open(0, out ushort roamerPort).Single();
        DatagramReceiver receiveServer = server.Open(51820, out _).Single();
        Endpoint serverEndpoint = At(s_hostB, 51820);

        roamer.MoveTo(s_hostC);
        Send(roamer, serverEndpoint, [1]);
        Send(server, At(s_hostA, roamerPort), [2]);
        Send(server, At(s_hostC, roamerPort), [3]);

        Assert.Equal(s_hostC, roamer.Address);
        Assert.Equal(At(s_hostC, roamerPort), roamer.LocalEndpoint);
        Assert.Equal(At(s_hostC, roamerPort), ReceiveOne(receiveServer).Source);
        Assert.Equal(new byte[] { 3 }, ReceiveOne(receiveRoamer).Datagram);
        Assert.Equal(1, network.Dropped);
    }

    [Fact]
    public void MoveTo_PortTakenAtNewAddress_PicksAnotherPort()
    {
        var network = new MemoryNetwork();
        using MemoryBind roamer = network.CreateBind(s_hostA);
        using MemoryBind resident = network.CreateBind(s_hostC);
        roamer.Open(5000, out _);
        resident.Open(5000, out _);

        roamer.MoveTo(s_hostC);

        Assert.NotEqual(5000, roamer.Port);
        Assert.Equal(s_hostC, roamer.Address);
        using MemoryBind reuser = network.CreateBind(s_hostA);
        reuser.Open(5000, out ushort port);
        Assert.Equal(5000, port);
    }

    [Fact]
    public void MoveTo_WhileClosed_AppliesAtNextOpen()
    {
        var network = new MemoryNetwork();
        using MemoryBind a = network.CreateBind(s_hostA);

        a.MoveTo(s_hostC);
        a.Open(6000, out _);

        Assert.Equal(At(s_hostC, 6000), a.LocalEndpoint);
    }

    [Fact]
    public void Filter_ReturningFalse_DropsDatagram()
    {
        var network = new MemoryNetwork { Filter = (_, _, datagram) => datagram[0] != 0xff };
        using MemoryBind a = network.CreateBind(s_hostA);
        using MemoryBind b = network.CreateBind(s_hostB);
        a.Open(0, out _);
        DatagramReceiver receiveB = b.Open(0, out ushort portB).Single();

        Assert.True(Send(a, At(s_hostB, portB), [0xff]));
        Send(a, At(s_hostB, portB), [0x01]);

        Assert.Equal(new byte[] { 0x01 }, ReceiveOne(receiveB).Datagram);
        Assert.Equal(1, network.Dropped);
        Assert.Equal(0, b.PendingCount);
    }

    [Fact]
    public void Tap_SeesCopyOfEveryDatagramIncludingFiltered()
    {
        var captured = new List<(Endpoint Source, Endpoint Destination, byte[] Datagram)>();
        var network = new MemoryNetwork
        {
            Tap = (source, destination, datagram) => captured.Add((source, destination, datagram.ToArray())),
            Filter = (_, _, datagram) => datagram[0] == 1,
        };
        using MemoryBind a = network.CreateBind(s_hostA);
        using MemoryBind b = network.CreateBind(s_hostB);
        a.Open(0, out ushort portA);
        b.Open(0, out ushort portB);

        Send(a, At(s_hostB, portB), [1]);
        Send(a, At(s_hostB, portB), [2]);

        Assert.Equal(2, captured.Count);
        Assert.All(captured, c => Assert.Equal((At(s_hostA, portA), At(s_hostB, portB)), (c.Source, c.Destination)));
        Assert.Equal([1, 2], captured.Select(c => (int)c.Datagram[0]));
    }

    [Fact]
    public void Inject_SpoofedSource_IsDeliveredWithThatSource()
    {
        var network = new MemoryNetwork { Filter = (_, _, _) => false };
        using MemoryBind b = network.CreateBind(s_hostB);
        DatagramReceiver receiveB = b.Open(51820, out _).Single();
        Endpoint spoofed = At(IPAddress.Parse("203.0.113.99"), 4444);

        network.Inject(spoofed, At(s_hostB, 51820), [5, 6]);

        (byte[] datagram, Endpoint source) = ReceiveOne(receiveB);
        Assert.Equal(new byte[] { 5, 6 }, datagram);
        Assert.Equal(spoofed, source);
    }

    [Fact]
    public void ReceiveQueueFull_DropsAndCounts()
    {
        var network = new MemoryNetwork(queueCapacity: 4);
        using MemoryBind b = network.CreateBind(s_hostB);
        DatagramReceiver receiveB = b.Open(0, out ushort portB).Single();

        for (byte i = 0; i < 10; i++)
        {
            network.Inject(At(s_hostA, 1), At(s_hostB, portB), [i]);
        }

        Assert.Equal(6, b.QueueDrops);
        Assert.Equal(6, network.Dropped);
        Assert.Equal(4, network.Delivered);
        byte[][] buffers = [.. Enumerable.Range(0, 10).Select(_ => new byte[4])];
        Assert.Equal(4, receiveB(buffers, new int[10], new Endpoint[10]));
        Assert.Equal([0, 1, 2, 3], buffers[..4].Select(x => (int)x[0]));
    }

    [Fact]
    public void Receive_DatagramLargerThanBuffer_IsDroppedAndCounted()
    {
        var network = new MemoryNetwork();
        using MemoryBind b = network.CreateBind(s_hostB);
        DatagramReceiver receiveB = b.Open(0, out ushort portB).Single();
        network.Inject(At(s_hostA, 1), At(s_hostB, portB), new byte[64]);
        network.Inject(At(s_hostA, 1), At(s_hostB, portB), [1]);

        Assert.Equal(1, receiveB([new byte[32]], new int[1], new Endpoint[1]));
        Assert.Equal(1, b.OversizeDrops);
    }

    [Fact]
    public void Ipv6Binds_ExchangeDatagrams()
    {
        var network = new MemoryNetwork();
        using MemoryBind a = network.CreateBind(s_hostV6A);
        using MemoryBind b = network.CreateBind(s_hostV6B);
        a.Open(0, out ushort portA);
        DatagramReceiver receiveB = b.Open(51820, out _).Single();

        Send(a, At(s_hostV6B, 51820), [6]);

        (byte[] datagram, Endpoint source) = ReceiveOne(receiveB);
        Assert.Equal(new byte[] { 6 }, datagram);
        Assert.True(source.IsIPv6);
        Assert.Equal(At(s_hostV6A, portA), source);
    }

    [Fact]
    public void Send_ToScopedIpv6Destination_ReachesUnscopedBind()
    {
        var network = new MemoryNetwork();
        using MemoryBind a = network.CreateBind(s_hostV6A);
        using MemoryBind b = network.CreateBind(s_hostV6B);
        a.Open(0, out _);
        DatagramReceiver receiveB = b.Open(51820, out _).Single();
        var scoped = new IPAddress(s_hostV6B.GetAddressBytes(), scopeid: 3);

        Send(a, Endpoint.FromIPEndPoint(new IPEndPoint(scoped, 51820)), [6]);

        Assert.Equal(new byte[] { 6 }, ReceiveOne(receiveB).Datagram);
    }

    [Fact]
    public void SetMark_IsRemembered()
    {
        var network = new MemoryNetwork();
        using MemoryBind a = network.CreateBind(s_hostA);

        a.SetMark(0x51820);

        Assert.Equal(0x51820u, a.Mark);
    }

    [Fact]
    public void SteadyState_SendAndReceive_DoesNotAllocate()
    {
        var network = new MemoryNetwork();
        using MemoryBind a = network.CreateBind(s_hostA);
        using MemoryBind b = network.CreateBind(s_hostB);
        a.Open(0, out _);
        DatagramReceiver receiveB = b.Open(0, out ushort portB).Single();
        Endpoint destination = At(s_hostB, portB);
        byte[][] outgoing = [.. Enumerable.Range(0, 8).Select(_ => new byte[1452])];
        int[] outgoingSizes = [.. Enumerable.Repeat(1452, 8)];
        byte[][] buffers = [.. Enumerable.Range(0, 8).Select(_ => new byte[2048])];
        int[] sizes = new int[8];
        var sources = new Endpoint[8];

        void RoundTrip(int times)
        {
            for (int i = 0; i < times; i++)
            {
                a.Send(outgoing, outgoingSizes, 0, destination);
                receiveB(buffers, sizes, sources);
            }
        }

        // Warm up first, so the pool and queue have grown to what the loop needs.
        RoundTrip(1000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RoundTrip(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(88_000, network.Delivered);
        Assert.True(allocated < 1024, $"{allocated} bytes allocated over 80000 datagrams");
    }

    private static Endpoint At(IPAddress address, ushort port) => Endpoint.FromIPEndPoint(new IPEndPoint(address, port));

    private static bool Send(MemoryBind bind, Endpoint destination, byte[] datagram) =>
        bind.Send([datagram], [datagram.Length], 0, destination);

    /// <summary>Receives one datagram on a worker thread, so a fixture bug fails the test instead of hanging it.</summary>
    private static (byte[] Datagram, Endpoint Source) ReceiveOne(DatagramReceiver receive)
    {
        byte[][] buffers = [new byte[2048]];
        int[] sizes = new int[1];
        var sources = new Endpoint[1];
        int count = -1;
        var receiver = new Thread(() => count = receive(buffers, sizes, sources)) { IsBackground = true };
        receiver.Start();

        Assert.True(receiver.Join(s_patience), "no datagram arrived");
        Assert.Equal(1, count);
        return (buffers[0][..sizes[0]], sources[0]);
    }
}
