using System.Text;
using Holt.Config;
using Holt.Gateway;
using Holt.Nft;

namespace Holt.Firewall;

/// <summary>
/// A gateway's own nftables table, <c>inet holt-INTERFACE</c>: built whole from holt.toml and what surrounds it
/// (<see cref="FirewallRuntime.Context"/>), and loaded in one transaction when it differs from the one last loaded.
/// </summary>
internal static class FirewallTable
{
    public static string NameFor(GatewayConfig gateway) => Ruleset.TableName(gateway.Interface);

    /// <summary>The table <paramref name="config"/> calls for now.</summary>
    public static string Build(HoltConfig config, DateTimeOffset now) =>
        Ruleset.Build(config, FirewallRuntime.Context(config, StateStore.Load(config.Gateway.Interface), now));

    /// <summary>
    /// Loads the table when it differs from the one last loaded (nft takes 10 to 30 ms to start, and most edits
    /// change nothing here), or always with <paramref name="force"/>. Returns whether nft ran. The daemon passes
    /// <paramref name="unsaved"/>: a state file it cannot write then (a full disk) is reported there, after the table
    /// is in place, instead of failing the apply.
    /// </summary>
    public static bool Apply(HoltConfig config, DateTimeOffset now, bool force = false, Action<string>? unsaved = null)
    {
        GatewayConfig gateway = config.Gateway;
        GatewayState state = StateStore.Load(gateway.Interface);
        string ruleset = Ruleset.Build(config, FirewallRuntime.Context(config, state, now));
        string digest = Digest(ruleset);
        if (!force && digest == state.RulesetDigest)
        {
            return false;
        }

        Load(gateway.Interface, ruleset, state);
        if (unsaved is null)
        {
            StateStore.Save(gateway.Interface, state);
        }
        else if (!StateStore.TrySave(gateway.Interface, state, out string? error))
        {
            unsaved(error);
        }

        return true;
    }

    /// <summary>
    /// Loads <paramref name="ruleset"/> as the gateway's table and records in <paramref name="state"/> (the caller
    /// saves it) what was loaded: the text's digest, to skip a reload of the same text, and the canonical digest
    /// of the table as the kernel then holds it, so that the daemon can tell when someone else changed it.
    /// </summary>
    public static void Load(string interfaceName, string ruleset, GatewayState state)
    {
        string table = Ruleset.TableName(interfaceName);
        NftTables.Replace(table, ruleset);
        state.RulesetDigest = Digest(ruleset);
        state.TableDigest = Loaded(interfaceName);
    }

    /// <summary>The canonical digest of the gateway's table as the kernel holds it now, or null when it has none.</summary>
    public static string? Loaded(string interfaceName) =>
        NftTables.ListJson(Ruleset.TableName(interfaceName)) is string json ? NftCanonical.Digest(json) : null;

    /// <summary>Removes the table and forgets its digest, so the next apply loads it again.</summary>
    public static void Remove(string interfaceName)
    {
        NftTables.Remove(Ruleset.TableName(interfaceName));
        GatewayState state = StateStore.Load(interfaceName);
        if (state.RulesetDigest is not null || state.TableDigest is not null)
        {
            state.RulesetDigest = null;
            state.TableDigest = null;
            StateStore.Save(interfaceName, state);
        }
    }

    public static string Digest(string ruleset) => Holt.WireGuard.Crypto.Sha256.HexOf(Encoding.UTF8.GetBytes(ruleset));
}
