using System.Net;

namespace Holt.Guard;

/// <summary>
/// holt.toml's <c>[guard]</c> section: which logs the guard follows, what counts as a failure there, and how many
/// failures earn how long a ban. Without the section the guard runs with <see cref="Default"/>: one sshd jail on
/// /var/log/auth.log (or the journal where there is no auth.log) and a recidive jail.
/// </summary>
internal sealed record GuardConfig
{
    public static readonly GuardConfig Default = new();

    /// <summary>Whether <c>holt up</c>'s daemon runs the guard.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Addresses and networks never banned, beyond loopback, the VPN subnets and the operator's session.</summary>
    public IReadOnlyList<IPNetwork> IgnoreIp { get; init; } = [];

    /// <summary>What a jail that says nothing of its own uses: maxretry, findtime, bantime and the increment.</summary>
    public JailLimits Limits { get; init; } = new();

    public IReadOnlyList<JailConfig> Jails { get; init; } = [JailConfig.DefaultSshd];

    /// <summary>User-defined filters, which jails name in their <c>filter</c> key.</summary>
    public IReadOnlyList<FilterConfig> Filters { get; init; } = [];

    /// <summary>The jail fed by the other jails' bans: repeat offenders get a long ban. Null when switched off.</summary>
    public JailLimits? Recidive { get; init; } = JailLimits.DefaultRecidive;

    /// <summary>The jail options of <paramref name="jail"/>, its own limits over the section's.</summary>
    public JailOptions OptionsOf(JailConfig jail) => (jail.Limits ?? Limits).ToOptions(jail.Name);

    public JailOptions? RecidiveOptions => Recidive?.ToOptions(RecidiveJail);

    /// <summary>The recidive jail's name, as bans record it.</summary>
    public const string RecidiveJail = "recidive";
}

/// <summary>
/// How many failures within how long earn how long a ban, and how later bans of the same address grow: bantime ×
/// factor^(n-1), at most <see cref="MaxTime"/>. A null <see cref="Factor"/> keeps every ban at <see cref="BanTime"/>.
/// </summary>
internal sealed record JailLimits
{
    public static readonly JailLimits DefaultRecidive = new()
    {
        MaxRetry = 5,
        FindTime = TimeSpan.FromDays(1),
        BanTime = TimeSpan.FromDays(7),
    };

    public int MaxRetry { get; init; } = 5;

    public TimeSpan FindTime { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan BanTime { get; init; } = TimeSpan.FromHours(1);

    public int? Factor { get; init; }

    public TimeSpan MaxTime { get; init; } = TimeSpan.FromDays(35);

    public JailOptions ToOptions(string name) => new()
    {
        Name = name,
        MaxRetry = MaxRetry,
        FindTime = FindTime,
        BanTime = BanTime,
        IncrementFactor = Factor,
        MaxTime = MaxTime < BanTime ? BanTime : MaxTime,
    };
}

/// <summary>Where a jail reads: log files, or the systemd journal.</summary>
internal sealed record JailConfig
{
    /// <summary>The log the default sshd jail follows when it exists; otherwise the journal.</summary>
    public const string AuthLog = "/var/log/auth.log";

    public static readonly JailConfig DefaultSshd = new() { Name = "sshd", Filter = "sshd" };

    public required string Name { get; init; }

    /// <summary>A built-in filter (sshd, sshd-aggressive, nginx-http-auth, apache-auth, wordpress) or a [[guard.filter]].</summary>
    public required string Filter { get; init; }

    /// <summary>
    /// The files followed. Empty with <see cref="Journal"/> false means the filter's usual place: for sshd,
    /// /var/log/auth.log when it exists, else the journal.
    /// </summary>
    public IReadOnlyList<string> LogPaths { get; init; } = [];

    /// <summary>Whether the jail reads the systemd journal instead of files.</summary>
    public bool Journal { get; init; }

    /// <summary>The journal's units to read (journalctl -u), when <see cref="Journal"/> is set; empty: by program name.</summary>
    public IReadOnlyList<string> JournalUnits { get; init; } = [];

    public bool Enabled { get; init; } = true;

    /// <summary>The jail's own limits, or null to use the [guard] section's.</summary>
    public JailLimits? Limits { get; init; }
}

/// <summary>A user-defined filter: regular expressions with a named <c>host</c> group, tried in order on each line.</summary>
internal sealed record FilterConfig
{
    public required string Name { get; init; }

    public required IReadOnlyList<string> Regex { get; init; }
}
