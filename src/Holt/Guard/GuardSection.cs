using System.Text;
using Holt.Config;
using Holt.Text;

namespace Holt.Guard;

/// <summary>
/// holt.toml's <c>[guard]</c> table: its limits, <c>[[guard.jail]]</c>, <c>[[guard.filter]]</c> and
/// <c>[guard.recidive]</c>. Optional: without it the guard runs with <see cref="GuardConfig.Default"/>, and the file
/// is written without it.
/// </summary>
internal sealed class GuardSection : ConfigSection<GuardConfig>
{
    public static GuardSection Instance { get; } = new();

    public override IReadOnlyList<SectionKey> Keys { get; } = [new("guard", IsArray: false)];

    public override object? Read(SectionTables tables) => tables.Table("guard") is TableReader table ? ReadGuard(table) : null;

    /// <summary>Every rule is checked as the section is read: a jail's filter must exist, each pattern compiles.</summary>
    public override void Check(HoltConfig config, ConfigChecker checker)
    {
    }

    public override void Write(HoltConfig config, StringBuilder text)
    {
        if (config.Find<GuardConfig>() is GuardConfig guard)
        {
            WriteGuard(text, guard);
        }
    }

    /// <summary>The section's canonical text: the guard restarts when a hand edit changes it.</summary>
    public static string Text(GuardConfig guard)
    {
        var text = new StringBuilder();
        WriteGuard(text, guard);
        return text.ToString();
    }

    private static readonly string[] s_limitKeys = ["maxretry", "findtime", "bantime", "bantime_factor", "bantime_max"];

    /// <summary>Filters whose programs write to files only; a jail may not point them at the journal.</summary>
    private static readonly string[] s_fileOnlyFilters = ["nginx-http-auth", "apache-auth", "wordpress"];

    private static GuardConfig ReadGuard(TableReader table)
    {
        table.RefuseUnknown([.. s_limitKeys, "enabled", "ignoreip", "jail", "filter", "recidive"]);
        JailLimits limits = ReadLimits(table, new JailLimits());
        var filters = new List<FilterConfig>();
        foreach (TableReader filter in table.Tables("filter", "guard.filter"))
        {
            filters.Add(ReadFilter(filter, filters));
        }

        var jails = new List<JailConfig>();
        List<TableReader> jailTables = table.Tables("jail", "guard.jail");
        foreach (TableReader jail in jailTables)
        {
            jails.Add(ReadJail(jail, limits, filters, jails));
        }

        JailLimits? recidive = JailLimits.DefaultRecidive;
        if (table.OptionalTable("recidive", "[guard.recidive] ") is TableReader recidiveTable)
        {
            recidiveTable.RefuseUnknown([.. s_limitKeys, "enabled"]);
            recidive = ReadLimits(recidiveTable, JailLimits.DefaultRecidive);
            if (recidiveTable.OptionalBoolean("enabled") == false)
            {
                recidive = null;
            }
        }

        return new GuardConfig
        {
            Enabled = table.OptionalBoolean("enabled") ?? true,
            IgnoreIp = table.OptionalNetworks("ignoreip") ?? [],
            Limits = limits,
            Jails = jailTables.Count > 0 ? jails : [JailConfig.DefaultSshd],
            Filters = filters,
            Recidive = recidive,
        };
    }

    /// <summary>The limits <paramref name="table"/> sets, over <paramref name="inherited"/>.</summary>
    private static JailLimits ReadLimits(TableReader table, JailLimits inherited)
    {
        JailLimits limits = inherited with
        {
            MaxRetry = (int)(table.OptionalInteger("maxretry", 1, 100_000) ?? inherited.MaxRetry),
            FindTime = table.OptionalDuration("findtime") ?? inherited.FindTime,
            BanTime = table.OptionalDuration("bantime") ?? inherited.BanTime,
            Factor = (int?)table.OptionalInteger("bantime_factor", 2, 1000) ?? inherited.Factor,
            MaxTime = table.OptionalDuration("bantime_max") ?? inherited.MaxTime,
        };
        if (limits.BanTime > MaxBanTime)
        {
            throw table.Error("bantime", "'bantime' must be at most 366d");
        }

        if (limits.MaxTime > MaxBanTime)
        {
            throw table.Error("bantime_max", "'bantime_max' must be at most 366d");
        }

        if (limits.Factor is not null && limits.MaxTime < limits.BanTime)
        {
            throw table.Error("bantime_max", "'bantime_max' must be at least 'bantime'");
        }

        return limits;
    }

