using System.Net;
using Holt.Gateway;
using Holt.Import;
using Holt.Tests.Gateway;

namespace Holt.Tests.Import;

/// <summary>
/// wg-quick server configurations as the tools that write them write them (wireguard-install, PiVPN, wg-easy's
/// generated wg0.conf, wireguard-ui, wg-quick's own SaveConfig), read for holt import.
/// </summary>
public sealed class WgQuickImportTests
{
    internal const string TabletPrivate = "KNpHs6NC3V79EZN7lu6ot7ducp6isAaxMs5XSWHUnH0=";
    internal const string TabletPublic = "Y6x6YMEdWVDB8/r7/CSP+gxNv9/Rp/k2xJ4rwzpgmmo=";
    internal const string ServerPublic2 = "PxUfi3pFVvDt4HCz273Thd9WyZqhevPZijgfjt5EDi0=";
    internal const string Psk3 = "xoNHjvBRXasFo2paJ0kn+MLtQ+UiM87LZ0EnPJHMWuA=";

    private static readonly ImportOptions s_options = new() { Endpoint = "vpn.example.com" };

    /// <summary>angristan/wireguard-install: "### Client NAME" above each [Peer], IPv6 beside IPv4, iptables hooks.</summary>
    private static readonly string s_wireguardInstall = $"""
        [Interface]
        Address = 10.66.66.1/24,fd42:42:42::1/64
        ListenPort = 49613
        PrivateKey = {TestKeys.GatewayPrivate}
        PostUp = iptables -I INPUT -p udp --dport 49613 -j ACCEPT
        PostUp = iptables -I FORWARD -i eth0 -o wg0 -j ACCEPT
        PostUp = iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE
        PostDown = iptables -D INPUT -p udp --dport 49613 -j ACCEPT
        PostDown = iptables -t nat -D POSTROUTING -o eth0 -j MASQUERADE

        ### Client laptop
        [Peer]
        PublicKey = {TestKeys.LaptopPublic}
        PresharedKey = {TestKeys.Psk1}
        AllowedIPs = 10.66.66.2/32,fd42:42:42::2/128

        ### Client phone
        [Peer]
        PublicKey = {TestKeys.PhonePublic}
        PresharedKey = {TestKeys.Psk2}
        AllowedIPs = 10.66.66.3/32,fd42:42:42::3/128

        """;

    [Fact]
    public void WireguardInstall_PeersKeepTheirKeysAddressesAndNames_AndTheHooksAreListed()
    {
        ImportPlan plan = Read(s_wireguardInstall);

        Assert.Empty(plan.Problems);
        GatewayConfig gateway = plan.Gateway!;
        Assert.Equal("wg0", gateway.Interface);
        Assert.Equal(TestKeys.GatewayPrivate, gateway.PrivateKey);
        Assert.Equal(49613, gateway.ListenPort);
        Assert.Equal(IPNetwork.Parse("10.66.66.0/24"), gateway.Subnet);
        Assert.Equal(IPAddress.Parse("10.66.66.1"), gateway.Address);
        Assert.Equal(IPNetwork.Parse("fd42:42:42::/64"), gateway.Subnet6);
        Assert.Equal(IPAddress.Parse("fd42:42:42::1"), gateway.Address6);
        Assert.Equal("vpn.example.com", gateway.Endpoint);
        Assert.Collection(
            gateway.Peers,
            laptop =>
            {
                Assert.Equal("laptop", laptop.Name);
                Assert.Equal(TestKeys.LaptopPublic, laptop.PublicKey);
                Assert.Null(laptop.PrivateKey);
                Assert.Equal(TestKeys.Psk1, laptop.PresharedKey);
                Assert.Equal(IPAddress.Parse("10.66.66.2"), laptop.Address);
                Assert.Equal(IPAddress.Parse("fd42:42:42::2"), laptop.Address6);
                Assert.True(laptop.Enabled);
            },
            phone =>
            {
                Assert.Equal("phone", phone.Name);
                Assert.Equal(TestKeys.Psk2, phone.PresharedKey);
                Assert.Equal(IPAddress.Parse("10.66.66.3"), phone.Address);
            });
        Assert.Equal(["wg0.conf:12", "wg0.conf:18"], plan.Peers.Select(p => p.Place));
        Assert.Equal(5, plan.NotCarried.Count);
        Assert.Equal(
            "wg0.conf:5: PostUp = 'iptables -I INPUT -p udp --dport 49613 -j ACCEPT': Holt runs no hooks; its firewall forwards and masquerades the VPN's traffic itself (masquerade in [gateway]), and anything else needs carrying by hand",
            plan.NotCarried[0]);
        Assert.All(plan.NotCarried, n => Assert.Matches("^wg0.conf:[5-9]: Post(Up|Down) = ", n));
        Assert.Empty(plan.Notes);
    }

