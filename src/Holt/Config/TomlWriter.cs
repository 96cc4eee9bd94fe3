using System.Globalization;
using System.Text;

namespace Holt.Config;

/// <summary>The pieces of holt.toml's canonical text that every section writes the same way.</summary>
internal static class TomlWriter
{
    public static void Key(StringBuilder text, string key, string value) =>
        text.Append(key).Append(" = ").Append(Quote(value)).Append('\n');

    public static void Number(StringBuilder text, string key, long value) =>
        text.Append(key).Append(" = ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    public static void Flag(StringBuilder text, string key, bool value) =>
        text.Append(key).Append(" = ").Append(value ? "true" : "false").Append('\n');

    public static void List(StringBuilder text, string key, IEnumerable<string> values) =>
        text.Append(key).Append(" = [").AppendJoin(", ", values.Select(Quote)).Append("]\n");

    public static void Ports(StringBuilder text, string key, IReadOnlyList<int> ports) =>
        text.Append(key).Append(" = [").AppendJoin(", ", ports.Select(p => p.ToString(CultureInfo.InvariantCulture))).Append("]\n");

    /// <summary>A TOML date-time, always in UTC: 2026-12-31T00:00:00Z.</summary>
    public static void Date(StringBuilder text, string key, DateTimeOffset value) =>
        text.Append(key).Append(" = ").Append(FormatDate(value)).Append('\n');

    public static string FormatDate(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A TOML basic string: quotes, backslashes and control characters escaped.</summary>
    public static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"':
                    quoted.Append("\\\"");
                    break;
                case '\\':
                    quoted.Append("\\\\");
                    break;
                case '\n':
                    quoted.Append("\\n");
                    break;
                case '\t':
                    quoted.Append("\\t");
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        quoted.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        quoted.Append(c);
                    }

                    break;
            }
        }

        return quoted.Append('"').ToString();
    }
}
