using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Holt.Interop;
using Holt.Tests.Support;
using Holt.Tun;
using Xunit.Abstractions;

namespace Holt.Tests.Tun;

/// <summary>A real TUN interface in a namespace of its own. Needs root; see <see cref="NetNsFixture"/>.</summary>
public sealed class LinuxTunTests : IClassFixture<NetNsFixture>
{
    internal const int Offset = 16;
    private static int s_next;
    private readonly NetNsFixture _fixture;
    private readonly ITestOutputHelper _output;

    public LinuxTunTests(NetNsFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public void Create_SetsNameIndexAndMtu_AndLeavesTheLinkDown()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        string name = NextName();
        using LinuxTun tun = ns.Run(() => LinuxTun.Create(name, 1380));

        string link = ns.Ip($"-o link show dev {name}");
        Assert.Equal(name, tun.Name);
        Assert.Equal(1380, tun.Mtu);
        Assert.Contains(" mtu 1380 ", link, StringComparison.Ordinal);
        Assert.StartsWith($"{tun.Index}: {name}:", link, StringComparison.Ordinal);
        Assert.DoesNotContain(",UP", link, StringComparison.Ordinal);
        Assert.Contains("state DOWN", link, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NameInUse_FailsWithEbusyNamingTheInterface()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        string name = NextName();
        using LinuxTun first = ns.Run(() => LinuxTun.Create(name));

        var e = Assert.Throws<ErrnoException>(() => ns.Run(() => LinuxTun.Create(name)));
        Assert.Equal(Errno.EBUSY, e.Errno);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        _output.WriteLine(e.Message);
    }

    [Fact]
    public void Create_NameOfAnInterfaceThatIsNoTun_FailsNamingIt()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        var e = Assert.Throws<ErrnoException>(() => ns.Run(() => LinuxTun.Create("lo")));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("lo", e.Message, StringComparison.Ordinal);
        _output.WriteLine(e.Message);
    }

    [Fact]
    public void Create_MtuTheKernelRefuses_FailsNamingIt_AndLeavesNoInterface()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        string name = NextName();

        var e = Assert.Throws<ErrnoException>(() => ns.Run(() => LinuxTun.Create(name, 10)));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains($"MTU 10 of {name}", e.Message, StringComparison.Ordinal);
        Assert.False(ns.TryIp($"link show dev {name}", out _), "the interface is gone");
        _output.WriteLine(e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("a/b")]
    [InlineData("a:b")]
    [InlineData("a b")]
    [InlineData("wg%d")]
    [InlineData("sixteen-chars-xx")]
    [InlineData("éééééééé")]
    public void Create_InvalidName_ThrowsNamingIt(string name)
    {
        // Checked before any system call, so no namespace (or root) is needed.
        var e = Assert.Throws<ArgumentException>(() => LinuxTun.Create(name));
        Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ReturnsThePacketRoutedIntoTheInterface_AtTheOffset()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        (string name, IPAddress local, IPAddress remote) = NextSubnet();
        using LinuxTun tun = ns.Run(() => LinuxTun.Create(name));
        BringUp(ns, name, local);
        byte[] payload = "through the tunnel"u8.ToArray();
        ushort sourcePort = ns.Run(() => SendUdp(local, new IPEndPoint(remote, 4000), payload, count: 1));

        byte[] packet = ReadUdp(tun, 4000);
        byte[] expected = Ipv4Udp.Build(local, sourcePort, remote, 4000, payload);
        Assert.Equal(expected.Length, packet.Length);

        // Identification, flags, checksums are the kernel's choice; everything else is exact.
        Assert.Equal(expected.AsSpan(0, 4).ToArray(), packet.AsSpan(0, 4).ToArray());
        Assert.Equal(expected[9], packet[9]);
        Assert.Equal(expected.AsSpan(12, 8 + 6).ToArray(), packet.AsSpan(12, 8 + 6).ToArray());
        Assert.Equal(payload, packet.AsSpan(Ipv4Udp.HeaderSize).ToArray());
    }

    [Fact]
    public void Read_DrainsEveryReadyPacketInOneCall()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        (string name, IPAddress local, IPAddress remote) = NextSubnet();
        using LinuxTun tun = ns.Run(() => LinuxTun.Create(name));
        BringUp(ns, name, local);

