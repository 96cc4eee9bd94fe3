using System.Net;
using System.Net.Sockets;
using Holt.Interop;
using Holt.Net;
using Holt.Tests.Support;
using Holt.WireGuard.IO;
using Xunit.Abstractions;

namespace Holt.Tests.Net;

/// <summary>The UDP bind on the loopback of a namespace of its own. Needs root; see <see cref="NetNsFixture"/>.</summary>
public sealed class LinuxUdpBindTests : IClassFixture<NetNsFixture>
{
    private readonly NetNsFixture _fixture;
    private readonly ITestOutputHelper _output;

    public LinuxUdpBindTests(NetNsFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    public static TheoryData<string> Loopbacks => ["127.0.0.1", "::1"];

    [Fact]
    public void Open_PortZero_PicksOnePortThatBothFamiliesShare()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        using var bind = new LinuxUdpBind();
        IReadOnlyList<DatagramReceiver> receivers = ns.Run(() => bind.Open(0, out ushort port) is var r && port == bind.Port ? r : null)!;

        Assert.NotNull(receivers);
        Assert.Equal(2, receivers.Count);
        Assert.NotEqual(0, bind.Port);
        Assert.True(bind.HasIPv6);
        Assert.Equal(SocketError.AddressAlreadyInUse, ns.Run(() => TryBind(new IPEndPoint(IPAddress.Any, bind.Port))));
        Assert.Equal(SocketError.AddressAlreadyInUse, ns.Run(() => TryBind(new IPEndPoint(IPAddress.IPv6Any, bind.Port))));
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void Open_TakenPort_FailsWithEaddrinuse(string taken)
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        using Socket holder = ns.Run(() => Bound(new IPEndPoint(IPAddress.Parse(taken), 0)));
        ushort port = (ushort)((IPEndPoint)holder.LocalEndPoint!).Port;
        using var bind = new LinuxUdpBind();

        var e = Assert.Throws<SocketException>(() => ns.Run(() => bind.Open(port, out _)));

        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
        Assert.Equal(Errno.EADDRINUSE, e.ErrorCode);
        Assert.Equal(0, bind.Port);
        _output.WriteLine(e.Message);

        // Nothing was left half open: the port opens once it is free. A child that another test class forked
        // meanwhile holds a copy of the holder's descriptor until its exec, so the port may take a moment to come
        // free; a socket the failed open left behind would keep it taken for good.
        holder.Dispose();
        OpenOnceFree(ns, bind, port);
        Assert.Equal(port, bind.Port);
    }