    [Fact]
    public void PiVpn_BeginMarkersNamePeers_AndTheEndMarkerNamesNothing()
    {
        string text = $"""
            [Interface]
            PrivateKey = {TestKeys.GatewayPrivate}
            Address = 10.6.0.1/24,fd11:5ee:bad:c0de::1/64
            MTU = 1420
            ListenPort = 51820
            ### begin laptop ###
            [Peer]
            PublicKey = {TestKeys.LaptopPublic}
            PresharedKey = {TestKeys.Psk1}
            AllowedIPs = 10.6.0.2/32,fd11:5ee:bad:c0de::2/128
            ### end laptop ###
            [Peer]
            PublicKey = {TestKeys.PhonePublic}
            AllowedIPs = 10.6.0.3/32,fd11:5ee:bad:c0de::3/128
            ### begin tablet ###
            [Peer]
            PublicKey = {TabletPublic}
            AllowedIPs = 10.6.0.4/32,fd11:5ee:bad:c0de::4/128
            ### end tablet ###
            """;

        ImportPlan plan = Read(text);

        Assert.Empty(plan.Problems);
        Assert.Equal(["laptop", "peer-10-6-0-3", "tablet"], plan.Gateway!.Peers.Select(p => p.Name));
        Assert.Equal(1420, plan.Gateway.Mtu);
    }

    [Fact]
    public void WgEasysGeneratedConf_ClientCommentsNamePeers_AndItsHooksAreListed()
    {
        string text = $"""

            # Note: Do not edit this file directly.
            # Your changes will be overwritten!

            # Server
            [Interface]
            PrivateKey = {TestKeys.GatewayPrivate}
            Address = 10.8.0.1/24
            ListenPort = 51820
            PreUp = 
            PostUp = iptables -t nat -A POSTROUTING -s 10.8.0.0/24 -o eth0 -j MASQUERADE; iptables -A INPUT -p udp -m udp --dport 51820 -j ACCEPT;
            PreDown = 
            PostDown = iptables -t nat -D POSTROUTING -s 10.8.0.0/24 -o eth0 -j MASQUERADE;


            # Client: John's iPhone (0b7a6f3e-62c4-4e0a-9f4e-0a1c2b3d4e5f)
            [Peer]
            PublicKey = {TestKeys.LaptopPublic}
            PresharedKey = {TestKeys.Psk1}
            AllowedIPs = 10.8.0.2/32

            # Client: laptop (7d3f0c1a-1111-4222-8333-944455566677)
            [Peer]
            PublicKey = {TestKeys.PhonePublic}
            PresharedKey = {TestKeys.Psk2}
            AllowedIPs = 10.8.0.3/32
            """;

        ImportPlan plan = Read(text);

        Assert.Empty(plan.Problems);
        Assert.Equal(["John-s-iPhone", "laptop"], plan.Gateway!.Peers.Select(p => p.Name));
        Assert.Equal("John's iPhone", plan.Peers[0].NamedAfter);
        Assert.Equal(["wg0.conf:17: peer 'John-s-iPhone' is named after 'John's iPhone' (names are ASCII letters, digits, '.', '_' and '-', at most 32)"], plan.Notes);
        Assert.Equal(4, plan.NotCarried.Count);
        Assert.Contains("wg0.conf:10: PreUp = '': Holt runs no hooks", plan.NotCarried[0], StringComparison.Ordinal);
    }

