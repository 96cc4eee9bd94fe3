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
internal sealed partial class FirewallService(ConfigStore store) : IDaemonService<FirewallSettings>, IDisposable
{
    private readonly Lock _sync = new();
    private FirewallSettings? _settings;
    private ServiceContext? _context;
    private TableKeeper? _keeper;
    private bool _started;

    /// <summary>The digest of a table this daemon loaded but could not record in the state file (a full disk).</summary>
    private volatile string? _unsavedDigest;

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
                _ = FirewallTable.Apply(settings.AsConfig(), context.Time.GetUtcNow(), force: true, Unsaved);
            }

            _keeper = new TableKeeper(Name, [FirewallTable.NameFor(settings.Gateway)], Round, context.Time, context.Logger, context.Fault);
        }
    }

    public void Reload(FirewallSettings settings)
    {
        lock (_sync)
        {
            _settings = settings;
            using (store.Lock())
            {
                _ = FirewallTable.Apply(settings.AsConfig(), _context!.Time.GetUtcNow(), unsaved: Unsaved);
            }
        }
    }

    /// <summary>Stopping is all there is to release (the host stops a service before it goes).</summary>
    public void Dispose() => Stop();

    public void Stop()
    {
        TableKeeper? keeper;
        lock (_sync)
        {
            keeper = _keeper;
            _keeper = null;
        }

        keeper?.Dispose();
    }

    /// <summary>Compares the table with what Holt last loaded, and repairs it when someone else changed it.</summary>
    private void Round(DateTimeOffset now, Func<bool> mayRepair)
    {
        FirewallSettings settings;
        lock (_sync)
        {
            if (_settings is null || _context is null)
            {
                return;
            }

            settings = _settings;
        }

        using (store.Lock())
        {
            string name = settings.Gateway.Interface;
            GatewayState state = StateStore.Load(name);
            string? actual = FirewallTable.Loaded(name);
            if (actual is not null && actual == state.TableDigest)
            {
                _unsavedDigest = null;
                return;
            }

            if (actual is not null && actual == _unsavedDigest)
            {
                // This daemon loaded it while the disk was full: the table is as it should be, and the state file
                // learns so as soon as there is room.
                state.TableDigest = actual;
                if (StateStore.TrySave(name, state, out _))
                {
                    _unsavedDigest = null;
                }

                return;
            }

            if (actual is not null && state.TableDigest is null)
            {
                // The state was lost (the file moved aside); what is loaded now is the reference from here on.
                state.TableDigest = actual;
                StateStore.Save(name, state);
                return;
            }

            if (!mayRepair())
            {
                return;
            }

            string what = actual is null ? "was removed" : "was changed by someone else";
            _ = FirewallTable.Apply(settings.AsConfig(), now, force: true, Unsaved);
            RepairLog.Record(FirewallRuntime.RepairsPath(name), now, $"table inet {Ruleset.TableName(name)} {what}");
            LogRepaired(_context!.Logger, Ruleset.TableName(name), what);
        }
    }

    /// <summary>The table is in place, but the state file could not record it (a full disk).</summary>
    private void Unsaved(string problem)
    {
        if (_settings is FirewallSettings settings)
        {
            _unsavedDigest = FirewallTable.Loaded(settings.Gateway.Interface);
        }

        LogUnsaved(_context!.Logger, problem);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "firewall: the table is in place, but {Problem}")]
    private static partial void LogUnsaved(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "firewall: table inet {Table} {What}; restored it as holt.toml says")]
    private static partial void LogRepaired(ILogger logger, string table, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "firewall: removed the table inet holt of an older Holt (each gateway now has its own)")]
    private static partial void LogLegacyRemoved(ILogger logger);
}
