using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;

namespace Holt.Monitor;

/// <summary>How a probe of a WireGuard endpoint ended.</summary>
internal enum ProbeOutcome
{
    /// <summary>A valid handshake response came back (and the ping, when asked for, was answered).</summary>
    Handshake,

    /// <summary>
    /// Nothing came back: a firewall drops the port, or the server does not take this probe (another server key, a
    /// peer key it does not know). WireGuard answers nothing it cannot authenticate, so the wire tells these apart
    /// no better than this.
    /// </summary>
    NoAnswer,

    /// <summary>ICMP port unreachable came back: nothing listens on the port, or a firewall rejects it.</summary>
    Refused,

    /// <summary>ICMP host or network unreachable came back (or there is no route): the host itself is out of reach.</summary>
    Unreachable,

    /// <summary>The server answered with a cookie reply: it is under load and wants the retry to carry its cookie.</summary>
    CookieReply,

    /// <summary>Something answered from the endpoint, but not with a valid handshake response.</summary>
    BadResponse,

    /// <summary>The handshake succeeded, but the ping through the session got no reply.</summary>
    NoPingReply,
}

/// <summary>What a probe found, with the handshake's round trip and, when asked for, the ping's.</summary>
internal sealed record ProbeResult(ProbeOutcome Outcome, string Detail, TimeSpan? Handshake = null, TimeSpan? Ping = null)
{
    public bool Succeeded => Outcome == ProbeOutcome.Handshake;
}

/// <summary>An echo request through the probe's session: from the probe peer's VPN address to a target.</summary>
internal sealed record ProbePing(IPAddress Source, IPAddress Target);

/// <summary>
/// Proves a WireGuard endpoint from outside, which an open-port check cannot: WireGuard answers nothing it cannot
/// authenticate, so the probe performs a real handshake as a peer of the server, on Holt's own engine with a
/// session that lives only inside the probe (no TUN, no route). It reports the handshake's round trip, or what
/// failed: no answer, a refusal or unreachable host (ICMP, through the probe's connected socket, see
/// <see cref="ProbeBind"/>), a cookie reply, or an answer that is not a valid response. With a ping it also proves
/// the data plane: an ICMP echo through the session, answered from behind the server.
/// </summary>
internal static class HandshakeProbe
{
    /// <param name="target">The endpoint.</param>
    /// <param name="key">The probe peer's private key.</param>
    /// <param name="server">The server's public key.</param>
    /// <param name="psk">The pre-shared key the server has for the probe peer, if any.</param>
    /// <param name="timeout">How long to wait for the handshake and the ping together.</param>
    /// <param name="ping">The echo through the session, if asked for.</param>
    /// <param name="cancel">Ends the wait early, as if the timeout had come (a check's run is over).</param>
    public static ProbeResult Run(IPEndPoint target, PrivateKey key, PublicKey server, PresharedKey? psk, TimeSpan timeout, ProbePing? ping = null, CancellationToken cancel = default)
    {
        using var tun = new ProbeTun();
        using var bind = new ProbeBind(target);
        using var device = new WireGuardDevice(tun, bind, new DeviceOptions { CryptoWorkers = 1, HandshakeWorkers = 1 });
        List<IPNetwork> allowed = ping is null ? [] : [new IPNetwork(ping.Target, ping.Target.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)];
        device.Apply(new DeviceUpdate
        {
            PrivateKey = key,
            ListenPort = 0,
            Peers = [new PeerUpdate { PublicKey = server, PresharedKey = psk, Endpoint = Endpoint.FromIPEndPoint(target), AllowedIps = allowed }],
        });
        try
        {
            device.Up();
        }
        catch (DeviceConfigurationException e) when (e.InnerException is SocketException socket)
        {
            // Connecting a UDP socket only looks the route up: this fails when there is none.
            return Unreachable(target, socket.SocketErrorCode);
        }

        if (!device.TryGetPeer(server, out Peer peer))
        {
            throw new InvalidOperationException("the probe's peer vanished");
        }

        // A keepalive set on a running peer goes out at once, and with no session it starts the handshake.
        var clock = Stopwatch.StartNew();
        device.Apply(new DeviceUpdate { Peers = [new PeerUpdate { PublicKey = server, UpdateOnly = true, PersistentKeepaliveInterval = 25 }] });
        while (peer.LastHandshake is null && bind.Error is null && clock.Elapsed < timeout && !cancel.IsCancellationRequested)
        {
            Thread.Sleep(1);
        }

        if (peer.LastHandshake is null)
        {
            return Failure(device, peer, bind, target, timeout);
        }

        TimeSpan handshake = clock.Elapsed;
        if (ping is null)
        {
            return new ProbeResult(ProbeOutcome.Handshake, $"handshake with {target} in {Milliseconds(handshake)}", handshake);
        }

        ushort identifier = (ushort)Random.Shared.Next(1, ushort.MaxValue);
        clock.Restart();
        tun.Inject(EchoRequest(ping.Source, ping.Target, identifier));
        TimeSpan left = timeout - handshake;
        while (left > TimeSpan.Zero && tun.TryTakeArrived(left, cancel, out byte[]? packet))
        {
            if (IsEchoReply(packet, ping, identifier))
            {
                TimeSpan echo = clock.Elapsed;
                return new ProbeResult(
                    ProbeOutcome.Handshake,
                    $"handshake with {target} in {Milliseconds(handshake)}; {ping.Target} answered a ping through the session in {Milliseconds(echo)}",
                    handshake,
                    echo);
            }

            left = timeout - handshake - clock.Elapsed;
        }

        return new ProbeResult(
            ProbeOutcome.NoPingReply,
            $"handshake with {target} in {Milliseconds(handshake)}, but {ping.Target} did not answer a ping from {ping.Source} through the session " +
            $"(the server may not route {ping.Source} to this key, or {ping.Target} does not answer)",
            handshake);
    }

