using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Holt.Config;
using Holt.Gateway;
using Holt.Text;

namespace Holt.Monitor.Checks;

/// <summary>
/// The <c>[[monitor.check]]</c> tables inside holt.toml's [monitor]: read and refused at their line, checked against
/// the [[peer]] names, and written back in the file's style (interval and timeout always, other keys when set).
/// </summary>
internal static class CheckSection
{
    /// <summary>The name of the tables in the file, for line lookups (<see cref="ConfigPlace"/>).</summary>
    public const string TableName = "monitor.check";

    public const int MaxNameLength = 64;
    public const int MaxBodyLength = 1024;

    private static readonly string[] s_common = ["name", "type", "target", "interval", "timeout", "peer"];

    private static readonly Dictionary<CheckType, string[]> s_typeKeys = new()
    {
        [CheckType.Icmp] = ["count", "size"],
        [CheckType.Tcp] = [],
        [CheckType.Http] = ["status", "body"],
        [CheckType.Https] = ["status", "body", "insecure"],
        [CheckType.Dns] = ["query", "record", "expect"],
        [CheckType.Probe] = ProbeCheckToml.Keys,
    };

    /// <summary>Reads every [[monitor.check]] of <paramref name="monitor"/>, remembering each table for <see cref="Check"/>.</summary>
    public static IReadOnlyList<CheckConfig> Read(TableReader monitor, SectionTables tables)
    {
        var checks = new List<CheckConfig>();
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        List<TableReader> readers = monitor.Tables("check", TableName);
        for (int i = 0; i < readers.Count; i++)
        {
            TableReader table = tables.Remember(TableName, i, readers[i]);
            CheckConfig check = ReadCheck(table);
            if (lines.TryGetValue(check.Name, out int first))
            {
                throw table.Error("name", $"check name '{Printable.Of(check.Name)}' is used twice (first on line {first})");
            }

            lines[check.Name] = table.LineOf("name");
            checks.Add(check);
        }

        return checks;
    }

    /// <summary>A check's peer, when it names one, must be a [[peer]] of the file.</summary>
    public static void Check(HoltConfig config, IReadOnlyList<CheckConfig> checks, ConfigChecker checker)
    {
        if (config.Find<GatewayConfig>() is not GatewayConfig gateway)
        {
            return;
        }

        for (int i = 0; i < checks.Count; i++)
        {
            if (checks[i].Peer is string peer && gateway.FindPeer(peer) is null)
            {
                checker.Fail(new ConfigPlace(TableName, i, "peer"), $"check '{Printable.Of(checks[i].Name)}': no peer named '{Printable.Of(peer)}'");
            }
        }
    }

    public static void Write(StringBuilder text, IReadOnlyList<CheckConfig> checks)
    {
        foreach (CheckConfig check in checks)
        {
            text.Append("\n[[monitor.check]]\n");
            TomlWriter.Key(text, "name", check.Name);
            TomlWriter.Key(text, "type", TypeText(check.Type));
            TomlWriter.Key(text, "target", check.Target);
            TomlWriter.Key(text, "interval", DurationText.Format(check.Interval));
            TomlWriter.Key(text, "timeout", DurationText.Format(check.Timeout));
            if (check.Peer is string peer)
            {
                TomlWriter.Key(text, "peer", peer);
            }

            WriteTypeKeys(text, check);
        }
    }

    public static string TypeText(CheckType type) => type.ToString().ToLower(CultureInfo.InvariantCulture);

    private static void WriteTypeKeys(StringBuilder text, CheckConfig check)
    {
        switch (check.Type)
        {
            case CheckType.Icmp:
                if (check.Count != CheckConfig.DefaultCount)
                {
                    TomlWriter.Number(text, "count", check.Count);
                }

                if (check.Size is int size)
                {
                    TomlWriter.Number(text, "size", size);
                }

                break;
            case CheckType.Http or CheckType.Https:
                if (check.Status is int status)
                {
                    TomlWriter.Number(text, "status", status);
                }

                if (check.Body is string body)
                {
                    TomlWriter.Key(text, "body", body);
                }

                if (check.Insecure)
                {
                    TomlWriter.Flag(text, "insecure", true);
                }

                break;
            case CheckType.Dns:
                TomlWriter.Key(text, "query", check.Query!);
                if (check.Record != DnsRecordType.A)
                {
                    TomlWriter.Key(text, "record", "AAAA");
                }

                if (check.Expect is IPAddress expect)
                {
                    TomlWriter.Key(text, "expect", expect.ToString());
                }

                break;
            case CheckType.Probe:
                ProbeCheckToml.Write(text, check);
                break;
        }
    }

