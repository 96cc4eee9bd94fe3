using System.Net;
using Holt.Gateway;
using Microsoft.Extensions.Time.Testing;
using Holt.Cli;
using Holt.Config;
using Holt.Tests.Support;

namespace Holt.Tests.Gateway;

/// <summary>
/// Peer edits on a holt.toml in a temporary directory. The interface name is unique to each test, so no gateway
/// is running for it and every edit reports Applied = false.
/// </summary>
public sealed class PeerOperationsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-peerops").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero).AddMilliseconds(250));
    private readonly ConfigStore _store;

    public PeerOperationsTests()
    {
        _store = TestConfig.Store(Path.Combine(_directory, "etc", "holt.toml"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Add_OneAfterAnother_TakesTheNextFreeAddresses()
    {
        Init();

        EditResult first = Add("laptop");
        EditResult second = Add("phone");
        EditResult third = Add("tablet");

        Assert.False(first.Applied);
        Assert.Equal(["10.8.0.2", "10.8.0.3", "10.8.0.4"], third.Config.Gateway.Peers.Select(p => p.Address.ToString()));
        Assert.Equal(IPAddress.Parse("10.8.0.3"), second.Config.Gateway.FindPeer("phone")!.Address);
        GatewayConfig saved = _store.Load().Gateway;
        GatewayConfigRoundTripTests.AssertSame(third.Config.Gateway, saved);
    }

    [Fact]
    public void Add_NewPeer_HasFreshKeysPskAndCreationTime()
    {
        Init();

        PeerConfig laptop = Add("laptop").Config.Gateway.Peers[0];
        PeerConfig phone = Add("phone", new AddPeerRequest { Name = "phone", PresharedKey = false, Keepalive = 0 }).Config.Gateway.Peers[1];

        Assert.Equal(GatewaySection.PublicKeyOf(laptop.PrivateKey!), laptop.PublicKey);
        Assert.NotEqual(laptop.PublicKey, phone.PublicKey);
        Assert.Null(GatewaySection.KeyProblem(laptop.PresharedKey!, "psk"));
        Assert.Null(phone.PresharedKey);
        Assert.Equal(PeerConfig.DefaultKeepalive, laptop.Keepalive);
        Assert.Equal(0, phone.Keepalive);
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero), laptop.Created);
        Assert.True(laptop.Enabled);
        Assert.Null(laptop.Expires);
        Assert.Null(laptop.Dns);
        Assert.Empty(laptop.AllowedIps);
    }

    [Fact]
    public void Add_AfterARemove_ReusesTheGap()
    {
        Init();
        Add("a");
        Add("b");
        Add("c");

        PeerOperations.Remove(Editing.Gateway(_store, _time), "b");
        EditResult added = Add("d");

        Assert.Equal(IPAddress.Parse("10.8.0.3"), added.Config.Gateway.FindPeer("d")!.Address);
    }

    [Fact]
    public void Add_WithSubnet6_TheV6AddressFollowsTheV4Index()
    {
        Init(subnet6: "fd42:1::/64");

        PeerConfig first = Add("a").Config.Gateway.FindPeer("a")!;
        PeerConfig chosen = Add("b", new AddPeerRequest { Name = "b", Address = "10.8.0.50" }).Config.Gateway.FindPeer("b")!;
        PeerConfig third = Add("c").Config.Gateway.FindPeer("c")!;

        Assert.Equal(IPAddress.Parse("fd42:1::2"), first.Address6);
        Assert.Equal(IPAddress.Parse("10.8.0.50"), chosen.Address);
        Assert.Equal(IPAddress.Parse("fd42:1::32"), chosen.Address6);
        Assert.Equal(IPAddress.Parse("10.8.0.3"), third.Address);
        Assert.Equal(IPAddress.Parse("fd42:1::3"), third.Address6);
    }

    [Fact]
    public void Add_V6IndexTakenByAChosenAddress_TakesTheFirstFreeV6()
    {
        Init(subnet6: "fd42:1::/64");
        Add("a", new AddPeerRequest { Name = "a", Address6 = "fd42:1::2" });

        PeerConfig a = _store.Load().Gateway.FindPeer("a")!;
        PeerConfig b = Add("b").Config.Gateway.FindPeer("b")!;

        Assert.Equal(IPAddress.Parse("10.8.0.2"), a.Address);
        Assert.Equal(IPAddress.Parse("10.8.0.3"), b.Address);
        Assert.Equal(IPAddress.Parse("fd42:1::3"), b.Address6);
    }

    [Theory]
    [InlineData("10.8.0.2", "--ip: 10.8.0.2 is already taken")]
    [InlineData("10.8.0.1", "--ip: 10.8.0.1 is already taken")]
    [InlineData("10.9.0.5", "--ip: 10.9.0.5 is outside the subnet 10.8.0.0/24")]
    [InlineData("10.8.0.0", "--ip: 10.8.0.0 is the network address of 10.8.0.0/24")]
    [InlineData("10.8.0.255", "--ip: 10.8.0.255 is the broadcast address of 10.8.0.0/24")]
    [InlineData("fd42:1::9", "--ip: fd42:1::9 is outside the subnet 10.8.0.0/24")]
    [InlineData("10.8.0.9/32", "--ip: '10.8.0.9/32' is not an IP address")]
    [InlineData("laptop", "--ip: 'laptop' is not an IP address")]
    public void Add_UnusableIp_IsRefusedAndTheFileIsUnchanged(string ip, string message)
    {
        Init();
        Add("laptop");
        byte[] before = File.ReadAllBytes(_store.Path);

        CommandException error = Assert.Throws<CommandException>(() => Add("phone", new AddPeerRequest { Name = "phone", Address = ip }));

        Assert.Equal(message, error.Message);
        Assert.Equal(before, File.ReadAllBytes(_store.Path));
    }

    [Theory]
    [InlineData("fd42:1::2", "--ip6: fd42:1::2 is already taken")]
    [InlineData("fd42:2::2", "--ip6: fd42:2::2 is outside the subnet fd42:1::/64")]
    [InlineData("fd42:1::", "--ip6: fd42:1:: is the network address of fd42:1::/64")]
    [InlineData("10.8.0.9", "--ip6: 10.8.0.9 is outside the subnet fd42:1::/64")]
    public void Add_UnusableIp6_IsRefusedAndTheFileIsUnchanged(string ip6, string message)
    {
        Init(subnet6: "fd42:1::/64");
        Add("laptop");
        byte[] before = File.ReadAllBytes(_store.Path);

        CommandException error = Assert.Throws<CommandException>(() => Add("phone", new AddPeerRequest { Name = "phone", Address6 = ip6 }));

        Assert.Equal(message, error.Message);
        Assert.Equal(before, File.ReadAllBytes(_store.Path));
    }

    [Fact]
    public void Add_Ip6WithoutSubnet6_IsRefused()
    {
        Init();

        CommandException error = Assert.Throws<CommandException>(() => Add("a", new AddPeerRequest { Name = "a", Address6 = "fd00::2" }));

        Assert.Equal("--ip6: the gateway has no IPv6 subnet (subnet6 in [gateway])", error.Message);
    }

    [Fact]
    public void Add_FullSlash30_SaysTheSubnetIsFull()
    {
        Init(subnet: "10.8.0.0/30");
        Assert.Equal(IPAddress.Parse("10.8.0.2"), Add("only").Config.Gateway.Peers[0].Address);
        byte[] before = File.ReadAllBytes(_store.Path);

        CommandException error = Assert.Throws<CommandException>(() => Add("another"));

        Assert.Equal("the subnet 10.8.0.0/30 is full: no free address for another peer; remove one, or grow the subnet in place, keeping every peer and address: holt subnet grow 10.8.0.0/29", error.Message);
        Assert.Equal(before, File.ReadAllBytes(_store.Path));
    }

    [Fact]
    public void GrowSubnet_KeepsEveryAddress_AndMakesRoomForMorePeers()
    {
        Init(subnet: "10.8.0.0/30");
        HoltConfig before = Add("only").Config;

        EditResult grown = SubnetOperations.Grow(Editing.Gateway(_store, _time), "10.8.0.0/29");

        Assert.Equal(IPNetwork.Parse("10.8.0.0/29"), grown.Config.Gateway.Subnet);
        Assert.Equal(before.Gateway.Address, grown.Config.Gateway.Address);
        Assert.Equal(before.Gateway.Peers.Select(p => (p.Name, p.PublicKey, p.Address)), grown.Config.Gateway.Peers.Select(p => (p.Name, p.PublicKey, p.Address)));
        Assert.Equal(before.Gateway.PrivateKey, _store.Load().Gateway.PrivateKey);
        Assert.Equal(IPAddress.Parse("10.8.0.3"), Add("another").Config.Gateway.Peers[1].Address);
    }

    [Theory]
    [InlineData("10.8.0.0/24", "the subnet is 10.8.0.0/24 already")]
    [InlineData("10.8.0.0/25", "10.8.0.0/25 does not contain the subnet 10.8.0.0/24: growing keeps every address, so the new subnet must contain the old one, such as 10.8.0.0/23")]
    [InlineData("10.9.0.0/16", "10.9.0.0/16 does not contain the subnet 10.8.0.0/24: growing keeps every address, so the new subnet must contain the old one, such as 10.8.0.0/23")]
    [InlineData("10.0.0.0/7", "10.0.0.0/7 is larger than Holt gives a VPN (at most /8)")]
    [InlineData("10.8.0.1/23", "'10.8.0.1/23' has host bits set; the network is 10.8.0.0/23")]
    [InlineData("fd00::/48", "the gateway has no IPv6 subnet to grow (subnet6 in [gateway])")]
    public void GrowSubnet_ThatWouldMoveOrLoseAddresses_IsRefused_AndTheFileIsUnchanged(string cidr, string message)
    {
        Init();
        byte[] before = File.ReadAllBytes(_store.Path);

        CommandException error = Assert.Throws<CommandException>(() => SubnetOperations.Grow(Editing.Gateway(_store, _time), cidr));

        Assert.Equal(message, error.Message);
        Assert.Equal(before, File.ReadAllBytes(_store.Path));
    }

    [Theory]
    [InlineData("laptop", "a peer named 'laptop' already exists")]
    [InlineData("LAPTOP", "a peer named 'laptop' already exists, and names are unique whatever their case")]
    [InlineData("Laptop", "a peer named 'laptop' already exists, and names are unique whatever their case")]
    [InlineData("bad name", "invalid peer name 'bad name': use ASCII letters (a-z, A-Z), digits, '.', '_' and '-', starting with a letter or digit")]
    [InlineData("", "a peer name cannot be empty")]
    public void Add_UnusableName_IsRefusedAndTheFileIsUnchanged(string name, string message)
    {
        Init();
        Add("laptop");
        byte[] before = File.ReadAllBytes(_store.Path);

        CommandException error = Assert.Throws<CommandException>(() => Add(name));

        Assert.Equal(message, error.Message);
        Assert.Equal(before, File.ReadAllBytes(_store.Path));
    }

    [Theory]
    [InlineData(true, new[] { "10.0.0.0/8" }, null, 25, "--full-tunnel and --allowed-ips cannot be used together")]
    [InlineData(false, new[] { "10.0.0.1/8" }, null, 25, "--allowed-ips: '10.0.0.1/8' has host bits set; the network is 10.0.0.0/8")]
    [InlineData(false, new string[0], new[] { "1.1.1.1,bad entry" }, 25, "--dns: 'bad entry' is not a name server address or search domain")]
    [InlineData(false, new string[0], new[] { "1.1.1" }, 25, "--dns: '1.1.1' is not a valid IPv4 address: four numbers from 0 to 255 without leading zeros, such as 1.1.1.1")]
    [InlineData(false, new string[0], new[] { "2606:4700::zz" }, 25, "--dns: '2606:4700::zz' is not a valid IPv6 address")]
    [InlineData(false, new string[0], null, -1, "--keepalive must be between 0 (off) and 65535 seconds")]
    [InlineData(false, new string[0], null, 65536, "--keepalive must be between 0 (off) and 65535 seconds")]
    public void Add_BadOptions_AreRefused(bool fullTunnel, string[] allowedIps, string[]? dns, int keepalive, string message)
    {
        Init();
        byte[] before = File.ReadAllBytes(_store.Path);
        var request = new AddPeerRequest { Name = "a", FullTunnel = fullTunnel, AllowedIps = allowedIps, Dns = dns, Keepalive = keepalive };

        CommandException error = Assert.Throws<CommandException>(() => PeerOperations.Add(Editing.Gateway(_store, _time), request));

        Assert.Equal(message, error.Message);
        Assert.Equal(before, File.ReadAllBytes(_store.Path));
    }

    [Fact]
    public void Add_ExpiryInThePast_IsRefusedAndTheFileIsUnchanged()
    {
        Init();
        byte[] before = File.ReadAllBytes(_store.Path);

        CommandException error = Assert.Throws<CommandException>(() => PeerOperations.Add(Editing.Gateway(_store, _time), new AddPeerRequest { Name = "a", Expires = "2026-01-01" }));

        Assert.Equal("--expires: 2026-01-01T00:00:00Z is not in the future", error.Message);
        Assert.Equal(before, File.ReadAllBytes(_store.Path));
    }

    [Fact]
    public void Add_ListOptions_AreSplitOnCommas()
    {
        Init();
        var request = new AddPeerRequest
        {
            Name = "a",
            AllowedIps = ["10.8.0.0/24, 192.168.1.0/24", "fd00::/8"],
            Dns = ["1.1.1.1,9.9.9.9", "home.arpa"],
            Expires = "30d",
            ClientToClient = true,
        };

        PeerConfig peer = PeerOperations.Add(Editing.Gateway(_store, _time), request).Config.Gateway.Peers[0];

        Assert.Equal(["10.8.0.0/24", "192.168.1.0/24", "fd00::/8"], peer.AllowedIps.Select(n => n.ToString()));
        Assert.Equal(["1.1.1.1", "9.9.9.9", "home.arpa"], peer.Dns!);
        Assert.Equal(new DateTimeOffset(2026, 4, 9, 12, 0, 0, TimeSpan.Zero), peer.Expires);
        Assert.True(peer.ClientToClient);
    }

    [Fact]
    public void Add_FullTunnel_RoutesEverything()
    {
        Init();

        PeerConfig peer = PeerOperations.Add(Editing.Gateway(_store, _time), new AddPeerRequest { Name = "a", FullTunnel = true }).Config.Gateway.Peers[0];

        Assert.Equal(["0.0.0.0/0", "::/0"], peer.AllowedIps.Select(n => n.ToString()));
    }

    [Fact]
    public void Add_WithoutAConfig_SaysToRunInit()
    {
        CommandException error = Assert.Throws<CommandException>(() => Add("a"));

        Assert.Equal($"no gateway configuration at {_store.Path}; create one with holt init (or holt up)", error.Message);
    }

    [Fact]
    public void Remove_TakesThePeerOut()
    {
        Init();
        Add("laptop");
        Add("phone");

        EditResult result = PeerOperations.Remove(Editing.Gateway(_store, _time), "laptop");

        Assert.False(result.Applied);
        Assert.Equal(["phone"], _store.Load().Gateway.Peers.Select(p => p.Name));
    }

    [Fact]
    public void Remove_UnknownPeer_IsRefusedAndTheFileIsUnchanged()
    {
        Init();
        Add("laptop");
        byte[] before = File.ReadAllBytes(_store.Path);

        CommandException error = Assert.Throws<CommandException>(() => PeerOperations.Remove(Editing.Gateway(_store, _time), "Laptop"));

        Assert.Equal("no peer named 'Laptop' (holt peer list shows them)", error.Message);
        Assert.Equal(before, File.ReadAllBytes(_store.Path));
    }

    [Fact]
    public void DisableThenEnable_FlipsEnabledAndKeepsTheRest()
    {
        Init();
        PeerConfig added = Add("laptop").Config.Gateway.Peers[0];

        PeerOperations.SetEnabled(Editing.Gateway(_store, _time), "laptop", enabled: false);
        PeerConfig disabled = _store.Load().Gateway.Peers[0];
        PeerOperations.SetEnabled(Editing.Gateway(_store, _time), "laptop", enabled: true);
        PeerConfig enabled = _store.Load().Gateway.Peers[0];

        Assert.False(disabled.Enabled);
        Assert.True(enabled.Enabled);
        Assert.Equal(added.PublicKey, enabled.PublicKey);
        Assert.Equal(added.Address, enabled.Address);
        Assert.Equal(added.PresharedKey, enabled.PresharedKey);
    }

    [Fact]
    public void Enable_ExpiredPeer_IsRefusedUntilItGetsANewExpiry()
    {
        Init();
        PeerOperations.Add(Editing.Gateway(_store, _time), new AddPeerRequest { Name = "guest", Expires = "1h" });
        PeerOperations.SetEnabled(Editing.Gateway(_store, _time), "guest", enabled: false);
        _time.Advance(TimeSpan.FromHours(2));
        byte[] before = File.ReadAllBytes(_store.Path);

        CommandException error = Assert.Throws<CommandException>(() => PeerOperations.SetEnabled(Editing.Gateway(_store, _time), "guest", enabled: true));

        Assert.Equal("peer 'guest' expired at 2026-03-10T13:00:00Z; enable it with a new expiry: holt peer enable guest --expires 30d (or --expires never)", error.Message);
        Assert.Equal(before, File.ReadAllBytes(_store.Path));

        PeerOperations.Set(Editing.Gateway(_store, _time), "guest", clientToClient: null, expires: "never");
        PeerOperations.SetEnabled(Editing.Gateway(_store, _time), "guest", enabled: true);
        PeerConfig guest = _store.Load().Gateway.Peers[0];
        Assert.True(guest.Enabled);
        Assert.Null(guest.Expires);
    }

    [Fact]
    public void Enable_WithANewExpiry_BringsBackAnExpiredPeerInOneStep_AndSaysWhatChanged()
    {
        Init();
        PeerOperations.Add(Editing.Gateway(_store, _time), new AddPeerRequest { Name = "guest", Expires = "1h" });

        // The daemon disables a peer when it expires, and keeps the expiry.
        PeerOperations.SetEnabled(Editing.Gateway(_store, _time), "guest", enabled: false);
        _time.Advance(TimeSpan.FromHours(2));

        (EditResult edit, string changed) = PeerOperations.Enable(Editing.Gateway(_store, _time), "guest", "30d");

        PeerConfig guest = edit.Config.Gateway.Peers[0];
        Assert.True(guest.Enabled);
        Assert.Equal(new DateTimeOffset(2026, 4, 9, 14, 0, 0, TimeSpan.Zero), guest.Expires);
        Assert.Equal("it had expired at 2026-03-10T13:00:00Z; it now expires at 2026-04-09T14:00:00Z (in 30d)", changed);
        Assert.Equal((true, guest.Expires), (_store.Load().Gateway.Peers[0].Enabled, _store.Load().Gateway.Peers[0].Expires));

        (_, string again) = PeerOperations.Enable(Editing.Gateway(_store, _time), "guest", "never");
        Assert.Equal("it no longer expires", again);
        (_, string nothing) = PeerOperations.Enable(Editing.Gateway(_store, _time), "guest", null);
        Assert.Equal("it was already enabled", nothing);
        Assert.Throws<CommandException>(() => PeerOperations.Enable(Editing.Gateway(_store, _time), "guest", "5m"));
    }

    [Fact]
    public void Rename_KeepsKeysAndAddresses()
    {
        Init();
        PeerConfig added = Add("phone").Config.Gateway.Peers[0];

        PeerOperations.Rename(Editing.Gateway(_store, _time), "phone", "old-phone");
        PeerConfig renamed = Assert.Single(_store.Load().Gateway.Peers);

        Assert.Equal("old-phone", renamed.Name);
        Assert.Equal(added.PublicKey, renamed.PublicKey);
        Assert.Equal(added.PrivateKey, renamed.PrivateKey);
        Assert.Equal(added.Address, renamed.Address);
    }

    [Fact]
    public void Rename_ToAnotherCaseOfItsOwnName_IsAllowed()
    {
        Init();
        Add("laptop");

        PeerOperations.Rename(Editing.Gateway(_store, _time), "laptop", "Laptop");

        Assert.Equal("Laptop", Assert.Single(_store.Load().Gateway.Peers).Name);
    }

    [Theory]
    [InlineData("phone", "laptop", "a peer named 'laptop' already exists")]
    [InlineData("phone", "LapTop", "a peer named 'laptop' already exists, and names are unique whatever their case")]
    [InlineData("phone", "-x", "invalid peer name '-x': use ASCII letters (a-z, A-Z), digits, '.', '_' and '-', starting with a letter or digit")]
    [InlineData("tablet", "x", "no peer named 'tablet' (holt peer list shows them)")]
    public void Rename_Refused_LeavesTheFileUnchanged(string from, string to, string message)
    {
        Init();
        Add("laptop");
        Add("phone");
        byte[] before = File.ReadAllBytes(_store.Path);

        CommandException error = Assert.Throws<CommandException>(() => PeerOperations.Rename(Editing.Gateway(_store, _time), from, to));

        Assert.Equal(message, error.Message);
        Assert.Equal(before, File.ReadAllBytes(_store.Path));
    }

    [Fact]
    public void Set_ChangesClientToClientAndExpiry()
    {
        Init();
        Add("laptop");

        PeerOperations.Set(Editing.Gateway(_store, _time), "laptop", clientToClient: true, expires: "2w");
        PeerConfig set = _store.Load().Gateway.Peers[0];
        PeerOperations.Set(Editing.Gateway(_store, _time), "laptop", clientToClient: false, expires: null);
        PeerConfig unset = _store.Load().Gateway.Peers[0];

        Assert.True(set.ClientToClient);
        Assert.Equal(new DateTimeOffset(2026, 3, 24, 12, 0, 0, TimeSpan.Zero), set.Expires);
        Assert.False(unset.ClientToClient);
        Assert.Equal(set.Expires, unset.Expires);
    }

    [Fact]
    public void Set_Expected_TurnsOnAndOff_AndLeavesTheRest()
    {
        Init();
        Add("homeserver");

        PeerOperations.Set(Editing.Gateway(_store, _time), "homeserver", clientToClient: null, expires: null, expected: true);
        PeerConfig on = _store.Load().Gateway.Peers[0];
        PeerOperations.Set(Editing.Gateway(_store, _time), "homeserver", clientToClient: true, expires: null);
        PeerConfig kept = _store.Load().Gateway.Peers[0];
        PeerOperations.Set(Editing.Gateway(_store, _time), "homeserver", clientToClient: null, expires: null, expected: false);
        PeerConfig off = _store.Load().Gateway.Peers[0];

        Assert.True(on.Expected);
        Assert.False(on.ClientToClient);
        Assert.True(kept.Expected);
        Assert.False(off.Expected);
        Assert.True(off.ClientToClient);
        Assert.DoesNotContain("expected", File.ReadAllText(_store.Path), StringComparison.Ordinal);
    }

    [Fact]
    public void Set_BadExpiry_IsRefusedAndTheFileIsUnchanged()
    {
        Init();
        Add("laptop");
        byte[] before = File.ReadAllBytes(_store.Path);

        CommandException error = Assert.Throws<CommandException>(() => PeerOperations.Set(Editing.Gateway(_store, _time), "laptop", null, "soon"));

        Assert.StartsWith("--expires: 'soon' is not a duration", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(_store.Path));
    }

    [Fact]
    public void Edits_WriteTheFileMode0600()
    {
        Init();
        Add("laptop");
        File.SetUnixFileMode(_store.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        PeerOperations.Rename(Editing.Gateway(_store, _time), "laptop", "laptop2");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_store.Path));
        Assert.Equal([".holt.toml.lock", "holt.toml"], Directory.GetFiles(Path.GetDirectoryName(_store.Path)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Add_FromEightTasksAtOnce_EveryPeerLandsWithItsOwnAddress()
    {
        Init();
        string path = _store.Path;
        using var start = new Barrier(8);

        // A thread each, released together, so the edits overlap rather than queue on the thread pool.
        Task<EditResult>[] adds = Enumerable.Range(0, 8)
            .Select(i => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    return PeerOperations.Add(Editing.Gateway(TestConfig.Store(path), _time), new AddPeerRequest { Name = $"p{i}" });
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default))
            .ToArray();
        await Task.WhenAll(adds);

        GatewayConfig saved = _store.Load().Gateway;
        Assert.Equal(8, saved.Peers.Count);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"p{i}").Order(), saved.Peers.Select(p => p.Name).Order());
        Assert.Equal(Enumerable.Range(2, 8), saved.Peers.Select(p => (int)p.Address.GetAddressBytes()[3]).Order());
    }

    private void Init(string subnet = "10.8.0.0/24", string? subnet6 = null)
    {
        var options = new InitOptions
        {
            Endpoint = "vpn.example.com",
            Subnet = subnet,
            Subnet6 = subnet6,
            Interface = "hgt" + Guid.NewGuid().ToString("N")[..8],
        };
        _store.Save(HoltConfig.Empty.WithGateway(GatewaySetup.Create(options)));
    }

    private EditResult Add(string name, AddPeerRequest? request = null) =>
        PeerOperations.Add(Editing.Gateway(_store, _time), request ?? new AddPeerRequest { Name = name });
}