    private static ProbeResult Failure(WireGuardDevice device, Peer peer, ProbeBind bind, IPEndPoint target, TimeSpan timeout)
    {
        if (peer.CookieRepliesReceived > 0)
        {
            return new ProbeResult(
                ProbeOutcome.CookieReply,
                $"{target} answered with a cookie reply: the server is under load and accepts only initiations that carry its cookie");
        }

        long garbage = 0;
        var reasons = new List<string>();
        foreach (DropReason reason in (ReadOnlySpan<DropReason>)[DropReason.InvalidMessage, DropReason.UnknownIndex, DropReason.HandshakeRejected, DropReason.InvalidMac])
        {
            long count = device.Counters.Dropped(reason) + peer.Counters.Dropped(reason);
            if (count > 0)
            {
                garbage += count;
                reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{count} {Describe(reason)}"));
            }
        }

        if (garbage > 0)
        {
            return new ProbeResult(
                ProbeOutcome.BadResponse,
                $"{target} answered, but not with a valid handshake response ({string.Join(", ", reasons)})");
        }

        if (bind.Error is SocketError error)
        {
            return error == SocketError.ConnectionRefused
                ? new ProbeResult(ProbeOutcome.Refused, $"refused: nothing listens on {target} or a firewall rejects it (ICMP port unreachable)")
                : Unreachable(target, error);
        }

        return new ProbeResult(
            ProbeOutcome.NoAnswer,
            $"no answer from {target} within {Milliseconds(timeout)}: a firewall drops the port, or the server does not take this probe " +
            "(another server key, or a peer key it does not know); WireGuard answers nothing it cannot authenticate, so these look the same on the wire");
    }

    private static ProbeResult Unreachable(IPEndPoint target, SocketError error) => new(
        ProbeOutcome.Unreachable,
        error == SocketError.NetworkUnreachable
            ? $"unreachable: no route to {target} (network unreachable)"
            : $"unreachable: {target} cannot be reached (ICMP host unreachable, or a firewall rejects it as prohibited)");

    private static string Describe(DropReason reason) => reason switch
    {
        DropReason.InvalidMessage => "datagrams that are no WireGuard message",
        DropReason.UnknownIndex => "messages for a session or handshake the probe never had",
        DropReason.HandshakeRejected => "responses that did not authenticate",
        _ => "messages with a wrong mac1",
    };

