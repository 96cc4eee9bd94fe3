using Holt.Config;
using Holt.Hosting;
using Holt.Logging;
using Holt.Uapi;
using Microsoft.Extensions.Logging;

namespace Holt.Gateway;

/// <summary>
/// The gateway as a service of the daemon: it keeps the running interface's peers in line with holt.toml (a hand
/// edit is applied as a command's would be), folds the interface's counters into the totals every
/// <see cref="SampleInterval"/>, and disables peers at their expiry instant. It neither creates nor deletes the
/// interface (<see cref="GatewayRuntime"/> does), so a restart after a fault leaves the tunnel up.
/// </summary>
internal sealed partial class GatewayService(ConfigStore store, WireGuardControl control) : IDaemonService<GatewayConfig>
{
    /// <summary>How often the counters are saved; a crash loses at most this much of the totals.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _sync = new();
    private GatewayConfig? _config;
    private ServiceContext? _context;
    private ITimer? _timer;
    private RepeatFilter? _repeats;

    public string Name => "gateway";

    public void Start(GatewayConfig settings, ServiceContext context)
    {
        lock (_sync)
        {
            _context = context;
            _config = settings;
            _repeats ??= new RepeatFilter(context.Time, TimeSpan.FromMinutes(10));
            DateTimeOffset now = context.Time.GetUtcNow();
            using (store.Lock())
            {
                ApplyPeers(settings, now);
            }

            _timer = context.Time.CreateTimer(_ => Tick(), null, NextWake(settings, now), Timeout.InfiniteTimeSpan);
        }
    }

    public void Reload(GatewayConfig settings)
    {
        lock (_sync)
        {
            GatewayConfig current = _config!;
            if (settings.Interface != current.Interface || settings.Backend != current.Backend)
            {
                LogRestartNeeded(_context!.Logger, store.Path);
                return;
            }

            DateTimeOffset now = _context!.Time.GetUtcNow();
            if (!GatewayRuntime.SameAddressing(current, settings))
            {
                // A changed subnet, address or MTU is applied to the interface itself, not only to the file.
                GatewayRuntime.Readdress(current, settings, _context.Logger);
                Forwarding.Enable(settings, _context.Logger);
            }

            using (store.Lock())
            {
                ApplyPeers(settings, now);
            }

            _config = settings;
            _ = _timer?.Change(NextWake(settings, now), Timeout.InfiniteTimeSpan);
        }
    }

    public void Stop()
    {
        lock (_sync)
        {
            _timer?.Dispose();
            _timer = null;
            using (store.Lock())
            {
                SaveTotals(_config!);
            }
        }
    }

    private void ApplyPeers(GatewayConfig config, DateTimeOffset now)
    {
        if (control.TryGet() is DeviceStatus status)
        {
            LogUnmanaged(config, GatewayApplier.ApplyPeers(config, control, status, now, Unsaved));
        }
    }

    /// <summary>The peers are applied, but the state file could not record it (a full disk).</summary>
    private void Unsaved(string problem)
    {
        if (_repeats!.ShouldSay(problem))
        {
            LogUnsaved(_context!.Logger, problem);
        }
    }

    /// <summary>A round's problem (a full disk, every 10 s while it lasts), said once every 10 minutes.</summary>
    private void SayTickFailed(string problem)
    {
        if (_repeats!.ShouldSay(problem))
        {
            LogTickFailed(_context!.Logger, problem);
        }
    }

    /// <summary>Says which peers a sync removed that holt.toml never had (added with wg set).</summary>
    private void LogUnmanaged(GatewayConfig config, SyncResult result)
    {
        var known = config.Peers.Select(p => p.PublicKey).ToHashSet(StringComparer.Ordinal);
        foreach (string key in result.Removed.Where(k => !known.Contains(k)))
        {
            LogRemovedUnmanaged(_context!.Logger, key[..8]);
        }
    }

