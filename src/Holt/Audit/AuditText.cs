using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Holt.Audit;

/// <summary>The report as people read it: worst first, each finding with its evidence, reason and fix, then the score.</summary>
internal static class AuditText
{
    public static string Write(AuditReport report)
    {
        var text = new StringBuilder();
        foreach (Finding finding in report.Findings)
        {
            text.Append($"{Label(finding.Severity),-8} {finding.Id}: {finding.Title}\n");
            Field(text, "found", finding.Evidence);
            Field(text, "why", finding.Why);
            Field(text, finding.Fixable ? $"fix ({(finding.Safe ? "holt audit fix --safe" : $"holt audit fix {finding.Id}")})" : "fix", finding.Fix);
            text.Append('\n');
        }

        foreach (AreaResult area in report.Areas.Where(a => !a.Checked))
        {
            text.Append($"not checked: {area.Area}: {area.Note}\n");
        }

        if (report.Findings.Count == 0 && report.Areas.All(a => a.Checked))
        {
            text.Append($"checked: {string.Join(", ", report.Areas.Select(a => a.Area))}; nothing found\n");
        }

        text.Append(report.Summary).Append('\n');
        return text.ToString();
    }

    private static string Label(Severity severity) => severity switch
    {
        Severity.Critical => "CRITICAL",
        Severity.Warning => "warning",
        _ => "info",
    };

    /// <summary>A field indented under its finding; a value of several lines keeps its lines, each indented.</summary>
    private static void Field(StringBuilder text, string name, string value)
    {
        string[] lines = value.Split('\n');
        text.Append($"         {name}: {lines[0]}\n");
        foreach (string line in lines.Skip(1))
        {
            text.Append($"           {line}\n");
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(AuditReport))]
internal sealed partial class AuditJson : JsonSerializerContext
{
    /// <summary>Text printed as it is (a '+' or '&lt;' in evidence stays one); the output is for scripts, not HTML.</summary>
    public static AuditJson Plain { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter<Severity>(JsonNamingPolicy.SnakeCaseLower) },
    });
}
