using Holt.Config;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Nft;
using Microsoft.Extensions.Logging;

namespace Holt.Firewall;

/// <summary>What the firewall service builds its table from: the gateway's part of holt.toml and its own.</summary>
internal sealed record FirewallSettings(GatewayConfig Gateway, FirewallConfig Firewall)
{
    public static FirewallSettings Of(HoltConfig config) => new(config.Gateway, config.Firewall);

    public HoltConfig AsConfig() => HoltConfig.Empty.WithGateway(Gateway).WithFirewall(Firewall);
}

/// <summary>
/// The gateway's nftables table as a service of the daemon: loaded at start and at every change of holt.toml, and
/// kept in place. When someone else removes or changes the table (<c>nft flush ruleset</c>, which
/// <c>systemctl restart nftables</c> runs; <c>nft delete table</c>; a rule inserted by hand) the service notices
/// from nftables' own change notifications, or at the latest at the next periodic check, and loads it again as
/// holt.toml says, logging each repair and counting it for the status. Repairs are rate-limited, so a tool that
/// keeps flushing gets a steady answer rather than a busy fight.
/// </summary>
internal sealed partial class FirewallService(ConfigStore store) : IDaemonService<FirewallSettings>
{
    /// <summary>How often the table is checked although no change was announced (a backstop; changes are announced).</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(30);

    /// <summary>How often it is checked where nftables' notifications cannot be had.</summary>
    public static readonly TimeSpan UnwatchedInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long after an announced change the table is compared: a burst of changes makes one comparison.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);

    private readonly Lock _sync = new();
    private readonly RepairBudget _budget = new();
    private FirewallSettings? _settings;
    private ServiceContext? _context;
    private ITimer? _timer;
    private TableWatch? _watch;
    private TimeSpan _interval = UnwatchedInterval;
    private bool _started;

    public string Name => "firewall";

    public void Start(FirewallSettings settings, ServiceContext context)
    {
        lock (_sync)
        {
            _context = context;
            _settings = settings;
            if (!_started)
            {
                // The count is this daemon's: a restart of the service after a fault keeps it.
                RepairLog.Clear(FirewallRuntime.RepairsPath(settings.Gateway.Interface));
                _started = true;
            }

            using (store.Lock())
            {
                RemoveLegacyTable(context.Logger);
                _ = FirewallTable.Apply(settings.AsConfig(), context.Time.GetUtcNow(), force: true);
            }

            // Watched first, so no change made between the load above and the watch goes unnoticed: the first
            // round compares at once.
            _watch = TableWatch.TryStart([FirewallTable.NameFor(settings.Gateway)], CheckSoon, context.Logger);
            _interval = _watch is null ? UnwatchedInterval : CheckInterval;
            _timer = context.Time.CreateTimer(_ => Check(), null, TimeSpan.Zero, _interval);
        }
    }

    public void Reload(FirewallSettings settings)
    {
        lock (_sync)
        {
            _settings = settings;
            using (store.Lock())
            {
                _ = FirewallTable.Apply(settings.AsConfig(), _context!.Time.GetUtcNow());
            }
        }
    }

    public void Stop()
    {
        _watch?.Dispose();
        lock (_sync)
        {
            _watch = null;
            _timer?.Dispose();
            _timer = null;
        }
    }

    /// <summary>nftables announced a change of the table: compare shortly (many changes, one comparison).</summary>
    private void CheckSoon()
    {
        try
        {
            _ = _timer?.Change(Settle, _interval);
        }
        catch (ObjectDisposedException)
        {
            // The service is stopping.
        }
    }

    /// <summary>Compares the table with what Holt last loaded, and repairs it when someone else changed it.</summary>
    internal void Check()
    {
        lock (_sync)
        {
            if (_timer is null || _settings is null || _context is null)
            {
                return;
            }

            try
            {
                using (store.Lock())
                {
                    string name = _settings.Gateway.Interface;
                    GatewayState state = StateStore.Load(name);
                    string? actual = FirewallTable.Loaded(name);
                    if (actual is not null && actual == state.TableDigest)
                    {
                        return;
                    }

                    if (actual is not null && state.TableDigest is null)
                    {
                        // The state was lost (the file moved aside); what is loaded now is the reference from here on.
                        state.TableDigest = actual;
                        StateStore.Save(name, state);
                        return;
                    }

                    DateTimeOffset now = _context.Time.GetUtcNow();
                    if (!_budget.TryTake(now))
                    {
                        // Too many repairs lately: the next one when the budget allows, not at the next backstop round.
                        _ = _timer?.Change(_budget.Wait(now) + Settle, _interval);
                        return;
                    }

                    string what = actual is null ? "was removed" : "was changed by someone else";
                    _ = FirewallTable.Apply(_settings.AsConfig(), now, force: true);
                    RepairLog.Record(FirewallRuntime.RepairsPath(name), now, $"table inet {Ruleset.TableName(name)} {what}");
                    LogRepaired(_context.Logger, Ruleset.TableName(name), what);
                }
            }
            catch (CommandException e)
            {
                LogRepairFailed(_context.Logger, e.Message);
            }
            catch (Exception e)
            {
                _context.Fault(e);
            }
        }
    }

    /// <summary>Holt before 0.4 kept every gateway in one table, <c>inet holt</c>; it would now only get in the way.</summary>
    private static void RemoveLegacyTable(ILogger logger)
    {
        if (NftTables.List("holt") is not null)
        {
            NftTables.Remove("holt");
            LogLegacyRemoved(logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "firewall: table inet {Table} {What}; restored it as holt.toml says")]
    private static partial void LogRepaired(ILogger logger, string table, string what);

    [LoggerMessage(Level = LogLevel.Error, Message = "firewall: cannot restore the table: {Problem}; trying again")]
    private static partial void LogRepairFailed(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "firewall: removed the table inet holt of an older Holt (each gateway now has its own)")]
    private static partial void LogLegacyRemoved(ILogger logger);
}
