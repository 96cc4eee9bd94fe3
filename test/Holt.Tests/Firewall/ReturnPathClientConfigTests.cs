using System.Net;
using Holt.Cli;
using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Tests.Gateway;

namespace Holt.Tests.Firewall;

/// <summary>
/// The client config of a peer whose ports the gateway exposes: its replies to internet clients must go back
/// through the tunnel, so it accepts any address, keeps its routes split (Table = off and PostUp routes) and sends
/// what leaves from its VPN address through table 51821. Other peers get the ordinary config.
/// </summary>
public sealed class ReturnPathClientConfigTests
{
    private static readonly GatewayConfig s_gateway = new()
    {
        Interface = "wg0",
        PrivateKey = TestKeys.GatewayPrivate,
        Endpoint = "vpn.example.com",
        Subnet = IPNetwork.Parse("10.8.0.0/24"),
        Address = IPAddress.Parse("10.8.0.1"),
        Routes = [IPNetwork.Parse("192.168.1.0/24"), IPNetwork.Parse("10.0.0.0/8")],
    };

    private static readonly GatewayConfig s_dualStack = new()
    {
        Interface = "wg0",
        PrivateKey = TestKeys.GatewayPrivate,
        Endpoint = "vpn.example.com",
        Subnet = IPNetwork.Parse("10.8.0.0/24"),
        Address = IPAddress.Parse("10.8.0.1"),
        Subnet6 = IPNetwork.Parse("fd42::/64"),
        Address6 = IPAddress.Parse("fd42::1"),
    };

    private static readonly PeerConfig s_home = new()
    {
        Name = "home",
        PublicKey = TestKeys.LaptopPublic,
        PrivateKey = TestKeys.LaptopPrivate,
        PresharedKey = TestKeys.Psk1,
        Address = IPAddress.Parse("10.8.0.2"),
    };

    [Fact]
    public void Render_ExposedPeerV4_HasTheReturnPathAndAcceptsAnyAddress()
    {
        HoltConfig gateway = With(s_gateway with { Peers = [s_home] }, [Exposed("home", snat: false)]);

        Assert.Equal(
            "[Interface]\n" +
            $"PrivateKey = {TestKeys.LaptopPrivate}\n" +
            "Address = 10.8.0.2/32\n" +
            "# The gateway forwards public ports to this peer: replies to those clients go back through the tunnel.\n" +
            "Table = off\n" +
            "PostUp = ip -4 route add 10.8.0.0/24 dev %i\n" +
            "PostUp = ip -4 route add 192.168.1.0/24 dev %i\n" +
            "PostUp = ip -4 route add 10.0.0.0/8 dev %i\n" +
            "PostUp = ip -4 route add default dev %i table 51821\n" +
            "PostUp = ip -4 rule add from 10.8.0.2 lookup 51821\n" +
            "PostDown = ip -4 rule del from 10.8.0.2 lookup 51821\n" +
            "\n" +
            "[Peer]\n" +
            $"PublicKey = {TestKeys.GatewayPublic}\n" +
            $"PresharedKey = {TestKeys.Psk1}\n" +
            "Endpoint = vpn.example.com:51820\n" +
            "AllowedIPs = 0.0.0.0/0, ::/0\n" +
            "PersistentKeepalive = 25\n",
            Editing.ClientConfigOf(gateway, s_home));
    }

    [Fact]
    public void Render_ExposedPeerWithAddress6_RoutesBothFamiliesBack()
    {
        PeerConfig home = s_home with { Address6 = IPAddress.Parse("fd42::2"), PresharedKey = null };
        HoltConfig gateway = With(s_dualStack with { Peers = [home] }, [Exposed("home", snat: false)]);

        Assert.Equal(
            "[Interface]\n" +
            $"PrivateKey = {TestKeys.LaptopPrivate}\n" +
            "Address = 10.8.0.2/32, fd42::2/128\n" +
            "# The gateway forwards public ports to this peer: replies to those clients go back through the tunnel.\n" +
            "Table = off\n" +
            "PostUp = ip -6 route add fd42::/64 dev %i\n" +
            "PostUp = ip -4 route add 10.8.0.0/24 dev %i\n" +
            "PostUp = ip -4 route add default dev %i table 51821\n" +
            "PostUp = ip -4 rule add from 10.8.0.2 lookup 51821\n" +
            "PostDown = ip -4 rule del from 10.8.0.2 lookup 51821\n" +
            "PostUp = ip -6 route add default dev %i table 51821\n" +
            "PostUp = ip -6 rule add from fd42::2 lookup 51821\n" +
            "PostDown = ip -6 rule del from fd42::2 lookup 51821\n" +
            "\n" +
            "[Peer]\n" +
            $"PublicKey = {TestKeys.GatewayPublic}\n" +
            "Endpoint = vpn.example.com:51820\n" +
            "AllowedIPs = 0.0.0.0/0, ::/0\n" +
            "PersistentKeepalive = 25\n",
            Editing.ClientConfigOf(gateway, home));
    }

