using System.Net.Sockets;

namespace Holt.Monitor.Checks;

/// <summary>Runs one check once; what <see cref="CheckRunner"/> calls, and tests replace.</summary>
internal interface ICheckExecutor
{
    /// <summary>
    /// Runs <paramref name="check"/> and returns what it found, within its timeout whatever the target does; never
    /// throws. <paramref name="stop"/> abandons the run (the runner is stopping); the result is then discarded.
    /// </summary>
    Task<CheckResult> RunAsync(CheckConfig check, CancellationToken stop);
}

/// <summary>
/// The real checks, each on the network and each held to its timeout twice: the run's own token cancels at the
/// timeout, and should a run not return soon after, the executor returns a timeout failure without it.
/// </summary>
internal sealed class CheckExecutor(TimeProvider time) : ICheckExecutor
{
    /// <summary>How long past its timeout a run may take to wind down before it is left behind.</summary>
    private static readonly TimeSpan s_grace = TimeSpan.FromSeconds(2);

    public async Task<CheckResult> RunAsync(CheckConfig check, CancellationToken stop)
    {
        using var timeout = new CancellationTokenSource(check.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stop);
        Task<CheckResult> run = Dispatch(check, linked.Token);
        Task backstop = Task.Delay(check.Timeout + s_grace, time, stop);
        try
        {
            if (await Task.WhenAny(run, backstop).ConfigureAwait(false) == run)
            {
                return await run.ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return CheckResult.Failed(time.GetUtcNow(), OneLine(e));
        }

        _ = run.ContinueWith(t => t.Exception, TaskScheduler.Default);
        return CheckResult.Failed(time.GetUtcNow(), $"no result within the timeout ({Config.DurationText.Format(check.Timeout)})");
    }

    private Task<CheckResult> Dispatch(CheckConfig check, CancellationToken token) => check.Type switch
    {
        CheckType.Icmp => IcmpCheck.RunAsync(check, time, token),
        CheckType.Tcp => TcpCheck.RunAsync(check, time, token),
        CheckType.Http or CheckType.Https => HttpCheck.RunAsync(check, time, token),
        CheckType.Probe => ProbeCheck.RunAsync(check, time, token),
        _ => DnsCheck.RunAsync(check, time, token),
    };

    /// <summary>An exception's message as one line, with its inner one's (HttpClient wraps the useful part).</summary>
    public static string OneLine(Exception e)
    {
        string text = e.InnerException is Exception inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message} ({inner.Message})" : e.Message;
        return Text.Printable.Of(text.ReplaceLineEndings(" ").Trim());
    }

    /// <summary>A socket error in an operator's words.</summary>
    public static string Reason(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused (nothing listens there)",
        SocketError.HostUnreachable => "host unreachable",
        SocketError.NetworkUnreachable => "network unreachable (no route)",
        SocketError.TimedOut => "timed out",
        SocketError.ConnectionReset => "connection reset",
        SocketError.MessageSize => "message too long for the path (Don't Fragment)",
        SocketError.AccessDenied => "permission denied",
        _ => Text.Printable.Of(e.Message),
    };
}
