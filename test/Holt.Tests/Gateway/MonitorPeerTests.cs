using System.Net;
using Holt.Cli;
using Holt.Config;
using Holt.Gateway;
using Holt.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Gateway;

/// <summary>
/// Monitoring peers (<c>monitor = true</c>): read and written back, refused with what contradicts them, added and
/// set through the peer operations, and given a client config that routes the gateway's own address alone.
/// </summary>
public sealed class MonitorPeerTests : IDisposable
{
    private const string File =
        "[gateway]\n" +                                                  // 1
        "private_key = \"" + TestKeys.GatewayPrivate + "\"\n" +          // 2
        "endpoint = \"vpn.example.com\"\n" +                             // 3
        "subnet = \"10.8.0.0/24\"\n" +                                   // 4
        "subnet6 = \"fd42::/64\"\n" +                                    // 5
        "dns = [\"10.8.0.1\"]\n" +                                       // 6
        "\n" +                                                           // 7
        "[[peer]]\n" +                                                   // 8
        "name = \"probe\"\n" +                                           // 9
        "public_key = \"" + TestKeys.LaptopPublic + "\"\n" +             // 10
        "private_key = \"" + TestKeys.LaptopPrivate + "\"\n" +           // 11
        "address = \"10.8.0.9\"\n" +                                     // 12
        "address6 = \"fd42::9\"\n" +                                     // 13
        "keepalive = 0\n" +                                              // 14
        "monitor = true\n";                                              // 15

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-monitor-peer").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero));
    private readonly ConfigStore _store;

