using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using Holt.WireGuard.Device;
using Microsoft.Extensions.Logging;

namespace Holt.Uapi;

/// <summary>
/// The control socket <c>wg</c> and <c>wg-quick</c> talk to, <c>/var/run/wireguard/NAME.sock</c>, serving the
/// cross-platform configuration protocol (https://www.wireguard.com/xplatform/) for one <see cref="WireGuardDevice"/>.
/// </summary>
/// <remarks>
/// <para>
/// The socket file appears already listening and already mode 0600: it is bound under a temporary name, chmod-ed,
/// put in listen state and only then linked to its real name, so no one can connect through a wider mode first and
/// no process-wide umask is touched (wireguard-go sets the umask around its bind, racing every other thread).
/// </para>
/// <para>
/// Someone deleting the file is how <c>wg-quick down</c> stops a userspace interface. wireguard-go watches for it
/// with inotify; Holt stats the path every <see cref="WatchInterval"/> and compares the inode, then cancels
/// <see cref="SocketDeleted"/>, on which the daemon shuts down.
/// </para>
/// </remarks>
internal sealed class UapiServer : IDisposable
{
    public const string SocketDirectory = "/var/run/wireguard";

    /// <summary>
    /// The largest set request taken, 32 MiB: over a million IPv4 allowed_ip lines, or 600,000 IPv6 ones. The
    /// whole request is parsed before it is applied, so this bounds the memory one client can make Holt hold.
    /// </summary>
    public const long DefaultMaxRequestBytes = 32L << 20;

    /// <summary>The servers this process runs, by socket path: <see cref="TryReadLocal"/> reads their devices directly.</summary>
    private static readonly ConcurrentDictionary<string, UapiServer> s_serving = new(StringComparer.Ordinal);

    private readonly WireGuardDevice _device;
    private readonly Lock _configSync = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _deleted = new();
    private readonly ConcurrentDictionary<UapiConnection, Task> _connections = new();
    private Socket? _listener;
    private SocketFile.Identity _identity;
    private Task _acceptLoop = Task.CompletedTask;
    private Task _watchLoop = Task.CompletedTask;
    private int _disposed;

    /// <param name="socketPath">Where to listen, normally <see cref="SocketPathFor"/> of the interface name.</param>
    /// <param name="device">The device to configure and report; the server does not own it.</param>
    /// <param name="logger">Receives one line per refused request and lifecycle events; never a key.</param>
    public UapiServer(string socketPath, WireGuardDevice device, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(logger);
        _device = device;
        SocketPath = Path.GetFullPath(socketPath);
        Logger = logger;
    }

    public string SocketPath { get; }

    /// <summary>Cancelled when the socket file is deleted or replaced by someone else; the daemon should then stop.</summary>
    public CancellationToken SocketDeleted => _deleted.Token;

    /// <summary>How often the socket file is checked; set before <see cref="Start"/>.</summary>
    public TimeSpan WatchInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The size limit of one set request; tests lower it.</summary>
    public long MaxRequestBytes { get; init; } = DefaultMaxRequestBytes;

    internal ILogger Logger { get; }

    /// <summary><c>/var/run/wireguard/NAME.sock</c>, after checking NAME as the kernel checks interface names.</summary>
    public static string SocketPathFor(string interfaceName)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        if (Tun.InterfaceName.Validate(interfaceName) is string problem)
        {
            throw new ArgumentException($"invalid interface name '{interfaceName}': {problem}", nameof(interfaceName));
        }

