using System.Net;
using Holt.Audit;
using Holt.Firewall;

namespace Holt.Tests.Audit;

public sealed class SocketTableTests
{
    [Theory]
    [InlineData("0100007F:1F90", "127.0.0.1", 8080)]
    [InlineData("00000000:0016", "0.0.0.0", 22)]
    [InlineData("0100080A:CA6C", "10.8.0.1", 51820)]
    [InlineData("00000000000000000000000001000000:0050", "::1", 80)]
    [InlineData("0000000000000000FFFF00000100007F:1F90", "::ffff:127.0.0.1", 8080)]
    [InlineData("B80D0120000000000000000005000000:01BB", "2001:db8::5", 443)]
    [InlineData("000080FE00000000FF00FC0001000EFE:0035", "fe80::fc:ff:fe0e:1", 53)]
    public void Endpoint_DecodesTheKernelsByteOrder(string text, string address, int port)
    {
        (IPAddress parsed, int parsedPort) = SocketTable.Endpoint(text)!.Value;

        Assert.Equal(IPAddress.Parse(address), parsed);
        Assert.Equal(port, parsedPort);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0100007F")]
    [InlineData("0100007F:XYZ")]
    [InlineData("01007F:1F90")]
    [InlineData("G100007F:1F90")]
    [InlineData("0100007F:10000")]
    public void Endpoint_Damaged_IsNull(string text) => Assert.Null(SocketTable.Endpoint(text));

    [Fact]
    public void Parse_TcpListenOnly_UdpUnconnectedOnly()
    {
        Assert.Equal(
            new ListeningSocket(Protocol.Tcp, IPAddress.Any, 8080, 4242),
            SocketTable.Parse(ProcNet.Line(0, "00000000:1F90", "00000000:0000", "0A", 4242), Protocol.Tcp));
        Assert.Null(SocketTable.Parse(ProcNet.Line(1, "0100007F:1F90", "0100007F:D431", "01", 4243), Protocol.Tcp));
        Assert.Equal(
            new ListeningSocket(Protocol.Udp, IPAddress.Any, 51820, 77),
            SocketTable.Parse(ProcNet.Line(2, "00000000:CA6C", "00000000:0000", "07", 77), Protocol.Udp));
        Assert.Null(SocketTable.Parse(ProcNet.Line(3, "0200000A:9C40", "08080808:0035", "01", 78), Protocol.Udp));
        Assert.Null(SocketTable.Parse(ProcNet.Header4, Protocol.Tcp));
        Assert.Null(SocketTable.Parse("   4: 00000000:1F90 00000000:0000 0A", Protocol.Tcp));
    }

    [Fact]
    public void Read_AllFourTables_AndTheCap()
    {
        using var fixture = new AuditFixture();
        fixture.Write("/proc/net/tcp", ProcNet.Table(false, ProcNet.Line(0, "00000000:1F90", "00000000:0000", "0A", 11), ProcNet.Line(1, "0100007F:1F91", "0100007F:9999", "01", 12)));
        fixture.Write("/proc/net/tcp6", ProcNet.Table(true, ProcNet.Line(0, ProcNet.Any6 + ":1F90", ProcNet.Any6 + ":0000", "0A", 13)));
        fixture.Write("/proc/net/udp", ProcNet.Table(false, ProcNet.Line(0, "0100080A:0035", "00000000:0000", "07", 14)));
        fixture.Write("/proc/net/udp6", ProcNet.Table(true, ProcNet.Line(0, ProcNet.Mapped6 + ":0035", ProcNet.Any6 + ":0000", "07", 15)));

        (IReadOnlyList<ListeningSocket> sockets, bool capped) = SocketTable.Read(fixture.Machine());
        (IReadOnlyList<ListeningSocket> first, bool cut) = SocketTable.Read(fixture.Machine(), max: 2);

        Assert.Equal(["tcp 0.0.0.0:8080", "tcp [::]:8080", "udp 10.8.0.1:53", "udp [::ffff:127.0.0.1]:53"], sockets.Select(s => $"{Ruleset.ProtocolName(s.Protocol)} {s.Endpoint}"));
        Assert.False(capped);
        Assert.Equal(2, first.Count);
        Assert.True(cut);
    }

    [Fact]
    public void Owners_MapsInodesToProcesses_PassingOverOthersAndTheVanished()
    {
        using var fixture = new AuditFixture();
        fixture.Process(1234, "python3", 11, 13);
        fixture.Process(99, "nginx", 13, 500);
        fixture.Write("/proc/4321/comm", "gone\n");
        fixture.Write("/proc/self/comm", "holt\n");

        Dictionary<long, List<SocketOwner>> owners = SocketTable.Owners(fixture.Machine(), new HashSet<long> { 11, 13, 14 });

        Assert.Equal([new SocketOwner(1234, "python3")], owners[11]);
        Assert.Equal([new SocketOwner(99, "nginx"), new SocketOwner(1234, "python3")], owners[13].OrderBy(o => o.Pid));
        Assert.False(owners.ContainsKey(14));
        Assert.False(owners.ContainsKey(500));
    }

    [Theory]
    [InlineData("socket:[12345]", 12345L)]
    [InlineData("socket:[]", null)]
    [InlineData("pipe:[12345]", null)]
    [InlineData("/dev/null", null)]
    public void Inode_ReadsSocketLinksOnly(string target, long? inode) => Assert.Equal(inode, SocketTable.Inode(target));

    [Fact]
    public void ReadText_ProcFilesThatSayTheyAreEmpty_AreReadToTheEnd()
    {
        // /proc files report a size of 0; the socket tables are read through the same path.
        var machine = new AuditMachine("/", TimeProvider.System);

        Assert.Contains("Name:", machine.ReadText("/proc/self/status"), StringComparison.Ordinal);
        Assert.StartsWith("  sl  local_address", machine.ReadLines("/proc/net/tcp")[0], StringComparison.Ordinal);
    }
}
