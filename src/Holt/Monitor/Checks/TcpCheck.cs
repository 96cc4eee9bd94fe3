using System.Net;
using System.Net.Sockets;

namespace Holt.Monitor.Checks;

/// <summary>A tcp check: a connection to ADDRESS:PORT, timed from SYN to established, closed at once.</summary>
internal static class TcpCheck
{
    public static async Task<CheckResult> RunAsync(CheckConfig check, TimeProvider time, CancellationToken token)
    {
        if (!CheckTargets.TryEndPoint(check.Target, null, out IPEndPoint? target))
        {
            return CheckResult.Failed(time.GetUtcNow(), $"'{check.Target}' is not ADDRESS:PORT");
        }

        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        long start = time.GetTimestamp();
        try
        {
            await socket.ConnectAsync(target, token).ConfigureAwait(false);
            return new CheckResult { Ok = true, At = time.GetUtcNow(), Latency = time.GetElapsedTime(start) };
        }
        catch (OperationCanceledException)
        {
            return CheckResult.Failed(time.GetUtcNow(), $"no connection to {target} within {Config.DurationText.Format(check.Timeout)}");
        }
        catch (SocketException e)
        {
            return CheckResult.Failed(time.GetUtcNow(), $"connecting to {target}: {CheckExecutor.Reason(e)}", time.GetElapsedTime(start));
        }
    }
}
