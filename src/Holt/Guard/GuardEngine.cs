using System.Globalization;
using System.Net;
using Holt.Config;
using Holt.Storage;

namespace Holt.Guard;

/// <summary>Where bans go: the kernel (<see cref="KernelBans"/>) or, in tests, a list.</summary>
internal interface IBanSink
{
    /// <summary>Bans <paramref name="network"/> for <paramref name="time"/> (a new time replaces an older one).</summary>
    void Ban(IPNetwork network, TimeSpan time, string jail);

    /// <summary>The networks banned now, or null when the sink cannot tell.</summary>
    IReadOnlyCollection<IPNetwork>? Held() => null;

    /// <summary>The bans in force now with their jail and time left, or null when the sink cannot tell.</summary>
    IReadOnlyList<Ban>? HeldBans() => null;

    /// <summary>Puts many bans in place at once (a restore after a restart, or after the table was removed).</summary>
    void BanAll(IReadOnlyList<(IPNetwork Network, TimeSpan Time, string Jail)> bans)
    {
        foreach ((IPNetwork network, TimeSpan time, string jail) in bans)
        {
            Ban(network, time, jail);
        }
    }
}

/// <summary>Bans as nftables set elements in <c>inet holt_guard</c>.</summary>
internal sealed class KernelBans : IBanSink
{
    public void Ban(IPNetwork network, TimeSpan time, string jail) => BanTable.Add(network, time, jail);

    public void BanAll(IReadOnlyList<(IPNetwork Network, TimeSpan Time, string Jail)> bans) => BanTable.AddAll(bans);

    public IReadOnlyCollection<IPNetwork>? Held() => BanTable.Networks();

    public IReadOnlyList<Ban>? HeldBans() => BanTable.List();
}

/// <summary>
/// The guard's decisions: failures go to their jail, a jail's ban goes to the kernel and the ban store, and every
/// ban but the recidive jail's own counts as a failure in the recidive jail, whose ban replaces the shorter one.
/// Addresses the ignore rule names are never counted. Single-threaded: the guard's loop feeds it in log order.
/// </summary>
internal sealed class GuardEngine : IDisposable
{
    private readonly Dictionary<string, Jail> _jails = new(StringComparer.Ordinal);
    private readonly Jail? _recidive;
    private readonly IBanSink _sink;
    private readonly BanStore? _store;
    private readonly Func<IPAddress, string?> _ignored;
    private readonly Action<string> _log;

    /// <summary>
    /// Bans in force that the store could not record yet (a full disk), oldest first. They are restored with the
    /// stored ones and recorded by <see cref="RecordPending"/> once the store takes writes again.
    /// </summary>
    private readonly List<StoredBan> _unrecorded = [];

    /// <summary>Bans decided while the guard holds them (<see cref="Hold"/>), in the order they were decided.</summary>
    private readonly List<HeldBan> _held = [];
    private bool _holding;

    /// <param name="config">The jails and their limits.</param>
    /// <param name="sink">Where bans take effect.</param>
    /// <param name="store">Where bans are recorded, or null (holt guard test, unit tests).</param>
    /// <param name="ignored">Why an address must not be banned, or null when it may be.</param>
    /// <param name="log">One line per ban, for the daemon's log.</param>
    public GuardEngine(GuardConfig config, IBanSink sink, BanStore? store, Func<IPAddress, string?> ignored, Action<string> log)
    {
        foreach (JailConfig jail in config.Jails.Where(j => j.Enabled))
        {
            _jails[jail.Name] = new Jail(config.OptionsOf(jail));
        }

        _recidive = config.RecidiveOptions is JailOptions recidive ? new Jail(recidive) : null;
        _sink = sink;
        _store = store;
        _ignored = ignored;
        _log = log;
    }

    /// <summary>Gives back the memory of the jails' tables; the engine is not used after.</summary>
    public void Dispose()
    {
        foreach (Jail jail in _jails.Values)
        {
            jail.Dispose();
        }

        _recidive?.Dispose();
    }

    /// <summary>Failures counted, per jail (ignored addresses not included).</summary>
    public Dictionary<string, long> Failures { get; } = new(StringComparer.Ordinal);

    /// <summary>Bans decided, per jail (the recidive jail included).</summary>
    public Dictionary<string, long> Bans { get; } = new(StringComparer.Ordinal);

    /// <summary>Failures of ignored addresses, which never count.</summary>
    public long Ignored { get; private set; }

    /// <summary>More bans than this waiting for the store: the oldest is given up (it stays in force in the kernel).</summary>
    internal const int MaxUnrecorded = 10_000;

    /// <summary>How many bans in force wait for the store to take them.</summary>
    public int Unrecorded => _unrecorded.Count;

    /// <summary>Records the bans that the store could not take when they were decided; throws the store's error.</summary>
    public void RecordPending()
    {
        if (_store is null || _unrecorded.Count == 0)
        {
            return;
        }

        // One transaction for them all: a flood's bans cost one write, and a full disk takes none or all.
        _store.RecordAll(_unrecorded);
        _unrecorded.Clear();
    }