    private static string Milliseconds(TimeSpan time) => time.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    /// <summary>An ICMP (or ICMPv6) echo request, 56 bytes of payload as ping sends.</summary>
    internal static byte[] EchoRequest(IPAddress source, IPAddress target, ushort identifier)
    {
        if (source.AddressFamily != target.AddressFamily)
        {
            throw new ArgumentException("the ping's source and target must be of one family");
        }

        const int payload = 56;
        bool v4 = source.AddressFamily == AddressFamily.InterNetwork;
        int header = v4 ? 20 : 40;
        byte[] packet = new byte[header + 8 + payload];
        Span<byte> icmp = packet.AsSpan(header);
        icmp[0] = v4 ? (byte)8 : (byte)128;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], 1);
        for (int i = 0; i < payload; i++)
        {
            icmp[8 + i] = (byte)i;
        }

        if (v4)
        {
            packet[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
            packet[8] = 64;
            packet[9] = 1;
            source.TryWriteBytes(packet.AsSpan(12), out _);
            target.TryWriteBytes(packet.AsSpan(16), out _);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, 20), 0));
            BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(icmp, 0));
        }
        else
        {
            packet[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(8 + payload));
            packet[6] = 58;
            packet[7] = 64;
            source.TryWriteBytes(packet.AsSpan(8), out _);
            target.TryWriteBytes(packet.AsSpan(24), out _);

            // ICMPv6's checksum covers a pseudo-header: both addresses, the length and the next header.
            uint pseudo = Sum(packet.AsSpan(8, 32)) + (uint)(8 + payload) + 58;
            BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(icmp, pseudo));
        }

        return packet;
    }

    /// <summary>Whether <paramref name="packet"/> is the echo reply to the probe's request.</summary>
    internal static bool IsEchoReply(ReadOnlySpan<byte> packet, ProbePing ping, ushort identifier)
    {
        if (packet.Length >= 28 && packet[0] >> 4 == 4 && ping.Target.AddressFamily == AddressFamily.InterNetwork)
        {
            int header = (packet[0] & 0x0f) * 4;
            return packet[9] == 1 && packet.Length >= header + 8 && new IPAddress(packet.Slice(12, 4)).Equals(ping.Target) &&
                packet[header] == 0 && BinaryPrimitives.ReadUInt16BigEndian(packet[(header + 4)..]) == identifier;
        }

        if (packet.Length >= 48 && packet[0] >> 4 == 6 && ping.Target.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return packet[6] == 58 && new IPAddress(packet.Slice(8, 16)).Equals(ping.Target) &&
                packet[40] == 129 && BinaryPrimitives.ReadUInt16BigEndian(packet[44..]) == identifier;
        }

        return false;
    }

    private static uint Sum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (data.Length % 2 == 1)
        {
            sum += (uint)data[^1] << 8;
        }

        return sum;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint initial)
    {
        uint sum = initial + Sum(data);
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>The probe's stand-in for a TUN device: packets to send are injected, packets that arrive are kept.</summary>
    private sealed class ProbeTun : IPacketDevice
    {
        private readonly BlockingCollection<byte[]> _toSend = new(boundedCapacity: 16);
        private readonly BlockingCollection<byte[]> _arrived = new(boundedCapacity: 64);
        private readonly CancellationTokenSource _closed = new();

        public int Mtu => 1420;

        public int BatchSize => 1;

        public void Inject(byte[] packet) => _toSend.Add(packet);

        /// <summary>The next packet that arrived, waiting up to <paramref name="timeout"/>; false at the timeout or when cancelled.</summary>
        public bool TryTakeArrived(TimeSpan timeout, CancellationToken cancel, out byte[]? packet)
        {
            packet = null;
            try
            {
                return _arrived.TryTake(out packet, (int)Math.Ceiling(timeout.TotalMilliseconds), cancel);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public int Read(ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset)
        {
            byte[] packet;
            try
            {
                packet = _toSend.Take(_closed.Token);
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            packet.CopyTo(buffers[0].AsSpan(offset));
            sizes[0] = packet.Length;
            return 1;
        }

        public void Write(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset)
        {
            for (int i = 0; i < buffers.Length && i < sizes.Length; i++)
            {
                // What the server sends the probe beyond the reply is of no interest; a full queue drops it.
                _ = _arrived.TryAdd(buffers[i].AsSpan(offset, sizes[i]).ToArray());
            }
        }

        /// <summary>
        /// Ends a blocked <see cref="Read"/>. The device disposes its TUN, and so does the probe's using: the second
        /// call does nothing. The collections stay undisposed, as the device's reader may still be leaving Take.
        /// </summary>
        public void Dispose() => _closed.Cancel();
    }
}
