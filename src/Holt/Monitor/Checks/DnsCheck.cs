using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Holt.Config;

namespace Holt.Monitor.Checks;

/// <summary>
/// A dns check: one recursive query over UDP to the resolver, from a socket connected to it (so the kernel drops
/// datagrams from anyone else). Datagrams with another id are not the answer and are counted, not trusted; the
/// answer is read by <see cref="DnsQuery.TryParse"/>, and anything malformed is a failure in words.
/// </summary>
internal static class DnsCheck
{
    /// <summary>The largest datagram read: a UDP payload can be no larger.</summary>
    private const int DatagramLimit = 65535;

    public static async Task<CheckResult> RunAsync(CheckConfig check, TimeProvider time, CancellationToken token)
    {
        if (!CheckTargets.TryEndPoint(check.Target, CheckConfig.DnsPort, out IPEndPoint? resolver) || check.Query is not string name)
        {
            return CheckResult.Failed(time.GetUtcNow(), $"'{check.Target}' is not a resolver's ADDRESS[:PORT]");
        }

        string record = check.Record == DnsRecordType.A ? "A" : "AAAA";
        ushort id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        byte[] query = DnsQuery.Build(id, name, check.Record);
        byte[] buffer = new byte[DatagramLimit];
        int strangers = 0;
        using var socket = new Socket(resolver.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        long start = time.GetTimestamp();
        try
        {
            await socket.ConnectAsync(resolver, token).ConfigureAwait(false);
            _ = await socket.SendAsync(query, SocketFlags.None, token).ConfigureAwait(false);
            while (true)
            {
                int length = await socket.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
                if (!DnsQuery.HasId(buffer.AsSpan(0, length), id))
                {
                    strangers++;
                    continue;
                }

                TimeSpan latency = time.GetElapsedTime(start);
                if (DnsQuery.TryParse(buffer.AsSpan(0, length), id, name, check.Record, out DnsAnswer? answer) is string problem)
                {
                    return CheckResult.Failed(time.GetUtcNow(), $"{resolver} sent a malformed answer: {problem}", latency);
                }

                return Judge(check, answer!, record, resolver, time.GetUtcNow(), latency);
            }
        }
        catch (OperationCanceledException)
        {
            string ignored = strangers > 0 ? $"; {strangers} datagram(s) with another id ignored" : "";
            return CheckResult.Failed(time.GetUtcNow(), $"no answer from {resolver} for {name} {record} within {DurationText.Format(check.Timeout)}{ignored}");
        }
        catch (SocketException e)
        {
            string reason = e.SocketErrorCode == SocketError.ConnectionRefused ? "port unreachable (no resolver listens there)" : CheckExecutor.Reason(e);
            return CheckResult.Failed(time.GetUtcNow(), $"asking {resolver}: {reason}", time.GetElapsedTime(start));
        }
    }

    private static CheckResult Judge(CheckConfig check, DnsAnswer answer, string record, IPEndPoint resolver, DateTimeOffset at, TimeSpan latency)
    {
        string? error = null;
        if (answer.Rcode != DnsAnswer.NoError)
        {
            error = answer.Rcode == DnsAnswer.NxDomain
                ? $"{resolver} says {check.Query} does not exist (NXDOMAIN)"
                : $"{resolver} answered {answer.RcodeText} for {check.Query} {record}";
        }
        else if (answer.Truncated)
        {
            error = $"{resolver} truncated its answer (TC); this check asks over UDP only";
        }
        else if (answer.Addresses.Count == 0)
        {
            error = $"{resolver} has no {record} record for {check.Query}";
        }
        else if (check.Expect is IPAddress expect && !answer.Addresses.Contains(expect))
        {
            error = $"{check.Query} is {string.Join(", ", answer.Addresses)}, not {expect}";
        }

        return new CheckResult { Ok = error is null, Error = error, At = at, Latency = latency, Answers = answer.Addresses };
    }
}
