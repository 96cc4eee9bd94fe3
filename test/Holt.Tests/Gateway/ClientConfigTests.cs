using System.Net;
using Holt.Gateway;

namespace Holt.Tests.Gateway;

/// <summary>Client configs in wg-quick's format, exactly as the WireGuard apps import them.</summary>
public sealed class ClientConfigTests
{
    private static readonly GatewayConfig s_gateway = new()
    {
        Interface = "wg0",
        PrivateKey = TestKeys.GatewayPrivate,
        Endpoint = "vpn.example.com",
        Subnet = IPNetwork.Parse("10.8.0.0/24"),
        Address = IPAddress.Parse("10.8.0.1"),
    };

    private static readonly PeerConfig s_laptop = new()
    {
        Name = "laptop",
        PublicKey = TestKeys.LaptopPublic,
        PrivateKey = TestKeys.LaptopPrivate,
        PresharedKey = TestKeys.Psk1,
        Address = IPAddress.Parse("10.8.0.2"),
    };

    [Fact]
    public void Render_PrivateKeyOfAnotherPeer_IsRefused_WithoutPrintingIt()
    {
        PeerConfig edited = s_laptop with { PrivateKey = TestKeys.PhonePrivate };

        var error = Assert.Throws<CommandException>(() => ClientConfig.Render(s_gateway, edited, servesExposures: false));

        Assert.Equal("peer 'laptop': its private_key does not belong to its public_key (was the file edited by hand?)", error.Message);
        Assert.DoesNotContain(TestKeys.PhonePrivate, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_DefaultPeer_IsExactlyThisText()
    {
        Assert.Equal(
            "[Interface]\n" +
            $"PrivateKey = {TestKeys.LaptopPrivate}\n" +
            "Address = 10.8.0.2/32\n" +
            "\n" +
            "[Peer]\n" +
            $"PublicKey = {TestKeys.GatewayPublic}\n" +
            $"PresharedKey = {TestKeys.Psk1}\n" +
            "Endpoint = vpn.example.com:51820\n" +
            "AllowedIPs = 10.8.0.0/24\n" +
            "PersistentKeepalive = 25\n",
            ClientConfig.Render(s_gateway, s_laptop, servesExposures: false));
    }

    [Fact]
    public void Render_WithoutPskAndKeepalive_LeavesThoseLinesOut()
    {
        PeerConfig peer = s_laptop with { PresharedKey = null, Keepalive = 0 };

        Assert.Equal(
            "[Interface]\n" +
            $"PrivateKey = {TestKeys.LaptopPrivate}\n" +
            "Address = 10.8.0.2/32\n" +
            "\n" +
            "[Peer]\n" +
            $"PublicKey = {TestKeys.GatewayPublic}\n" +
            "Endpoint = vpn.example.com:51820\n" +
            "AllowedIPs = 10.8.0.0/24\n",
            ClientConfig.Render(s_gateway, peer, servesExposures: false));
    }

    [Fact]
    public void Render_DualStackWithDnsRoutesAndMtu_HasThemAll()
    {
        GatewayConfig gateway = s_gateway with
        {
            ListenPort = 4500,
            Subnet6 = IPNetwork.Parse("fd42:1::/64"),
            Address6 = IPAddress.Parse("fd42:1::1"),
            Dns = ["10.8.0.1", "home.arpa"],
            Mtu = 1380,
            Routes = [IPNetwork.Parse("192.168.1.0/24")],
        };
        PeerConfig peer = s_laptop with { Address6 = IPAddress.Parse("fd42:1::2"), Keepalive = 15 };

        Assert.Equal(
            "[Interface]\n" +
            $"PrivateKey = {TestKeys.LaptopPrivate}\n" +
            "Address = 10.8.0.2/32, fd42:1::2/128\n" +
            "DNS = 10.8.0.1, home.arpa\n" +
            "MTU = 1380\n" +
            "\n" +
            "[Peer]\n" +
            $"PublicKey = {TestKeys.GatewayPublic}\n" +
            $"PresharedKey = {TestKeys.Psk1}\n" +
            "Endpoint = vpn.example.com:4500\n" +
            "AllowedIPs = 10.8.0.0/24, fd42:1::/64, 192.168.1.0/24\n" +
            "PersistentKeepalive = 15\n",
            ClientConfig.Render(gateway, peer, servesExposures: false));
    }

    [Fact]
    public void Render_PeersOwnDns_OverridesTheGateways()
    {
        GatewayConfig gateway = s_gateway with { Dns = ["1.1.1.1"] };

        string own = ClientConfig.Render(gateway, s_laptop with { Dns = ["9.9.9.9", "2620:fe::fe"] }, servesExposures: false);
        string none = ClientConfig.Render(gateway, s_laptop with { Dns = [] }, servesExposures: false);
        string inherited = ClientConfig.Render(gateway, s_laptop, servesExposures: false);

        Assert.Contains("\nDNS = 9.9.9.9, 2620:fe::fe\n", own, StringComparison.Ordinal);
        Assert.DoesNotContain("1.1.1.1", own, StringComparison.Ordinal);
        Assert.DoesNotContain("DNS", none, StringComparison.Ordinal);
        Assert.Contains("\nDNS = 1.1.1.1\n", inherited, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_FullTunnel_RoutesEverything()
    {
        GatewayConfig gateway = s_gateway with { Routes = [IPNetwork.Parse("192.168.1.0/24")] };

        string text = ClientConfig.Render(gateway, s_laptop with { AllowedIps = ClientConfig.FullTunnel }, servesExposures: false);

        Assert.Contains("\nAllowedIPs = 0.0.0.0/0, ::/0\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1420, false)]
    [InlineData(1280, true)]
    [InlineData(1500, true)]
    public void Render_MtuLine_OnlyWhenNotTheDefault(int mtu, bool present)
    {
        string text = ClientConfig.Render(s_gateway with { Mtu = mtu }, s_laptop, servesExposures: false);

        Assert.Equal(present, text.Contains($"\nMTU = {mtu}\n", StringComparison.Ordinal));
        Assert.Equal(present, text.Contains("MTU", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("vpn.example.com:443", "vpn.example.com:443")]
    [InlineData("203.0.113.7", "203.0.113.7:51820")]
    [InlineData("2001:db8::1", "[2001:db8::1]:51820")]
    [InlineData("[2001:db8::1]:443", "[2001:db8::1]:443")]
    public void Render_Endpoint_AlwaysHasAPort(string endpoint, string written)
    {
        string text = ClientConfig.Render(s_gateway with { Endpoint = endpoint }, s_laptop, servesExposures: false);

        Assert.Contains($"\nEndpoint = {written}\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_PeerWithoutPrivateKey_IsRefused()
    {
        CommandException error = Assert.Throws<CommandException>(() => ClientConfig.Render(s_gateway, s_laptop with { PrivateKey = null }, servesExposures: false));

        Assert.Equal("peer 'laptop' has no private key in the configuration (it was added with its own key), so Holt cannot write its client config", error.Message);
    }
}
