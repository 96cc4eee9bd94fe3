using System.Net;
using Holt.Quick;
using Holt.WireGuard.Keys;

namespace Holt.Tests.Quick;

public class QuickConfigParserTests
{
    private const string File = "wg0.conf";

    private static readonly string s_privateKey = NewPrivateKey();
    private static readonly string s_peerKey = NewPublicKey();
    private static readonly string s_otherPeerKey = NewPublicKey();
    private static readonly string s_psk = NewPresharedKey();

    [Fact]
    public void EveryKey_IsRead()
    {
        string text = $"""
            [Interface]
            PrivateKey = {s_privateKey}
            ListenPort = 51820
            FwMark = 0x1234
            Address = 10.0.0.2/24, fd00::2/64
            Address = 10.0.1.2
            DNS = 10.0.0.1, fd00::1, example.com corp.example
            MTU = 1380
            Table = 1234
            PreUp = echo pre-up %i
            PostUp = echo post-up 1
            PostUp = echo post-up 2
            PreDown = echo pre-down
            PostDown = echo post-down
            SaveConfig = false

            [Peer]
            PublicKey = {s_peerKey}
            PresharedKey = {s_psk}
            AllowedIPs = 0.0.0.0/0, ::/0
            AllowedIPs = 192.168.0.0/16
            Endpoint = vpn.example.com:51820
            PersistentKeepalive = 25

            [Peer]
            PublicKey = {s_otherPeerKey}
            Endpoint = [fd00:aa::1]:443
            PersistentKeepalive = off
            """;

        using QuickConfig config = QuickConfigParser.Parse(File, text);

        using var key = PrivateKey.Parse(s_privateKey);
        Assert.True(key.SecretEquals(config.PrivateKey));
        Assert.Equal((ushort)51820, config.ListenPort);
        Assert.Equal(0x1234u, config.FwMark);
        Assert.Equal(["10.0.0.2/24", "fd00::2/64", "10.0.1.2/32"], config.Addresses.Select(a => a.ToString()));
        Assert.Equal([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::1")], config.DnsServers);
        Assert.Equal(["example.com", "corp.example"], config.DnsSearch);
        Assert.Equal(1380, config.Mtu);
        Assert.Equal(new RouteTable(RouteTableKind.Explicit, "1234"), config.Table);
        Assert.Equal([("PreUp", "echo pre-up %i", 10)], config.PreUp.Select(h => (h.Key, h.Command, h.Line)));
        Assert.Equal(["echo post-up 1", "echo post-up 2"], config.PostUp.Select(h => h.Command));
        Assert.Equal(["echo pre-down"], config.PreDown.Select(h => h.Command));
        Assert.Equal(["echo post-down"], config.PostDown.Select(h => h.Command));

        Assert.Equal(2, config.Peers.Count);
        QuickPeer first = config.Peers[0];
        Assert.Equal(s_peerKey, first.PublicKey.ToBase64());
        Assert.Equal(s_psk, first.PresharedKey!.ToBase64());
        Assert.Equal(["0.0.0.0/0", "::/0", "192.168.0.0/16"], first.AllowedIps.Select(a => a.ToString()));
        Assert.Equal(new QuickEndpoint("vpn.example.com", 51820, 22), first.Endpoint);
        Assert.Equal((ushort)25, first.PersistentKeepalive);
        Assert.Equal(17, first.Line);

        QuickPeer second = config.Peers[1];
        Assert.Equal(new QuickEndpoint("fd00:aa::1", 443, 27), second.Endpoint);
        Assert.Equal((ushort)0, second.PersistentKeepalive);
        Assert.Null(second.PresharedKey);
        Assert.Empty(second.AllowedIps);
        Assert.Empty(config.Warnings);
    }

    [Fact]
    public void KeysAndSections_AreCaseInsensitive_AsInWgQuick()
    {
        string text = $"""
            [interface]
            privatekey = {s_privateKey}
            LISTENPORT = 1
            address = 10.0.0.2/24
            postup = true
            saveconfig = FALSE
            table = OFF
            [PEER]
            publickey = {s_peerKey}
            allowedips = 10.0.0.0/24
            ENDPOINT = 10.9.0.1:1
            persistentkeepalive = OFF
            """;

        using QuickConfig config = QuickConfigParser.Parse(File, text);

        Assert.Equal((ushort)1, config.ListenPort);
        Assert.Single(config.PostUp);
        Assert.Equal(RouteTable.Off, config.Table);
        Assert.Equal("10.0.0.0/24", Assert.Single(Assert.Single(config.Peers).AllowedIps).ToString());
    }

    [Fact]
    public void CommentsBlankLinesAndWhitespace_AreIgnored()
    {
        string text = $"# a client\r\n\r\n  [Interface]   # the device\r\n\tPrivateKey={s_privateKey}  \r\n" +
            $"PostUp = echo a # not part of the hook\r\n[Peer]\r\n  PublicKey   =   {s_peerKey}\r\n" +
            "Allowed IPs = 10.0.0.1 , 10.0.0.2/32 # wg deletes the spaces of its own keys\r\n";

        using QuickConfig config = QuickConfigParser.Parse(File, text);

        Assert.Equal("echo a", Assert.Single(config.PostUp).Command);
        Assert.Equal(["10.0.0.1/32", "10.0.0.2/32"], Assert.Single(config.Peers).AllowedIps.Select(a => a.ToString()));
    }

    [Theory]
    [InlineData("0x10", 16u)]
    [InlineData("0xffffffff", uint.MaxValue)]
    [InlineData("4294967295", uint.MaxValue)]
    [InlineData("off", 0u)]
    [InlineData("0", 0u)]
    public void FwMark_ReadsDecimalHexAndOff(string value, uint expected)
    {
        using QuickConfig config = QuickConfigParser.Parse(File, $"[Interface]\nFwMark = {value}\n");

        Assert.Equal(expected, config.FwMark);
    }

    [Theory]
    [InlineData("auto", "Auto", null)]
    [InlineData("off", "Off", null)]
    [InlineData("51820", "Explicit", "51820")]
    [InlineData("vpn", "Explicit", "vpn")]
    public void Table_ReadsAutoOffNumberAndName(string value, string kind, string? name)
    {
        using QuickConfig config = QuickConfigParser.Parse(File, $"[Interface]\nTable = {value}\n");

        Assert.Equal(new RouteTable(Enum.Parse<RouteTableKind>(kind), name), config.Table);
    }

    [Fact]
    public void AllowedIps_WithHostBits_AreMaskedWithAWarning()
    {
        using QuickConfig config = QuickConfigParser.Parse(File, $"[Interface]\n[Peer]\nPublicKey = {s_peerKey}\nAllowedIPs = 10.1.2.3/8\n");

        Assert.Equal("10.0.0.0/8", Assert.Single(Assert.Single(config.Peers).AllowedIps).ToString());
        Assert.Equal("wg0.conf:4: AllowedIPs entry 10.1.2.3/8 has host bits set; it stands for 10.0.0.0/8", Assert.Single(config.Warnings));
    }

    [Fact]
    public void SaveConfigTrue_IsRefused_WithTheLine()
    {
        var error = Assert.Throws<CommandException>(() => QuickConfigParser.Parse(File, "[Interface]\nSaveConfig = true\n"));

        Assert.Equal(
            "wg0.conf:2: SaveConfig = true is not supported: holt never rewrites the configuration file; remove the line or set it to false",
            error.Message);
    }

    [Theory]
    [InlineData("[Interface]\nFoo = bar", 2, "unknown key 'Foo' in [Interface]")]
    [InlineData("[Interface]\n[Peer]\nFoo = bar", 3, "unknown key 'Foo' in [Peer]")]
    [InlineData("[Interface]\n[Server]", 2, "unknown section '[Server]'; a wg-quick configuration has [Interface] and [Peer] sections")]
    [InlineData("ListenPort = 1\n[Interface]", 1, "'ListenPort' comes before any section; start the file with [Interface]")]
    [InlineData("[Interface]\nListenPort 51820", 2, "expected a section header such as [Peer] or a line KEY = VALUE")]
    [InlineData("[Interface]\n= 1", 2, "expected a section header such as [Peer] or a line KEY = VALUE")]
    [InlineData("[Interface]\nListenPort = 65536", 2, "ListenPort must be a port from 0 to 65535, not '65536'")]
    [InlineData("[Interface]\nListenPort = http", 2, "ListenPort must be a port from 0 to 65535, not 'http'")]
    [InlineData("[Interface]\nFwMark = 0x100000000", 2, "FwMark must be off or a number from 0 to 0xffffffff, not '0x100000000'")]
    [InlineData("[Interface]\nFwMark = -1", 2, "FwMark must be off or a number from 0 to 0xffffffff, not '-1'")]
    [InlineData("[Interface]\nAddress = 10.0.0.300/24", 2, "Address '10.0.0.300/24' is not an IP address with an optional /prefix length")]
    [InlineData("[Interface]\nAddress = 10.0.0.2/33", 2, "Address '10.0.0.2/33' is not an IP address with an optional /prefix length")]
    [InlineData("[Interface]\nAddress = 10.1/8", 2, "Address '10.1/8' is not an IP address with an optional /prefix length")]
    [InlineData("[Interface]\nAddress = fe80::1%eth0/64", 2, "Address 'fe80::1%eth0/64' is not an IP address with an optional /prefix length")]
    [InlineData("[Interface]\nDNS = 1.2.3", 2, "DNS entry '1.2.3' is neither an IP address nor a search domain")]
    [InlineData("[Interface]\nDNS = bad_domain!", 2, "DNS entry 'bad_domain!' is neither an IP address nor a search domain")]
    [InlineData("[Interface]\nMTU = 40", 2, "MTU must be a number from 68 to 65535, not '40'")]
    [InlineData("[Interface]\nTable = -main", 2, "Table must be off, auto, a table number or a table name, not '-main'")]
    [InlineData("[Interface]\nSaveConfig = yes", 2, "SaveConfig must be true or false, not 'yes'")]
    [InlineData("[Interface]\nPublicKey = x", 2, "PublicKey belongs in a [Peer] section, not in [Interface]")]
    [InlineData("[Interface]\n[Peer]\nAddress = 10.0.0.1", 3, "Address belongs in the [Interface] section, not in [Peer]")]
    [InlineData("[Interface]\n[Peer]\nEndpoint = 10.0.0.1", 3, "Endpoint must be HOST:PORT or [IPv6]:PORT with a port from 1 to 65535, not '10.0.0.1'")]
    [InlineData("[Interface]\n[Peer]\nEndpoint = 10.0.0.1:0", 3, "Endpoint must be HOST:PORT or [IPv6]:PORT with a port from 1 to 65535, not '10.0.0.1:0'")]
    [InlineData("[Interface]\n[Peer]\nEndpoint = [fd00::1:51820", 3, "Endpoint must be HOST:PORT or [IPv6]:PORT with a port from 1 to 65535, not '[fd00::1:51820'")]
    [InlineData("[Interface]\n[Peer]\nEndpoint = bad!host:1", 3, "Endpoint must be HOST:PORT or [IPv6]:PORT with a port from 1 to 65535, not 'bad!host:1'")]
    [InlineData("[Interface]\n[Peer]\nAllowedIPs = 10.0.0.0/8, nope", 3, "AllowedIPs entry 'nope' is not an IP address with an optional /prefix length")]
    [InlineData("[Interface]\n[Peer]\nAllowedIPs = +10.0.0.0/8", 3, "AllowedIPs entry '+10.0.0.0/8' is not an IP address with an optional /prefix length")]
    [InlineData("[Interface]\n[Peer]\nPersistentKeepalive = 70000", 3, "PersistentKeepalive must be off or a number of seconds from 0 to 65535, not '70000'")]
    [InlineData("[Interface]\n\n[Peer]\nAllowedIPs = 10.0.0.0/8", 3, "this [Peer] has no PublicKey")]
    public void BadLine_FailsWithFileAndLine(string text, int line, string message)
    {
        var error = Assert.Throws<CommandException>(() => QuickConfigParser.Parse(File, text));

        Assert.Equal($"{File}:{line}: {message}", error.Message);
    }

    [Theory]
    [InlineData("PrivateKey", "[Interface]\nPrivateKey = {0}")]
    [InlineData("PresharedKey", "[Interface]\n[Peer]\nPresharedKey = {0}")]
    [InlineData("PublicKey", "[Interface]\n[Peer]\nPublicKey = {0}")]
    public void MalformedKey_IsDescribed_NeverQuoted(string name, string template)
    {
        // A real key with one character mistyped: a secret nearly right must not reach the terminal either.
        string almost = s_privateKey[..42] + "!=";
        foreach (string value in (string[])[almost, s_privateKey[..43], s_privateKey + "A", "garbage!"])
        {
            string text = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, value);

            var error = Assert.Throws<CommandException>(() => QuickConfigParser.Parse(File, text));

            Assert.StartsWith($"{File}:{text.Split('\n').Length}: {name} is not a key", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(value.Trim(), error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DuplicatePeer_FailsAtTheSecond()
    {
        string text = $"[Interface]\n[Peer]\nPublicKey = {s_peerKey}\n[Peer]\nPublicKey = {s_otherPeerKey}\n\n[Peer]\nPublicKey = {s_peerKey}\n";

        var error = Assert.Throws<CommandException>(() => QuickConfigParser.Parse(File, text));

        Assert.Equal($"{File}:8: peer {s_peerKey} appears twice; its first [Peer] section is at line 2", error.Message);
    }

    [Fact]
    public void SamePublicKeyTwiceInOnePeer_IsNotADuplicate()
    {
        using QuickConfig config = QuickConfigParser.Parse(File, $"[Interface]\n[Peer]\nPublicKey = {s_peerKey}\nPublicKey = {s_peerKey}\n");

        Assert.Single(config.Peers);
    }

    [Fact]
    public void EmptyFile_IsAnInterfaceWithoutPeers()
    {
        using QuickConfig config = QuickConfigParser.Parse(File, "[Interface]\n");

        Assert.Null(config.PrivateKey);
        Assert.Empty(config.Peers);
        Assert.Equal(RouteTable.Auto, config.Table);
    }

    [Fact]
    public void GarbageLines_NeverCrash_OnlyCommandErrors()
    {
        var random = new Random(4242);
        string[] fragments =
        [
            "[Interface]", "[Peer]", "[", "]", "=", "==", "#", "\0", "\t", " ", ",", "/", ":", "[::]", "%i", "0x", "off",
            "PrivateKey", "PublicKey", "AllowedIPs", "Endpoint", "Address", "DNS", "MTU", "Table", "FwMark", "ListenPort",
            "PersistentKeepalive", "PresharedKey", "SaveConfig", "PostUp", "10.0.0.1", "/32", "/999", "fd00::1", "65535",
            "99999999999999999999", "é", "\u2028", "\r", s_privateKey, s_peerKey, "true", "auto",
        ];
        for (int round = 0; round < 5000; round++)
        {
            int count = random.Next(1, 12);
            string text = string.Concat(Enumerable.Range(0, count).Select(_ => fragments[random.Next(fragments.Length)] +
                (random.Next(4) == 0 ? "\n" : random.Next(3) == 0 ? " = " : "")));
            try
            {
                QuickConfigParser.Parse(File, text).Dispose();
            }
            catch (CommandException e)
            {
                Assert.Matches(@"^wg0\.conf:\d+: ", e.Message);
                Assert.DoesNotContain('\n', e.Message);
            }
        }
    }

    private static string NewPrivateKey()
    {
        using PrivateKey key = PrivateKey.Generate();
        return key.ToBase64();
    }

    private static string NewPublicKey()
    {
        using PrivateKey key = PrivateKey.Generate();
        return key.PublicKey.ToBase64();
    }

    private static string NewPresharedKey()
    {
        using PresharedKey key = PresharedKey.Generate();
        return key.ToBase64();
    }
}