    /// <summary>
    /// Holds the bans decided from now on until <see cref="Flush"/>, which puts them in force together: one nft
    /// transaction and one write to the store for a slice of a log, however many bans it earned (a flood's many
    /// would otherwise cost a process and a write each). The guard holds them while it reads a slice (a few
    /// milliseconds); outside a hold every ban takes effect as it is decided.
    /// </summary>
    public void Hold() => _holding = true;

    /// <summary>
    /// Puts the held bans in force, logs them and records them. The store is told even when the kernel refuses them
    /// (the sink's error is thrown after): stored, they are put back by the next restore of missing bans, where a
    /// batch lost whole would be a flood's worth of bans.
    /// </summary>
    public void Flush()
    {
        _holding = false;
        if (_held.Count == 0)
        {
            return;
        }

        List<(IPNetwork Network, TimeSpan Time, string Jail)> bans = [.. _held.Select(h => (h.Network, h.Time, h.Jail))];
        List<HeldBan> held = [.. _held];
        _held.Clear();
        if (_store is not null)
        {
            // The bans wait here until the store has them; those it cannot take (a full disk) are restored with the
            // stored ones, and recorded as soon as the store takes writes again.
            foreach (HeldBan ban in held)
            {
                if (_unrecorded.Count >= MaxUnrecorded)
                {
                    _unrecorded.RemoveAt(0);
                }

                _unrecorded.Add(ban.Stored);
            }
        }

        bool inForce = false;
        try
        {
            _sink.BanAll(bans);
            inForce = true;
            foreach (HeldBan ban in held)
            {
                _log(ban.Line);
            }
        }
        finally
        {
            try
            {
                RecordPending();
            }
            catch (StoreException e) when (inForce)
            {
                _log(held.Count == 1
                    ? $"the ban of {held[0].Stored.Network.BaseAddress} is in force, but the ban store cannot record it yet ({e.Message}); it is kept until it can"
                    : $"{held.Count} bans are in force, but the ban store cannot record them yet ({e.Message}); they are kept until it can");
            }
            catch (StoreException) when (!inForce)
            {
                // The sink's error is the one to report; the bans wait in memory for the store.
            }
        }
    }

    /// <summary>
    /// Puts the stored bans that still have time left back into the kernel (after a restart, or a reboot that
    /// emptied the sets), and gives the jails what they need of the past: each address's earlier bans (the next ban
    /// grows from them) and, for the recidive jail, the bans within its findtime. Bans that ended before that
    /// window are deleted from the store: nothing reads them again, and the file would otherwise only grow.
    /// </summary>
    public void Restore(DateTimeOffset now)
    {
        if (_store is null)
        {
            return;
        }

        RestoreBans(now);
        AdoptUnrecorded(now);
        DateTimeOffset since = now - (_jails.Values.Select(j => j.Options.MaxTime).Append(_recidive?.Options.FindTime ?? TimeSpan.Zero).Max());
        foreach (StoredBan ban in _store.History(since))
        {
            if (!IsHost(ban.Network))
            {
                continue;
            }

            IPAddress address = ban.Network.BaseAddress;
            if (_jails.TryGetValue(ban.Jail, out Jail? jail) && jail.BanCount(address) < ban.Count)
            {
                jail.RestoreBanCount(address, ban.Count, ban.BannedAt);
            }

            if (_recidive is not null && ban.Jail == _recidive.Options.Name && _recidive.BanCount(address) < ban.Count)
            {
                _recidive.RestoreBanCount(address, ban.Count, ban.BannedAt);
            }
            else if (_recidive is not null && ban.Jail != _recidive.Options.Name && ban.BannedAt > now - _recidive.Options.FindTime)
            {
                _ = _recidive.Record(address, ban.BannedAt);
            }
        }

        _ = _store.Prune(since);
    }

    /// <summary>
    /// Takes in the bans of this guard's jails that the kernel holds and the store does not know: decided by a guard
    /// that was killed before the store could take them (a full disk), they must not be lost at the next flush. Each
    /// is recorded with the time it has left, from now; one the store cannot take yet waits with the others.
    /// </summary>
    private void AdoptUnrecorded(DateTimeOffset now)
    {
        if (_sink.HeldBans() is not IReadOnlyList<Ban> held)
        {
            return;
        }

        var known = _store!.Active(now).Select(b => b.Network).Concat(_unrecorded.Select(b => b.Network)).ToHashSet();
        foreach (Ban ban in held)
        {
            // Only bans of this guard's own jails: another gateway's guard in this namespace shares the kernel's
            // table, and its bans are its store's to keep (and to lift).
            bool ours = ban.Jail is string jail && (_jails.ContainsKey(jail) || jail == _recidive?.Options.Name);
            if (ours && !known.Contains(ban.Network) && ban.Remaining is TimeSpan left && left >= TimeSpan.FromSeconds(1) && _unrecorded.Count < MaxUnrecorded)
            {
                TimeSpan whole = TimeSpan.FromSeconds(Math.Floor(left.TotalSeconds));
                _unrecorded.Add(new StoredBan(ban.Network, ban.Jail!, now, now + whole, 1, null));
            }
        }

        try
        {
            RecordPending();
        }
        catch (StoreException e)
        {
            _log($"{_unrecorded.Count} bans in force wait for the ban store ({e.Message}); they are recorded once it can take them");
        }
    }

