using System.Net;
using Holt.Cli;
using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Nft;
using Holt.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Holt.Tests.Firewall;

/// <summary>
/// holt expose add/list/remove and the peer edits that touch exposures, on a holt.toml in a temporary directory
/// with an interface name no gateway runs. An edit checks its ruleset with nft and then brings Holt's table in
/// line, so every test runs inside a network namespace of its own class, never against the machine's ruleset.
/// Needs root.
/// </summary>
public sealed class ExposeOperationsTests(NetNsFixture fixture, ITestOutputHelper output) : IClassFixture<NetNsFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-expose").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero));

    private string _interface = "";

    private ConfigStore Store => TestConfig.Store(Path.Combine(_directory, "etc", "holt.toml"));

    private GatewayEdit Edit => Editing.Gateway(Store, _time);

    private string Table => Ruleset.TableName(_interface);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Add_ThenRemove_EditsTheFile()
    {
        InNamespace(() =>
        {
            Init();

            (HoltConfig added, Exposure exposure, bool applied) = ExposeOperations.Add(Store, new ExposeRequest { PublicPort = 8080, Peer = "home", ToPort = 80 }, _time.GetUtcNow());
            (_, Exposure second, _) = ExposeOperations.Add(Store, new ExposeRequest
            {
                PublicPort = 27015,
                Peer = "home",
                Protocol = "udp",
                Sources = ["203.0.113.0/24, 2001:db8::/32", "198.51.100.7/32"],
                Snat = true,
            }, _time.GetUtcNow());

            Assert.False(applied);
            Assert.Equal((8080, Protocol.Tcp, "home", 80, false), (exposure.PublicPort, exposure.Protocol, exposure.Peer, exposure.ToPort, exposure.Snat));
            Assert.Equal([exposure], added.Exposures);
            Assert.Equal(27015, second.ToPort);
            Assert.Equal([IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("198.51.100.7/32")], second.Sources);
            HoltConfig saved = Store.Load();
            Assert.Equal([(8080, Protocol.Tcp), (27015, Protocol.Udp)], saved.Exposures.Select(e => (e.PublicPort, e.Protocol)));
            Assert.True(saved.Exposures[1].Snat);

            (HoltConfig removed, Exposure gone, _) = ExposeOperations.Remove(Store, 8080, "tcp", _time.GetUtcNow());

            Assert.Equal(8080, gone.PublicPort);
            Assert.Equal([27015], removed.Exposures.Select(e => e.PublicPort));
            Assert.Equal([27015], Store.Load().Exposures.Select(e => e.PublicPort));

            // Nothing of Holt's is loaded while the gateway is down and the firewall off.
            Assert.Null(NftTables.List(Table));
        });
    }

    [Fact]
    public void Add_WithFirewallEnabledAndGatewayDown_LoadsTheDnatRules()
    {
        InNamespace(() =>
        {
            Init(firewallEnabled: true);

            bool applied, removedApplied;
            string? loaded, afterRemove;
            try
            {
                (_, _, applied) = ExposeOperations.Add(Store, new ExposeRequest { PublicPort = 8080, Peer = "home", ToPort = 80 }, _time.GetUtcNow());
                loaded = NftTables.List(Table);
                (_, _, removedApplied) = ExposeOperations.Remove(Store, 8080, "tcp", _time.GetUtcNow());
                afterRemove = NftTables.List(Table);
            }
            finally
            {
                NftTables.Remove(Table);
            }

            Assert.True(applied);
            Assert.NotNull(loaded);
            Assert.Matches(@"dport 8080 counter packets \d+ bytes \d+ dnat ip to 10\.8\.0\.2:80", loaded);
            Assert.Contains("policy drop", loaded, StringComparison.Ordinal);
            Assert.True(removedApplied);
            Assert.NotNull(afterRemove);
            Assert.DoesNotContain("8080", afterRemove, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Add_SamePortOtherProtocol_IsAccepted()
    {
        InNamespace(() =>
        {
            Init();
            ExposeOperations.Add(Store, new ExposeRequest { PublicPort = 8080, Peer = "home" }, _time.GetUtcNow());

            (HoltConfig config, _, _) = ExposeOperations.Add(Store, new ExposeRequest { PublicPort = 8080, Peer = "home", Protocol = "udp" }, _time.GetUtcNow());

            Assert.Equal([Protocol.Tcp, Protocol.Udp], config.Exposures.Select(e => e.Protocol));
        });
    }

    [Theory]
    [InlineData(8080, "tcp", "TCP port 8080 is already exposed to peer 'home'")]
    [InlineData(22, "tcp", "TCP port 22 is already an SSH port")]
    [InlineData(51820, "udp", "UDP port 51820 is already the WireGuard port")]
    public void Add_PortWithAnOwner_IsRefusedAndTheFileIsUnchanged(int port, string protocol, string expected)
    {
        InNamespace(() =>
        {
            Init();
            ExposeOperations.Add(Store, new ExposeRequest { PublicPort = 8080, Peer = "home" }, _time.GetUtcNow());
            byte[] before = File.ReadAllBytes(Store.Path);

            var error = Assert.Throws<CommandException>(() => ExposeOperations.Add(Store, new ExposeRequest { PublicPort = port, Peer = "phone", Protocol = protocol }, _time.GetUtcNow()));

            Assert.Equal(expected, error.Message);
            Assert.Equal(before, File.ReadAllBytes(Store.Path));
        });
    }

    [Theory]
    [InlineData(8080, null, "tcp", "nobody", null, "no peer named 'nobody' (holt peer list shows them)")]
    [InlineData(70000, null, "tcp", "home", null, "PUBLIC_PORT must be a port between 1 and 65535, not 70000")]
    [InlineData(0, null, "tcp", "home", null, "PUBLIC_PORT must be a port between 1 and 65535, not 0")]
    [InlineData(8080, 0, "tcp", "home", null, "--to-port must be a port between 1 and 65535, not 0")]
    [InlineData(8080, null, "sctp", "home", null, "--proto must be tcp or udp, not 'sctp'")]
    [InlineData(8080, null, "tcp", "home", "203.0.113.0/24,office", "--source-cidr: 'office' is not a CIDR such as 10.8.0.0/24 or fd00::/64")]
    [InlineData(8080, null, "tcp", "home", "203.0.113.1/24", "--source-cidr: '203.0.113.1/24' has host bits set; the network is 203.0.113.0/24")]
    public void Add_BadRequest_IsRefusedAndTheFileIsUnchanged(int port, int? toPort, string protocol, string peer, string? sources, string expected)
    {
        InNamespace(() =>
        {
            Init();
            byte[] before = File.ReadAllBytes(Store.Path);
            var request = new ExposeRequest { PublicPort = port, ToPort = toPort, Protocol = protocol, Peer = peer, Sources = sources is null ? [] : [sources] };

            var error = Assert.Throws<CommandException>(() => ExposeOperations.Add(Store, request, _time.GetUtcNow()));

            Assert.Equal(expected, error.Message);
            Assert.Equal(before, File.ReadAllBytes(Store.Path));
        });
    }

    [Fact]
    public void Remove_PortNotExposed_IsRefused()
    {
        InNamespace(() =>
        {
            Init();
            ExposeOperations.Add(Store, new ExposeRequest { PublicPort = 8080, Peer = "home" }, _time.GetUtcNow());
            byte[] before = File.ReadAllBytes(Store.Path);

            var error = Assert.Throws<CommandException>(() => ExposeOperations.Remove(Store, 8080, "udp", _time.GetUtcNow()));

            Assert.Equal("UDP port 8080 is not exposed (holt expose list shows what is)", error.Message);
            Assert.Equal(before, File.ReadAllBytes(Store.Path));
        });
    }

    [Fact]
    public void RemovePeer_WithExposures_IsRefusedAndTheFileIsUnchanged()
    {
        InNamespace(() =>
        {
            Init();
            ExposeOperations.Add(Store, new ExposeRequest { PublicPort = 8080, Peer = "home" }, _time.GetUtcNow());
            ExposeOperations.Add(Store, new ExposeRequest { PublicPort = 9000, Peer = "home" }, _time.GetUtcNow());
            byte[] before = File.ReadAllBytes(Store.Path);

            var error = Assert.Throws<CommandException>(() => PeerOperations.Remove(Edit, "home"));

            Assert.Equal("peer 'home' serves exposed ports (8080, 9000); remove them first with holt expose remove", error.Message);
            Assert.Equal(before, File.ReadAllBytes(Store.Path));

            // The other peer goes as usual.
            Assert.Null(PeerOperations.Remove(Edit, "phone").Config.Gateway.FindPeer("phone"));
        });
    }

    [Fact]
    public void RenamePeer_CarriesItsExposures()
    {
        InNamespace(() =>
        {
            Init();
            ExposeOperations.Add(Store, new ExposeRequest { PublicPort = 8080, Peer = "home" }, _time.GetUtcNow());
            ExposeOperations.Add(Store, new ExposeRequest { PublicPort = 9000, Peer = "phone" }, _time.GetUtcNow());

            PeerOperations.Rename(Edit, "home", "nas");

            HoltConfig saved = Store.Load();
            Assert.Equal([("nas", 8080), ("phone", 9000)], saved.Exposures.Select(e => (e.Peer, e.PublicPort)));
            Assert.Equal([9000], ExposeOperations.Remove(Store, 8080, "tcp", _time.GetUtcNow()).Config.Exposures.Select(e => e.PublicPort));
        });
    }

    private void InNamespace(Action test)
    {
        if (fixture.GetOrSkip(output) is not NetNs ns)
        {
            return;
        }

        ns.Run(test);
    }

    private void Init(bool firewallEnabled = false)
    {
        var options = new InitOptions
        {
            Endpoint = "vpn.example.com",
            Subnet6 = "fd42::/64",
            Interface = "hgt" + Guid.NewGuid().ToString("N")[..8],
        };
        GatewayConfig config = GatewaySetup.Create(options);
        _interface = config.Interface;
        Store.Save(HoltConfig.Empty.WithGateway(config).WithFirewall(new FirewallConfig { Enabled = firewallEnabled }));
        PeerOperations.Add(Edit, new AddPeerRequest { Name = "home" });
        PeerOperations.Add(Edit, new AddPeerRequest { Name = "phone" });
    }
}