        return $"{SocketDirectory}/{interfaceName}.sock";
    }

    /// <summary>Creates the socket file and starts serving.</summary>
    /// <exception cref="IOException">
    /// Another live process serves the path, the path is something other than a socket, or the socket could not be
    /// created; the message says which.
    /// </exception>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_listener is not null)
        {
            throw new InvalidOperationException("The control socket is already started.");
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The WireGuard control socket is served on Linux only.");
        }

        string directory = Path.GetDirectoryName(SocketPath)!;
        if (!Directory.Exists(directory))
        {
            // 0755 like wireguard-go's: anyone may look for interfaces, the sockets themselves are 0600. Set again
            // after creation, since mkdir's mode passes through the umask.
            const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
            Directory.CreateDirectory(directory, Mode);
            File.SetUnixFileMode(directory, Mode);
        }

        RemoveIfStale();
        _listener = Listen(directory);
        UapiLog.Listening(Logger, SocketPath);
        _acceptLoop = Task.Run(() => AcceptLoopAsync(_listener, _stopping.Token));
        _watchLoop = Task.Run(() => WatchLoopAsync(_stopping.Token));
        s_serving[SocketPath] = this;
    }

    /// <summary>
    /// The state of the interface whose control socket, at <paramref name="socketPath"/>, this process serves, read
    /// from its device as <c>get=1</c> would report it; null when another process (or none) serves it, and the
    /// socket must be asked instead.
    /// </summary>
    public static DeviceStatus? TryReadLocal(string socketPath) =>
        s_serving.TryGetValue(Path.GetFullPath(socketPath), out UapiServer? server) ? server.ReadStatus() : null;

    /// <summary>The device's state, with no set request changing it meanwhile.</summary>
    internal DeviceStatus ReadStatus()
    {
        lock (_configSync)
        {
            return DeviceStatusReader.Read(_device);
        }
    }

    /// <summary>Stops serving, closes every connection and removes the socket file if it is still ours.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _ = s_serving.TryRemove(new KeyValuePair<string, UapiServer>(SocketPath, this));
        _stopping.Cancel();
        _listener?.Dispose();
        foreach (UapiConnection connection in _connections.Keys)
        {
            connection.Abort();
        }

        try
        {
            Task.WaitAll([_acceptLoop, _watchLoop, .. _connections.Values], TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loops end by cancellation; their errors were logged where they happened.
        }

        bool removed = false;
        if (_listener is not null && IsStillOurs())
        {
            File.Delete(SocketPath);
            removed = true;
        }

        if (removed)
        {
            UapiLog.Stopped(Logger, SocketPath);
        }
        else
        {
            UapiLog.StoppedWithoutSocket(Logger, SocketPath);
        }
        _stopping.Dispose();
    }

    /// <summary>Writes the answer to get=1, less its errno line, with no set request changing the device meanwhile.</summary>
    internal void Read(ResponseBuffer response)
    {
        lock (_configSync)
        {
            GetResponseWriter.Write(_device, response);
        }
    }

    /// <summary>Applies a parsed set request, or logs why not; returns the errno to answer.</summary>
    internal int Apply(SetRequestParser parser)
    {
        if (parser.Error is UapiError error)
        {
            UapiLog.SetRejected(Logger, error);
            return error.Errno;
        }

        DeviceUpdate update = parser.Build();
        try
        {
            lock (_configSync)
            {
                _device.Apply(update);
            }
        }
        catch (DeviceConfigurationException e)
        {
            // The engine fails only on a listen port it cannot bind or a mark it cannot set, having changed nothing;
            // wireguard-go answers EADDRINUSE for both.
            UapiLog.SetFailed(Logger, e.Message);
            return UapiErrno.AddressInUse;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            UapiLog.SetFailedUnexpectedly(Logger, e);
            return UapiErrno.Unknown;
        }

        UapiLog.SetApplied(Logger, parser.PeerSections, parser.AllowedIpLines);
        return 0;
    }

    /// <summary>Refuses a path that is live or not a socket; removes a socket whose process has gone, as wireguard-go does.</summary>
    private void RemoveIfStale()
    {
        if (SocketFile.Stat(SocketPath) is not SocketFile.Identity existing)
        {
            return;
        }

        if (!existing.IsSocket)
        {
            throw new IOException($"{SocketPath} exists and is not a socket; refusing to replace it.");
        }

        if (SocketFile.IsServed(SocketPath))
        {
            throw new IOException($"{SocketPath} is in use: another process serves this interface.");
        }

        // Only the very file found stale: another Holt starting now may have just put its own socket there.
        if (SocketFile.Stat(SocketPath) == existing)
        {
            File.Delete(SocketPath);
            UapiLog.RemovedStale(Logger, SocketPath);
        }
    }

    [SupportedOSPlatform("linux")]
    private Socket Listen(string directory)
    {
        // A name `wg show interfaces` ignores (not *.sock) while it is not yet the real one.
        string temporary = Path.Combine(directory, $".holt-{Environment.ProcessId}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(temporary));
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(128);
            try
            {
                // Links without replacing: if another process got there first, this fails instead of evicting it.
                File.Move(temporary, SocketPath, overwrite: false);
            }
            catch (IOException) when (File.Exists(SocketPath))
            {
                throw new IOException($"{SocketPath} is in use: another process created it while Holt was starting.");
            }

            _identity = SocketFile.Stat(SocketPath) ?? throw new IOException($"{SocketPath} vanished as it was created.");
            return listener;
        }
        catch
        {
            listener.Dispose();
            File.Delete(temporary);
            throw;
        }
    }

    private bool IsStillOurs()
    {
        try
        {
            return SocketFile.Stat(SocketPath) == _identity;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                // Out of descriptors, for one: pause rather than spin, and keep serving.
                UapiLog.AcceptFailed(Logger, e);
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var connection = new UapiConnection(this, client);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task run = Task.Run(async () =>
            {
                await started.Task.ConfigureAwait(false);
                await connection.RunAsync(cancellationToken).ConfigureAwait(false);
                _connections.TryRemove(connection, out _);
            }, CancellationToken.None);
            _connections[connection] = run;
            started.SetResult();

            // Dispose may have swept the table before this connection joined it.
            if (cancellationToken.IsCancellationRequested)
            {
                connection.Abort();
            }
        }
    }

    private async Task WatchLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(WatchInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!IsStillOurs())
                {
                    UapiLog.SocketDeleted(Logger, SocketPath);
                    await _deleted.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
