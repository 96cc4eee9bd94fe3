using System.Net;
using Holt.Config;
using Holt.Dashboard;
using Holt.Gateway;
using Holt.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Dashboard;

/// <summary>
/// Who a request is: a peer by its own VPN address on the gateway's address, this machine by loopback (or the
/// gateway's own address as the source), nobody else; and the Host names a request may use.
/// </summary>
public sealed class DashboardAccessTests
{
    private static readonly IPAddress s_gateway = IPAddress.Parse("10.8.0.1");
    private static readonly IPAddress s_gateway6 = IPAddress.Parse("fd08::1");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly DashboardAccess _access;

    public DashboardAccessTests()
    {
        _access = new DashboardAccess(new DashboardSessions(_time));
        _access.Update(Gateway());
    }

    [Fact]
    public void AnAdminPeer_IsLetIn_ByItsOwnAddress_OnTheGatewaysAddress()
    {
        Visitor four = _access.Identify(IPAddress.Parse("10.8.0.2"), s_gateway, cookie: null);
        Visitor six = _access.Identify(IPAddress.Parse("fd08::2"), s_gateway6, cookie: null);
        Visitor mapped = _access.Identify(IPAddress.Parse("::ffff:10.8.0.2"), IPAddress.Parse("::ffff:10.8.0.1"), cookie: null);

        foreach (Visitor visitor in (Visitor[])[four, six, mapped])
        {
            Assert.Equal(VisitorKind.Admin, visitor.Kind);
            Assert.Equal("laptop", visitor.PeerName);
            Assert.True(visitor.MayUse);
        }
    }

    [Fact]
    public void AnotherPeer_IsAPeer_WhichMayNotUseIt()
    {
        Visitor phone = _access.Identify(IPAddress.Parse("10.8.0.3"), s_gateway, cookie: null);

        Assert.Equal(VisitorKind.Peer, phone.Kind);
        Assert.Equal("phone", phone.PeerName);
        Assert.False(phone.MayUse);
        Assert.Null(_access.CsrfToken(phone));
    }

    [Theory]
    [InlineData("192.168.1.20", "10.8.0.1")]
    [InlineData("10.8.0.99", "10.8.0.1")]
    [InlineData("203.0.113.9", "10.8.0.1")]
    [InlineData("10.8.0.2", "203.0.113.1")]
    public void AnyoneElse_IsAStranger(string remote, string local)
    {
        // An address behind a peer (its allowed IPs), a VPN address no peer has, the internet, and a peer's address
        // arriving on an address that is not the gateway's.
        Visitor visitor = _access.Identify(IPAddress.Parse(remote), IPAddress.Parse(local), cookie: null);

        Assert.Equal(VisitorKind.Stranger, visitor.Kind);
        Assert.False(visitor.MayUse);
    }

    [Fact]
    public void ThisMachine_NeedsASession()
    {
        string cookie = _access.Sessions.Open();

        Visitor without = _access.Identify(IPAddress.Loopback, IPAddress.Loopback, cookie: null);
        Visitor wrong = _access.Identify(IPAddress.Loopback, IPAddress.Loopback, cookie: "x" + cookie[1..]);
        Visitor with = _access.Identify(IPAddress.Loopback, IPAddress.Loopback, cookie);
        Visitor fromOwnAddress = _access.Identify(s_gateway, s_gateway, cookie: null);

        Assert.Equal(VisitorKind.Local, without.Kind);
        Assert.Equal(VisitorKind.Local, wrong.Kind);
        Assert.Equal(VisitorKind.Session, with.Kind);
        Assert.True(with.MayUse);
        Assert.Equal(VisitorKind.Local, fromOwnAddress.Kind);
    }

    [Fact]
    public void APeerMadeAdminOrNot_CountsFromItsNextRequest()
    {
        GatewayConfig gateway = Gateway();
        _access.Update(gateway with { Peers = [.. gateway.Peers.Select(p => p with { Admin = p.Name == "phone" })] });

        Assert.Equal(VisitorKind.Peer, _access.Identify(IPAddress.Parse("10.8.0.2"), s_gateway, null).Kind);
        Assert.Equal(VisitorKind.Admin, _access.Identify(IPAddress.Parse("10.8.0.3"), s_gateway, null).Kind);
    }

    [Fact]
    public void TheCsrfToken_IsBoundToTheVisitor()
    {
        Visitor laptop = _access.Identify(IPAddress.Parse("10.8.0.2"), s_gateway, null);
        Visitor session = _access.Identify(IPAddress.Loopback, IPAddress.Loopback, _access.Sessions.Open());
        Visitor other = _access.Identify(IPAddress.Loopback, IPAddress.Loopback, _access.Sessions.Open());
        string token = _access.CsrfToken(laptop)!;

        Assert.True(_access.IsCsrfToken(laptop, token));
        Assert.False(_access.IsCsrfToken(session, token));
        Assert.False(_access.IsCsrfToken(other, _access.CsrfToken(session)));
        Assert.False(_access.IsCsrfToken(laptop, null));
        Assert.False(_access.IsCsrfToken(laptop, token[..^1]));
        Assert.NotEqual(token, new DashboardAccess(new DashboardSessions(_time)).CsrfToken(laptop));
    }

    [Theory]
    [InlineData("10.8.0.1:9587", "10.8.0.1", true)]
    [InlineData("10.8.0.1", "10.8.0.1", true)]
    [InlineData("[fd08::1]:9587", "fd08::1", true)]
    [InlineData("127.0.0.1:9587", "127.0.0.1", true)]
    [InlineData("localhost:8080", "127.0.0.1", true)]
    [InlineData("[::1]:9587", "::1", true)]
    [InlineData("attacker.example:9587", "10.8.0.1", false)]
    [InlineData("attacker.example", "127.0.0.1", false)]
    [InlineData("localhost:9587", "10.8.0.1", false)]
    [InlineData("10.8.0.1:9587", "127.0.0.1", false)]
    [InlineData("10.8.0.01:9587", "10.8.0.1", false)]
    [InlineData("10.8.0.1:95x7", "10.8.0.1", false)]
    [InlineData("", "10.8.0.1", false)]
    [InlineData("fd08::1", "fd08::1", false)]
    public void TheHost_MustNameTheAddressItCameTo(string host, string local, bool allowed) =>
        Assert.Equal(allowed, DashboardAccess.IsOwnHost(host, IPAddress.Parse(local)));

    private static GatewayConfig Gateway()
    {
        GatewayConfig gateway = GatewaySetup.Create(new InitOptions { Endpoint = "vpn.example.com", Subnet = "10.8.0.0/24", Subnet6 = "fd08::/64", Interface = "hdbaccess" });
        return gateway with
        {
            Peers =
            [
                Peer("laptop", "10.8.0.2", "fd08::2", admin: true) with { AllowedIps = [IPNetwork.Parse("192.168.1.0/24")] },
                Peer("phone", "10.8.0.3", "fd08::3", admin: false),
            ],
        };
    }

    private static PeerConfig Peer(string name, string address, string address6, bool admin) => new()
    {
        Name = name,
        PublicKey = Holt.WireGuard.Keys.PrivateKey.Generate().PublicKey.ToBase64(),
        Address = IPAddress.Parse(address),
        Address6 = IPAddress.Parse(address6),
        Admin = admin,
    };
}
