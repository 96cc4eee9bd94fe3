using System.Net.Sockets;
using System.Runtime.Versioning;
using Holt.Tests.Uapi.Support;
using Holt.Uapi;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO.Memory;
using Microsoft.Extensions.Logging.Abstractions;

namespace Holt.Tests.Uapi;

/// <summary>The socket file: its mode, stale and live predecessors, removal, and noticing someone else's removal.</summary>
[SupportedOSPlatform("linux")]
public sealed class UapiServerLifecycleTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-uapi-life-").FullName;
    private readonly MemoryNetwork _network = new();
    private readonly WireGuardDevice _device;

    public UapiServerLifecycleTests() =>
        _device = new WireGuardDevice(new MemoryPacketDevice(), _network.CreateBind(System.Net.IPAddress.Loopback),
            new DeviceOptions { CryptoWorkers = 1, HandshakeWorkers = 1 });

    public void Dispose()
    {
        _device.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private UapiServer NewServer(string path, TimeSpan? watch = null) =>
        new(path, _device, NullLogger.Instance) { WatchInterval = watch ?? TimeSpan.FromMilliseconds(500) };

    private static void AssertServes(string path)
    {
        using var client = new RawClient(path);
        Assert.Equal("errno=0\n\n", client.Request("get=1\n\n"));
    }

    [Fact]
    public void Start_CreatesTheDirectory0755_AndASocket0600_WithNothingElseLeft()
    {
        string directory = Path.Combine(_directory, "wireguard");
        string path = Path.Combine(directory, "wg0.sock");
        using UapiServer server = NewServer(path);
        server.Start();

        Assert.Equal(path, server.SocketPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(directory) & (UnixFileMode)0b111_111_111);
        Assert.Equal(["wg0.sock"], Directory.GetFiles(directory).Select(Path.GetFileName));
        AssertServes(path);
    }

    [Fact]
    public void Start_ReplacesAStaleSocket()
    {
        string path = Path.Combine(_directory, "stale.sock");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // A socket file nobody listens on: what a crashed daemon leaves (bound, never or no longer listening).
            dead.Bind(new UnixDomainSocketEndPoint(Path.Combine(_directory, "tmp")));
            File.Move(Path.Combine(_directory, "tmp"), path);
        }

        Assert.True(File.Exists(path));
        using UapiServer server = NewServer(path);
        server.Start();
        AssertServes(path);
    }

    [Fact]
    public void Start_RefusesASocketAnotherProcessServes_AndLeavesIt()
    {
        string path = Path.Combine(_directory, "live.sock");
        using UapiServer first = NewServer(path);
        first.Start();
        using UapiServer second = NewServer(path);
        IOException error = Assert.Throws<IOException>(second.Start);
        Assert.Contains("in use", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        AssertServes(path);
        Assert.Single(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void Start_RefusesAPathThatIsNotASocket()
    {
        string path = Path.Combine(_directory, "file.sock");
        File.WriteAllText(path, "not a socket");
        using UapiServer server = NewServer(path);
        IOException error = Assert.Throws<IOException>(server.Start);
        Assert.Contains("not a socket", error.Message, StringComparison.Ordinal);
        Assert.Equal("not a socket", File.ReadAllText(path));
    }

    [Fact]
    public void Dispose_RemovesTheSocket_AndClosesConnections()
    {
        string path = Path.Combine(_directory, "gone.sock");
        UapiServer server = NewServer(path);
        server.Start();
        using var client = new RawClient(path);
        Assert.Equal("errno=0\n\n", client.Request("get=1\n\n"));

        server.Dispose();
        Assert.False(File.Exists(path));
        Assert.True(client.IsClosedByServer());
        Assert.False(server.SocketDeleted.IsCancellationRequested);
    }

    [Fact]
    public void DeletingTheSocket_CancelsSocketDeleted()
    {
        string path = Path.Combine(_directory, "deleted.sock");
        using UapiServer server = NewServer(path, TimeSpan.FromMilliseconds(20));
        server.Start();
        Assert.False(server.SocketDeleted.IsCancellationRequested);

        File.Delete(path);
        Assert.True(server.SocketDeleted.WaitHandle.WaitOne(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void ASocketThatReplacedOurs_CancelsSocketDeleted_AndSurvivesOurDispose()
    {
        string path = Path.Combine(_directory, "replaced.sock");
        UapiServer ours = NewServer(path, TimeSpan.FromMilliseconds(20));
        ours.Start();

        // wg-quick down deletes the file; the next wg-quick up starts a new daemon before this one has gone.
        File.Delete(path);
        using UapiServer newcomer = NewServer(path);
        newcomer.Start();
        Assert.True(ours.SocketDeleted.WaitHandle.WaitOne(TimeSpan.FromSeconds(10)));

        ours.Dispose();
        AssertServes(path);
    }

    [Fact]
    public void SocketPathFor_ChecksTheInterfaceName()
    {
        Assert.Equal("/var/run/wireguard/wg0.sock", UapiServer.SocketPathFor("wg0"));
        Assert.Equal("/var/run/wireguard/fifteen-chars-x.sock", UapiServer.SocketPathFor("fifteen-chars-x"));
        foreach (string bad in new[] { "", "sixteen-chars-xx", "a/b", "..", ".", "a b", "a:b" })
        {
            Assert.ThrowsAny<ArgumentException>(() => UapiServer.SocketPathFor(bad));
        }
    }
}
