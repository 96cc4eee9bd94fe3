using Holt.Metrics;

namespace Holt.Tests.Metrics;

/// <summary>The text format 0.0.4 writer: exact lines, escaping, special values, and the rules it holds callers to.</summary>
public sealed class ExpositionWriterTests
{
    [Fact]
    public void Families_AreWrittenWithHelpAndTypeBeforeTheirSamples()
    {
        var writer = new ExpositionWriter();

        writer.Family("demo_bytes_total", MetricType.Counter, "Bytes seen");
        writer.Sample(18446744073709551615UL, new Label("interface", "wg0"));
        writer.Sample(0UL, new Label("interface", "wg1"));
        writer.Family("demo_temperature", MetricType.Gauge, "A gauge without labels");
        writer.Sample(-1.5);

        Assert.Equal(
            "# HELP demo_bytes_total Bytes seen\n" +
            "# TYPE demo_bytes_total counter\n" +
            "demo_bytes_total{interface=\"wg0\"} 18446744073709551615\n" +
            "demo_bytes_total{interface=\"wg1\"} 0\n" +
            "# HELP demo_temperature A gauge without labels\n" +
            "# TYPE demo_temperature gauge\n" +
            "demo_temperature -1.5\n",
            writer.Text);
    }

    [Fact]
    public void LabelValues_EscapeBackslashQuoteAndNewline_AndHelpEscapesBackslashAndNewline()
    {
        var writer = new ExpositionWriter();

        writer.Family("demo_info", MetricType.Gauge, "A \\ help\nover two lines with \"quotes\"");
        writer.Sample(1UL, new Label("name", "C:\\ \"laptop\"\nnext"), new Label("plain", "é ✓"));

        Assert.Equal(
            "# HELP demo_info A \\\\ help\\nover two lines with \"quotes\"\n" +
            "# TYPE demo_info gauge\n" +
            "demo_info{name=\"C:\\\\ \\\"laptop\\\"\\nnext\",plain=\"é ✓\"} 1\n",
            writer.Text);
    }

    [Fact]
    public void SpecialValues_AreWrittenAsPrometheusSpellsThem()
    {
        var writer = new ExpositionWriter();

        writer.Family("demo_value", MetricType.Gauge, "Values");
        writer.Sample(double.NaN, new Label("v", "nan"));
        writer.Sample(double.PositiveInfinity, new Label("v", "plus"));
        writer.Sample(double.NegativeInfinity, new Label("v", "minus"));
        writer.Sample(0.1, new Label("v", "tenth"));
        writer.Sample(1e21, new Label("v", "large"));
        writer.Sample(-3L, new Label("v", "negative"));

        Assert.EndsWith(
            "demo_value{v=\"nan\"} NaN\n" +
            "demo_value{v=\"plus\"} +Inf\n" +
            "demo_value{v=\"minus\"} -Inf\n" +
            "demo_value{v=\"tenth\"} 0.1\n" +
            "demo_value{v=\"large\"} 1E+21\n" +
            "demo_value{v=\"negative\"} -3\n",
            writer.Text);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-1.0)]
    public void Counter_ThatIsNotAFiniteNonNegativeNumber_IsRefused(double value)
    {
        var writer = new ExpositionWriter();
        writer.Family("demo_total", MetricType.Counter, "A counter");

        _ = Assert.Throws<ArgumentOutOfRangeException>(() => writer.Sample(value));
        Assert.Equal("", writer.Text);
    }

    [Fact]
    public void TheSameSeriesTwice_IsRefused_InWhateverOrderItsLabelsCome()
    {
        var writer = new ExpositionWriter();
        writer.Family("demo_state", MetricType.Gauge, "States");
        writer.Sample(1UL, new Label("peer", "a"), new Label("state", "up"));
        writer.Sample(0UL, new Label("peer", "a"), new Label("state", "down"));

        ArgumentException error = Assert.Throws<ArgumentException>(() => writer.Sample(1UL, new Label("state", "up"), new Label("peer", "a")));

        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValuesThatOnlyLookAlikeWhenJoined_AreDifferentSeries()
    {
        var writer = new ExpositionWriter();
        writer.Family("demo_pair", MetricType.Gauge, "Pairs");

        writer.Sample(1UL, new Label("a", "x,b=y"), new Label("b", ""));
        writer.Sample(1UL, new Label("a", "x"), new Label("b", "y"));

        Assert.Equal(4, writer.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void ALabelTwiceInOneSample_IsRefused()
    {
        var writer = new ExpositionWriter();
        writer.Family("demo_state", MetricType.Gauge, "States");

        _ = Assert.Throws<ArgumentException>(() => writer.Sample(1UL, new Label("peer", "a"), new Label("peer", "b")));
    }

    [Theory]
    [InlineData("demo_bytes", true)]
    [InlineData("demo_total", false)]
    [InlineData("2demo", false)]
    [InlineData("demo-dash", false)]
    [InlineData("", false)]
    public void IllegalFamilyNames_AreRefused(string name, bool counter) =>
        Assert.Throws<ArgumentException>(() => new ExpositionWriter().Family(name, counter ? MetricType.Counter : MetricType.Gauge, "help"));

    [Theory]
    [InlineData("__name__")]
    [InlineData("1st")]
    [InlineData("a:b")]
    [InlineData("")]
    public void IllegalLabelNames_AreRefused(string label)
    {
        var writer = new ExpositionWriter();
        writer.Family("demo", MetricType.Gauge, "help");

        _ = Assert.Throws<ArgumentException>(() => writer.Sample(1UL, new Label(label, "v")));
    }

    [Fact]
    public void AFamilyTwice_IsRefused_SoItsSamplesStayTogether()
    {
        var writer = new ExpositionWriter();
        writer.Family("demo", MetricType.Gauge, "help");
        writer.Sample(1UL);
        writer.Family("other", MetricType.Gauge, "help");

        _ = Assert.Throws<ArgumentException>(() => writer.Family("demo", MetricType.Gauge, "help"));
    }

    [Fact]
    public void AFamilyWithoutSamples_WritesNothing()
    {
        var writer = new ExpositionWriter();

        writer.Family("demo_empty", MetricType.Gauge, "Nothing");
        writer.Family("demo_full", MetricType.Gauge, "Something");
        writer.Sample(2UL);

        Assert.Equal("# HELP demo_full Something\n# TYPE demo_full gauge\ndemo_full 2\n", writer.Text);
    }

    [Fact]
    public void ASampleBeforeAnyFamily_IsAProgrammingError() =>
        Assert.Throws<InvalidOperationException>(() => new ExpositionWriter().Sample(1UL));
}