    private static CheckConfig ReadCheck(TableReader table)
    {
        table.RefuseUnknown([.. s_common, .. s_typeKeys.Values.SelectMany(k => k).Distinct()]);
        string name = table.RequiredString("name");
        if (name.Length is 0 or > MaxNameLength || name.Any(char.IsControl) || name.Trim() != name)
        {
            throw table.Error("name", $"check name '{Printable.Of(name)}': use 1 to {MaxNameLength} printable characters, without spaces at either end");
        }

        string typeText = table.RequiredString("type");
        CheckType type = typeText switch
        {
            "icmp" => CheckType.Icmp,
            "tcp" => CheckType.Tcp,
            "http" => CheckType.Http,
            "https" => CheckType.Https,
            "dns" => CheckType.Dns,
            "probe" => CheckType.Probe,
            _ => throw table.Error("type", $"check '{Printable.Of(name)}': unknown type '{Printable.Of(typeText)}' (icmp, tcp, http, https, dns or probe)"),
        };
        foreach (string key in s_typeKeys.Where(p => p.Key != type).SelectMany(p => p.Value).Where(k => !s_typeKeys[type].Contains(k)).Distinct())
        {
            if (table.Has(key))
            {
                throw table.Error(key, $"check '{Printable.Of(name)}': '{key}' does not apply to a {typeText} check");
            }
        }

        string target = table.RequiredString("target");
        if (TargetProblem(type, target) is string problem)
        {
            throw table.Error("target", $"check '{Printable.Of(name)}': target '{Printable.Of(target)}': {problem}");
        }

        TimeSpan interval = Bounded(table, name, "interval", CheckConfig.MinInterval, CheckConfig.MaxInterval) ?? CheckConfig.DefaultInterval;
        TimeSpan? timeout = Bounded(table, name, "timeout", CheckConfig.MinTimeout, CheckConfig.MaxTimeout);
        if (timeout >= interval)
        {
            throw table.Error("timeout", $"check '{Printable.Of(name)}': the timeout ({DurationText.Format(timeout.Value)}) must be shorter than the interval ({DurationText.Format(interval)})");
        }

        // Without a timeout of its own, a check with a short interval gives up halfway to its next run.
        TimeSpan halfway = TimeSpan.FromSeconds(Math.Max(1, (long)interval.TotalSeconds / 2));
        var check = new CheckConfig
        {
            Name = name,
            Type = type,
            Target = target,
            Interval = interval,
            Timeout = timeout ?? (CheckConfig.DefaultTimeout < halfway ? CheckConfig.DefaultTimeout : halfway),
            Peer = table.OptionalString("peer"),
        };
        return type switch
        {
            CheckType.Icmp => check with
            {
                Count = (int)(table.OptionalInteger("count", 1, CheckConfig.MaxCount) ?? CheckConfig.DefaultCount),
                Size = (int?)table.OptionalInteger("size", CheckConfig.MinSize, CheckConfig.MaxSize),
            },
            CheckType.Http or CheckType.Https => ReadHttp(table, check),
            CheckType.Dns => ReadDns(table, check),
            CheckType.Probe => ProbeCheckToml.Read(table, check),
            _ => check,
        };
    }

    private static CheckConfig ReadHttp(TableReader table, CheckConfig check)
    {
        string? body = table.OptionalString("body");
        if (body is not null && (body.Length is 0 or > MaxBodyLength))
        {
            throw table.Error("body", $"check '{Printable.Of(check.Name)}': 'body' must be 1 to {MaxBodyLength} characters");
        }

        return check with
        {
            Status = (int?)table.OptionalInteger("status", 100, 599),
            Body = body,
            Insecure = table.OptionalBoolean("insecure") ?? false,
        };
    }

    private static CheckConfig ReadDns(TableReader table, CheckConfig check)
    {
        string query = table.RequiredString("query");
        if (DnsQuery.NameProblem(query) is string problem)
        {
            throw table.Error("query", $"check '{Printable.Of(check.Name)}': query '{Printable.Of(query)}': {problem}");
        }

        string recordText = table.OptionalString("record") ?? "A";
        DnsRecordType record = recordText switch
        {
            "A" => DnsRecordType.A,
            "AAAA" => DnsRecordType.Aaaa,
            _ => throw table.Error("record", $"check '{Printable.Of(check.Name)}': record must be \"A\" or \"AAAA\", not '{Printable.Of(recordText)}'"),
        };
        IPAddress? expect = table.OptionalAddress("expect");
        if (expect is not null && (expect.AddressFamily == AddressFamily.InterNetwork) != (record == DnsRecordType.A))
        {
            throw table.Error("expect", $"check '{Printable.Of(check.Name)}': an {recordText} answer never holds {expect}");
        }

        return check with { Query = query.TrimEnd('.'), Record = record, Expect = expect };
    }

    private static TimeSpan? Bounded(TableReader table, string name, string key, TimeSpan min, TimeSpan max)
    {
        TimeSpan? value = table.OptionalDuration(key);
        if (value < min || value > max)
        {
            throw table.Error(key, $"check '{Printable.Of(name)}': '{key}' must be from {DurationText.Format(min)} to {DurationText.Format(max)}, not \"{Printable.Of(table.OptionalString(key)!)}\"");
        }

        return value;
    }

    private static string? TargetProblem(CheckType type, string target) => type switch
    {
        CheckType.Icmp => AddressText.TryParse(target, out _) ? null : "an icmp check's target must be an IP address",
        CheckType.Tcp => CheckTargets.TryEndPoint(target, null, out _) ? null : "a tcp check's target must be ADDRESS:PORT, such as 10.8.0.2:22 or [fd00::2]:22",
        CheckType.Dns => CheckTargets.TryEndPoint(target, CheckConfig.DnsPort, out _) ? null : "a dns check's target must be the resolver's ADDRESS or ADDRESS:PORT, such as 10.8.0.1 or 10.8.0.1:53",
        CheckType.Probe => ProbeInputs.ParseTarget(target, out string? problem) is null ? $"a probe check's target must be the WireGuard endpoint's HOST:PORT ({problem})" : null,
        _ => CheckTargets.UrlProblem(target, type),
    };
}
