using System.Net;
using System.Text.Json;
using Holt.Cli;
using Holt.Config;
using Holt.Gateway;
using Holt.Monitor;
using Holt.Tests.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Monitor;

/// <summary><c>holt monitor history</c>: the report it builds from a store with known rows, how it prints it, and its errors.</summary>
public sealed class MonitorHistoryCommandTests : IDisposable
{
    private const string Interface = "wg0";

    private static readonly DateTimeOffset s_noon = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-monitorhistorycmd").FullName;

    private string StateDirectory => Path.Combine(_directory, "state");

    private string ConfigPath => Path.Combine(_directory, "holt.toml");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("1h", "1m")]
    [InlineData("90m", "5m")]
    [InlineData("24h", "30m")]
    [InlineData("48h", "1h")]
    [InlineData("7d", "3h")]
    [InlineData("90d", "2d")]
    [InlineData("1w", "3h")]
    public void TheStep_IsTheFinestThatGivesAScreenfulOfRows(string span, string step)
    {
        Assert.True(DurationText.TryParse(span, "mhdw", out TimeSpan parsed));

        TimeSpan chosen = MonitorHistoryCommand.StepFor(parsed);

        Assert.Equal(step, DurationText.Format(chosen));
        Assert.True(parsed / chosen <= MonitorHistoryCommand.MaxRows);
    }

    [Fact]
    public void Render_AStoreWithKnownRows_PrintsItsMinutesAndItsSessions()
    {
        using MonitorStore store = MonitorStore.Open(Path.Combine(_directory, "monitor.db"));
        var session = new PeerSession(s_noon, null, "198.51.100.7:51820", 0, 0, 0);

        // 12:00 to 12:01: 1000 bytes in and 100 out every 5 s, up; then 12:01 to 12:02 down and silent.
        for (int i = 0; i <= 24; i++)
        {
            bool up = i <= 12;
            ulong rx = 1000UL * (ulong)Math.Min(i, 12);
            store.Record(Interface, s_noon.AddSeconds(5 * i), [new PeerRound(
                TestKeys.LaptopPublic, "home", rx, rx / 10, up ? PeerState.Up : PeerState.Down, s_noon, "198.51.100.7:51820",
                up ? session with { RxBytes = rx } : session with { End = s_noon.AddSeconds(65), RxBytes = 12_000 })]);
        }

        HistoryReport report = MonitorHistoryCommand.Build(store, Interface, TestKeys.LaptopPublic, "home", TimeSpan.FromHours(1), s_noon.AddMinutes(30));

        Assert.Equal((s_noon.AddMinutes(-30), "minutes", 60L), (report.Since, report.Tier, report.Step));
        Assert.Equal(
            [
                "home on wg0 since 2026-12-05 11:30 UTC, every 1m (from the minute rows)",
                "TIME|RX|TX|AVG RX|AVG TX|PEAK RX|PEAK TX|UP|STATE",
                "2026-12-05 12:00|11 KiB|1.1 KiB|200 B/s|20 B/s|200 B/s|20 B/s|100 %|up",
                "2026-12-05 12:01|1000 B|100 B|16 B/s|1 B/s|200 B/s|20 B/s|8 %|down",
                "",
                "SESSION START|END|DURATION|ENDPOINT|RX|TX",
                "2026-12-05 12:00|2026-12-05 12:01|1m 5s|198.51.100.7:51820|12 KiB|0 B",
            ],
            Cells(MonitorHistoryCommand.Render(report)));
    }

    [Fact]
    public void Render_AnOpenSession_SaysOpen_AndAnEmptySpan_SaysSo()
    {
        using MonitorStore store = MonitorStore.Open(Path.Combine(_directory, "monitor.db"));
        var session = new PeerSession(s_noon, null, null, 0, 0, 0);
        for (int i = 0; i <= 12; i++)
        {
            store.Record(Interface, s_noon.AddSeconds(5 * i), [new PeerRound(TestKeys.LaptopPublic, "home", 0, 0, PeerState.Up, s_noon, null, session)]);
        }

        HistoryReport report = MonitorHistoryCommand.Build(store, Interface, TestKeys.LaptopPublic, "home", TimeSpan.FromMinutes(10), s_noon.AddHours(2));

        Assert.Empty(report.Points);
        Assert.Equal(
            [
                "home on wg0 since 2026-12-05 13:50 UTC, every 1m (from the minute rows)",
                "no history in this span",
                "",
                "SESSION START|END|DURATION|ENDPOINT|RX|TX",
                "2026-12-05 12:00|open|2h 0m|-|0 B|0 B",
            ],
            Cells(MonitorHistoryCommand.Render(report)));
    }

    [Fact]
    public void Resolve_ByNameOrKey_FromHoltToml_ElseFromTheHistory()
    {
        PeerConfig home = Peer("home", TestKeys.LaptopPublic);
        (string, string)[] known = [("REMOVEDKEY", "gone")];

        Assert.Equal((TestKeys.LaptopPublic, "home"), MonitorHistoryCommand.Resolve("home", [home], known, Interface));
        Assert.Equal((TestKeys.LaptopPublic, "home"), MonitorHistoryCommand.Resolve(TestKeys.LaptopPublic, [home], known, Interface));
        Assert.Equal(("REMOVEDKEY", "gone"), MonitorHistoryCommand.Resolve("gone", [home], known, Interface));
        CommandException error = Assert.Throws<CommandException>(() => MonitorHistoryCommand.Resolve("nobody", [home], known, Interface));
        Assert.Equal("no peer 'nobody' on wg0, in holt.toml or in the history (holt monitor status lists the peers)", error.Message);
    }

    [Fact]
    public void Command_PrintsTheStoredHistoryAsJson()
    {
        WriteConfig();
        DateTimeOffset start = HistoryRecorder.MinuteOf(DateTimeOffset.UtcNow.AddMinutes(-10));
        using (MonitorStore store = MonitorStore.Open(Path.Combine(StateDirectory, MonitorStore.FileName)))
        {
            for (int i = 0; i <= 24; i++)
            {
                store.Record("hgt0", start.AddSeconds(5 * i), [new PeerRound(TestKeys.LaptopPublic, "home", 500UL * (ulong)i, 0, PeerState.Up, start, "198.51.100.7:51820")]);
            }

            store.Flush(start.AddMinutes(2));
        }

        (int code, string output, string error) = Holt("monitor", "history", "home", "--json", "--since", "1h");

        Assert.Equal((0, ""), (code, error));
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal("home", json.RootElement.GetProperty("peer").GetString());
        Assert.Equal(TestKeys.LaptopPublic, json.RootElement.GetProperty("public_key").GetString());
        Assert.Equal("minutes", json.RootElement.GetProperty("tier").GetString());
        JsonElement[] points = [.. json.RootElement.GetProperty("points").EnumerateArray()];
        Assert.Equal(3, points.Length);
        Assert.Equal(24 * 500UL, (ulong)points.Sum(p => p.GetProperty("rx_bytes").GetInt64()));
        Assert.Equal(120, points.Sum(p => p.GetProperty("states").GetProperty("up").GetInt64()));
    }

    [Fact]
    public void Command_ABadSince_IsOneLine()
    {
        WriteConfig();

        (int code, string output, string error) = Holt("monitor", "history", "home", "--since", "5 minutes");

        Assert.Equal((1, ""), (code, output));
        Assert.Equal("holt: --since must be a duration such as 90m, 24h, 7d or 90d, not '5 minutes'\n", error);
    }

    [Fact]
    public void Command_WithoutAStore_SaysThereIsNoHistoryYet_AndCreatesNothing()
    {
        WriteConfig();

        (int code, _, string error) = Holt("monitor", "history", "home");

        Assert.Equal(1, code);
        Assert.StartsWith($"holt: no history yet: {Path.Combine(StateDirectory, MonitorStore.FileName)} does not exist", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(StateDirectory));
    }

    [Fact]
    public void Command_AnUnknownPeer_IsOneLine()
    {
        WriteConfig();
        using (MonitorStore.Open(Path.Combine(StateDirectory, MonitorStore.FileName)))
        {
        }

        (int code, _, string error) = Holt("monitor", "history", "nobody");

        Assert.Equal(1, code);
        Assert.Equal("holt: no peer 'nobody' on hgt0, in holt.toml or in the history (holt monitor status lists the peers)\n", error);
    }

    [Fact]
    public void Help_HasAnExample()
    {
        (int code, string output, _) = Holt("monitor", "history", "--help");

        Assert.Equal(0, code);
        Assert.Contains("Example: holt monitor history home --since 7d", output, StringComparison.Ordinal);
    }

    /// <summary>Each line of a table with its cells joined by '|', so a test does not depend on the padding.</summary>
    private static string[] Cells(string text) =>
        [.. text.TrimEnd('\n').Split('\n').Select(line => string.Join('|', line.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))];

    private (int Code, string Output, string Error) Holt(params string[] arguments) =>
        HoltProcess.Run(new Dictionary<string, string> { ["HOLT_STATE_DIR"] = StateDirectory, ["HOLT_CONFIG"] = ConfigPath }, arguments);

    private void WriteConfig()
    {
        File.WriteAllText(ConfigPath, TestConfig.WriteGateway(new GatewayConfig
        {
            Interface = "hgt0",
            PrivateKey = TestKeys.GatewayPrivate,
            Endpoint = "vpn.example.com",
            Subnet = IPNetwork.Parse("10.8.0.0/24"),
            Address = IPAddress.Parse("10.8.0.1"),
            Peers = [Peer("home", TestKeys.LaptopPublic)],
        }));
        File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static PeerConfig Peer(string name, string key) => new() { Name = name, PublicKey = key, Address = IPAddress.Parse("10.8.0.2") };
}
