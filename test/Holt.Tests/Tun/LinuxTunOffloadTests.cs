using System.Net;
using System.Net.Sockets;
using Holt.Interop;
using Holt.Tests.Support;
using Holt.Tun;
using Xunit.Abstractions;
using static Holt.Tests.Tun.LinuxTunTests;

namespace Holt.Tests.Tun;

/// <summary>The TUN's offloads on a real interface in a namespace of its own. Needs root; see <see cref="NetNsFixture"/>.</summary>
public sealed class LinuxTunOffloadTests : IClassFixture<NetNsFixture>
{
    private readonly NetNsFixture _fixture;
    private readonly ITestOutputHelper _output;

    public LinuxTunOffloadTests(NetNsFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    /// <summary>
    /// Holt asks for checksum, TSO and USO offloads, then for less when the kernel refuses (USO came with Linux
    /// 6.2), and without any still moves packets both ways. The refusals are played by a stand-in for the ioctl
    /// that says EINVAL, as an older kernel does; the choice it accepts is the one the real ioctl then gets.
    /// </summary>
    [Theory]
    [InlineData(0, 0x6F)]
    [InlineData(1, 0x0F)]
    [InlineData(2, 0x01)]
    [InlineData(3, 0x00)]
    public void Offloads_FallBackAsTheKernelRefuses_AndPacketsStillPassBothWays(int refusals, int expected)
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        (string name, IPAddress local, IPAddress remote) = NextSubnet();
        int asked = 0;
        List<uint> choices = [];
        using LinuxTun tun = ns.Run(() => LinuxTun.Create(name, offloadFault: flags =>
        {
            choices.Add(flags);
            return asked++ < refusals ? Errno.EINVAL : 0;
        }));
        Assert.Equal((uint)expected, tun.Offloads);
        Assert.Equal(0x6Fu, choices[0]);
        BringUp(ns, name, local);

        byte[] payload = "past a refusing kernel"u8.ToArray();
        ushort sourcePort = ns.Run(() => SendUdp(local, new IPEndPoint(remote, 4010), payload, count: 1));
        byte[] read = ReadUdp(tun, 4010);
        Assert.Equal(Ipv4Udp.Build(local, sourcePort, remote, 4010, payload).Length, read.Length);
        Assert.Equal(payload, read.AsSpan(Ipv4Udp.HeaderSize).ToArray());

        using Socket socket = ns.Run(() => BoundUdp(new IPEndPoint(local, 4011)));
        byte[][] buffers = NewBuffers(1);
        byte[] packet = Ipv4Udp.Build(remote, 5000, local, 4011, payload);
        packet.CopyTo(buffers[0], Offset);
        tun.Write(buffers, [packet.Length], Offset);
        byte[] received = new byte[100];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        Assert.Equal(payload, received.AsSpan(0, socket.ReceiveFrom(received, ref from)).ToArray());
        Assert.Equal(0, tun.DroppedWrites);
    }

    /// <summary>
    /// Once warm, writing a batch of TCP segments (merged into a superpacket on the way) and reading packets back
    /// allocate nothing: the segmenter, the coalescer and their buffers are reused.
    /// </summary>
    [Fact]
    public void SteadyState_WriteCoalescedAndRead_AllocateNothing()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        (string name, IPAddress local, IPAddress remote) = NextSubnet();
        using LinuxTun tun = ns.Run(() => LinuxTun.Create(name));
        BringUp(ns, name, local);
        var spec = new Offload.PacketSpec
        {
            Source = remote.GetAddressBytes(),
            Destination = local.GetAddressBytes(),
            DestinationPort = 4020,
            Payload = new byte[1000],
        };
        byte[][] buffers = NewBuffers(16);
        int[] sizes = new int[16];
        for (int i = 0; i < 16; i++)
        {
            byte[] packet = Offload.ReferencePackets.Build(spec with { Sequence = (uint)(i * 1000) });
            packet.CopyTo(buffers[i], Offset);
            sizes[i] = packet.Length;
        }

        byte[][] readBuffers = NewBuffers(32);
        int[] readSizes = new int[32];
        long allocated = -1;
        Wait.Result(Wait.OnThread(() =>
        {
            for (int round = 0; round < 3; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                tun.Write(buffers, sizes, Offset);

                // No socket listens on the port: the kernel answers the superpacket with a reset, which is read back.
                tun.Read(readBuffers, readSizes, Offset);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }

            return 0;
        }), "three rounds of writes and reads");

        Assert.Equal(0, allocated);
        Assert.Equal(0, tun.DroppedWrites);
    }
}