    [Fact]
    public void WireguardUi_NameFieldInTheBlockAbove_WinsOverTheOtherComments()
    {
        string text = $"""
            [Interface]
            Address = 10.252.1.0/24
            ListenPort = 51820
            PrivateKey = {TestKeys.GatewayPrivate}
            MTU = 1450

            # ID:           cbdsl8k0cq5ouasfqlg0
            # Name:         Alice's laptop
            # Email:        alice@example.com
            # Telegram:
            # Allocated IPs: 10.252.1.1/32
            # Extra Allowed IPs:
            # Create Date:  2023-01-05 10:12:01.223 +0000 UTC
            # Update Date:  2023-01-05 10:12:01.223 +0000 UTC
            [Peer]
            PublicKey = {TestKeys.LaptopPublic}
            PresharedKey = {TestKeys.Psk1}
            AllowedIPs = 10.252.1.1/32
            """;

        ImportPlan plan = Read(text);

        Assert.Empty(plan.Problems);
        Assert.Equal("Alice-s-laptop", plan.Gateway!.Peers.Single().Name);

        // wireguard-ui gives the server the network's own address, which is no host's to Holt: the gateway takes
        // the first address its peers leave free, and says so.
        Assert.Equal(IPAddress.Parse("10.252.1.2"), plan.Gateway.Address);
        Assert.Contains("wg0.conf:2: the server's address 10.252.1.0 is its subnet's network address, which Holt gives no host; the gateway takes 10.252.1.2, the first its peers leave free", plan.Notes);
    }

    [Fact]
    public void SaveConfigOutput_WithoutComments_NamesPeersByTheirAddresses()
    {
        // What wg-quick save writes: its own lines after [Interface] (every address of the interface, the kernel's
        // link-local one too), then wg showconf's.
        string text = $"""
            [Interface]
            Address = 10.8.0.1/24
            Address = fe80::e3e1:1cc4:ca92:4c36/64
            SaveConfig = true
            ListenPort = 51820
            PrivateKey = {TestKeys.GatewayPrivate}

            [Peer]
            PublicKey = {TestKeys.LaptopPublic}
            AllowedIPs = 10.8.0.2/32
            Endpoint = 198.51.100.7:40123

            [Peer]
            PublicKey = {TestKeys.PhonePublic}
            PresharedKey = {TestKeys.Psk2}
            AllowedIPs = 10.8.0.3/32
            PersistentKeepalive = 25
            """;

        ImportPlan plan = Read(text);

        Assert.Empty(plan.Problems);
        Assert.Equal(["peer-10-8-0-2", "peer-10-8-0-3"], plan.Gateway!.Peers.Select(p => p.Name));
        Assert.Null(plan.Gateway.Subnet6);
        Assert.Equal(
            [
                "wg0.conf:3: Address fe80::e3e1:1cc4:ca92:4c36/64: a link-local address the kernel gives every interface itself (wg-quick save writes it back)",
                "wg0.conf:4: SaveConfig: Holt keeps its configuration in holt.toml and writes it on every change itself",
                "wg0.conf:11: Endpoint = '198.51.100.7:40123': Holt waits for its peers to connect and does not dial them",
                "wg0.conf:17: PersistentKeepalive = '25': the gateway sends no keepalives; its peers' own keep NAT mappings open",
            ],
            plan.NotCarried);
    }

    [Theory]
    [InlineData("# laptop", "laptop")]
    [InlineData("#laptop", "laptop")]
    [InlineData("# friendly_name = office-nas", "office-nas")]
    [InlineData("# Name = home server", "home-server")]
    [InlineData("## Client: bob (uuid-less)", "bob-uuid-less")]
    [InlineData("# PublicKey = abc", "peer-10-8-0-2")]
    [InlineData("# [Peer]", "peer-10-8-0-2")]
    [InlineData("# The following peers are the devices of the office, added in March", "peer-10-8-0-2")]
    [InlineData("# ---", "peer-10-8-0-2")]
    [InlineData("# end laptop", "peer-10-8-0-2")]
    public void CommentAbove_NamesThePeerOnlyWhenItIsAName(string comment, string name)
    {
        string text = $"""
            [Interface]
            Address = 10.8.0.1/24
            PrivateKey = {TestKeys.GatewayPrivate}

            {comment}
            [Peer]
            PublicKey = {TestKeys.LaptopPublic}
            AllowedIPs = 10.8.0.2/32
            """;

        Assert.Equal(name, Read(text).Gateway!.Peers.Single().Name);
    }