    /// <summary>Opens <paramref name="bind"/> on a port just freed, waiting out a child forked meanwhile.</summary>
    private static IReadOnlyList<DatagramReceiver> OpenOnceFree(NetNs ns, LinuxUdpBind bind, ushort port)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return ns.Run(() => bind.Open(port, out _));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 100)
            {
                Thread.Sleep(50);
            }
        }
    }

    [Fact]
    public void Open_Twice_Throws()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        using var bind = new LinuxUdpBind();
        ns.Run(() => bind.Open(0, out _));
        Assert.Throws<InvalidOperationException>(() => ns.Run(() => bind.Open(0, out _)));
    }

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public void Receive_ABatch_DeliversEverySizeSourceAndByteExactly(string loopback)
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        using var bind = new LinuxUdpBind();
        IReadOnlyList<DatagramReceiver> receivers = ns.Run(() => bind.Open(0, out _));
        DatagramReceiver receiver = receivers[loopback == "::1" ? 1 : 0];
        var address = IPAddress.Parse(loopback);
        using Socket client = ns.Run(() => Bound(new IPEndPoint(address, 0)));
        Endpoint clientEndpoint = Endpoint.FromIPEndPoint((IPEndPoint)client.LocalEndPoint!);

        // Every size from empty to a full jumbo datagram; the content names its index.
        int[] lengths = [0, 1, 2, 31, 148, 92, 64, 1420, 1500, 9000, 65507, .. Enumerable.Range(0, 89).Select(i => 32 + (i * 13))];
        foreach ((int length, int i) in lengths.Select((l, i) => (l, i)))
        {
            client.SendTo(Payload(i, length), new IPEndPoint(address, bind.Port));
        }

        List<(byte[] Data, Endpoint Source)> received = ReceiveAll(receiver, lengths.Length, batch: 64);

        for (int i = 0; i < lengths.Length; i++)
        {
            Assert.Equal(Payload(i, lengths[i]), received[i].Data);
            Assert.Equal(clientEndpoint, received[i].Source);
        }
    }

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public void Send_ABatchAtAnOffset_ArrivesInOrderFromTheBoundPort(string loopback)
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        const int Count = 300;
        const int Offset = 16;
        using var bind = new LinuxUdpBind();
        ns.Run(() => bind.Open(0, out _));
        var address = IPAddress.Parse(loopback);
        using Socket client = ns.Run(() => Bound(new IPEndPoint(address, 0)));
        byte[][] buffers = Pinned.Buffers(Count, 2048);
        int[] sizes = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            byte[] payload = Payload(i, 10 + (i % 1000));
            payload.CopyTo(buffers[i], Offset);
            sizes[i] = payload.Length;
        }

        Assert.True(bind.Send(buffers, sizes, Offset, Endpoint.FromIPEndPoint((IPEndPoint)client.LocalEndPoint!)));

        byte[] data = new byte[4096];
        for (int i = 0; i < Count; i++)
        {
            EndPoint from = new IPEndPoint(address, 0);
            int length = client.ReceiveFrom(data, ref from);
            Assert.Equal(Payload(i, sizes[i]), data.AsSpan(0, length).ToArray());
            Assert.Equal(new IPEndPoint(address, bind.Port), from);
        }
    }

    [Fact]
    public void Send_OneUnpinnedBuffer_IsPinnedForTheCall()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        using var bind = new LinuxUdpBind();
        ns.Run(() => bind.Open(0, out _));
        using Socket client = ns.Run(() => Bound(new IPEndPoint(IPAddress.Loopback, 0)));
        byte[] message = Payload(7, 148);

        // As the engine sends handshake messages: one fresh array.
        Assert.True(bind.Send([message], [message.Length], 0, Endpoint.FromIPEndPoint((IPEndPoint)client.LocalEndPoint!)));

        byte[] data = new byte[256];
        Assert.Equal(148, client.Receive(data));
        Assert.Equal(message, data.AsSpan(0, 148).ToArray());
    }

    [Fact]
    public void Receive_DatagramsLargerThanTheirBuffer_AreDroppedAndTheRestMoveUp()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        using var bind = new LinuxUdpBind();
        DatagramReceiver receiver = ns.Run(() => bind.Open(0, out _))[0];
        using Socket client = ns.Run(() => Bound(new IPEndPoint(IPAddress.Loopback, 0)));
        int[] lengths = [50, 200, 100, 101, 0, 65507, 99];
        foreach ((int length, int i) in lengths.Select((l, i) => (l, i)))
        {
            client.SendTo(Payload(i, length), new IPEndPoint(IPAddress.Loopback, bind.Port));
        }

        List<(byte[] Data, Endpoint Source)> received = ReceiveAll(receiver, 4, batch: 8, bufferSize: 100);

        Assert.Equal([Payload(0, 50), Payload(2, 100), Payload(4, 0), Payload(6, 99)], received.Select(r => r.Data));
        Assert.Equal(3, bind.DroppedReceives);
    }

    [Fact]
    public void Send_WithNoRoute_ReturnsFalse()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        using var bind = new LinuxUdpBind();
        ns.Run(() => bind.Open(0, out _));
        byte[][] buffers = Pinned.Buffers(4, 64);
        int[] sizes = [64, 64, 64, 64];

        // The namespace has only its loopback: nothing leaves it.
        Assert.False(bind.Send(buffers, sizes, 0, Endpoint.FromIPEndPoint(IPEndPoint.Parse("192.0.2.1:51820"))));
        Assert.False(bind.Send(buffers, sizes, 0, Endpoint.FromIPEndPoint(IPEndPoint.Parse("[2001:db8::1]:51820"))));
        Assert.False(bind.Send(buffers, sizes, 0, default));
    }

    [Fact]
    public void SetMark_SetsSoMarkOnBothSockets_AndAgainAfterReopening()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        using var bind = new LinuxUdpBind();
        ns.Run(() => bind.Open(0, out _));

        bind.SetMark(0x51820);
        Assert.Equal(0x51820, Mark(bind, AddressFamily.InterNetwork));
        Assert.Equal(0x51820, Mark(bind, AddressFamily.InterNetworkV6));

        bind.Close();
        ns.Run(() => bind.Open(0, out _));
        Assert.Equal(0x51820, Mark(bind, AddressFamily.InterNetwork));
        Assert.Equal(0x51820, Mark(bind, AddressFamily.InterNetworkV6));

        bind.SetMark(0);
        Assert.Equal(0, Mark(bind, AddressFamily.InterNetwork));
        Assert.Equal(0, Mark(bind, AddressFamily.InterNetworkV6));
    }

    [Fact]
    public void Open_RaisesTheSocketBuffers()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        using var bind = new LinuxUdpBind();
        ns.Run(() => bind.Open(0, out _));

        // The kernel reports double what was set (its bookkeeping share); as root, FORCE passes rmem_max.
        Assert.True(bind.GetSocketOption(AddressFamily.InterNetwork, Libc.SOL_SOCKET, Libc.SO_RCVBUF) >= 7 << 20);
        Assert.True(bind.GetSocketOption(AddressFamily.InterNetworkV6, Libc.SOL_SOCKET, Libc.SO_SNDBUF) >= 7 << 20);
    }

    [Fact]
    public void Close_ReturnsBlockedReceiversZero_AndTheSamePortOpensAgain()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        using var bind = new LinuxUdpBind();
        IReadOnlyList<DatagramReceiver> receivers = ns.Run(() => bind.Open(0, out _));
        ushort port = bind.Port;
        Task<int>[] blocked = [.. receivers.Select(r => Wait.OnThread(() => r(Pinned.Buffers(8, 2048), new int[8], new Endpoint[8])))];
        Thread.Sleep(20);

        bind.Close();

        Assert.All(blocked, task => Assert.Equal(0, Wait.Result(task, "a blocked receiver")));
        Assert.Equal(0, receivers[0](Pinned.Buffers(1, 64), new int[1], new Endpoint[1]));
        Assert.False(bind.Send(Pinned.Buffers(1, 64), [1], 0, Endpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, port))));

        IReadOnlyList<DatagramReceiver> again = OpenOnceFree(ns, bind, port);
        using Socket client = ns.Run(() => Bound(new IPEndPoint(IPAddress.Loopback, 0)));
        client.SendTo(Payload(1, 10), new IPEndPoint(IPAddress.Loopback, port));
        Assert.Equal(Payload(1, 10), ReceiveAll(again[0], 1, batch: 4)[0].Data);
    }

    [Fact]
    public void Send_FromManyThreadsAtOnce_DeliversEveryDatagram()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        const int Threads = 4;
        const int Batches = 50;
        const int Batch = 20;
        using var sender = new LinuxUdpBind();
        using var receiver = new LinuxUdpBind();
        ns.Run(() => sender.Open(0, out _));
        DatagramReceiver receive = ns.Run(() => receiver.Open(0, out _))[0];
        var destination = Endpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, receiver.Port));
        Task<List<(byte[] Data, Endpoint Source)>> all = Wait.OnThread(() => ReceiveAll(receive, Threads * Batches * Batch, batch: 64));

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            byte[][] buffers = Pinned.Buffers(Batch, 256);
            int[] sizes = new int[Batch];
            for (int b = 0; b < Batches; b++)
            {
                for (int i = 0; i < Batch; i++)
                {
                    byte[] payload = Payload((((t * Batches) + b) * Batch) + i, 100);
                    payload.CopyTo(buffers[i], 0);
                    sizes[i] = payload.Length;
                }

                Assert.True(sender.Send(buffers, sizes, 0, destination));
            }
        });

        List<(byte[] Data, Endpoint Source)> received = Wait.Result(all, "every datagram");
        Assert.Equal(Threads * Batches * Batch, received.Select(r => BitConverter.ToInt32(r.Data)).Distinct().Count());
    }

    internal static byte[] Payload(int index, int length)
    {
        byte[] payload = new byte[length];
        BitConverter.TryWriteBytes(payload, index);
        for (int i = 4; i < length; i++)
        {
            payload[i] = (byte)(index + i);
        }

        return payload;
    }

    internal static Socket Bound(IPEndPoint local)
    {
        var socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        if (local.AddressFamily == AddressFamily.InterNetworkV6)
        {
            socket.DualMode = false;
        }

        socket.ReceiveBufferSize = 4 << 20;
        socket.Bind(local);
        return socket;
    }

    /// <summary>Pumps a receiver until <paramref name="count"/> datagrams came, copying each out.</summary>
    internal static List<(byte[] Data, Endpoint Source)> ReceiveAll(DatagramReceiver receiver, int count, int batch, int bufferSize = 65536)
    {
        byte[][] buffers = Pinned.Buffers(batch, bufferSize);
        int[] sizes = new int[batch];
        var sources = new Endpoint[batch];
        var received = new List<(byte[], Endpoint)>(count);
        while (received.Count < count)
        {
            int n = Wait.Result(Wait.OnThread(() => receiver(buffers, sizes, sources)), "datagrams");
            Assert.True(n > 0, "the receiver returned 0 while open");
            for (int i = 0; i < n; i++)
            {
                received.Add((buffers[i].AsSpan(0, sizes[i]).ToArray(), sources[i]));
            }
        }

        return received;
    }

    private static int? Mark(LinuxUdpBind bind, AddressFamily family) => bind.GetSocketOption(family, Libc.SOL_SOCKET, Libc.SO_MARK);

    private static SocketError TryBind(IPEndPoint endPoint)
    {
        try
        {
            using Socket socket = Bound(endPoint);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }
}