    private static readonly TimeSpan MaxBanTime = TimeSpan.FromDays(366);

    private static JailConfig ReadJail(TableReader table, JailLimits limits, List<FilterConfig> filters, List<JailConfig> earlier)
    {
        table.RefuseUnknown([.. s_limitKeys, "name", "filter", "logpath", "journal", "units", "enabled"]);
        string name = table.RequiredString("name");
        if (!IsJailName(name))
        {
            throw table.Error("name", $"jail name '{Printable.Of(name)}': use 1 to 32 letters, digits, '-', '_' or '.'");
        }

        if (name is GuardConfig.RecidiveJail or "manual")
        {
            throw table.Error("name", $"'{name}' is Holt's own jail; configure it in [guard.recidive]" + (name == "manual" ? " (manual is the jail of `holt guard ban`)" : string.Empty));
        }

        if (earlier.Any(j => j.Name == name))
        {
            throw table.Error("name", $"two jails are named '{name}'");
        }

        string filter = table.OptionalString("filter") ?? name;
        if (!FilterCatalog.BuiltIn.Contains(filter) && !filters.Any(f => f.Name == filter))
        {
            throw table.Error("filter", $"jail '{name}': no filter '{Printable.Of(filter)}' (built in: {string.Join(", ", FilterCatalog.BuiltIn)}; or define it in a [[guard.filter]])");
        }

        List<string> paths = table.OptionalStringOrStrings("logpath") ?? [];
        foreach (string path in paths)
        {
            if (!Path.IsPathFullyQualified(path) || path.Contains('\0', StringComparison.Ordinal))
            {
                throw table.Error("logpath", $"jail '{name}': logpath '{Printable.Of(path)}' must be an absolute path");
            }
        }

        bool journal = table.OptionalBoolean("journal") ?? false;
        List<string> units = table.OptionalStrings("units") ?? [];
        if (journal && paths.Count > 0)
        {
            throw table.Error("journal", $"jail '{name}': read either files (logpath) or the journal, not both");
        }

        if (units.Count > 0 && !journal)
        {
            throw table.Error("units", $"jail '{name}': 'units' choose journal units; add journal = true");
        }

        if (units.FirstOrDefault(u => u.Length is 0 or > 256 || u.StartsWith('-') || u.Any(char.IsControl)) is string badUnit)
        {
            throw table.Error("units", $"jail '{name}': '{Printable.Of(badUnit)}' is not a unit name");
        }

        if (s_fileOnlyFilters.Contains(filter))
        {
            if (journal)
            {
                throw table.Error("journal", $"jail '{name}': the {filter} filter reads log files; set logpath instead of journal");
            }

            if (paths.Count == 0)
            {
                throw table.Error("logpath", $"jail '{name}': the {filter} filter needs a logpath (for example \"/var/log/nginx/{(filter == "wordpress" ? "access" : "error")}.log\")");
            }
        }
        else if (!filter.StartsWith("sshd", StringComparison.Ordinal) && !journal && paths.Count == 0)
        {
            throw table.Error("logpath", $"jail '{name}': set a logpath, or journal = true");
        }

        return new JailConfig
        {
            Name = name,
            Filter = filter,
            LogPaths = paths,
            Journal = journal,
            JournalUnits = units,
            Enabled = table.OptionalBoolean("enabled") ?? true,
            Limits = s_limitKeys.Any(table.Has) ? ReadLimits(table, limits) : null,
        };
    }

