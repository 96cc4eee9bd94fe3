using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Holt.WireGuard.Keys;

namespace Holt.Uapi;

/// <summary>
/// The client side of the control socket (https://www.wireguard.com/xplatform/#configuration-protocol), what
/// <c>wg</c> does for a userspace interface: read the interface's state with <c>get=1</c> and change it with a
/// <c>set=1</c> request. It works against any userspace implementation (Holt's, wireguard-go).
/// </summary>
internal static class UapiClient
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <exception cref="CommandException">The interface does not answer, or answered with an error.</exception>
    public static DeviceStatus Get(string interfaceName)
    {
        string response = Exchange(interfaceName, "get=1\n\n");
        return ParseGet(interfaceName, response);
    }

    /// <summary>
    /// The interface's state, or null when it is not running: no control socket, or one that nobody serves (a
    /// process killed with -9 leaves its socket file behind, and a connection to it is refused).
    /// </summary>
    /// <exception cref="CommandException">Something serves the socket but does not answer properly.</exception>
    public static DeviceStatus? TryGet(string interfaceName)
    {
        string? response = Exchange(interfaceName, "get=1\n\n", missingIsNull: true);
        return response is null ? null : ParseGet(interfaceName, response);
    }

    /// <summary>
    /// Sends one <c>set=1</c> request; <paramref name="body"/> is its lines without the <c>set=1</c> line and the
    /// closing blank line. It is applied whole or not at all by Holt's engine.
    /// </summary>
    /// <exception cref="CommandException">The interface does not answer, or refused the request.</exception>
    public static void Set(string interfaceName, string body)
    {
        string response = Exchange(interfaceName, "set=1\n" + body + "\n");
        int errno = ReadErrno(interfaceName, response);
        if (errno != 0)
        {
            throw new CommandException($"{interfaceName} refused the configuration (errno {errno})");
        }
    }

    /// <summary>
    /// The process id of whoever serves the interface's control socket (SO_PEERCRED of a connection to it), or null
    /// when there is no socket or nobody answers.
    /// </summary>
    public static int? ServerProcess(string interfaceName)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(UapiServer.SocketPathFor(interfaceName)));

            // struct ucred { pid_t pid; uid_t uid; gid_t gid; }, from SOL_SOCKET (1), SO_PEERCRED (17).
            Span<byte> credentials = stackalloc byte[12];
            int length = socket.GetRawSocketOption(1, 17, credentials);
            int pid = length >= 4 ? System.Runtime.InteropServices.MemoryMarshal.Read<int>(credentials) : 0;
            return pid > 0 ? pid : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static string Exchange(string interfaceName, string request) => Exchange(interfaceName, request, missingIsNull: false)!;

    private static string? Exchange(string interfaceName, string request, bool missingIsNull)
    {
        string path = UapiServer.SocketPathFor(interfaceName);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.SendTimeout = (int)s_timeout.TotalMilliseconds;
        socket.ReceiveTimeout = (int)s_timeout.TotalMilliseconds;
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused)
        {
            return missingIsNull ? null : throw new CommandException($"interface {interfaceName} is not running (no one listens on {path})", e);
        }
        catch (SocketException e)
        {
            throw new CommandException($"cannot reach interface {interfaceName} at {path}: {e.Message}", e);
        }

        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: false);
            stream.Write(Encoding.ASCII.GetBytes(request));
            stream.Flush();

            // The response ends with "errno=N\n\n"; the server keeps the connection open for more requests, so
            // read until that blank line instead of until end-of-file.
            var buffer = new MemoryStream();
            byte[] chunk = new byte[64 * 1024];
            while (!EndsWithBlankLine(buffer))
            {
                int read = stream.Read(chunk);
                if (read == 0)
                {
                    break;
                }

                buffer.Write(chunk, 0, read);
            }

            return Encoding.ASCII.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (IOException e)
        {
            throw new CommandException($"interface {interfaceName} did not answer on {path}: {e.Message}", e);
        }
    }

    private static bool EndsWithBlankLine(MemoryStream buffer)
    {
        if (buffer.Length < 2)
        {
            return false;
        }

        byte[] bytes = buffer.GetBuffer();
        int end = (int)buffer.Length;
        return bytes[end - 1] == '\n' && bytes[end - 2] == '\n';
    }

    private static int ReadErrno(string interfaceName, string response)
    {
        foreach (string line in response.Split('\n'))
        {
            if (line.StartsWith("errno=", StringComparison.Ordinal) &&
                int.TryParse(line.AsSpan(6), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int errno))
            {
                return errno;
            }
        }

        throw new CommandException($"interface {interfaceName} answered without an errno line");
    }

    internal static DeviceStatus ParseGet(string interfaceName, string response)
    {
        try
        {
            return ParseGetLines(interfaceName, response);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new CommandException($"interface {interfaceName} reported a malformed state: {e.Message}", e);
        }
    }

    private static DeviceStatus ParseGetLines(string interfaceName, string response)
    {
        int errno = ReadErrno(interfaceName, response);
        if (errno != 0)
        {
            throw new CommandException($"interface {interfaceName} refused to report its state (errno {errno})");
        }

        ushort port = 0;
        uint mark = 0;
        string? devicePublic = null;
        var peers = new List<PeerStatus>();
        PeerBuilder? peer = null;
        foreach (string line in response.Split('\n'))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            string key = line[..equals];
            string value = line[(equals + 1)..];
            if (key == "public_key")
            {
                if (peer is not null)
                {
                    peers.Add(peer.Build());
                }

                peer = new PeerBuilder(HexToBase64(interfaceName, value));
                continue;
            }

            if (peer is null)
            {
                switch (key)
                {
                    case "private_key":
                        devicePublic = PublicOf(value);
                        break;
                    case "listen_port":
                        port = ushort.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    case "fwmark":
                        mark = uint.Parse(value, CultureInfo.InvariantCulture);
                        break;
                }

                continue;
            }

            peer.Take(interfaceName, key, value);
        }

        if (peer is not null)
        {
            peers.Add(peer.Build());
        }

        return new DeviceStatus(port, mark, devicePublic, peers);
    }

    private static string? PublicOf(string privateHex)
    {
        if (privateHex.All(c => c == '0'))
        {
            return null;
        }

        using PrivateKey key = PrivateKey.ParseHex(privateHex);
        return key.PublicKey.ToBase64();
    }

    private static string HexToBase64(string interfaceName, string hex)
    {
        if (hex.Length != 64)
        {
            throw new CommandException($"interface {interfaceName} reported a malformed key");
        }

        try
        {
            return Convert.ToBase64String(Convert.FromHexString(hex));
        }
        catch (FormatException e)
        {
            throw new CommandException($"interface {interfaceName} reported a malformed key", e);
        }
    }

    private sealed class PeerBuilder(string publicKey)
    {
        private readonly List<string> _allowedIps = [];
        private string? _presharedKey;
        private string? _endpoint;
        private long _handshakeSeconds;
        private long _handshakeNanoseconds;
        private ulong _rx;
        private ulong _tx;
        private ushort _keepalive;

        public void Take(string interfaceName, string key, string value)
        {
            switch (key)
            {
                case "preshared_key":
                    _presharedKey = value.All(c => c == '0') ? null : HexToBase64(interfaceName, value);
                    break;
                case "endpoint":
                    _endpoint = value;
                    break;
                case "last_handshake_time_sec":
                    _handshakeSeconds = long.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "last_handshake_time_nsec":
                    _handshakeNanoseconds = long.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "rx_bytes":
                    _rx = ulong.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "tx_bytes":
                    _tx = ulong.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "persistent_keepalive_interval":
                    _keepalive = ushort.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "allowed_ip":
                    _allowedIps.Add(value);
                    break;
            }
        }

        public PeerStatus Build()
        {
            DateTimeOffset? handshake = _handshakeSeconds == 0 && _handshakeNanoseconds == 0
                ? null
                : DateTimeOffset.FromUnixTimeSeconds(_handshakeSeconds).AddTicks(_handshakeNanoseconds / 100);
            return new PeerStatus(publicKey, _presharedKey, _endpoint, handshake, _rx, _tx, _keepalive, _allowedIps);
        }
    }
}
