using Holt.Tests.Gateway;
using Holt.Tests.Import;
using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary>holt import run as the built executable, against files written as wg-quick's tools and wg-easy write them.</summary>
public sealed class ImportCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-import").FullName;
    private readonly string _interface = "hgi" + Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, string> _environment;

    public ImportCommandTests()
    {
        _environment = new Dictionary<string, string>
        {
            ["HOLT_CONFIG"] = ConfigPath,
            ["HOLT_STATE_DIR"] = Path.Combine(_directory, "state"),
        };
    }

    private string ConfigPath => Path.Combine(_directory, "etc", "holt.toml");

    private string QuickPath => Path.Combine(_directory, "wg0.conf");

    private string EasyPath => Path.Combine(_directory, "wg0.json");

    private static string QuickText => $"""
        [Interface]
        Address = 10.66.66.1/24
        ListenPort = 49613
        PrivateKey = {TestKeys.GatewayPrivate}
        PostUp = iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE
        SaveConfig = false

        ### Client laptop
        [Peer]
        PublicKey = {TestKeys.LaptopPublic}
        PresharedKey = {TestKeys.Psk1}
        AllowedIPs = 10.66.66.2/32

        ### Client phone
        [Peer]
        PublicKey = {TestKeys.PhonePublic}
        AllowedIPs = 10.66.66.3/32, 192.168.7.0/24
        """;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void DryRun_ShowsThePlan_AndWritesNothing()
    {
        File.WriteAllText(QuickPath, QuickText);

        (int code, string output, string error) = Holt("import", QuickPath, "--endpoint", "vpn.example.com", "--interface", _interface, "--dry-run");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(
            $"""
            From {QuickPath} (wg-quick):
              interface {_interface}, 10.66.66.0/24 (gateway 10.66.66.1), UDP port 49613, clients dial vpn.example.com:49613
              2 peers:
                NAME    ADDRESSES   STATE    EXPIRES  PRESHARED KEY  FROM
                laptop  10.66.66.2  enabled  never    yes            {QuickPath}:9
                phone   10.66.66.3  enabled  never    no             {QuickPath}:15
              The clients keep their configs: a server configuration holds no client's private key, so holt peer config cannot print them again.
            Not carried:
              {QuickPath}:5: PostUp = 'iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE': Holt runs no hooks; its firewall forwards and masquerades the VPN's traffic itself (masquerade in [gateway]), and anything else needs carrying by hand
              {QuickPath}:6: SaveConfig: Holt keeps its configuration in holt.toml and writes it on every change itself
              {QuickPath}:17: peer 'phone': AllowedIPs 192.168.7.0/24: Holt routes only a peer's own addresses, not networks behind it
            Dry run: {ConfigPath} was not written.

            """,
            output);
        Assert.False(File.Exists(ConfigPath));
        Assert.False(Directory.Exists(Path.Combine(_directory, "etc")) && Directory.EnumerateFileSystemEntries(Path.Combine(_directory, "etc")).Any());
    }

    [Fact]
    public void WgQuick_IsWrittenPrivately_AndHoltReadsThePeers()
    {
        File.WriteAllText(QuickPath, QuickText);

        (int code, string output, string error) = Holt("import", QuickPath, "--endpoint", "vpn.example.com", "--interface", _interface);

        Assert.True(code == 0, error);
        Assert.Contains("  2 peers:\n", output, StringComparison.Ordinal);
        Assert.Equal($"Imported 2 peers into {ConfigPath}. Nothing runs yet: stop the old tunnel (wg-quick down {QuickPath}, and systemctl disable wg-quick@wg0 if it starts at boot), then holt up.\n", error);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigPath));
        string toml = File.ReadAllText(ConfigPath);
        Assert.Contains($"private_key = \"{TestKeys.GatewayPrivate}\"", toml, StringComparison.Ordinal);
        Assert.Contains($"preshared_key = \"{TestKeys.Psk1}\"", toml, StringComparison.Ordinal);
        Assert.Contains("listen_port = 49613\n", toml, StringComparison.Ordinal);

        (int listCode, string list, _) = Holt("peer", "list");
        Assert.Equal(0, listCode);
        Assert.Matches(@"\nlaptop +10\.66\.66\.2 ", list);
        Assert.Matches(@"\nphone +10\.66\.66\.3 ", list);

        // A new peer goes on from the imported ones.
        (int addCode, string config, string addError) = Holt("peer", "add", "tablet");
        Assert.True(addCode == 0, addError);
        Assert.Contains("Address = 10.66.66.4/32\n", config, StringComparison.Ordinal);
        Assert.Contains($"PublicKey = {TestKeys.GatewayPublic}\n", config, StringComparison.Ordinal);
        Assert.Contains("Endpoint = vpn.example.com:49613\n", config, StringComparison.Ordinal);
    }

    [Fact]
    public void WgEasy_ClientsConfigsCanBePrintedAgain_WithTheirOwnKeys()
    {
        File.WriteAllText(EasyPath, WgEasyImportTests.Sample);

        (int code, string output, string error) = Holt("import", "--wg-easy", EasyPath, "--endpoint", "vpn.example.com", "--interface", _interface, "--full-tunnel", "--dns", "1.1.1.1");

        Assert.True(code == 0, error);
        Assert.Contains("Mum-s-phone  10.8.0.3   disabled", output, StringComparison.Ordinal);
        Assert.Contains("guest        10.8.0.4   enabled   2024-12-31 23:59", output, StringComparison.Ordinal);
        Assert.StartsWith($"Imported 3 peers into {ConfigPath}. Nothing runs yet: stop wg-easy (docker stop wg-easy), then holt up.\n", error, StringComparison.Ordinal);
        foreach (string secret in new[] { TestKeys.GatewayPrivate, TestKeys.LaptopPrivate, TestKeys.PhonePrivate, TestKeys.Psk1 })
        {
            Assert.DoesNotContain(secret, output + error, StringComparison.Ordinal);
        }

        (int configCode, string config, string configError) = Holt("peer", "config", "laptop");
        Assert.True(configCode == 0, configError);
        Assert.Contains($"PrivateKey = {TestKeys.LaptopPrivate}\n", config, StringComparison.Ordinal);
        Assert.Contains("Address = 10.8.0.2/32\n", config, StringComparison.Ordinal);
        Assert.Contains("DNS = 1.1.1.1\n", config, StringComparison.Ordinal);
        Assert.Contains($"PublicKey = {TestKeys.GatewayPublic}\n", config, StringComparison.Ordinal);
        Assert.Contains($"PresharedKey = {TestKeys.Psk1}\n", config, StringComparison.Ordinal);
        Assert.Contains("AllowedIPs = 0.0.0.0/0, ::/0\n", config, StringComparison.Ordinal);
        Assert.Contains("Endpoint = vpn.example.com:51820\n", config, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExistingConfiguration_IsKeptWithoutForce_AndReplacedWithIt()
    {
        File.WriteAllText(QuickPath, QuickText);
        (int initCode, _, string initError) = Holt("init", "--endpoint", "old.example.com", "--interface", _interface);
        Assert.True(initCode == 0, initError);
        byte[] before = File.ReadAllBytes(ConfigPath);

        (int code, string output, string error) = Holt("import", QuickPath, "--endpoint", "vpn.example.com", "--interface", _interface);

        Assert.Equal(1, code);
        Assert.EndsWith($"holt: {ConfigPath} already exists; use --force to replace it (its peers and keys are lost)\n", error, StringComparison.Ordinal);
        Assert.Contains("2 peers", output, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));

        (int forced, _, string forcedError) = Holt("import", QuickPath, "--endpoint", "vpn.example.com", "--interface", _interface, "--force");
        Assert.True(forced == 0, forcedError);
        Assert.Contains($"private_key = \"{TestKeys.GatewayPrivate}\"", File.ReadAllText(ConfigPath), StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_AreEachOneLineWithTheirPlace_AndNothingIsWritten()
    {
        File.WriteAllText(QuickPath, QuickText.Replace("AllowedIPs = 10.66.66.3/32", "AllowedIPs = 10.66.67.3/32", StringComparison.Ordinal).Replace("### Client phone", "### Client LAPTOP", StringComparison.Ordinal));

        (int code, string output, string error) = Holt("import", QuickPath, "--endpoint", "vpn.example.com", "--interface", _interface);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal(
            $"""
            holt: {QuickPath}:15: peer 'LAPTOP': the name is taken by the peer at line 9 (names are unique whatever their case); rename one
            holt: {QuickPath}:17: peer 'LAPTOP': its address 10.66.67.3 is outside the VPN subnet 10.66.66.0/24
            holt: nothing imported: 2 problems in {QuickPath}

            """,
            error);
        Assert.False(File.Exists(ConfigPath));
    }

    [Fact]
    public void TheWrongInput_GetsAMessageAboutThatInput()
    {
        File.WriteAllText(QuickPath, QuickText);
        File.WriteAllText(EasyPath, WgEasyImportTests.Sample);
        string sqlite = Path.Combine(_directory, "wg-easy.db");
        File.WriteAllBytes(sqlite, [.. "SQLite format 3\0"u8, 1, 2, 3]);
        string binary = Path.Combine(_directory, "blob.conf");
        File.WriteAllBytes(binary, [.. "[Interface]\n"u8, 0xff, 0xfe, 0x80]);
        string huge = Path.Combine(_directory, "huge.conf");
        using (FileStream stream = File.Create(huge))
        {
            stream.SetLength(17 << 20);
        }

        Assert.Equal($"holt: {QuickPath} is not JSON: --wg-easy reads wg-easy's wg0.json; a wg-quick file is imported without --wg-easy\n", Error("import", "--wg-easy", QuickPath, "--endpoint", "x.example.com"));
        Assert.Equal($"holt: {EasyPath} is JSON, not a wg-quick file: for wg-easy's wg0.json add --wg-easy\n", Error("import", EasyPath, "--endpoint", "x.example.com"));
        Assert.Equal($"holt: {sqlite} is an SQLite database (wg-easy 15 and later keep their state in one); holt import reads the wg0.json of wg-easy 14 and earlier, or a wg-quick file\n", Error("import", "--wg-easy", sqlite));
        Assert.Equal($"holt: {binary}:2: bytes that are not UTF-8 text: this is not a text configuration\n", Error("import", binary));
        Assert.Equal($"holt: {huge}: cannot read it: it is larger than 16 MiB\n", Error("import", huge));
        Assert.Equal($"holt: {_directory} is a directory; give the configuration file in it, such as {Path.Combine(_directory, "wg0.conf")}\n", Error("import", _directory));
        Assert.Equal("holt: /dev/zero is a character device, not a configuration file\n", Error("import", "/dev/zero"));
        Assert.Equal($"holt: {Path.Combine(_directory, "none.conf")}: no such file\n", Error("import", Path.Combine(_directory, "none.conf")));
        Assert.Equal("holt: --port must be between 1 and 65535\n", Error("import", QuickPath, "--port", "0"));
        Assert.False(File.Exists(ConfigPath));
    }

    [Fact]
    public void AFifo_IsRefusedWithoutWaitingForAWriter()
    {
        string fifo = Path.Combine(_directory, "wg0.conf");
        Assert.Equal(0, HoltProcess.RunProgram("mkfifo", null, null, fifo).ExitCode);

        Assert.Equal($"holt: {fifo} is a FIFO (named pipe), not a configuration file\n", Error("import", fifo));
    }

    [Fact]
    public void Help_HasExamples()
    {
        (int code, string output, _) = Holt("import", "--help");

        Assert.Equal(0, code);
        Assert.Contains("Example: holt import /etc/wireguard/wg0.conf --endpoint vpn.example.com --dry-run", output, StringComparison.Ordinal);
        Assert.Contains("--wg-easy", output, StringComparison.Ordinal);
    }

    private string Error(params string[] arguments)
    {
        (int code, _, string error) = Holt(arguments);
        Assert.Equal(1, code);
        return error;
    }

    private (int ExitCode, string Output, string Error) Holt(params string[] arguments) =>
        HoltProcess.Run(_environment, arguments);
}