    [Fact]
    public void Render_ExposedPeerWithItsOwnAllowedIps_RoutesThoseLongestPrefixFirst()
    {
        PeerConfig home = s_home with { AllowedIps = [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("10.8.0.0/24"), IPNetwork.Parse("172.16.5.0/28")] };
        HoltConfig gateway = With(s_gateway with { Peers = [home] }, [Exposed("home", snat: false)]);

        string rendered = Editing.ClientConfigOf(gateway, home);

        Assert.Contains(
            "Table = off\n" +
            "PostUp = ip -4 route add 172.16.5.0/28 dev %i\n" +
            "PostUp = ip -4 route add 10.8.0.0/24 dev %i\n" +
            "PostUp = ip -4 route add 10.0.0.0/8 dev %i\n" +
            "PostUp = ip -4 route add default dev %i table 51821\n",
            rendered,
            StringComparison.Ordinal);
        Assert.Contains("AllowedIPs = 0.0.0.0/0, ::/0\n", rendered, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_PeerWithSnatExposuresOnly_IsTheOrdinaryConfig()
    {
        HoltConfig gateway = With(s_gateway with { Peers = [s_home] }, [Exposed("home", snat: true)]);

        Assert.Equal(Editing.ClientConfigOf(With(s_gateway with { Peers = [s_home] }, []), s_home), Editing.ClientConfigOf(gateway, s_home));
        Assert.DoesNotContain("Table", Editing.ClientConfigOf(gateway, s_home), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_FullTunnelPeerWithAnExposure_IsTheOrdinaryConfig()
    {
        PeerConfig home = s_home with { AllowedIps = ClientConfig.FullTunnel };
        HoltConfig gateway = With(s_gateway with { Peers = [home] }, [Exposed("home", snat: false)]);

        string rendered = Editing.ClientConfigOf(gateway, home);

        Assert.DoesNotContain("Table", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("PostUp", rendered, StringComparison.Ordinal);
        Assert.Contains("AllowedIPs = 0.0.0.0/0, ::/0\n", rendered, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_IPv4FullTunnelPeerWithoutAddress6_IsTheOrdinaryConfig()
    {
        PeerConfig home = s_home with { AllowedIps = [IPNetwork.Parse("0.0.0.0/0")] };
        HoltConfig gateway = With(s_gateway with { Peers = [home] }, [Exposed("home", snat: false)]);

        string rendered = Editing.ClientConfigOf(gateway, home);

        Assert.DoesNotContain("Table", rendered, StringComparison.Ordinal);
        Assert.Contains("AllowedIPs = 0.0.0.0/0\n", rendered, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_PeerWhoseNeighbourIsExposed_IsTheOrdinaryConfig()
    {
        PeerConfig phone = s_home with { Name = "phone", Address = IPAddress.Parse("10.8.0.3") };
        HoltConfig gateway = With(s_gateway with { Peers = [s_home, phone] }, [Exposed("home", snat: false)]);

        string rendered = Editing.ClientConfigOf(gateway, phone);

        Assert.DoesNotContain("Table", rendered, StringComparison.Ordinal);
        Assert.Contains("AllowedIPs = 10.8.0.0/24, 192.168.1.0/24, 10.0.0.0/8\n", rendered, StringComparison.Ordinal);
    }

    private static Exposure Exposed(string peer, bool snat) => new() { PublicPort = 8080, Peer = peer, ToPort = 80, Snat = snat };

    private static HoltConfig With(GatewayConfig gateway, IReadOnlyList<Exposure> exposures) =>
        HoltConfig.Empty.WithGateway(gateway).WithFirewall(new FirewallConfig { Exposures = exposures });
}
