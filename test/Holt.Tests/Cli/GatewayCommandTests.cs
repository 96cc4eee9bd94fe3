using System.Text.Json;
using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary>
/// holt init and holt peer ... run as the built executable against a holt.toml in a temporary directory
/// (HOLT_CONFIG), with an interface name no running gateway has, so every edit is "takes effect at holt up".
/// </summary>
public sealed class GatewayCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-cli").FullName;
    private readonly string _interface = "hgt" + Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, string> _environment;

    public GatewayCommandTests()
    {
        _environment = new Dictionary<string, string>
        {
            ["HOLT_CONFIG"] = ConfigPath,
            ["HOLT_STATE_DIR"] = Path.Combine(_directory, "state"),
        };
    }

    private string ConfigPath => Path.Combine(_directory, "etc", "holt.toml");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Init_CreatesAPrivateFileAndSaysSo()
    {
        (int code, string output, string error) = Holt("init", "--endpoint", "vpn.example.com", "--interface", _interface);

        Assert.Equal(0, code);
        Assert.Equal("", output);
        Assert.StartsWith($"Created {ConfigPath}: interface {_interface}, 10.8.0.0/24, UDP port 51820, clients dial vpn.example.com:51820.\n", error, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigPath));
        string text = File.ReadAllText(ConfigPath);
        Assert.Contains($"interface = \"{_interface}\"\n", text, StringComparison.Ordinal);
        Assert.Contains("endpoint = \"vpn.example.com\"\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--subnet", "8.8.8.0/24", "holt: warning: the VPN subnet 8.8.8.0/24 is not a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10): clients send traffic for its addresses into the tunnel instead of to the internet; holt init --force with another --subnet starts over")]
    [InlineData("--subnet", "10.0.0.0/7", "holt: warning: the VPN subnet 10.0.0.0/7 is not a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10): clients send traffic for its addresses into the tunnel instead of to the internet; holt init --force with another --subnet starts over")]
    [InlineData("--subnet6", "2001:db8:1::/64", "holt: warning: the VPN subnet 2001:db8:1::/64 is not a private range (fc00::/7, such as fd42:1::/64): clients send traffic for its addresses into the tunnel instead of to the internet; holt init --force with another --subnet6 starts over")]
    public void Init_PublicSubnet_IsWarnedOfButCreated(string option, string subnet, string warning)
    {
        (int code, _, string error) = Holt("init", "--endpoint", "vpn.example.com", "--interface", _interface, option, subnet);

        Assert.Equal(0, code);
        Assert.Contains(warning + "\n", error, StringComparison.Ordinal);
        Assert.True(File.Exists(ConfigPath));
    }

    [Theory]
    [InlineData("--subnet", "10.9.0.0/24")]
    [InlineData("--subnet", "172.31.255.0/24")]
    [InlineData("--subnet", "100.64.0.0/10")]
    [InlineData("--subnet6", "fd42:1::/64")]
    public void Init_PrivateSubnet_IsNotWarnedOf(string option, string subnet)
    {
        (int code, _, string error) = Holt("init", "--endpoint", "vpn.example.com", "--interface", _interface, option, subnet);

        Assert.Equal(0, code);
        Assert.DoesNotContain("warning: the VPN subnet", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_Twice_IsRefusedAndTheFileIsUnchanged()
    {
        Init();
        byte[] before = File.ReadAllBytes(ConfigPath);

        (int code, string output, string error) = Holt("init", "--endpoint", "other.example.com");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"holt: {ConfigPath} already exists; use --force to replace it (its peers and keys are lost)\n", error);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
    }

    [Fact]
    public void Init_WithForce_ReplacesTheFile()
    {
        Init();
        string before = File.ReadAllText(ConfigPath);

        (int code, _, _) = Holt("init", "--endpoint", "other.example.com", "--interface", _interface, "--force");

        Assert.Equal(0, code);
        string after = File.ReadAllText(ConfigPath);
        Assert.NotEqual(before, after);
        Assert.Contains("endpoint = \"other.example.com\"\n", after, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--subnet", "10.8.0.1/24", "holt: --subnet: '10.8.0.1/24' has host bits set; the network is 10.8.0.0/24")]
    [InlineData("--subnet", "10.8.0.0/31", "holt: subnet 10.8.0.0/31 is too small (at most /30)")]
    [InlineData("--subnet", "lan", "holt: --subnet: 'lan' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData("--subnet6", "fd00::1/64", "holt: --subnet6: 'fd00::1/64' has host bits set; the network is fd00::/64")]
    [InlineData("--endpoint", "vpn example.com", "holt: --endpoint: 'vpn example.com' is not a valid host name or IPv4 address")]
    [InlineData("--endpoint", "vpn.example.com:0", "holt: --endpoint: 'vpn.example.com:0' has an invalid port (1-65535)")]
    [InlineData("--dns", "1.1.1.1,not valid", "holt: --dns: 'not valid' is not a name server address or search domain")]
    [InlineData("--dns", "999.1.1.1", "holt: --dns: '999.1.1.1' is not a valid IPv4 address: four numbers from 0 to 255 without leading zeros, such as 1.1.1.1")]
    [InlineData("--dns", "1.1.1.01", "holt: --dns: '1.1.1.01' is not a valid IPv4 address: four numbers from 0 to 255 without leading zeros, such as 1.1.1.1")]
    [InlineData("--port", "70000", "holt: --port must be between 1 and 65535")]
    [InlineData("--port", "0", "holt: --port must be between 1 and 65535")]
    [InlineData("--backend", "wireguard-go", "holt: --backend must be engine or kernel, not 'wireguard-go'")]
    [InlineData("--interface", "bad/name", "holt: invalid interface name 'bad/name': use 1 to 15 letters, digits or _=+.-")]
    public void Init_BadOption_IsOneLineAndWritesNothing(string option, string value, string message)
    {
        string[] arguments = option == "--endpoint" ? ["init", option, value] : ["init", "--endpoint", "vpn.example.com", option, value];

        (int code, string output, string error) = Holt(arguments);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal(message + "\n", error);
        Assert.False(File.Exists(ConfigPath));
    }

    [Fact]
    public void PeerAdd_ANameTakenInAnotherCase_IsRefusedAndTheFileIsUnchanged()
    {
        Init();
        Assert.Equal(0, Holt("peer", "add", "laptop").ExitCode);
        byte[] before = File.ReadAllBytes(ConfigPath);

        (int code, string output, string error) = Holt("peer", "add", "LAPTOP");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal("holt: a peer named 'laptop' already exists, and names are unique whatever their case\n", error);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
    }

    [Fact]
    public void PeerAdd_ExpiresInBareM_IsRefusedWithAHint()
    {
        Init();
        byte[] before = File.ReadAllBytes(ConfigPath);

        (int code, string output, string error) = Holt("peer", "add", "laptop", "--expires", "1m");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal("holt: --expires: '1m' could be minutes or months: write 1min or 1mo\n", error);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
        Assert.Equal(0, Holt("peer", "add", "laptop", "--expires", "1mo").ExitCode);
        Assert.Contains("expires = ", File.ReadAllText(ConfigPath), StringComparison.Ordinal);
    }

    [Fact]
    public void PeerAdd_OnAStoppedGateway_PrintsTheClientConfigAndSaysWhenItApplies()
    {
        Init();

        (int code, string output, string error) = Holt("peer", "add", "laptop");
        (int configCode, string config, _) = Holt("peer", "config", "laptop");

        Assert.Equal(0, code);
        Assert.Equal(0, configCode);
        Assert.Equal(config, output);
        Assert.StartsWith("[Interface]\nPrivateKey = ", output, StringComparison.Ordinal);
        Assert.Contains("\nAddress = 10.8.0.2/32\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain('█', output);
        Assert.Equal("Added peer 'laptop' with 10.8.0.2; the gateway is not running, so it takes effect at holt up.\n", error);
    }

    [ZbarFact]
    public void PeerAdd_WithQrPng_WritesAPrivatePngOfTheConfig()
    {
        Init();
        string png = Path.Combine(_directory, "x.png");

        (int code, string output, string error) = Holt("peer", "add", "x", "--qr", $"png:{png}");

        Assert.Equal(0, code);
        Assert.Contains($"Wrote the QR code to {png} (mode 0600: it holds the peer's private key).\n", error, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(png));
        Assert.Equal(output, Zbar.Decode(png));
    }

    [Fact]
    public void PeerAdd_QrIntoAMissingDirectory_IsRefusedBeforeThePeerIsAdded()
    {
        Init();
        byte[] before = File.ReadAllBytes(ConfigPath);
        string png = Path.Combine(_directory, "missing", "x.png");

        (int code, string output, string error) = Holt("peer", "add", "x", "--qr", $"png:{png}");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"holt: --qr: cannot write {png}: the directory {Path.GetDirectoryName(png)} does not exist\n", error);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
    }

    [Fact]
    public void PeerQr_Terminal_IsTheCodeAlone()
    {
        Init();
        Holt("peer", "add", "x");

        (int code, string output, _) = Holt("peer", "qr", "x");

        Assert.Equal(0, code);
        Assert.Matches("^(\u001b\\[38;5;16;48;5;231m[█▀▄ ]+\u001b\\[0m\n)+$", output);
    }

    [Fact]
    public void PeerListJson_ParsesWithThePeers()
    {
        Init();
        Holt("peer", "add", "laptop");
        Holt("peer", "add", "phone", "--expires", "2030-01-01");
        Holt("peer", "disable", "phone");

        (int code, string output, string error) = Holt("peer", "list", "--json");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement[] peers = [.. json.RootElement.EnumerateArray()];
        Assert.Equal(2, peers.Length);
        Assert.Equal("laptop", peers[0].GetProperty("name").GetString());
        Assert.Equal("10.8.0.2", peers[0].GetProperty("address").GetString());
        Assert.True(peers[0].GetProperty("enabled").GetBoolean());
        Assert.False(peers[0].GetProperty("active").GetBoolean());
        Assert.Equal(0UL, peers[0].GetProperty("rx_bytes").GetUInt64());
        Assert.Equal(JsonValueKind.Null, peers[0].GetProperty("expires").ValueKind);
        Assert.Equal("phone", peers[1].GetProperty("name").GetString());
        Assert.Equal("10.8.0.3", peers[1].GetProperty("address").GetString());
        Assert.False(peers[1].GetProperty("enabled").GetBoolean());
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), peers[1].GetProperty("expires").GetDateTimeOffset());
        Assert.Equal(44, peers[1].GetProperty("public_key").GetString()!.Length);
    }

    [Fact]
    public void PeerList_Empty_IsValidJsonAndATableWithAHint()
    {
        Init();

        (int jsonCode, string json, _) = Holt("peer", "list", "--json");
        (int tableCode, string table, string hint) = Holt("peer", "list");

        Assert.Equal(0, jsonCode);
        Assert.Equal(0, JsonDocument.Parse(json).RootElement.GetArrayLength());
        Assert.Equal(0, tableCode);
        Assert.Equal($"no peers yet on {_interface}: holt peer add NAME\n", table);
        Assert.Equal("", hint);
    }

    [Fact]
    public void PeerEdits_RemoveRenameSet_ChangeTheFile()
    {
        Init();
        Holt("peer", "add", "laptop");
        Holt("peer", "add", "phone");

        (int renamed, _, string renameError) = Holt("peer", "rename", "phone", "old-phone");
        (int set, _, _) = Holt("peer", "set", "laptop", "--client-to-client", "on", "--expires", "2w", "--expected", "on");
        (int removed, _, string removeError) = Holt("peer", "remove", "old-phone");
        string text = File.ReadAllText(ConfigPath);

        Assert.Equal(0, renamed);
        Assert.Equal("Renamed peer 'phone' to 'old-phone'; the gateway is not running, so it takes effect at holt up.\n", renameError);
        Assert.Equal(0, set);
        Assert.Equal(0, removed);
        Assert.Equal("Removed peer 'old-phone'; the gateway is not running, so it takes effect at holt up.\n", removeError);
        Assert.Contains("name = \"laptop\"", text, StringComparison.Ordinal);
        Assert.Contains("client_to_client = true\n", text, StringComparison.Ordinal);
        Assert.Contains("expected = true\n", text, StringComparison.Ordinal);
        Assert.Contains("expires = ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("phone", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// An admin peer (issue #15): added with --admin, turned off and on with set, written as admin = true, shown by
    /// peer show and its JSON; a monitoring peer cannot become one.
    /// </summary>
    [Fact]
    public void AdminPeers_AreAddedSetAndShown()
    {
        Init();
        (int added, _, _) = Holt("peer", "add", "laptop", "--admin");
        Holt("peer", "add", "probe", "--monitor");
        string afterAdd = File.ReadAllText(ConfigPath);
        (int shown, string show, _) = Holt("peer", "show", "laptop");
        (_, string json, _) = Holt("peer", "show", "laptop", "--json");
        (int off, _, _) = Holt("peer", "set", "laptop", "--admin", "off");
        string afterOff = File.ReadAllText(ConfigPath);
        (int on, _, _) = Holt("peer", "set", "laptop", "--admin", "on");
        byte[] before = File.ReadAllBytes(ConfigPath);
        (int refused, _, string refusal) = Holt("peer", "set", "probe", "--admin", "on");

        Assert.Equal(0, added);
        Assert.Contains("name = \"laptop\"", afterAdd, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(afterAdd, "\nadmin = true\n"));
        Assert.Equal(0, shown);
        Assert.Contains("  admin: yes, gets the dashboard through the tunnel\n", show, StringComparison.Ordinal);
        Assert.True(JsonDocument.Parse(json).RootElement.GetProperty("admin").GetBoolean());
        Assert.Equal(0, off);
        Assert.DoesNotContain("admin = ", afterOff, StringComparison.Ordinal);
        Assert.Equal(0, on);
        Assert.Contains("\nadmin = true\n", File.ReadAllText(ConfigPath), StringComparison.Ordinal);
        Assert.Equal(1, refused);
        Assert.EndsWith("it cannot be an admin\n", refusal, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
    }

    [Theory]
    [InlineData("peer", "set", "a", "--admin", "maybe")]
    [InlineData("peer", "add", "a", "--qr", "jpeg:x.jpg")]
    [InlineData("peer", "add", "a", "--ip", "10.8.0.1")]
    [InlineData("peer", "add", "a", "--expires", "soon")]
    [InlineData("peer", "add", "bad name")]
    [InlineData("peer", "set", "a")]
    [InlineData("peer", "set", "a", "--client-to-client", "maybe")]
    [InlineData("peer", "remove", "nobody")]
    [InlineData("peer", "config", "nobody")]
    public void WrongValues_AreOneLineAndExit1(params string[] arguments) => AssertRefused(arguments, 1);

    [Theory]
    [InlineData("peer", "add")]
    [InlineData("peer", "add", "a", "--keepalive", "x")]
    [InlineData("peer", "add", "a", "--bogus")]
    [InlineData("peer", "add", "a", "b")]
    [InlineData("peer", "list", "extra")]
    [InlineData("peer", "lst")]
    [InlineData("peer")]
    [InlineData("init", "--port", "x")]
    public void UsageErrors_AreOneLineAndExit2(params string[] arguments) => AssertRefused(arguments, 2);

    private void AssertRefused(string[] arguments, int expectedCode)
    {
        Init();
        byte[] before = File.ReadAllBytes(ConfigPath);

        (int code, string output, string error) = Holt(arguments);

        Assert.Equal(expectedCode, code);
        Assert.Equal("", output);
        Assert.StartsWith("holt: ", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.EndsWith("\n", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
    }

    [Fact]
    public void Enable_AnExpiredPeer_TakesOneCommandWithANewExpiry_WhichSaysWhatChanged()
    {
        Init();
        Assert.Equal(0, Holt("peer", "add", "guest", "--expires", "1h").ExitCode);

        // As the daemon leaves a peer whose time ran out: disabled, with its expiry kept.
        string text = File.ReadAllText(ConfigPath);
        int at = text.IndexOf("expires = ", StringComparison.Ordinal);
        text = text[..at] + "expires = 2020-01-01T00:00:00Z" + text[text.IndexOf('\n', at)..];
        File.WriteAllText(ConfigPath, text.Replace("enabled = true", "enabled = false", StringComparison.Ordinal));

        (int refused, _, string refusal) = Holt("peer", "enable", "guest");
        Assert.Equal(1, refused);
        Assert.Equal("holt: peer 'guest' expired at 2020-01-01T00:00:00Z; enable it with a new expiry: holt peer enable guest --expires 30d (or --expires never)\n", refusal);

        (int code, string output, string error) = Holt("peer", "enable", "guest", "--expires", "30d");

        Assert.Equal(0, code);
        Assert.Equal("", output);
        Assert.Matches(@"^Enabled peer 'guest' \(it had expired at 2020-01-01T00:00:00Z; it now expires at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in 30d\)\); the gateway is not running, so it takes effect at holt up\.\n$", error);
        string after = File.ReadAllText(ConfigPath);
        Assert.Contains("enabled = true", after, StringComparison.Ordinal);
        Assert.DoesNotContain("2020-01-01", after, StringComparison.Ordinal);
    }

    [Fact]
    public void AFullSubnet_SaysHowToGrowItInPlace_AndGrowingKeepsThePeers()
    {
        Assert.Equal(0, Holt("init", "--endpoint", "vpn.example.com", "--interface", _interface, "--subnet", "10.8.0.0/30").ExitCode);
        Assert.Equal(0, Holt("peer", "add", "laptop").ExitCode);
        string laptop = File.ReadAllText(ConfigPath);

        (int full, _, string fullError) = Holt("peer", "add", "phone");
        Assert.Equal(1, full);
        Assert.Equal("holt: the subnet 10.8.0.0/30 is full: no free address for another peer; remove one, or grow the subnet in place, keeping every peer and address: holt subnet grow 10.8.0.0/29\n", fullError);
        Assert.DoesNotContain("holt init", fullError, StringComparison.Ordinal);

        (int code, string output, string error) = Holt("subnet", "grow", "10.8.0.0/29");

        Assert.Equal(0, code);
        Assert.Equal("", output);
        Assert.StartsWith("The subnet is now 10.8.0.0/29 (was 10.8.0.0/30); every peer keeps its address; the gateway is not running, so it takes effect at holt up.\n", error, StringComparison.Ordinal);
        Assert.Contains("Note: clients configured before route 10.8.0.0/30 into the tunnel", error, StringComparison.Ordinal);
        string grown = File.ReadAllText(ConfigPath);
        Assert.Equal(laptop.Replace("subnet = \"10.8.0.0/30\"", "subnet = \"10.8.0.0/29\"", StringComparison.Ordinal), grown);
        (int added, string config, _) = Holt("peer", "add", "phone");
        Assert.Equal(0, added);
        Assert.Contains("Address = 10.8.0.3/32", config, StringComparison.Ordinal);
    }

    [PtyFact]
    public void Remove_OnATerminal_AsksFirst_AndKeepsThePeerUnlessTheAnswerIsYes()
    {
        Init();
        Assert.Equal(0, Holt("peer", "add", "laptop").ExitCode);

        (int kept, string asked) = Pty.RunTyping(_environment, "n\n", "peer", "remove", "laptop");

        Assert.Equal(1, kept);
        Assert.Contains("Remove peer 'laptop' (10.8.0.2)? It can no longer connect, and its keys are gone for good. [y/N] ", asked, StringComparison.Ordinal);
        Assert.Contains("Kept peer 'laptop'.", asked, StringComparison.Ordinal);
        Assert.Contains("name = \"laptop\"", File.ReadAllText(ConfigPath), StringComparison.Ordinal);

        (int removed, string yes) = Pty.RunTyping(_environment, "y\n", "peer", "remove", "laptop");
        Assert.Equal(0, removed);
        Assert.Contains("Removed peer 'laptop'", yes, StringComparison.Ordinal);
        Assert.DoesNotContain("name = \"laptop\"", File.ReadAllText(ConfigPath), StringComparison.Ordinal);

        // --yes asks nothing, on a terminal too; without a terminal nothing is asked either.
        Assert.Equal(0, Holt("peer", "add", "laptop").ExitCode);
        (int scripted, string quiet) = Pty.Run(_environment, "peer", "remove", "laptop", "--yes");
        Assert.Equal(0, scripted);
        Assert.DoesNotContain("[y/N]", quiet, StringComparison.Ordinal);
        Assert.Equal(0, Holt("peer", "add", "laptop").ExitCode);
        (int piped, _, string pipedError) = Holt("peer", "remove", "laptop");
        Assert.Equal(0, piped);
        Assert.DoesNotContain("[y/N]", pipedError, StringComparison.Ordinal);
    }

    [Fact]
    public void AddJson_GivesTheNameAddressesKeyAndClientConfig_ForScripts()
    {
        Assert.Equal(0, Holt("init", "--endpoint", "vpn.example.com", "--interface", _interface, "--subnet6", "fd42:7::/64").ExitCode);

        (int code, string output, string error) = Holt("peer", "add", "ci-runner", "--json");

        Assert.Equal(0, code);
        Assert.StartsWith("Added peer 'ci-runner' with 10.8.0.2 and fd42:7::2", error, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Equal("ci-runner", root.GetProperty("name").GetString());
        Assert.Equal("10.8.0.2", root.GetProperty("address").GetString());
        Assert.Equal("fd42:7::2", root.GetProperty("address6").GetString());
        Assert.False(root.GetProperty("applied").GetBoolean());
        string config = root.GetProperty("client_config").GetString()!;
        (_, string printed, _) = Holt("peer", "config", "ci-runner");
        Assert.Equal(printed, config);
        Assert.Contains($"public_key = \"{root.GetProperty("public_key").GetString()}\"", File.ReadAllText(ConfigPath), StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", output, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongArguments_NameTheCommandsHelp()
    {
        (int code, _, string error) = Holt("peer", "add", "a", "--keepalive", "x");

        Assert.Equal(2, code);
        Assert.EndsWith(" (see holt peer add --help)\n", error, StringComparison.Ordinal);
        Assert.Contains("'x'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void HandEditedUnknownKey_IsOneLineWithFileAndLine()
    {
        Init();
        string[] lines = File.ReadAllLines(ConfigPath);
        int gateway = Array.IndexOf(lines, "[gateway]");
        string[] edited = [.. lines[..(gateway + 1)], "foo = 1", .. lines[(gateway + 1)..]];
        File.WriteAllLines(ConfigPath, edited);

        (int code, string output, string error) = Holt("peer", "list");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"holt: {ConfigPath}:{gateway + 2}: unknown key 'foo' in [gateway]\n", error);
    }

    [Fact]
    public void MissingConfig_SaysToRunInit()
    {
        (int code, _, string error) = Holt("peer", "list");

        Assert.Equal(1, code);
        Assert.Equal($"holt: no gateway configuration at {ConfigPath}; create one with holt init (or holt up)\n", error);
    }

    [Theory]
    [InlineData("init")]
    [InlineData("peer", "add")]
    [InlineData("peer", "list")]
    [InlineData("peer", "qr")]
    [InlineData("up")]
    [InlineData("down")]
    [InlineData("status")]
    public void Help_HasAnExample(params string[] command)
    {
        (int code, string output, _) = Holt([.. command, "--help"]);

        Assert.Equal(0, code);
        Assert.Contains($"Example: holt {string.Join(' ', command)}", output, StringComparison.Ordinal);
    }

    private void Init()
    {
        (int code, _, string error) = Holt("init", "--endpoint", "vpn.example.com", "--interface", _interface);
        Assert.True(code == 0, error);
    }

    private (int ExitCode, string Output, string Error) Holt(params string[] arguments) =>
        HoltProcess.Run(_environment, arguments);
}
