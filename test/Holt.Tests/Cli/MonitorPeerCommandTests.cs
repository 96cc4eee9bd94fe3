using System.Text.Json;
using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary>
/// <c>holt peer add --monitor</c>, <c>peer set --monitor</c> and what <c>peer show</c> says of it, run as the built
/// executable against a holt.toml in a temporary directory, with an interface no running gateway has.
/// </summary>
public sealed class MonitorPeerCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-cli-monitor").FullName;
    private readonly string _interface = "hgt" + Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, string> _environment;

    public MonitorPeerCommandTests()
    {
        _environment = new Dictionary<string, string>
        {
            ["HOLT_CONFIG"] = Path.Combine(_directory, "holt.toml"),
            ["HOLT_STATE_DIR"] = Path.Combine(_directory, "state"),
        };
        (int code, _, string error) = Holt("init", "--endpoint", "vpn.example.com", "--interface", _interface, "--dns", "10.8.0.1");
        Assert.True(code == 0, error);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void PeerAdd_Monitor_PrintsAConfigForTheGatewaysAddressAlone_AndShowSaysSo()
    {
        (int code, string output, string error) = Holt("peer", "add", "probe", "--monitor");

        Assert.True(code == 0, error);
        Assert.Contains("\nAllowedIPs = 10.8.0.1/32\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("DNS", output, StringComparison.Ordinal);
        Assert.DoesNotContain("PersistentKeepalive", output, StringComparison.Ordinal);

        (_, string show, _) = Holt("peer", "show", "probe");
        Assert.Contains("\n  monitor: yes, reaches only the gateway's own address\n", show, StringComparison.Ordinal);
        Assert.Contains("\n  allowed ips (client side): 10.8.0.1/32\n", show, StringComparison.Ordinal);
        Assert.Contains("\n  keepalive: off\n", show, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(Holt("peer", "show", "probe", "--json").Output);
        Assert.True(json.RootElement.GetProperty("monitor").GetBoolean());
    }

    [Fact]
    public void PeerSet_Monitor_TurnsItOnAndOff()
    {
        Assert.Equal(0, Holt("peer", "add", "box").ExitCode);

        (int on, _, string onError) = Holt("peer", "set", "box", "--monitor", "on");
        string onShow = Holt("peer", "show", "box").Output;
        (int off, _, _) = Holt("peer", "set", "box", "--monitor", "off");
        string offShow = Holt("peer", "show", "box").Output;

        Assert.True(on == 0, onError);
        Assert.Contains("\n  monitor: yes, reaches only the gateway's own address\n", onShow, StringComparison.Ordinal);
        Assert.Equal(0, off);
        Assert.Contains("\n  monitor: no\n", offShow, StringComparison.Ordinal);
        Assert.Contains("\n  allowed ips (client side): 10.8.0.0/24\n", offShow, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "peer", "add", "probe", "--monitor", "--keepalive", "25" }, "holt: --monitor and --keepalive cannot be used together: a monitoring peer holds no session to keep alive\n")]
    [InlineData(new[] { "peer", "add", "probe", "--monitor", "--full-tunnel" }, "holt: --monitor and --full-tunnel cannot be used together: a monitoring peer reaches only the gateway's own address\n")]
    [InlineData(new[] { "peer", "set", "nobody", "--monitor", "maybe" }, "holt: --monitor must be on or off, not 'maybe'\n")]
    public void WrongUse_IsOneLine_AndChangesNothing(string[] arguments, string message)
    {
        string before = File.ReadAllText(_environment["HOLT_CONFIG"]);

        (int code, string output, string error) = Holt(arguments);

        Assert.Equal((1, "", message), (code, output, error));
        Assert.Equal(before, File.ReadAllText(_environment["HOLT_CONFIG"]));
    }

    private (int ExitCode, string Output, string Error) Holt(params string[] arguments) =>
        HoltProcess.Run(_environment, arguments);
}