    /// <summary>One round: disable expired peers, fold the counters into the totals, and set the next wake.</summary>
    private void Tick()
    {
        lock (_sync)
        {
            if (_timer is null || _context is null || _config is null)
            {
                return;
            }

            DateTimeOffset now = _context.Time.GetUtcNow();
            try
            {
                using (store.Lock())
                {
                    DisableExpired(now);
                    if (control.TryGet() is DeviceStatus status)
                    {
                        IReadOnlyList<string> drift = GatewayApplier.Drift(_config, status, now);
                        if (drift.Count > 0)
                        {
                            // Someone changed the interface behind holt.toml's back (wg set): put it back, as wg syncconf would.
                            LogDrift(_context.Logger, string.Join("; ", drift));
                            LogUnmanaged(_config, GatewayApplier.ApplyPeers(_config, control, status, now, Unsaved));
                        }
                        else
                        {
                            GatewayState state = StateStore.Load(_config.Interface);
                            if (state.Sample(status))
                            {
                                StateStore.Save(_config.Interface, state);
                            }
                        }
                    }
                }
            }
            catch (CommandException e)
            {
                // A full disk or a busy file: said, and the next round tries again.
                SayTickFailed(e.Message);
            }
            catch (Exception e)
            {
                _context.Fault(e);
                return;
            }

            _ = _timer.Change(NextWake(_config, now), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Disables the peers whose expiry has come, in holt.toml too. While the file is broken by a hand edit it is
    /// not rewritten; the interface drops the peers all the same.
    /// </summary>
    private void DisableExpired(DateTimeOffset now)
    {
        List<PeerConfig> expired = _config!.Peers.Where(p => p.Enabled && p.IsExpired(now)).ToList();
        if (expired.Count == 0)
        {
            return;
        }

        var names = expired.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        GatewayConfig Disable(GatewayConfig config) =>
            config with { Peers = config.Peers.Select(p => names.Contains(p.Name) && p.Enabled ? p with { Enabled = false } : p).ToList() };
        try
        {
            HoltConfig file = store.Load();
            store.Save(file.WithGateway(Disable(file.Gateway)));
        }
        catch (CommandException e)
        {
            SayTickFailed(e.Message);
        }

        _config = Disable(_config);
        ApplyPeers(_config, now);
        foreach (PeerConfig peer in expired)
        {
            LogExpired(_context!.Logger, peer.Name);
        }
    }

    private void SaveTotals(GatewayConfig config)
    {
        try
        {
            if (control.TryGet() is DeviceStatus status)
            {
                GatewayState state = StateStore.Load(config.Interface);
                _ = state.Sample(status);
                StateStore.Save(config.Interface, state);
            }
        }
        catch (CommandException e)
        {
            SayTickFailed(e.Message);
        }
    }

    /// <summary>The next sample, or just after the next expiry if that comes first; never a spin.</summary>
    private static TimeSpan NextWake(GatewayConfig config, DateTimeOffset now)
    {
        TimeSpan wait = SampleInterval;
        foreach (PeerConfig peer in config.Peers)
        {
            if (peer.Enabled && peer.Expires is DateTimeOffset expires && expires > now && expires - now < wait)
            {
                wait = expires - now;
            }
        }

        return wait + TimeSpan.FromMilliseconds(50);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "removed an unmanaged peer {Key}... from the interface (it is not in holt.toml)")]
    private static partial void LogRemovedUnmanaged(ILogger logger, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the interface differs from holt.toml ({Drift}); reapplied holt.toml")]
    private static partial void LogDrift(ILogger logger, string drift);

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Name} expired and is now disabled")]
    private static partial void LogExpired(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} changed the interface name or the backend; run holt down and holt up to apply that")]
    private static partial void LogRestartNeeded(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogTickFailed(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "gateway: the peers are applied, but {Problem}")]
    private static partial void LogUnsaved(ILogger logger, string problem);
}
