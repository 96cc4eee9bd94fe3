using System.Globalization;
using System.Text;

namespace Holt.Metrics;

/// <summary>The two metric types Holt exposes.</summary>
internal enum MetricType
{
    /// <summary>Only goes up (a restart starts it again from zero); the name ends in <c>_total</c>.</summary>
    Counter,

    /// <summary>A value that goes up and down, or a timestamp.</summary>
    Gauge,
}

/// <summary>One label of a sample.</summary>
internal readonly record struct Label(string Name, string Value);

/// <summary>
/// Writes Prometheus' text exposition format, version 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format), and holds the writer to its
/// rules so a mistake in a caller is an exception in a test rather than a scrape Prometheus rejects: every family
/// has one <c># HELP</c> and one <c># TYPE</c> line before its samples, and its samples are together; names and
/// label names are legal; a counter's name ends in <c>_total</c> and its value is a finite number not below zero; no
/// series (a name with one set of label values) appears twice. Label values are escaped (backslash, double quote,
/// line feed) and so is the help text (backslash, line feed); NaN and the infinities are written as
/// <c>NaN</c>, <c>+Inf</c> and <c>-Inf</c>. A family without samples writes nothing at all, as the client
/// libraries do.
/// </summary>
internal sealed class ExpositionWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text;
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);
    private readonly HashSet<string> _series = new(StringComparer.Ordinal);
    private readonly StringBuilder _key = new();
    private string? _name;
    private MetricType _type;
    private string _help = "";
    private bool _headerWritten;

    public ExpositionWriter(int capacity = 4096) => _text = new StringBuilder(capacity);

    /// <summary>The exposition so far.</summary>
    public string Text => _text.ToString();

    /// <summary>Starts a family; its samples follow. A name may start one family only.</summary>
    /// <exception cref="ArgumentException">An illegal or repeated name, or a counter not named <c>_total</c>.</exception>
    public void Family(string name, MetricType type, string help)
    {
        if (!IsMetricName(name))
        {
            throw new ArgumentException($"'{name}' is not a legal metric name", nameof(name));
        }

        if (type == MetricType.Counter != name.EndsWith("_total", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}': counters, and only counters, end in _total", nameof(name));
        }

        if (!_families.Add(name))
        {
            throw new ArgumentException($"the family '{name}' was written already", nameof(name));
        }

        _name = name;
        _type = type;
        _help = help;
        _headerWritten = false;
        _series.Clear();
    }

    /// <summary>A sample of the current family, written exactly (a counter of bytes may pass 2^53).</summary>
    public void Sample(ulong value, params ReadOnlySpan<Label> labels)
    {
        Span<char> digits = stackalloc char[20];
        _ = value.TryFormat(digits, out int written, provider: CultureInfo.InvariantCulture);
        Write(labels, digits[..written]);
    }

    /// <summary>A sample of the current family.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A counter that is negative, NaN or infinite.</exception>
    public void Sample(double value, params ReadOnlySpan<Label> labels)
    {
        if (_type == MetricType.Counter && !(double.IsFinite(value) && value >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(value), $"the counter {_name} cannot be {value.ToString(CultureInfo.InvariantCulture)}");
        }

        string text = double.IsNaN(value) ? "NaN"
            : double.IsPositiveInfinity(value) ? "+Inf"
            : double.IsNegativeInfinity(value) ? "-Inf"
            : value.ToString("R", CultureInfo.InvariantCulture);
        Write(labels, text);
    }

    /// <summary>A sample of the current family, for a signed count.</summary>
    public void Sample(long value, params ReadOnlySpan<Label> labels)
    {
        if (value < 0)
        {
            Sample((double)value, labels);
            return;
        }

        Sample((ulong)value, labels);
    }

    private void Write(ReadOnlySpan<Label> labels, ReadOnlySpan<char> value)
    {
        string name = _name ?? throw new InvalidOperationException("a sample before any family");
        CheckSeries(name, labels);
        if (!_headerWritten)
        {
            _ = _text.Append("# HELP ").Append(name).Append(' ');
            AppendEscaped(_text, _help, quote: false);
            _ = _text.Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(_type == MetricType.Counter ? "counter" : "gauge").Append('\n');
            _headerWritten = true;
        }

        _ = _text.Append(name);
        if (labels.Length > 0)
        {
            _ = _text.Append('{');
            for (int i = 0; i < labels.Length; i++)
            {
                _ = _text.Append(i == 0 ? "" : ",").Append(labels[i].Name).Append("=\"");
                AppendEscaped(_text, labels[i].Value, quote: true);
                _ = _text.Append('"');
            }

            _ = _text.Append('}');
        }

        _ = _text.Append(' ').Append(value).Append('\n');
    }

    /// <summary>Legal label names, none twice in a sample, and a label set the family has not had yet (in any order).</summary>
    private void CheckSeries(string name, ReadOnlySpan<Label> labels)
    {
        _ = _key.Clear();
        Span<int> order = labels.Length <= 16 ? stackalloc int[labels.Length] : new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (!IsLabelName(labels[i].Name))
            {
                throw new ArgumentException($"'{labels[i].Name}' is not a legal label name of {name}", nameof(labels));
            }

            order[i] = i;
        }

        // Insertion sort by name: a sample has a handful of labels.
        for (int i = 1; i < order.Length; i++)
        {
            int at = order[i];
            int j = i - 1;
            for (; j >= 0 && string.CompareOrdinal(labels[order[j]].Name, labels[at].Name) > 0; j--)
            {
                order[j + 1] = order[j];
            }

            order[j + 1] = at;
        }

        for (int i = 0; i < order.Length; i++)
        {
            Label label = labels[order[i]];
            if (i > 0 && labels[order[i - 1]].Name == label.Name)
            {
                throw new ArgumentException($"{name} has the label '{label.Name}' twice", nameof(labels));
            }

            // A separator that cannot occur in a label name, and the value's length, keep the key unambiguous.
            _ = _key.Append(label.Name).Append('=').Append(label.Value.Length).Append(':').Append(label.Value).Append('\0');
        }

        if (!_series.Add(_key.ToString()))
        {
            throw new ArgumentException($"{name} has the series {{{_key.Replace('\0', ',')}}} twice", nameof(labels));
        }
    }

    private static void AppendEscaped(StringBuilder text, string value, bool quote)
    {
        foreach (char c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '\n' => text.Append(@"\n"),
                '"' when quote => text.Append("\\\""),
                _ => text.Append(c),
            };
        }
    }

    /// <summary><c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    internal static bool IsMetricName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    /// <summary><c>[a-zA-Z_][a-zA-Z0-9_]*</c>, and not starting with <c>__</c> (reserved for Prometheus).</summary>
    internal static bool IsLabelName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && !name.StartsWith("__", StringComparison.Ordinal) &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