        // The kernel queues each datagram on the TUN before sendto returns: all ten are ready before the read.
        ns.Run(() => SendUdp(local, new IPEndPoint(remote, 4001), new byte[100], count: 10));
        byte[][] buffers = NewBuffers(32);
        int[] sizes = new int[32];
        int n = tun.Read(buffers, sizes, Offset);

        int udp = Enumerable.Range(0, n).Count(i => Ipv4Udp.IsUdpTo(buffers[i].AsSpan(Offset, sizes[i]), 4001));
        Assert.Equal(10, udp);
        Assert.All(Enumerable.Range(0, n).Where(i => buffers[i][Offset] == 0x45), i => Assert.Equal(Ipv4Udp.HeaderSize + 100, sizes[i]));
    }

    [Fact]
    public void Write_InjectsPacketsThatASocketReceives()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        (string name, IPAddress local, IPAddress remote) = NextSubnet();
        using LinuxTun tun = ns.Run(() => LinuxTun.Create(name));
        BringUp(ns, name, local);
        using Socket socket = ns.Run(() => BoundUdp(new IPEndPoint(local, 4002)));

        byte[][] buffers = NewBuffers(3);
        int[] sizes = new int[3];
        for (int i = 0; i < 3; i++)
        {
            byte[] packet = Ipv4Udp.Build(remote, 5000, local, 4002, [(byte)i, 1, 2, 3]);
            packet.CopyTo(buffers[i], Offset);
            sizes[i] = packet.Length;
        }

        tun.Write(buffers, sizes, Offset);

        byte[] received = new byte[100];
        for (int i = 0; i < 3; i++)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int length = socket.ReceiveFrom(received, ref from);
            Assert.Equal(new byte[] { (byte)i, 1, 2, 3 }, received.AsSpan(0, length).ToArray());
            Assert.Equal(new IPEndPoint(remote, 5000), from);
        }

        Assert.Equal(0, tun.DroppedWrites);
    }

    [Fact]
    public void Write_WhileTheLinkIsDown_DropsAndCountsWithoutThrowing()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        using LinuxTun tun = ns.Run(() => LinuxTun.Create(NextName()));
        byte[] packet = Ipv4Udp.Build(IPAddress.Parse("10.1.1.1"), 1, IPAddress.Parse("10.1.1.2"), 2, [1]);

        tun.Write([packet, packet], [packet.Length, packet.Length], 0);

        Assert.Equal(2, tun.DroppedWrites);
    }

    [Fact]
    public void Mtu_FollowsIpLinkSetMtu()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        string name = NextName();
        using LinuxTun tun = ns.Run(() => LinuxTun.Create(name, 1420));

        ns.Ip($"link set dev {name} mtu 1280");
        Wait.Until(() => tun.Mtu == 1280, "the MTU follows to 1280");
        ns.Ip($"link set dev {name} mtu 9000");
        Wait.Until(() => tun.Mtu == 9000, "the MTU follows to 9000");
    }

    [Fact]
    public void IpLinkDel_FiresRemoved_AndABlockedReadReturnsZero()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        string name = NextName();
        using LinuxTun tun = ns.Run(() => LinuxTun.Create(name));
        using var removed = new ManualResetEventSlim();
        using CancellationTokenRegistration registration = tun.Removed.Register(removed.Set);
        Task<int> read = Wait.OnThread(() => tun.Read(NewBuffers(4), new int[4], Offset));

        ns.Ip($"link del dev {name}");

        Assert.True(removed.Wait(Wait.Timeout), "Removed fired");
        Assert.Equal(0, Wait.Result(read, "the blocked read"));
        Assert.Equal(0, tun.Read(NewBuffers(1), new int[1], Offset));
    }

    [Fact]
    public void Dispose_UnblocksAReadAndRemovesTheInterface_AndIsIdempotent()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        string name = NextName();
        LinuxTun tun = ns.Run(() => LinuxTun.Create(name));
        Task<int>[] reads = [.. Enumerable.Range(0, 3).Select(_ => Wait.OnThread(() => tun.Read(NewBuffers(4), new int[4], Offset)))];
        Thread.Sleep(20);

        Parallel.For(0, 4, _ => tun.Dispose());

        foreach (Task<int> read in reads)
        {
            Assert.Equal(0, Wait.Result(read, "a blocked read"));
        }

        Assert.False(ns.TryIp($"link show dev {name}", out _), "the interface is gone");
        Assert.False(tun.Removed.IsCancellationRequested, "Dispose is not a removal from outside");
        Assert.Equal(0, tun.Read(NewBuffers(1), new int[1], Offset));
        tun.Write(NewBuffers(1), [20], Offset);
        tun.Dispose();
    }

    [Fact]
    public void MovedToAnotherNamespace_IsNotRemoved_UntilDeletedThere()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        string name = NextName();
        using NetNs other = NetNs.Create();
        using LinuxTun tun = ns.Run(() => LinuxTun.Create(name));
        Task<int> read = Wait.OnThread(() => tun.Read(NewBuffers(4), new int[4], Offset));

        // The monitor sees RTM_DELLINK here, but the descriptor still has its interface.
        ns.Ip($"link set dev {name} netns {other.Name}");
        Thread.Sleep(100);
        Assert.False(tun.Removed.IsCancellationRequested);
        Assert.False(read.IsCompleted);

        // Deleted where the monitor cannot see it: the read notices (POLLERR, then EBADFD) and says so.
        other.Ip($"link del dev {name}");
        Assert.Equal(0, Wait.Result(read, "the blocked read"));
        Assert.True(tun.Removed.IsCancellationRequested);
    }

    [Fact]
    public void Removed_CallbackMayDisposeTheDevice()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        string name = NextName();
        LinuxTun tun = ns.Run(() => LinuxTun.Create(name));
        using var disposed = new ManualResetEventSlim();
        using CancellationTokenRegistration registration = tun.Removed.Register(() =>
        {
            tun.Dispose();
            disposed.Set();
        });

        ns.Ip($"link del dev {name}");

        Assert.True(disposed.Wait(Wait.Timeout), "the callback disposed the device");
    }

    private static string NextName() => "holt" + Interlocked.Increment(ref s_next);

    internal static (string Name, IPAddress Local, IPAddress Remote) NextSubnet()
    {
        int n = Interlocked.Increment(ref s_next);
        return ("holt" + n, IPAddress.Parse($"10.77.{n}.1"), IPAddress.Parse($"10.77.{n}.2"));
    }

    internal static void BringUp(NetNs ns, string name, IPAddress local)
    {
        // No IPv6 on the interface: the kernel's own router solicitations would only add noise to the reads.
        ns.Run(() => File.WriteAllText($"/proc/sys/net/ipv6/conf/{name}/disable_ipv6", "1"));
        ns.Ip($"addr add {local}/24 dev {name}");
        ns.Ip($"link set dev {name} up");
    }

    internal static byte[][] NewBuffers(int count) => [.. Enumerable.Range(0, count).Select(_ => new byte[2048])];

    /// <summary>Sends <paramref name="count"/> datagrams from <paramref name="local"/>; returns the source port.</summary>
    internal static ushort SendUdp(IPAddress local, IPEndPoint destination, byte[] payload, int count)
    {
        using Socket socket = BoundUdp(new IPEndPoint(local, 0));
        for (int i = 0; i < count; i++)
        {
            socket.SendTo(payload, destination);
        }

        return (ushort)((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    internal static Socket BoundUdp(IPEndPoint local)
    {
        var socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        socket.Bind(local);
        return socket;
    }

    internal static byte[] ReadUdp(LinuxTun tun, ushort port)
    {
        byte[][] buffers = NewBuffers(8);
        int[] sizes = new int[8];
        while (true)
        {
            Task<int> read = Wait.OnThread(() => tun.Read(buffers, sizes, Offset));
            int n = Wait.Result(read, "a packet from the TUN");
            Assert.True(n > 0);
            for (int i = 0; i < n; i++)
            {
                Assert.True(buffers[i].AsSpan(0, Offset).IndexOfAnyExcept((byte)0) < 0, "nothing written before the offset");
                if (Ipv4Udp.IsUdpTo(buffers[i].AsSpan(Offset, sizes[i]), port))
                {
                    return buffers[i].AsSpan(Offset, sizes[i]).ToArray();
                }
            }
        }
    }
}
