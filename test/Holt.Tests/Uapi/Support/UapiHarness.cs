using System.Net;
using System.Security.Cryptography;
using Holt.Uapi;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO.Memory;

namespace Holt.Tests.Uapi.Support;

/// <summary>
/// A <see cref="WireGuardDevice"/> on the in-memory network with a <see cref="UapiServer"/> in front of it, either in
/// /var/run/wireguard under a fresh interface name (for the real <c>wg</c>) or in a private temporary directory.
/// </summary>
internal sealed class UapiHarness : IDisposable
{
    private readonly string? _privateDirectory;

    private UapiHarness(string name, string socketPath, string? privateDirectory, long maxRequestBytes, TimeSpan watchInterval,
        MemoryNetwork? network = null, string address = "192.0.2.1")
    {
        Name = name;
        _privateDirectory = privateDirectory;
        Network = network ?? new MemoryNetwork();
        Bind = Network.CreateBind(IPAddress.Parse(address));
        Device = new WireGuardDevice(Tun, Bind, new DeviceOptions { CryptoWorkers = 1, HandshakeWorkers = 1 });
        Server = new UapiServer(socketPath, Device, Logger) { MaxRequestBytes = maxRequestBytes, WatchInterval = watchInterval };
    }

    /// <summary>The interface name; unique, at most 15 characters, since /var/run/wireguard is shared.</summary>
    public string Name { get; }

    public MemoryNetwork Network { get; }

    public MemoryBind Bind { get; }

    public MemoryPacketDevice Tun { get; } = new();

    public WireGuardDevice Device { get; }

    public UapiServer Server { get; }

    public RecordingLogger Logger { get; } = new();

    public string SocketPath => Server.SocketPath;

    /// <summary>Serves /var/run/wireguard/NAME.sock, where <c>wg</c> finds it.</summary>
    public static UapiHarness ForWg()
    {
        string name = NewName();
        var harness = new UapiHarness(name, UapiServer.SocketPathFor(name), null, UapiServer.DefaultMaxRequestBytes, TimeSpan.FromMilliseconds(500));
        harness.Server.Start();
        return harness;
    }

    /// <summary>Serves a socket in a private temporary directory: no root needed.</summary>
    public static UapiHarness Private(long maxRequestBytes = UapiServer.DefaultMaxRequestBytes, TimeSpan? watchInterval = null, bool start = true,
        MemoryNetwork? network = null, string address = "192.0.2.1")
    {
        string directory = Directory.CreateTempSubdirectory("holt-uapi-").FullName;
        string name = NewName();
        var harness = new UapiHarness(name, Path.Combine(directory, name + ".sock"), directory, maxRequestBytes, watchInterval ?? TimeSpan.FromMilliseconds(500),
            network, address);
        if (start)
        {
            harness.Server.Start();
        }

        return harness;
    }

    public static string NewName() => "hu" + RandomNumberGenerator.GetHexString(10, lowercase: true);

    public RawClient Connect() => new(SocketPath);

    public void Dispose()
    {
        Server.Dispose();
        Device.Dispose();
        if (_privateDirectory is not null)
        {
            Directory.Delete(_privateDirectory, recursive: true);
        }
    }
}
