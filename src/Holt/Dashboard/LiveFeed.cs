using System.Text.Json;
using Holt.Gateway;
using Holt.Monitor;
using Microsoft.AspNetCore.Http;

namespace Holt.Dashboard;

/// <summary>
/// <c>GET /api/events</c>: server-sent events that keep the page current without a reload. Every
/// <see cref="Interval"/> each stream gets one <c>live</c> event with what changed since its last: the peers whose
/// view differs (the same <see cref="PeerView"/> as <c>/api/peers</c>), the names gone, and the monitor's round
/// when it is a new one (with only the peers whose state changed). The peers are read once per interval for all
/// streams, so ten open pages cost what one does. A stream ends when its visitor may no longer use the dashboard
/// (a session logged out, an admin peer demoted).
/// </summary>
internal sealed class LiveFeed(DashboardSources sources, DashboardAccess access, Func<IReadOnlyList<PeerView>> peers)
{
    public const int MaxStreams = 16;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly Lock _sync = new();
    private int _streams;
    private (DateTimeOffset At, IReadOnlyList<PeerView> Peers)? _latest;

    public int Streams => Volatile.Read(ref _streams);

    public async Task Stream(HttpContext context)
    {
        if (Interlocked.Increment(ref _streams) > MaxStreams)
        {
            _ = Interlocked.Decrement(ref _streams);
            await Api.Error(context, StatusCodes.Status503ServiceUnavailable, $"too many live pages open (at most {MaxStreams}); close one").ConfigureAwait(false);
            return;
        }

        try
        {
            HttpResponse response = context.Response;
            response.ContentType = "text/event-stream";
            response.Headers["X-Accel-Buffering"] = "no";
            var sent = new Dictionary<string, PeerView>(StringComparer.Ordinal);
            var sentStates = new Dictionary<string, (string, string, DateTimeOffset, string?, bool)>(StringComparer.Ordinal);
            DateTimeOffset? sentRound = null;
            DateTimeOffset? previous = null;
            bool full = true;
            CancellationToken aborted = context.RequestAborted;
            using var timer = new PeriodicTimer(Interval, sources.Time);
            do
            {
                if (!StillAllowed(context))
                {
                    return;
                }

                (DateTimeOffset at, IReadOnlyList<PeerView> now) = Snapshot();
                var changed = new List<PeerView>();
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (PeerView peer in now)
                {
                    _ = names.Add(peer.Name);
                    if (!sent.TryGetValue(peer.Name, out PeerView? before) || !before.Equals(peer))
                    {
                        changed.Add(peer);
                        sent[peer.Name] = peer;
                    }
                }

                List<string> removed = sent.Keys.Where(n => !names.Contains(n)).ToList();
                foreach (string name in removed)
                {
                    _ = sent.Remove(name);
                }

                MonitorStatus? monitor = sources.Monitor();
                MonitorStatus? round = null;
                if (monitor is not null && monitor.SampledAt != sentRound)
                {
                    sentRound = monitor.SampledAt;
                    var moved = new List<MonitoredPeer>();
                    foreach (MonitoredPeer peer in monitor.Peers)
                    {
                        var key = (peer.State, peer.Why, peer.Since, peer.Alert, peer.Expected);
                        if (full || !sentStates.TryGetValue(peer.Name, out var before) || before != key)
                        {
                            moved.Add(peer with { Sessions = [] });
                            sentStates[peer.Name] = key;
                        }
                    }

                    round = monitor with { Peers = moved };
                }

                var update = new LiveUpdate
                {
                    At = at,
                    Full = full,
                    Seconds = previous is DateTimeOffset last ? (at - last).TotalSeconds : 0,
                    Peers = changed,
                    Removed = removed,
                    Monitor = round,
                };
                previous = at;
                full = false;
                await response.WriteAsync("event: live\ndata: ", aborted).ConfigureAwait(false);
                await JsonSerializer.SerializeAsync(response.Body, update, DashboardJson.Default.LiveUpdate, aborted).ConfigureAwait(false);
                await response.WriteAsync("\n\n", aborted).ConfigureAwait(false);
                await response.Body.FlushAsync(aborted).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(aborted).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // The page went away, or the daemon stops.
        }
        finally
        {
            _ = Interlocked.Decrement(ref _streams);
        }
    }

    /// <summary>The peers as of now, read at most once per half interval whatever the number of streams.</summary>
    private (DateTimeOffset At, IReadOnlyList<PeerView> Peers) Snapshot()
    {
        DateTimeOffset now = sources.Time.GetUtcNow();
        lock (_sync)
        {
            if (_latest is (DateTimeOffset at, IReadOnlyList<PeerView> list) && now - at < Interval / 2 && now >= at)
            {
                return (at, list);
            }

            IReadOnlyList<PeerView> read = peers();
            _latest = (now, read);
            return (now, read);
        }
    }

    private bool StillAllowed(HttpContext context)
    {
        ConnectionInfo connection = context.Connection;
        return access.Identify(connection.RemoteIpAddress, connection.LocalIpAddress, context.Request.Cookies[DashboardServer.SessionCookie]).MayUse;
    }
}

/// <summary>One <c>live</c> event: what changed since the stream's previous one.</summary>
internal sealed record LiveUpdate
{
    public required DateTimeOffset At { get; init; }

    /// <summary>The first event of a stream: every peer, and every monitored peer.</summary>
    public required bool Full { get; init; }

    /// <summary>Seconds since the previous event (0 for the first), to turn counters into rates.</summary>
    public required double Seconds { get; init; }

    public required IReadOnlyList<PeerView> Peers { get; init; }

    public required IReadOnlyList<string> Removed { get; init; }

    /// <summary>The monitor's round when it is new since the previous event, with only the peers whose state changed; else null.</summary>
    public MonitorStatus? Monitor { get; init; }
}
