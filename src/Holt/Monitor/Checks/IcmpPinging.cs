using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Holt.Config;

namespace Holt.Monitor.Checks;

/// <summary>What a received ICMP packet means to a run: the reply to one of its requests, or an error about one.</summary>
internal readonly record struct IcmpSeen(int Sequence, string? Error);

/// <summary>
/// One icmp run's requests and what came back: when each went out, each reply's round trip, and the last error
/// (a send the kernel refused, a router's "fragmentation needed"), for the failure's words.
/// </summary>
internal sealed class IcmpPinging(int count, ushort identifier, bool v6, IPAddress target, TimeProvider time)
{
    private readonly Lock _sync = new();
    private readonly long[] _sentAt = new long[count];
    private readonly bool[] _sent = new bool[count];
    private readonly TimeSpan?[] _rtts = new TimeSpan?[count];
    private int _received;
    private string? _note;

    public async Task SendAsync(Socket socket, int sequence, int data, CancellationToken token)
    {
        byte[] packet = IcmpCheck.EchoRequest(v6, identifier, (ushort)sequence, data);
        lock (_sync)
        {
            _sentAt[sequence] = time.GetTimestamp();
            _sent[sequence] = true;
        }

        try
        {
            _ = await socket.SendToAsync(packet, SocketFlags.None, new IPEndPoint(target, 0), token).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            Note($"sending to {target}: {CheckExecutor.Reason(e)}");
        }
    }

    /// <summary>Reads packets until every request is answered or <paramref name="token"/> ends the run.</summary>
    public async Task ReceiveAsync(Socket socket, CancellationToken token)
    {
        byte[] buffer = new byte[65536];
        EndPoint any = new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (Volatile.Read(ref _received) < count)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                Note($"receiving: {CheckExecutor.Reason(e)}");
                return;
            }

            long now = time.GetTimestamp();
            if (Recognize(buffer.AsSpan(0, result.ReceivedBytes), v6, identifier, count, ((IPEndPoint)result.RemoteEndPoint).Address, target) is not IcmpSeen seen)
            {
                continue;
            }

            lock (_sync)
            {
                if (seen.Error is string error)
                {
                    _note = error;
                }
                else if (_sent[seen.Sequence] && _rtts[seen.Sequence] is null)
                {
                    _rtts[seen.Sequence] = time.GetElapsedTime(_sentAt[seen.Sequence], now);
                    _received++;
                }
            }
        }
    }

    public CheckResult Result(CheckConfig check, DateTimeOffset at, int? size)
    {
        lock (_sync)
        {
            int sent = _sent.Count(s => s);
            var figures = IcmpFigures.Of(sent, _rtts.OfType<TimeSpan>().ToList());
            if (figures.Received > 0)
            {
                return new CheckResult { Ok = true, At = at, Latency = figures.Average, Icmp = figures };
            }

            string what = size is int bytes ? $"{check.Count} pings of {bytes} bytes with Don't Fragment" : $"{check.Count} pings";
            string why = _note ?? $"nothing came back within {DurationText.Format(check.Timeout)}";
            string hint = size is not null && _note is null ? " (an MTU black hole, if a small ping passes)" : "";
            return new CheckResult { Ok = false, At = at, Icmp = figures, Error = $"{target} answered none of {what}: {why}{hint}" };
        }
    }

    private void Note(string problem)
    {
        lock (_sync)
        {
            _note = problem;
        }
    }

    /// <summary>
    /// What <paramref name="packet"/>, from <paramref name="from"/>, is to a run with <paramref name="identifier"/>:
    /// the reply to a request of sequence below <paramref name="count"/>, an ICMP error quoting one of its requests,
    /// or null for anything else (another program's pings, our own requests on loopback, garbage).
    /// </summary>
    public static IcmpSeen? Recognize(ReadOnlySpan<byte> packet, bool v6, ushort identifier, int count, IPAddress from, IPAddress target)
    {
        ReadOnlySpan<byte> icmp;
        if (v6)
        {
            icmp = packet;
        }
        else
        {
            if (packet.Length < 20 || packet[0] >> 4 != 4 || (packet[0] & 0x0F) * 4 < 20 || (packet[0] & 0x0F) * 4 > packet.Length)
            {
                return null;
            }

            icmp = packet[((packet[0] & 0x0F) * 4)..];
        }

        if (icmp.Length < 8)
        {
            return null;
        }

        byte type = icmp[0];
        if (type == (v6 ? 129 : 0))
        {
            int sequence = BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]);
            return from.Equals(target) && BinaryPrimitives.ReadUInt16BigEndian(icmp[4..]) == identifier && sequence < count ? new IcmpSeen(sequence, null) : null;
        }

        string? error = v6 ? Icmp6Error(icmp) : Icmp4Error(icmp);
        if (error is null || Quoted(icmp[8..], v6, identifier, count, target) is not int quoted)
        {
            return null;
        }

        return new IcmpSeen(quoted, $"{from} says {error}");
    }

    private static string? Icmp4Error(ReadOnlySpan<byte> icmp) => (icmp[0], icmp[1]) switch
    {
        (3, 4) => $"fragmentation needed: the path's MTU is {BinaryPrimitives.ReadUInt16BigEndian(icmp[6..])}",
        (3, 0) => "network unreachable",
        (3, 1) => "host unreachable",
        (3, 13) => "communication administratively prohibited",
        (3, byte code) => $"destination unreachable (code {code})",
        (11, _) => "time to live exceeded",
        _ => null,
    };

    private static string? Icmp6Error(ReadOnlySpan<byte> icmp) => (icmp[0], icmp[1]) switch
    {
        (2, _) => $"packet too big: the path's MTU is {BinaryPrimitives.ReadUInt32BigEndian(icmp[4..])}",
        (1, 0) => "no route to destination",
        (1, 1) => "communication administratively prohibited",
        (1, 3) => "address unreachable",
        (1, byte code) => $"destination unreachable (code {code})",
        (3, _) => "hop limit exceeded",
        _ => null,
    };

    /// <summary>The sequence of our echo request that an ICMP error quotes (its IP header and first 8 bytes), or null.</summary>
    private static int? Quoted(ReadOnlySpan<byte> inner, bool v6, ushort identifier, int count, IPAddress target)
    {
        ReadOnlySpan<byte> request;
        if (v6)
        {
            if (inner.Length < 48 || inner[0] >> 4 != 6 || inner[6] != 58 || !new IPAddress(inner.Slice(24, 16)).Equals(target))
            {
                return null;
            }

            request = inner[40..];
        }
        else
        {
            int header = (inner.Length > 0 ? inner[0] & 0x0F : 0) * 4;
            if (inner.Length < 28 || inner[0] >> 4 != 4 || header < 20 || inner.Length < header + 8 || inner[9] != 1 ||
                !new IPAddress(inner.Slice(16, 4)).Equals(target))
            {
                return null;
            }

            request = inner[header..];
        }

        int sequence = BinaryPrimitives.ReadUInt16BigEndian(request[6..]);
        return request[0] == (v6 ? 128 : 8) && BinaryPrimitives.ReadUInt16BigEndian(request[4..]) == identifier && sequence < count ? sequence : null;
    }
}