    private static FilterConfig ReadFilter(TableReader table, List<FilterConfig> earlier)
    {
        table.RefuseUnknown("name", "regex");
        string name = table.RequiredString("name");
        if (!IsJailName(name))
        {
            throw table.Error("name", $"filter name '{Printable.Of(name)}': use 1 to 32 letters, digits, '-', '_' or '.'");
        }

        if (FilterCatalog.BuiltIn.Contains(name))
        {
            throw table.Error("name", $"'{name}' is a built-in filter; give yours another name");
        }

        if (earlier.Any(f => f.Name == name))
        {
            throw table.Error("name", $"two filters are named '{name}'");
        }

        List<string> patterns = table.OptionalStringOrStrings("regex") ?? throw table.Error("name", $"filter '{name}' is missing 'regex'");
        if (patterns.Count is 0 or > 64)
        {
            throw table.Error("regex", $"filter '{name}': give 1 to 64 patterns");
        }

        try
        {
            // Compiled here exactly as the guard will run them, so a bad pattern is refused at load.
            _ = new RegexFilter(name, patterns);
        }
        catch (ArgumentException e)
        {
            throw table.Error("regex", $"filter '{name}': {e.Message}");
        }

        return new FilterConfig { Name = name, Regex = patterns };
    }

    internal static bool IsJailName(string name) =>
        name.Length is > 0 and <= 32 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static void WriteGuard(StringBuilder text, GuardConfig guard)
    {
        text.Append("\n# The guard: bans the sources of repeated authentication failures (holt guard status).\n");
        text.Append("[guard]\n");
        TomlWriter.Flag(text, "enabled", guard.Enabled);
        if (guard.IgnoreIp.Count > 0)
        {
            TomlWriter.List(text, "ignoreip", guard.IgnoreIp.Select(n => n.ToString()));
        }

        Limits(text, guard.Limits, null);
        if (guard.Recidive is null)
        {
            text.Append("\n[guard.recidive]\n");
            TomlWriter.Flag(text, "enabled", false);
        }
        else if (guard.Recidive != JailLimits.DefaultRecidive)
        {
            text.Append("\n[guard.recidive]\n");
            Limits(text, guard.Recidive, null);
        }

        foreach (FilterConfig filter in guard.Filters)
        {
            text.Append("\n[[guard.filter]]\n");
            TomlWriter.Key(text, "name", filter.Name);
            TomlWriter.List(text, "regex", filter.Regex);
        }

        foreach (JailConfig jail in guard.Jails)
        {
            text.Append("\n[[guard.jail]]\n");
            TomlWriter.Key(text, "name", jail.Name);
            TomlWriter.Key(text, "filter", jail.Filter);
            if (jail.LogPaths.Count > 0)
            {
                TomlWriter.List(text, "logpath", jail.LogPaths);
            }

            if (jail.Journal)
            {
                TomlWriter.Flag(text, "journal", true);
            }

            if (jail.JournalUnits.Count > 0)
            {
                TomlWriter.List(text, "units", jail.JournalUnits);
            }

            if (!jail.Enabled)
            {
                TomlWriter.Flag(text, "enabled", false);
            }

            if (jail.Limits is JailLimits limits)
            {
                Limits(text, limits, guard.Limits);
            }
        }
    }

    /// <summary>The limits, each key only where it differs from <paramref name="inherited"/> (all of them without one).</summary>
    private static void Limits(StringBuilder text, JailLimits limits, JailLimits? inherited)
    {
        if (inherited is null || limits.MaxRetry != inherited.MaxRetry)
        {
            TomlWriter.Number(text, "maxretry", limits.MaxRetry);
        }

        if (inherited is null || limits.FindTime != inherited.FindTime)
        {
            TomlWriter.Key(text, "findtime", DurationText.Format(limits.FindTime));
        }

        if (inherited is null || limits.BanTime != inherited.BanTime)
        {
            TomlWriter.Key(text, "bantime", DurationText.Format(limits.BanTime));
        }

        if (limits.Factor is int factor && (inherited is null || factor != inherited.Factor))
        {
            TomlWriter.Number(text, "bantime_factor", factor);
        }

        if (inherited is null || limits.MaxTime != inherited.MaxTime)
        {
            TomlWriter.Key(text, "bantime_max", DurationText.Format(limits.MaxTime));
        }
    }
}

/// <summary>The guard's part of holt.toml, as <c>config.Guard</c>.</summary>
internal static class GuardSectionAccess
{
    extension(HoltConfig config)
    {
        /// <summary>What the guard runs with: the [guard] section, or its defaults when the file has none.</summary>
        public GuardConfig Guard => config.Find<GuardConfig>() ?? GuardConfig.Default;
    }
}