    [Fact]
    public void Comments_OnTheHeaderLineAndBelowIt_NameThePeer_AndABlankLineEndsABlock()
    {
        string text = $"""
            [Interface]
            Address = 10.8.0.1/24
            PrivateKey = {TestKeys.GatewayPrivate}
            # below are the peers

            [Peer] # laptop
            PublicKey = {TestKeys.LaptopPublic}
            AllowedIPs = 10.8.0.2/32

            [Peer]
            # phone
            PublicKey = {TestKeys.PhonePublic}
            AllowedIPs = 10.8.0.3/32
            # not a name for the next one

            [Peer]
            PublicKey = {TabletPublic}
            AllowedIPs = 10.8.0.4/32
            """;

        Assert.Equal(["laptop", "phone", "peer-10-8-0-4"], Read(text).Gateway!.Peers.Select(p => p.Name));
    }

    [Fact]
    public void ProblemsAreReportedPerPeerWithTheirLines_AllInOneRun_AndNothingIsPlanned()
    {
        string text = $"""
            [Interface]
            Address = 10.8.0.1/24
            PrivateKey = {TestKeys.GatewayPrivate}

            # laptop
            [Peer]
            PublicKey = {TestKeys.LaptopPublic}
            AllowedIPs = 10.8.0.2/32

            # LAPTOP
            [Peer]
            PublicKey = {TestKeys.PhonePublic}
            AllowedIPs = 10.8.0.3/32

            # phone
            [Peer]
            PublicKey = {TestKeys.LaptopPrivate[..20]}
            AllowedIPs = 10.8.0.4/32

            # tablet
            [Peer]
            PublicKey = {TabletPublic}
            PresharedKey = {TestKeys.Psk1[..30]}
            AllowedIPs = 10.9.0.5/32

            # nas
            [Peer]
            PublicKey = {TestKeys.LaptopPublic}
            AllowedIPs = 10.8.0.3/32

            # router
            [Peer]
            PublicKey = {TestKeys.GatewayPublic}
            AllowedIPs = 10.8.0.1/32

            # twice
            [Peer]
            PublicKey = {TestKeys.ImportedPublic}
            AllowedIPs = 10.8.0.7/32, 10.8.0.8/32

            # keyless
            [Peer]
            AllowedIPs = 10.8.0.9/32

            # broadcast
            [Peer]
            PublicKey = {ServerPublic2}
            AllowedIPs = 10.8.0.255/32
            """;

        ImportPlan plan = Read(text);

        Assert.Null(plan.Gateway);
        Assert.Equal(
            [
                "wg0.conf:11: peer 'LAPTOP': the name is taken by the peer at line 6 (names are unique whatever their case); rename one",
                "wg0.conf:17: peer 'phone': its public key is not a key (44 characters of base64, as wg pubkey prints)",
                "wg0.conf:23: peer 'tablet': its preshared key is not a key (44 characters of base64, as wg genpsk prints)",
                "wg0.conf:24: peer 'tablet': its address 10.9.0.5 is outside the VPN subnet 10.8.0.0/24",
                "wg0.conf:28: peer 'nas': the peer at line 6 has the same public key",
                "wg0.conf:29: peer 'nas': 10.8.0.3 is also the address of the peer at line 11",
                "wg0.conf:33: peer 'router': its public key is the server's own",
                "wg0.conf:34: peer 'router': 10.8.0.1 is the server's own address",
                "wg0.conf:39: peer 'twice': 10.8.0.7 and 10.8.0.8 are both in 10.8.0.0/24; Holt gives a peer one address there",
                "wg0.conf:42: peer 'keyless': it has no public key (PublicKey)",
                "wg0.conf:48: peer 'broadcast': 10.8.0.255 is the broadcast address of 10.8.0.0/24",
            ],
            plan.Problems);
        Assert.DoesNotContain(plan.Problems, p => p.Contains(TestKeys.LaptopPrivate[..20], StringComparison.Ordinal) || p.Contains(TestKeys.Psk1[..30], StringComparison.Ordinal));
    }