    public MonitorPeerTests()
    {
        _store = TestConfig.Store(Path.Combine(_directory, "holt.toml"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void AMonitoringPeer_IsRead_AndWrittenBackAsRead()
    {
        HoltConfig config = TestConfig.Read(File);

        string written = TestConfig.Write(config);

        Assert.True(config.Gateway.FindPeer("probe")!.Monitor);
        Assert.Contains("keepalive = 0\nenabled = true\nmonitor = true\n", written, StringComparison.Ordinal);
        GatewayConfigRoundTripTests.AssertSame(config.Gateway, TestConfig.Read(written).Gateway);
        Assert.DoesNotContain("monitor", TestConfig.Write(config.WithGateway(config.Gateway with { Peers = [config.Gateway.Peers[0] with { Monitor = false }] })), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("client_to_client = true", "holt.toml:16: peer 'probe': a monitoring peer (monitor = true) reaches only the gateway's own address: it cannot have client_to_client")]
    [InlineData("allowed_ips = [\"0.0.0.0/0\"]", "holt.toml:16: peer 'probe': a monitoring peer (monitor = true) reaches only the gateway's own address: its client routes that address alone, not allowed_ips")]
    [InlineData("expected = true", "holt.toml:16: peer 'probe': a monitoring peer (monitor = true) reaches only the gateway's own address and holds no session between probes: it cannot be expected")]
    [InlineData("admin = true", "holt.toml:16: peer 'probe': a monitoring peer (monitor = true) reaches only the gateway's own address, and its keys sit on a probe: it cannot be an admin")]
    [InlineData("monitor = \"yes\"", "holt.toml:15: 'monitor' must be true or false")]
    [InlineData("\n[[expose]]\npublic_port = 8080\npeer = \"probe\"\nto_port = 80", "holt.toml:19: [[expose]] of port 8080: peer 'probe' is a monitoring peer, which serves nothing")]
    public void WhatContradictsAMonitoringPeer_IsRefusedAtItsLine(string added, string message)
    {
        string text = added.StartsWith("monitor", StringComparison.Ordinal) ? File.Replace("monitor = true\n", "", StringComparison.Ordinal) + added + "\n" : File + added + "\n";

        ConfigException error = Assert.Throws<ConfigException>(() => TestConfig.Read(text));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void TheClientConfig_RoutesTheGatewaysAddressesAlone_WithoutDnsOrKeepalive()
    {
        GatewayConfig gateway = TestConfig.Read(File).Gateway;

        string config = ClientConfig.Render(gateway, gateway.Peers[0], servesExposures: false);

        Assert.Equal(
            "[Interface]\n" +
            $"PrivateKey = {TestKeys.LaptopPrivate}\n" +
            "Address = 10.8.0.9/32, fd42::9/128\n" +
            "\n[Peer]\n" +
            $"PublicKey = {TestKeys.GatewayPublic}\n" +
            "Endpoint = vpn.example.com:51820\n" +
            "AllowedIPs = 10.8.0.1/32, fd42::1/128\n",
            config);
    }

    [Fact]
    public void Add_WithMonitor_HasNoKeepalive_AndRoutesOnlyTheGateway()
    {
        Init();

        EditResult edit = PeerOperations.Add(Editing.Gateway(_store, _time), new AddPeerRequest { Name = "probe", Monitor = true });

        PeerConfig probe = edit.Config.Gateway.FindPeer("probe")!;
        Assert.True(probe.Monitor);
        Assert.Equal(0, probe.Keepalive);
        Assert.Empty(probe.AllowedIps);
        Assert.Null(probe.Dns);
        Assert.Equal([IPNetwork.Parse("10.8.0.1/32")], ClientConfig.AllowedIps(edit.Config.Gateway, probe));
        Assert.True(_store.Load().Gateway.FindPeer("probe")!.Monitor);
    }

    [Theory]
    [InlineData("full", "--monitor and --full-tunnel cannot be used together: a monitoring peer reaches only the gateway's own address")]
    [InlineData("allowed", "--monitor and --allowed-ips cannot be used together: a monitoring peer reaches only the gateway's own address")]
    [InlineData("dns", "--monitor and --dns cannot be used together: a monitoring peer reaches only the gateway's own address")]
    [InlineData("c2c", "--monitor and --client-to-client cannot be used together: a monitoring peer reaches only the gateway's own address")]
    [InlineData("expected", "--monitor and --expected cannot be used together: a monitoring peer reaches only the gateway's own address")]
    [InlineData("admin", "--monitor and --admin cannot be used together: a monitoring peer reaches only the gateway's own address")]
    public void Add_WithMonitor_RefusesWhatContradictsIt(string option, string message)
    {
        Init();
        var request = new AddPeerRequest { Name = "probe", Monitor = true };
        request = option switch
        {
            "full" => request with { FullTunnel = true },
            "allowed" => request with { AllowedIps = ["192.168.1.0/24"] },
            "dns" => request with { Dns = ["1.1.1.1"] },
            "c2c" => request with { ClientToClient = true },
            "admin" => request with { Admin = true },
            _ => request with { Expected = true },
        };

        CommandException error = Assert.Throws<CommandException>(() => PeerOperations.Add(Editing.Gateway(_store, _time), request));

        Assert.Equal(message, error.Message);
        Assert.Empty(_store.Load().Gateway.Peers);
    }

    [Fact]
    public void Set_MonitorOn_ClearsWhatAMonitoringPeerHasNoUseFor_AndOffKeepsItSo()
    {
        Init();
        PeerOperations.Add(Editing.Gateway(_store, _time), new AddPeerRequest { Name = "box", AllowedIps = ["192.168.1.0/24"], Dns = ["9.9.9.9"] });

        PeerConfig on = PeerOperations.Set(Editing.Gateway(_store, _time), "box", clientToClient: null, expires: null, monitor: true).Config.Gateway.FindPeer("box")!;
        PeerConfig off = PeerOperations.Set(Editing.Gateway(_store, _time), "box", clientToClient: null, expires: null, monitor: false).Config.Gateway.FindPeer("box")!;

        Assert.Equal((true, 0, 0, true), (on.Monitor, on.Keepalive, on.AllowedIps.Count, on.Dns is null));
        Assert.Equal((false, 0), (off.Monitor, off.Keepalive));
    }

    [Fact]
    public void Set_ClientToClientOnAMonitoringPeer_IsRefused_AndTheFileIsUnchanged()
    {
        Init();
        PeerOperations.Add(Editing.Gateway(_store, _time), new AddPeerRequest { Name = "probe", Monitor = true });
        string before = System.IO.File.ReadAllText(_store.Path);

        Exception error = Assert.ThrowsAny<Exception>(() => PeerOperations.Set(Editing.Gateway(_store, _time), "probe", clientToClient: true, expires: null));

        Assert.EndsWith("peer 'probe': a monitoring peer (monitor = true) reaches only the gateway's own address: it cannot have client_to_client", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, System.IO.File.ReadAllText(_store.Path));
    }

    private void Init() =>
        _store.Save(HoltConfig.Empty.WithGateway(GatewaySetup.Create(new InitOptions
        {
            Endpoint = "vpn.example.com",
            Subnet = "10.8.0.0/24",
            Interface = "hgt" + Guid.NewGuid().ToString("N")[..8],
        })));
}
