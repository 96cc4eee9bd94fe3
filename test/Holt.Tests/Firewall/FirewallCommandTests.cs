using Holt.Tests.Support;

namespace Holt.Tests.Firewall;

/// <summary>
/// holt firewall and holt expose run as the built executable against a holt.toml in a temporary directory, with an
/// interface name no gateway runs. Only commands that never load rules run here (in the machine's own network
/// namespace): show, nginx-snippet, confirm with nothing pending, update-ranges without cloudflare_only ports, and
/// the refusals of apply and expose add that come before nft is ever asked.
/// </summary>
public sealed class FirewallCommandTests : IDisposable
{
    private const string KeepComment = "comment \"the SSH session that applied this ruleset\"";

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-fwcli").FullName;
    private readonly string _interface = "hft" + Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, string> _environment;

    public FirewallCommandTests()
    {
        _environment = new Dictionary<string, string>
        {
            ["HOLT_CONFIG"] = ConfigPath,
            ["HOLT_STATE_DIR"] = StateDirectory,

            // Whatever session runs the tests, the commands see none unless a test says otherwise.
            ["SSH_CONNECTION"] = "",
        };
    }

    private string ConfigPath => Path.Combine(_directory, "etc", "holt.toml");

    private string StateDirectory => Path.Combine(_directory, "state");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void NginxSnippet_AllowsTheVpnAndAllowFromAndDeniesTheRest()
    {
        Init();
        AddToFirewall("allow_from = [\"198.51.100.0/24\", \"2001:db8::/32\"]");

        (int code, string output, string error) = Holt("firewall", "nginx-snippet");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("location ~ ^/(wp-admin(/|$)|wp-login\\.php$|xmlrpc\\.php$) {\n", output, StringComparison.Ordinal);
        Assert.Contains(
            "    allow 10.8.0.0/24;\n" +
            "    allow fd42::/64;\n" +
            "    allow 198.51.100.0/24;\n" +
            "    allow 2001:db8::/32;\n" +
            "    deny all;\n",
            output,
            StringComparison.Ordinal);
        Assert.EndsWith("}\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_PrintsTheWholeTableWithPolicyDrop()
    {
        Init();

        (int code, string output, string error) = Holt("firewall", "show");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.StartsWith($"table inet holt-{_interface} {{\n", output, StringComparison.Ordinal);
        Assert.EndsWith("}\n", output, StringComparison.Ordinal);
        Assert.Contains("\t\ttype filter hook input priority filter; policy drop;\n", output, StringComparison.Ordinal);
        Assert.Contains($"\t\tiifname \"{_interface}\" accept comment \"the VPN reaches everything on the gateway\"\n", output, StringComparison.Ordinal);
        Assert.Contains("\t\tudp dport 51820 accept comment \"WireGuard\"\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain(KeepComment, output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(StateDirectory));
    }

    [Theory]
    [InlineData("203.0.113.9 51234 198.51.100.1 22", "ip saddr 203.0.113.9 tcp dport 22")]
    [InlineData("2001:db8::9 51234 2001:db8::1 2222", "ip6 saddr 2001:db8::9 tcp dport 2222")]
    [InlineData("::ffff:203.0.113.9 51234 ::ffff:198.51.100.1 22", "ip saddr 203.0.113.9 tcp dport 22")]
    [InlineData("fe80::9%eth0 51234 fe80::1%eth0 22", "ip6 saddr fe80::9 tcp dport 22")]
    public void Show_InsideAnSshSession_LetsThatClientIn(string connection, string expected)
    {
        Init();

        (int code, string output, _) = HoltWith("SSH_CONNECTION", connection, "firewall", "show");

        Assert.Equal(0, code);
        Assert.Contains($"\t\t{expected} accept {KeepComment}\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("203.0.113.9 51234 198.51.100.1")]
    [InlineData("somewhere 51234 198.51.100.1 22")]
    [InlineData("203.0.113.9 51234 198.51.100.1 0")]
    [InlineData("203.0.113.9 51234 198.51.100.1 70000")]
    [InlineData("203.0.113.9 51234 198.51.100.1 -22")]
    [InlineData("203.0.113.9/32 51234 198.51.100.1 22")]
    public void Show_UnreadableSshConnection_LetsNoOneInSpecially(string connection)
    {
        Init();

        (int code, string output, _) = HoltWith("SSH_CONNECTION", connection, "firewall", "show");

        Assert.Equal(0, code);
        Assert.DoesNotContain(KeepComment, output, StringComparison.Ordinal);
    }

    [Fact]
    public void Confirm_NothingPending_IsOneLineAndExitOne()
    {
        Init();
        byte[] before = File.ReadAllBytes(ConfigPath);

        (int code, string output, string error) = Holt("firewall", "confirm");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal("holt: no firewall apply is waiting for confirmation (it was confirmed already, or rolled back)\n", error);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
    }

    [Fact]
    public void ExposeAdd_UnknownPeer_IsOneLineAndTheFileIsUnchanged()
    {
        Init();
        byte[] before = File.ReadAllBytes(ConfigPath);

        (int code, string output, string error) = Holt("expose", "add", "8080", "--peer", "nobody");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal("holt: no peer named 'nobody' (holt peer list shows them)\n", error);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
    }

    [Theory]
    [InlineData("70000", "holt: PUBLIC_PORT must be a port between 1 and 65535, not 70000\n")]
    [InlineData("0", "holt: PUBLIC_PORT must be a port between 1 and 65535, not 0\n")]
    public void ExposeAdd_PortOutOfRange_IsOneLine(string port, string expected)
    {
        Init();
        byte[] before = File.ReadAllBytes(ConfigPath);

        (int code, string output, string error) = Holt("expose", "add", port, "--peer", "x");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal(expected, error);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
    }

    [Fact]
    public void ExposeList_NothingExposed_IsAnEmptyJsonList()
    {
        Init();

        (int code, string output, string error) = Holt("expose", "list", "--json");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal("[]\n", output);
    }

    [Fact]
    public void ShowJson_HasTheSettingsAndTheRulesetTheTextShows()
    {
        Init();
        Assert.Equal(0, Holt("expose", "add", "8080", "--peer", "home", "--snat").Code);

        (int code, string output, string error) = Holt("firewall", "show", "--json");
        (_, string text, _) = Holt("firewall", "show");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        using System.Text.Json.JsonDocument json = System.Text.Json.JsonDocument.Parse(output);
        System.Text.Json.JsonElement root = json.RootElement;
        Assert.Equal($"holt-{_interface}", root.GetProperty("table").GetString());
        Assert.False(root.GetProperty("enabled").GetBoolean());
        Assert.Equal(22, root.GetProperty("ssh_ports")[0].GetInt32());
        Assert.Equal("allow", root.GetProperty("echo").GetString());
        System.Text.Json.JsonElement exposed = root.GetProperty("exposed")[0];
        Assert.Equal((8080, "tcp", "home", true), (exposed.GetProperty("port").GetInt32(), exposed.GetProperty("proto").GetString(), exposed.GetProperty("peer").GetString(), exposed.GetProperty("snat").GetBoolean()));
        Assert.Equal(text, root.GetProperty("ruleset").GetString());
    }

    [Fact]
    public void ExposeList_NothingExposed_SaysSoInsteadOfHeadersAlone()
    {
        Init();

        (int code, string output, string error) = Holt("expose", "list");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal("no exposed ports yet: holt expose add PORT --peer NAME\n", output);
    }

    [Fact]
    public void ExposingToADisabledPeer_IsWarned_AndTheListShowsItsState()
    {
        Init();
        Assert.Equal(0, Holt("peer", "add", "nas").Code);
        Assert.Equal(0, Holt("expose", "add", "9090", "--peer", "nas", "--snat").Code);
        (int disabled, _, string disableError) = Holt("peer", "disable", "home");
        Assert.Equal(0, disabled);
        Assert.DoesNotContain("warning", disableError, StringComparison.Ordinal);

        (int code, _, string error) = Holt("expose", "add", "8080", "--peer", "home", "--snat");

        Assert.Equal(0, code);
        Assert.EndsWith("holt: warning: peer 'home' is disabled, so nothing answers on this port until it is enabled again (holt peer enable home)\n", error, StringComparison.Ordinal);
        (_, string list, _) = Holt("expose", "list");
        Assert.Matches(@"\n8080 +tcp +home +disabled \(not forwarded\) +10\.8\.0\.2:8080 ", list);
        Assert.Matches(@"\n9090 +tcp +nas +enabled +10\.8\.0\.3:9090 ", list);
        (_, string json, _) = Holt("expose", "list", "--json");
        Assert.Contains("\"peer_state\": \"disabled\"", json, StringComparison.Ordinal);

        // Disabling a peer that serves a port says so too.
        (_, _, string nasError) = Holt("peer", "disable", "nas");
        Assert.EndsWith("holt: warning: 9090/tcp is exposed to 'nas', and nothing answers there until it is enabled again\n", nasError, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_WithoutNft_IsOneLineAndWritesNothing()
    {
        Init();
        string emptyPath = Directory.CreateDirectory(Path.Combine(_directory, "empty-path")).FullName;
        Dictionary<string, string> before = Snapshot();

        (int code, string output, string error) = HoltWith("PATH", emptyPath, "firewall", "apply", "--force");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        string[] lines = error.TrimEnd('\n').Split('\n');
        Assert.StartsWith("holt: warning: the VPN", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("holt: nft is not installed or not on PATH (apt-get install nftables)", lines[1], StringComparison.Ordinal);
        Assert.Equal(2, error.Count(c => c == '\n'));
        Assert.EndsWith("\n", error, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
        Assert.False(File.Exists($"/run/holt/{_interface}.firewall-pending"));
    }

    [Fact]
    public void Apply_WhileTheVpnIsDown_IsRefusedUnlessForced()
    {
        Init();
        Dictionary<string, string> before = Snapshot();

        (int code, string output, string error) = Holt("firewall", "apply");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"holt: the VPN ({_interface}) is not running, so SSH would answer only through a tunnel no one can use; run holt up first, or add --force (this session is let in, and the old rules come back unless holt firewall confirm follows)\n", error);
        Assert.Equal(before, Snapshot());
        Assert.False(File.Exists($"/run/holt/{_interface}.firewall-pending"));
    }

    [Fact]
    public void Apply_ConfirmTimeoutOutOfRange_IsRefusedBeforeAnythingElse()
    {
        Init();
        Dictionary<string, string> before = Snapshot();

        (int code, _, string error) = Holt("firewall", "apply", "--confirm-timeout", "4");

        Assert.Equal(1, code);
        Assert.Equal("holt: --confirm-timeout must be between 5 and 3600 seconds\n", error);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void UpdateRanges_BadLine_NamesFileAndLineAndWritesNothing()
    {
        Init();
        string good = WriteFile("ips-v4", "173.245.48.0/20\n");
        string bad = WriteFile("ips-v6", "# IPv6\n2400:cb00::/32\n2400:cb00::1/32\n");

        (int code, string output, string error) = Holt("firewall", "update-ranges", "--from", good, "--from", bad);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"holt: {bad}:3: '2400:cb00::1/32' has host bits set; the network is 2400:cb00::/32\n", error);
        Assert.False(Directory.Exists(StateDirectory));
    }

    [Fact]
    public void UpdateRanges_EmptyFile_IsRefused()
    {
        Init();
        string empty = WriteFile("ips-v4", "# nothing\n");

        (int code, _, string error) = Holt("firewall", "update-ranges", "--from", empty);

        Assert.Equal(1, code);
        Assert.Equal($"holt: {empty} has no address ranges\n", error);
        Assert.False(Directory.Exists(StateDirectory));
    }

    [Fact]
    public void UpdateRanges_MissingFile_IsOneLine()
    {
        Init();
        string missing = Path.Combine(_directory, "no-such-file");

        (int code, _, string error) = Holt("firewall", "update-ranges", "--from", missing);

        Assert.Equal(1, code);
        Assert.StartsWith($"holt: cannot read {missing}: ", error, StringComparison.Ordinal);
        Assert.Equal(1, error.Count(c => c == '\n'));
    }

    [Fact]
    public void UpdateRanges_GoodFiles_WritesTheRangesFile()
    {
        Init();
        string v4 = WriteFile("ips-v4", "173.245.48.0/20\n103.21.244.0/22\n");
        string v6 = WriteFile("ips-v6", "2400:cb00::/32\n173.245.48.0/20\n");
        string written = Path.Combine(StateDirectory, "cloudflare-ranges.txt");

        (int code, string output, string error) = Holt("firewall", "update-ranges", "--from", v4, "--from", v6);

        Assert.Equal(0, code);
        Assert.Equal("", output);
        Assert.Equal($"Wrote 3 ranges to {written}.\n", error);
        string[] lines = File.ReadAllLines(written);
        Assert.StartsWith($"# Cloudflare's address ranges, from {v4} and {v6}, ", lines[0], StringComparison.Ordinal);
        Assert.Equal(["173.245.48.0/20", "103.21.244.0/22", "2400:cb00::/32"], lines[1..]);
    }

    [Fact]
    public void UpdateRanges_ConfiguredPath_IsWhereTheRangesGo()
    {
        Init();
        string target = Path.Combine(_directory, "cf", "ranges.txt");
        AddToFirewall($"cloudflare_ranges = \"{target}\"");
        string v4 = WriteFile("ips-v4", "173.245.48.0/20\n");

        (int code, _, string error) = Holt("firewall", "update-ranges", "--from", v4);

        Assert.Equal(0, code);
        Assert.Equal($"Wrote 1 ranges to {target}.\n", error);
        Assert.Equal("173.245.48.0/20", File.ReadAllLines(target)[1]);
    }

    private void Init()
    {
        (int code, _, string error) = Holt("init", "--endpoint", "vpn.example.com", "--interface", _interface, "--subnet6", "fd42::/64");
        Assert.True(code == 0, error);
        (code, _, error) = Holt("peer", "add", "home");
        Assert.True(code == 0, error);
    }

    /// <summary>Adds a line to [firewall], as an operator editing the file would.</summary>
    private void AddToFirewall(string line)
    {
        string text = File.ReadAllText(ConfigPath);
        Assert.Contains("\n[firewall]\n", text, StringComparison.Ordinal);
        File.WriteAllText(ConfigPath, text.Replace("\n[firewall]\n", $"\n[firewall]\n{line}\n", StringComparison.Ordinal));
    }

    private string WriteFile(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Every file under the temporary directory with its content.</summary>
    private Dictionary<string, string> Snapshot() =>
        Directory.GetFiles(_directory, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);

    private (int Code, string Output, string Error) Holt(params string[] arguments) => HoltProcess.Run(_environment, arguments);

    private (int Code, string Output, string Error) HoltWith(string variable, string value, params string[] arguments) =>
        HoltProcess.Run(new Dictionary<string, string>(_environment) { [variable] = value }, arguments);
}