    [Fact]
    public void NoPeerAddressAtAll_IsAProblem_AndNetworksBehindAPeerAreListed()
    {
        string text = $"""
            [Interface]
            Address = 10.8.0.1/24
            PrivateKey = {TestKeys.GatewayPrivate}
            # site
            [Peer]
            PublicKey = {TestKeys.LaptopPublic}
            AllowedIPs = 10.8.0.2/32, 192.168.1.0/24, fd00:1::/64
            # whole
            [Peer]
            PublicKey = {TestKeys.PhonePublic}
            AllowedIPs = 0.0.0.0/0
            """;

        ImportPlan plan = Read(text);

        Assert.Equal(["wg0.conf:9: peer 'whole': it has no address of its own in the VPN subnet 10.8.0.0/24 (AllowedIPs needs one such as 10.8.0.2/32)"], plan.Problems);
        Assert.Equal(
            [
                "wg0.conf:7: peer 'site': AllowedIPs 192.168.1.0/24: Holt routes only a peer's own addresses, not networks behind it",
                "wg0.conf:7: peer 'site': AllowedIPs fd00:1::/64: Holt routes only a peer's own addresses, not networks behind it",
            ],
            plan.NotCarried);
    }

    [Fact]
    public void ServerProblems_AreReported_AndAHostAddressNeedsTheSubnetGiven()
    {
        ImportPlan noKey = Read("[Interface]\nAddress = 10.8.0.1/24\n");
        Assert.Equal(["wg0.conf: the server has no private key (PrivateKey in [Interface])"], noKey.Problems);

        ImportPlan badKey = Read($"[Interface]\nAddress = 10.8.0.1/24\nPrivateKey = {TestKeys.GatewayPrivate[..40]}\n");
        Assert.Equal(["wg0.conf:3: the server's private key is not a key (44 characters of base64, as wg genkey prints)"], badKey.Problems);

        ImportPlan noAddress = Read($"[Interface]\nPrivateKey = {TestKeys.GatewayPrivate}\n");
        Assert.Equal(["wg0.conf: the server has no IPv4 address (Address in [Interface]), which says the VPN's subnet; give the subnet with --subnet 10.8.0.0/24"], noAddress.Problems);

        string host = $"[Interface]\nAddress = 10.8.0.1/32\nPrivateKey = {TestKeys.GatewayPrivate}\n[Peer]\nPublicKey = {TestKeys.LaptopPublic}\nAllowedIPs = 10.8.0.2/32\n";
        Assert.Equal(["wg0.conf:2: Address 10.8.0.1/32 names no subnet with room for peers (at most /30); give the VPN's subnet with --subnet"], Read(host).Problems);
        ImportPlan given = Read(host, s_options with { Subnet = "10.8.0.0/24" });
        Assert.Empty(given.Problems);
        Assert.Equal(IPNetwork.Parse("10.8.0.0/24"), given.Gateway!.Subnet);
        Assert.Equal(IPAddress.Parse("10.8.0.1"), given.Gateway.Address);

        ImportPlan badLines = Read($"[Interface]\nAddress = 10.8.0.1/24, 10.8.0\nListenPort = 70000\nMTU = big\nPrivateKey = {TestKeys.GatewayPrivate}\n");
        Assert.Equal(
            [
                "wg0.conf:2: Address '10.8.0' is not an IP address with an optional /prefix length",
                "wg0.conf:3: ListenPort must be a port from 0 to 65535, not '70000'",
                "wg0.conf:4: MTU must be a number from 68 to 65535, not 'big'",
            ],
            badLines.Problems);
    }

    [Fact]
    public void OptionsReplaceWhatTheFileSays_AndAreCheckedToo()
    {
        ImportPlan plan = Read(s_wireguardInstall, s_options with { Interface = "holt0", Port = 51000, Dns = ["1.1.1.1"], FullTunnel = true });

        Assert.Equal("holt0", plan.Gateway!.Interface);
        Assert.Equal(51000, plan.Gateway.ListenPort);
        Assert.Equal(["1.1.1.1"], plan.Gateway.Dns);
        Assert.All(plan.Gateway.Peers, p => Assert.Equal(ClientConfig.FullTunnel, p.AllowedIps));

        ImportPlan bad = Read(s_wireguardInstall, s_options with { Interface = "a/b", Dns = ["999.1.1.1"], Endpoint = "vpn.example.com:0" });
        Assert.Equal(3, bad.Problems.Count);
        Assert.Contains("wg0.conf: 'a/b' is not a valid interface name", bad.Problems[0], StringComparison.Ordinal);
        Assert.Contains("wg0.conf: --dns: '999.1.1.1' is not a valid IPv4 address", bad.Problems[1], StringComparison.Ordinal);
        Assert.StartsWith("wg0.conf: --endpoint: ", bad.Problems[2], StringComparison.Ordinal);
    }

