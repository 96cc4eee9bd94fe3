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

    /// <summary>No range with a shorter prefix is banned, even with --force (see <see cref="Width"/>).</summary>
    private const int ShortestPrefix = 8;

    /// <summary>The widest ranges banned without --force: an IPv4 /16, an IPv6 /32 (a provider's allocation).</summary>
    private const int ShortestUnforcedPrefix4 = 16;

    private const int ShortestUnforcedPrefix6 = 32;

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

        if (Subnets.TryParseNetwork(text, out IPNetwork network) is string problem)
        {
            throw new CommandException(problem);
        }

        // ::ffff:0.0.0.0/96 is 0.0.0.0/0 in IPv6's clothes, and the ban store keeps it as that: checked as what it is.
        return network.BaseAddress.IsIPv4MappedToIPv6 && network.PrefixLength >= 96
            ? new IPNetwork(network.BaseAddress.MapToIPv4(), network.PrefixLength - 96)
            : network;
    }

    /// <summary>
    /// Why a range is too wide to ban: at least 1/256 of its family's addresses (shorter than a /8) never, as it
    /// would cut the server off from much of the internet and whoever administers it (0.0.0.0/0 and ::/0 from
    /// everyone); wider than a provider's block (shorter than an IPv4 /16 or an IPv6 /32) only when forced, as it
    /// cuts off far more than the attacker.
    /// </summary>
    internal static IgnoreReason? Width(IPNetwork network)
    {
        bool ipv4 = Subnets.IsIPv4(network);
        string family = ipv4 ? "IPv4" : "IPv6";
        int prefix = network.PrefixLength;
        if (prefix == 0)
        {
            return new IgnoreReason($"every {family} address: the ban would cut this server off from everyone, you included", Hard: true);
        }

        if (prefix < ShortestPrefix)
        {
            return new IgnoreReason(
                $"1/{1 << prefix} of all {family} addresses: a ban that wide would cut this server off from much of the internet, likely you included; the widest range Holt bans is a /{ShortestPrefix}, with --force",
                Hard: true);
        }

        int widest = ipv4 ? ShortestUnforcedPrefix4 : ShortestUnforcedPrefix6;
        return prefix < widest
            ? new IgnoreReason($"{(ipv4 ? (1L << (32 - prefix)).ToString(System.Globalization.CultureInfo.InvariantCulture) : $"2^{128 - prefix}")} addresses, a range wider than a /{widest}", Hard: false)
            : null;
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
    /// peer's endpoint, this machine's address, an SSH session, ignoreip) or a wide range (<see cref="Width"/>) is
    /// refused unless <paramref name="force"/>; some (loopback, the VPN, 0.0.0.0/0 and ranges shorter than a /8) never.
    /// </summary>
    /// <returns>What the ban cuts, when forced through a way in or a wide range; else null.</returns>
    /// <exception cref="CommandException">The ban is refused, or the store or nftables failed (then nothing is banned).</exception>
    public static string? Ban(IPNetwork network, string jail, TimeSpan duration, bool force, HoltConfig? config, TimeProvider time)
    {
        if (!GuardSection.IsJailName(jail))
        {
            throw new CommandException("jail: use 1 to 32 letters, digits, '-', '_' or '.'");
        }

        // What can never be banned is said first, so 0.0.0.0/0 is refused for its width rather than for the loopback in it.
        IgnoreReason? width = Width(network);
        if (width is { Hard: true })
        {
            throw new CommandException($"not banning {Describe(network)}: it is {width.Why}");
        }

        IgnorePolicy policy = IgnorePolicy.For(config?.Gateway, config?.Guard.IgnoreIp ?? [], time);
        IgnoreReason? wayIn = policy.Explain(network);
        if (wayIn is { Hard: true })
        {
            throw new CommandException($"not banning {Describe(network)}: it is {wayIn.Why}");
        }

        if (!force && wayIn is not null)
        {
            throw new CommandException($"not banning {Describe(network)}: it is a way in ({wayIn.Why}); a ban would cut it. --force bans it anyway");
        }

        if (!force && width is not null)
        {
            throw new CommandException($"not banning {Describe(network)}: it is {width.Why}, and a ban that wide cuts off far more than an attacker. --force bans it anyway");
        }

        string? cuts = string.Join("; ", new[] { wayIn?.Why, width?.Why }.OfType<string>()) is { Length: > 0 } both ? both : null;

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