    /// <summary>Puts every stored ban that still has time left back into the kernel, with that time, in one go.</summary>
    public void RestoreBans(DateTimeOffset now)
    {
        if (_store is null)
        {
            return;
        }

        List<(IPNetwork, TimeSpan, string)> bans = Active(now)
            .Select(ban => (ban.Network, ban.RemainingAt(now), ban.Jail))
            .Where(ban => ban.Item2 > TimeSpan.Zero)
            .ToList();
        _sink.BanAll(bans);
    }

    /// <summary>
    /// Puts back the stored bans that still have time left but that the kernel no longer holds (its table was
    /// recreated, by this guard or another); returns how many.
    /// </summary>
    public int RestoreMissing(DateTimeOffset now)
    {
        if (_store is null || _sink.Held() is not IReadOnlyCollection<IPNetwork> held)
        {
            return 0;
        }

        List<(IPNetwork, TimeSpan, string)> missing = Active(now)
            .Where(ban => !held.Contains(ban.Network))
            .Select(ban => (ban.Network, ban.RemainingAt(now), ban.Jail))
            .Where(ban => ban.Item2 > TimeSpan.Zero)
            .ToList();
        _sink.BanAll(missing);
        return missing.Count;
    }

    /// <summary>One failure in <paramref name="jailName"/>; the ban it earned, if any.</summary>
    public BanDecision? Fail(string jailName, Failure failure, DateTimeOffset now)
    {
        if (!_jails.TryGetValue(jailName, out Jail? jail))
        {
            return null;
        }

        IPAddress address = failure.Address.IsIPv4MappedToIPv6 ? failure.Address.MapToIPv4() : failure.Address;
        if (_ignored(address) is not null)
        {
            Ignored++;
            return null;
        }

        Failures[jailName] = Failures.GetValueOrDefault(jailName) + 1;
        if (jail.Record(address, failure.Time) is not BanDecision decision)
        {
            return null;
        }

        Apply(decision, now, $"{jail.Options.MaxRetry} failures within {DurationText.Format(jail.Options.FindTime)}");
        // A recidive ban only ever lengthens the ban in force (a jail's grown ban can outlast it).
        if (_recidive is not null && _recidive.Record(address, decision.At) is BanDecision repeat && repeat.Duration > decision.Duration)
        {
            Apply(repeat, now, $"{_recidive.Options.MaxRetry} bans within {DurationText.Format(_recidive.Options.FindTime)}");
            return repeat;
        }

        return decision;
    }

    private void Apply(BanDecision decision, DateTimeOffset now, string why)
    {
        Bans[decision.Jail] = Bans.GetValueOrDefault(decision.Jail) + 1;
        IPNetwork network = HostNetwork(decision.Address);

        // A ban decided from old lines (a backlog) lasts from the failure that earned it, not from now.
        TimeSpan left = decision.At + decision.Duration - now;
        if (left <= TimeSpan.Zero)
        {
            return;
        }

        _held.Add(new HeldBan(
            network,
            left > decision.Duration ? decision.Duration : left,
            decision.Jail,
            string.Create(
                CultureInfo.InvariantCulture,
                $"banned {decision.Address} in jail {decision.Jail} for {DurationText.Format(decision.Duration)} ({why}; ban #{decision.Count})"),
            new StoredBan(network, decision.Jail, decision.At, decision.At + decision.Duration, decision.Count, null)));
        if (!_holding)
        {
            Flush();
        }
    }

    /// <summary>A ban decided but not yet in force: what goes to the kernel, the log and the store.</summary>
    private sealed record HeldBan(IPNetwork Network, TimeSpan Time, string Jail, string Line, StoredBan Stored);

    /// <summary>The bans with time left: the stored ones and those waiting for the store.</summary>
    private IEnumerable<StoredBan> Active(DateTimeOffset now) => _unrecorded.Count == 0
        ? _store!.Active(now)
        : _store!.Active(now).Concat(_unrecorded.Where(ban => ban.ExpiresAt > now))
            .GroupBy(ban => ban.Network)
            .Select(bans => bans.MaxBy(ban => ban.ExpiresAt)!);

    internal static IPNetwork HostNetwork(IPAddress address) =>
        new(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);

    private static bool IsHost(IPNetwork network) => network.PrefixLength == (Subnets.IsIPv4(network) ? 32 : 128);
}
