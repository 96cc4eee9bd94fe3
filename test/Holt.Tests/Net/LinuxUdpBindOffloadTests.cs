using System.Net;
using System.Net.Sockets;
using Holt.Net;
using Holt.Tests.Support;
using Holt.WireGuard.IO;
using Xunit.Abstractions;
using static Holt.Tests.Net.LinuxUdpBindTests;

namespace Holt.Tests.Net;

/// <summary>UDP GSO and GRO on the loopback of a namespace of its own. Needs root; see <see cref="NetNsFixture"/>.</summary>
public sealed class LinuxUdpBindOffloadTests : IClassFixture<NetNsFixture>
{
    private readonly NetNsFixture _fixture;
    private readonly ITestOutputHelper _output;

    public LinuxUdpBindOffloadTests(NetNsFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    /// <summary>
    /// Runs of equal-sized datagrams go out as UDP GSO messages (several to a message, the last of a run shorter);
    /// the receiver still gets every datagram whole, in order. With the loopback's MTU below a datagram, the kernel
    /// refuses segmentation (EINVAL), and the same batch goes out unsegmented (fragmented, as DF is off).
    /// </summary>
    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("127.0.0.1", true)]
    public void Send_RunsOfOneSize_AreSegmentedByTheKernel_OrSentPlainWhenItRefuses(string loopback, bool smallMtu)
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        const int Count = 200;
        using var bind = new LinuxUdpBind();
        ns.Run(() => bind.Open(0, out _));
        var address = IPAddress.Parse(loopback);
        AddressFamily family = address.AddressFamily;
        Assert.True(bind.SegmentOffload(family), "this kernel knows UDP_SEGMENT (Linux 4.18), yet the socket does not use it");
        using Socket client = ns.Run(() => Bound(new IPEndPoint(address, 0)));
        client.ReceiveBufferSize = 8 << 20;
        byte[][] buffers = Pinned.Buffers(Count, 2048);
        int[] sizes = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            // Runs of 1452 bytes (a full transport message), broken by a short one now and then.
            sizes[i] = i % 50 == 49 ? 100 + i : 1452;
            Payload(i, sizes[i]).CopyTo(buffers[i], 16);
        }

        if (smallMtu)
        {
            ns.Ip("link set dev lo mtu 1280");
        }

        try
        {
            Assert.True(bind.Send(buffers, sizes, 16, Endpoint.FromIPEndPoint((IPEndPoint)client.LocalEndPoint!)));
        }
        finally
        {
            if (smallMtu)
            {
                ns.Ip("link set dev lo mtu 65536");
            }
        }

        Assert.Equal(!smallMtu, bind.SegmentOffload(family));
        byte[] data = new byte[4096];
        for (int i = 0; i < Count; i++)
        {
            EndPoint from = new IPEndPoint(address, 0);
            int length = client.ReceiveFrom(data, ref from);
            Assert.Equal(Payload(i, sizes[i]), data.AsSpan(0, length).ToArray());
        }
    }

    public static TheoryData<string, int> CoalescedCases => new()
    {
        { "127.0.0.1", 128 },
        { "::1", 128 },
        { "127.0.0.1", 1 },
        { "::1", 5 },
    };

    /// <summary>
    /// Between two binds, runs of equal datagrams leave as UDP GSO messages and may arrive as UDP_GRO messages of
    /// several datagrams; the receiver splits them, and every datagram comes out whole, in order, with its source.
    /// A caller with fewer buffers than a message's datagrams (a reader's small window), each only large enough for
    /// one datagram, gets the rest on its next calls: nothing is dropped.
    /// </summary>
    [Theory]
    [MemberData(nameof(CoalescedCases))]
    public void Receive_CoalescedDatagrams_AreSplitBackExactly(string loopback, int batch)
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        const int Count = 400;
        using var sender = new LinuxUdpBind();
        using var receiver = new LinuxUdpBind();
        ns.Run(() => sender.Open(0, out _));
        IReadOnlyList<DatagramReceiver> receivers = ns.Run(() => receiver.Open(0, out _));
        var address = IPAddress.Parse(loopback);
        AddressFamily family = address.AddressFamily;
        Assert.True(receiver.ReceiveOffload(family), "this kernel knows UDP_GRO (Linux 5.0), yet the socket does not use it");
        byte[][] buffers = Pinned.Buffers(Count, 2048);
        int[] sizes = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            sizes[i] = i % 60 == 59 ? 200 + i : 1452;
            Payload(i, sizes[i]).CopyTo(buffers[i], 0);
        }

        // Sent in two halves, each with its own runs: the kernel coalesces what queues up before the reader comes.
        var destination = Endpoint.FromIPEndPoint(new IPEndPoint(address, receiver.Port));
        Assert.True(sender.Send(buffers.AsSpan(0, Count / 2), sizes.AsSpan(0, Count / 2), 0, destination));
        Assert.True(sender.Send(buffers.AsSpan(Count / 2), sizes.AsSpan(Count / 2), 0, destination));

        List<(byte[] Data, Endpoint Source)> received = ReceiveAll(receivers[loopback == "::1" ? 1 : 0], Count, batch, bufferSize: 2048);
        for (int i = 0; i < Count; i++)
        {
            Assert.Equal(Payload(i, sizes[i]), received[i].Data);
        }

        Assert.Equal(0, receiver.DroppedReceives);
        Assert.True(receiver.CoalescedReceives > 0, "no message carried more than one datagram: nothing was split");
    }
}
