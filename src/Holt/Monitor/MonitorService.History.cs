using Holt.Gateway;
using Holt.Storage;
using Holt.Uapi;
using Microsoft.Extensions.Logging;

namespace Holt.Monitor;

/// <summary>
/// The monitor's hand-off to its history (<see cref="MonitorStore"/>): every round's peers go in, and what is still
/// in memory is written when the monitor stops. The history is bookkeeping: a write that fails (a full disk) is
/// said once in a while and the monitor goes on.
/// </summary>
internal sealed partial class MonitorService
{
    /// <summary>One peer of this round as the history takes it.</summary>
    private static PeerRound HistoryRound(PeerConfig peer, PeerStatus? status, PeerHealth health, PeerTracker tracker)
    {
        IReadOnlyList<PeerSession> sessions = tracker.Sessions;
        return new PeerRound(
            peer.PublicKey,
            peer.Name,
            status?.RxBytes,
            status?.TxBytes,
            health.State,
            status?.LatestHandshake,
            status?.Endpoint,
            sessions.Count == 0 ? null : sessions[^1]);
    }

    /// <summary>Hands the round to the history. Called with the lock held.</summary>
    private void RecordHistory(string interfaceName, DateTimeOffset now, List<PeerRound>? rounds)
    {
        if (_history is null || rounds is null)
        {
            return;
        }

        try
        {
            _history.Record(interfaceName, now, rounds);
        }
        catch (StoreException e)
        {
            SayHistoryFailed(e);
        }
    }

    /// <summary>Writes what the history holds in memory; the open sessions end now. Called with the lock held.</summary>
    private void FlushHistory()
    {
        if (_history is null || _context is null)
        {
            return;
        }

        try
        {
            _history.Flush(_context.Time.GetUtcNow());
        }
        catch (StoreException e)
        {
            SayHistoryFailed(e);
        }
        catch (ObjectDisposedException)
        {
            // The daemon closed the store first: nothing more can be written, and nothing is lost that a crash would keep.
        }
    }

    private void SayHistoryFailed(StoreException e) => Say($"cannot write the history: {e.Message}");

    /// <summary>The alerts' store refused a read or write; the alerts go on from memory.</summary>
    private void SayStoreFailed(StoreException e) => Say($"cannot keep the alerts in the store (they are kept in memory meanwhile): {e.Message}");

    private void Say(string problem)
    {
        if (_repeats is null || _repeats.ShouldSay(problem))
        {
            LogWriteFailed(_context!.Logger, problem);
        }
    }
}
