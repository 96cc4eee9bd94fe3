using System.Net;
using System.Text.Json.Serialization;
using Holt.Config;
using Holt.Gateway;
using Holt.Text;

namespace Holt.Guard;

/// <summary>
/// A manual ban or unban, as <c>holt guard ban</c> and <c>unban</c> and the dashboard's Guard page make them: the
/// ways in refused (or cut only when forced), recorded in the ban store before the kernel holds it, and lifted in
/// both. And the guard's state as both show it.
/// </summary>
internal static class GuardOperations
{
    public const string ManualJail = "manual";

    public static readonly TimeSpan MaxBan = TimeSpan.FromDays(366);

    /// <summary>How far back the report's history of bans goes.</summary>
    public static readonly TimeSpan HistorySpan = TimeSpan.FromDays(7);

    /// <summary>An address or a CIDR subnet; an IPv4-mapped IPv6 address is its IPv4 address.</summary>
    /// <exception cref="CommandException">It is neither.</exception>
    public static IPNetwork ParseTarget(string text)
    {
        if (!text.Contains('/', StringComparison.Ordinal))
        {
            if (!AddressText.TryParse(text, out IPAddress? address))
            {
                throw new CommandException($"'{Printable.Of(text)}' is not an IP address or CIDR");
            }

            address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }

        return Subnets.TryParseNetwork(text, out IPNetwork network) is string problem ? throw new CommandException(problem) : network;
    }

    /// <summary>A ban's length: 90m, 12h, 7d, 2w, at most <see cref="MaxBan"/>.</summary>
    /// <exception cref="CommandException">It does not read, or is too long.</exception>
    public static TimeSpan ParseDuration(string text, string what) =>
        DurationText.TryParse(text, "smhdw", out TimeSpan span) && span > TimeSpan.Zero && span <= MaxBan
            ? span
            : throw new CommandException($"{what}: '{Printable.Of(text)}' is not a duration from 1s to 366d (90m, 12h, 7d, 2w)");

    /// <summary>An address alone, or a subnet in CIDR.</summary>
    public static string Describe(IPNetwork network) =>
        network.PrefixLength == (Subnets.IsIPv4(network) ? 32 : 128) ? network.BaseAddress.ToString() : network.ToString();

    /// <summary>
    /// Bans <paramref name="network"/> for <paramref name="duration"/> under <paramref name="jail"/>. A way in (a
    /// peer's endpoint, this machine's address, an SSH session, ignoreip) is refused unless
    /// <paramref name="force"/>; some (loopback, the VPN) never.
    /// </summary>
    /// <returns>What the ban cuts, when forced through a way in; else null.</returns>
    /// <exception cref="CommandException">The ban is refused, or the store or nftables failed (then nothing is banned).</exception>
    public static string? Ban(IPNetwork network, string jail, TimeSpan duration, bool force, HoltConfig? config, TimeProvider time)
    {
        if (!GuardSection.IsJailName(jail))
        {
            throw new CommandException("jail: use 1 to 32 letters, digits, '-', '_' or '.'");
        }

        string? cuts = null;
        IgnorePolicy policy = IgnorePolicy.For(config?.Gateway, config?.Guard.IgnoreIp ?? [], time);
        if (policy.Explain(network) is IgnoreReason reason)
        {
            if (reason.Hard)
            {
                throw new CommandException($"not banning {Describe(network)}: it is {reason.Why}");
            }

            if (!force)
            {
                throw new CommandException($"not banning {Describe(network)}: it is a way in ({reason.Why}); a ban would cut it. --force bans it anyway");
            }

            cuts = reason.Why;
        }

        // Recorded first: a ban the kernel holds but the store lacks would vanish at the next reboot.
        using (BanStore bans = BanStore.Open(BanStore.DefaultPath))
        {
            bans.Record(network, jail, time.GetUtcNow(), duration, 1);
        }

        BanTable.Add(network, duration, jail);
        return cuts;
    }

    /// <summary>Lifts a ban in the kernel and in the store (or the guard would restore it at its next start).</summary>
    /// <exception cref="CommandException">It was not banned, or nftables or the store failed.</exception>
    public static void Unban(IPNetwork network, TimeProvider time)
    {
        bool stored;
        using (BanStore store = BanStore.Open(BanStore.DefaultPath))
        {
            stored = store.Lift(network, time.GetUtcNow());
        }

        if (!BanTable.Remove(network) && !stored)
        {
            throw new CommandException($"{Describe(network)} is not banned");
        }
    }

    /// <summary>The guard as <c>holt guard status --json</c> and the dashboard show it.</summary>
    /// <param name="historySince">Bans decided since then are counted per day and per source; null leaves the history out.</param>
    public static GuardReport Report(DateTimeOffset now, DateTimeOffset? historySince)
    {
        IReadOnlyList<JailStatus>? jails = GuardStatus.ReadRunning();
        IReadOnlyList<Ban> kernel = BanTable.List();
        var report = new GuardReport
        {
            Running = jails is not null,
            Jails = jails ?? [],
            Bans = [.. kernel
                .OrderBy(b => b.Network.ToString(), StringComparer.Ordinal)
                .Select(b => new BanView(Describe(b.Network), b.Jail, b.Remaining is TimeSpan left ? (long)left.TotalSeconds : null, b.Remaining is TimeSpan l ? now + l : null))],
        };
        if (historySince is not DateTimeOffset since || !File.Exists(BanStore.DefaultPath))
        {
            return report;
        }

        IReadOnlyList<StoredBan> history;
        using (BanStore store = BanStore.Open(BanStore.DefaultPath))
        {
            history = store.History(since);
        }

        return report with
        {
            BansSince = since,
            BansToday = history.Count(b => b.BannedAt >= now.Date),
            BansPerDay = [.. history.GroupBy(b => b.BannedAt.UtcDateTime.Date).OrderBy(g => g.Key).Select(g => new DayCount(DateOnly.FromDateTime(g.Key), g.Count()))],
            TopSources = [.. history.GroupBy(b => Describe(b.Network)).Select(g => new SourceCount(g.Key, g.Count(), g.Max(b => b.BannedAt), g.Last().Jail))
                .OrderByDescending(s => s.Bans).ThenBy(s => s.Address, StringComparer.Ordinal).Take(20)],
        };
    }
}

/// <summary>One ban the kernel holds: the address or subnet, its jail, and the time left (null for a ban without a timeout).</summary>
internal sealed record BanView(string Address, string? Jail, long? RemainingSeconds, DateTimeOffset? Expires);

internal sealed record DayCount(DateOnly Day, int Bans);

internal sealed record SourceCount(string Address, int Bans, DateTimeOffset LastBanned, string Jail);

/// <summary>The guard: whether it runs, its jails, the bans the kernel holds, and the history of its decisions.</summary>
internal sealed record GuardReport
{
    public required bool Running { get; init; }

    public required IReadOnlyList<JailStatus> Jails { get; init; }

    public required IReadOnlyList<BanView> Bans { get; init; }

    public DateTimeOffset? BansSince { get; init; }

    public int? BansToday { get; init; }

    public IReadOnlyList<DayCount> BansPerDay { get; init; } = [];

    /// <summary>The sources banned most often since <see cref="BansSince"/>, at most 20.</summary>
    public IReadOnlyList<SourceCount> TopSources { get; init; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(GuardReport))]
internal sealed partial class GuardJson : JsonSerializerContext;
