using System.Security.Cryptography;
using System.Text.Json;
using Holt.Tests.Support;
using Xunit.Abstractions;

namespace Holt.Tests.Cli;

/// <summary>
/// The real <c>holt</c> run as nobody, without any capability: commands that change interfaces or nftables refuse
/// in one line before touching anything, and the views say what they could not read instead of "0 banned" or "not
/// loaded". The gateway of these tests is never up; its files are nobody's, as an operator's copy would be.
/// </summary>
public sealed class WithoutRootTests : IDisposable
{
    private const string Refusal = "holt: needs root (CAP_NET_ADMIN)\n";

    private readonly ITestOutputHelper _output;
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-rootless.").FullName;
    private readonly string _interface = "hr" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private readonly bool _skipped;

    public WithoutRootTests(ITestOutputHelper output)
    {
        _output = output;
        _skipped = Unprivileged.Skipped(output);
        if (_skipped)
        {
            return;
        }

        Unprivileged.Own(_directory);
        Check("init", "--endpoint", "vpn.example.com", "--interface", _interface);
        Check("peer", "add", "laptop");
        File.WriteAllText(Path.Combine(_directory, "wq0.conf"), "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nAddress = 10.9.0.2/32\n");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("up")]
    [InlineData("down")]
    [InlineData("up", "--config", "WG_QUICK_FILE")]
    [InlineData("down", "--config", "WG_QUICK_FILE")]
    [InlineData("tunnel", "hrtunnel0")]
    [InlineData("firewall", "apply")]
    [InlineData("firewall", "confirm")]
    [InlineData("firewall", "off")]
    [InlineData("lockdown", "ssh")]
    [InlineData("expose", "add", "8080", "--peer", "laptop")]
    [InlineData("expose", "remove", "8080")]
    [InlineData("guard", "ban", "203.0.113.9")]
    [InlineData("guard", "unban", "203.0.113.9")]
    [InlineData("guard", "status")]
    [InlineData("guard", "run")]
    public void PrivilegedCommand_IsRefusedInOneLine_AndChangesNothing(params string[] arguments)
    {
        if (_skipped)
        {
            return;
        }

        string[] given = arguments.Select(a => a == "WG_QUICK_FILE" ? Path.Combine(_directory, "wq0.conf") : a).ToArray();
        string before = Snapshot();

        (int code, string output, string error) = Unprivileged.Run(Environment(), given);

        Assert.Equal(Refusal, error);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void Status_SaysWhatItCouldNotRead_NeverZeroBannedOrNotLoaded()
    {
        if (_skipped)
        {
            return;
        }

        (int code, string output, string error) = Unprivileged.Run(Environment(), "status");

        Assert.Equal(0, code);
        Assert.Contains($"interface: {_interface} (gateway, engine, down)\n", output, StringComparison.Ordinal);
        Assert.Contains($"  firewall: off; table inet holt-{_interface} not read\n", output, StringComparison.Ordinal);
        Assert.Contains("  guard: not running, bans not read", output, StringComparison.Ordinal);
        Assert.DoesNotContain("0 banned", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("not loaded", output + error, StringComparison.Ordinal);
        Assert.Contains($"holt: cannot read table inet holt-{_interface}: needs root (CAP_NET_ADMIN)\n", error, StringComparison.Ordinal);
        Assert.Contains("holt: needs root (CAP_NET_ADMIN) to read the guard's bans\n", error, StringComparison.Ordinal);
    }

    [Fact]
    public void StatusJson_LeavesWhatItCouldNotReadNull_AndSaysWhy()
    {
        if (_skipped)
        {
            return;
        }

        (int code, string output, _) = Unprivileged.Run(Environment(), "status", "--json");

        Assert.Equal(0, code);
        using JsonDocument status = JsonDocument.Parse(output);
        JsonElement root = status.RootElement;
        Assert.Equal(JsonValueKind.Null, root.GetProperty("guard").GetProperty("banned").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("firewall").GetProperty("loaded").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("firewall").GetProperty("intact").ValueKind);
        string[] unread = root.GetProperty("unread").EnumerateArray().Select(u => u.GetString()!).ToArray();
        Assert.Contains($"cannot read table inet holt-{_interface}: needs root (CAP_NET_ADMIN)", unread);
        Assert.Contains("needs root (CAP_NET_ADMIN) to read the guard's bans", unread);
    }

    [Fact]
    public void FirewallStatus_SaysTheTableWasNotRead()
    {
        if (_skipped)
        {
            return;
        }

        (int code, string output, string error) = Unprivileged.Run(Environment(), "firewall", "status");

        Assert.Equal(0, code);
        Assert.Equal($"firewall: off; table inet holt-{_interface} not read\n", output);
        Assert.Equal($"holt: cannot read table inet holt-{_interface}: needs root (CAP_NET_ADMIN)\n", error);
    }

    [Fact]
    public void FileOnlyCommands_WorkWhileTheGatewayIsDown()
    {
        if (_skipped)
        {
            return;
        }

        // Nothing runs to take these at once: holt.toml is all they change or read, and nobody owns it here.
        Assert.Contains("takes effect at holt up", Check("peer", "disable", "laptop"), StringComparison.Ordinal);
        Assert.Contains("laptop", Unprivileged.Run(Environment(), "peer", "list").Output, StringComparison.Ordinal);
        Assert.Contains("Endpoint = vpn.example.com:51820", Unprivileged.Run(Environment(), "peer", "config", "laptop").Output, StringComparison.Ordinal);
        Assert.Contains($"table inet holt-{_interface}", Unprivileged.Run(Environment(), "firewall", "show").Output, StringComparison.Ordinal);
    }

    [Fact]
    public void NetAdminWithoutUidZero_IsEnough()
    {
        if (_skipped || NetNs.Unavailable is not null)
        {
            _output.WriteLine("SKIPPED: " + (Unprivileged.Unavailable ?? NetNs.Unavailable));
            return;
        }

        // In a namespace of its own, so the ruleset read is this test's (empty) one.
        using NetNs ns = NetNs.Create();

        (int code, _, string error) = Unprivileged.RunWithNetAdmin(ns, Environment(), "guard", "status");
        (int statusCode, string status, string statusError) = Unprivileged.RunWithNetAdmin(ns, Environment(), "status");

        Assert.Equal(0, code);
        Assert.EndsWith("0 banned.\n", error, StringComparison.Ordinal);
        Assert.Equal(0, statusCode);
        Assert.Contains($"table inet holt-{_interface} not loaded", status, StringComparison.Ordinal);
        Assert.Contains("0 banned", status, StringComparison.Ordinal);
        Assert.DoesNotContain("CAP_NET_ADMIN", statusError, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["HOLT_CONFIG"] = Path.Combine(_directory, "holt.toml"),
        ["HOLT_STATE_DIR"] = Path.Combine(_directory, "state"),
    };

    private string Check(params string[] arguments)
    {
        (int code, string output, string error) = Unprivileged.Run(Environment(), arguments);
        Assert.True(code == 0, $"holt {string.Join(' ', arguments)} as nobody: exit {code}: {error}");
        return output + error;
    }

    /// <summary>Every file under the test's directory with its content: a refused command leaves it as it was.</summary>
    private string Snapshot() => string.Join('\n', Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal)
        .Select(f => f + ":" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))));
}