    [Fact]
    public void OddLines_AreListedNotFatal_AndAKeyPastedWithoutItsNameIsNotQuoted()
    {
        string text = $"""
            Stray = 1
            [Interface]
            Address = 10.8.0.1/24
            PrivateKey = {TestKeys.GatewayPrivate}
            {TestKeys.LaptopPrivate}
            DNS = 1.1.1.1
            Table = off
            FwMark = 0x1234
            Frobnicate = yes
            PublicKey = {TestKeys.LaptopPublic}
            [Wat]
            [Peer]
            PublicKey = {TestKeys.LaptopPublic}
            AllowedIPs = 10.8.0.2/32
            ListenPort = 1
            """;

        ImportPlan plan = Read(text);

        Assert.Empty(plan.Problems);
        Assert.Equal(
            [
                "wg0.conf:1: 'Stray' comes before any section",
                "wg0.conf:5: unknown key '(key)' in [Interface]",
                "wg0.conf:6: DNS = '1.1.1.1': under wg-quick it sets this server's own resolver; the name servers Holt writes into client configs come from --dns",
                "wg0.conf:7: Table = 'off': Holt routes the VPN subnets through the interface in the main table",
                "wg0.conf:8: FwMark = '0x1234': Holt sets no firewall mark on the tunnel's packets",
                "wg0.conf:9: unknown key 'Frobnicate' in [Interface]",
                "wg0.conf:10: PublicKey belongs in a [Peer] section, not in [Interface]; skipped",
                "wg0.conf:11: section '[Wat]': wg-quick has only [Interface] and [Peer]; its keys are skipped",
                "wg0.conf:15: ListenPort belongs in the [Interface] section, not in [Peer]; skipped",
            ],
            plan.NotCarried);
        Assert.Equal(["wg0.conf: no ListenPort: wg-quick let the kernel pick a port each time; Holt listens on 51820 unless --port says otherwise"], plan.Notes);
    }

    [Fact]
    public void CrlfLinesAndCaseOfKeys_AreReadAsWgQuickReadsThem()
    {
        string text = $"[interface]\r\naddress = 10.8.0.1/24\r\nprivate key = {TestKeys.GatewayPrivate}\r\nListenPort = 51820\r\n\r\n# laptop\r\n[PEER]\r\nPUBLICKEY = {TestKeys.LaptopPublic}\r\nallowed ips = 10.8.0.2/32\r\n";

        ImportPlan plan = Read(text);

        Assert.Empty(plan.Problems);
        Assert.Equal("laptop", plan.Gateway!.Peers.Single().Name);
    }

    [Fact]
    public void RandomGarbage_NeverThrows_AndNeverQuotesAKey()
    {
        var random = new Random(18);
        string[] pieces = ["[Interface]", "[Peer]", "#", "=", "Address", "AllowedIPs", "PublicKey", "PrivateKey", "10.8.0.1/24", "10.8.0.", "/", ",", " ", "\n", "\r", "\0", "é", TestKeys.LaptopPrivate, "::", "ListenPort", "MTU", "# laptop"];
        for (int round = 0; round < 2000; round++)
        {
            string text = string.Concat(Enumerable.Range(0, random.Next(1, 60)).Select(_ => pieces[random.Next(pieces.Length)]));

            ImportPlan plan = Read(text);

            Assert.True(plan.Gateway is null == plan.Problems.Count > 0);
            Assert.DoesNotContain(plan.Problems.Concat(plan.NotCarried).Concat(plan.Notes), line => line.Contains(TestKeys.LaptopPrivate, StringComparison.Ordinal));
        }
    }

    private static ImportPlan Read(string text, ImportOptions? options = null) =>
        WgQuickImport.Read("wg0.conf", text, options ?? s_options);
}
