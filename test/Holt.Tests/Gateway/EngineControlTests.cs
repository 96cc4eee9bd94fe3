using System.Net;
using Holt.Gateway;
using Holt.Uapi;
using Holt.Config;
using Holt.Tests.Support;

namespace Holt.Tests.Gateway;

/// <summary>
/// The set request a sync sends to Holt's engine: only what differs, as wg syncconf does, so peers whose settings
/// did not change keep their sessions.
/// </summary>
public sealed class EngineControlTests
{
    private static readonly string s_zeroKey = new('0', 64);

    [Fact]
    public void Difference_NothingChanged_IsEmpty()
    {
        DeviceStatus current = Device(Laptop());
        DesiredDevice desired = Desired(Wanted(TestKeys.LaptopPublic, TestKeys.Psk1, "10.8.0.2/32"));

        Assert.Equal("", EngineControl.Difference(current, desired));
    }

    [Fact]
    public void Difference_AllowedIpsInAnotherOrder_IsEmpty()
    {
        DeviceStatus current = Device(Laptop(allowed: ["fd42:1::2/128", "10.8.0.2/32"]));
        DesiredDevice desired = Desired(Wanted(TestKeys.LaptopPublic, TestKeys.Psk1, "10.8.0.2/32", "fd42:1::2/128"));

        Assert.Equal("", EngineControl.Difference(current, desired));
    }

    [Fact]
    public void Difference_NewPeer_HasOnlyThatPeersLines()
    {
        DeviceStatus current = Device(Laptop());
        DesiredDevice desired = Desired(
            Wanted(TestKeys.LaptopPublic, TestKeys.Psk1, "10.8.0.2/32"),
            Wanted(TestKeys.PhonePublic, TestKeys.Psk2, "10.8.0.3/32", "fd42:1::3/128"));

        Assert.Equal(
            $"public_key={TestKeys.Hex(TestKeys.PhonePublic)}\n" +
            $"preshared_key={TestKeys.Hex(TestKeys.Psk2)}\n" +
            "persistent_keepalive_interval=0\n" +
            "replace_allowed_ips=true\n" +
            "allowed_ip=10.8.0.3/32\n" +
            "allowed_ip=fd42:1::3/128\n",
            EngineControl.Difference(current, desired));
    }

    [Fact]
    public void Difference_NewPeerWithoutPsk_ClearsAnyPsk()
    {
        DesiredDevice desired = Desired(Wanted(TestKeys.PhonePublic, null, "10.8.0.3/32"));

        Assert.Equal(
            $"public_key={TestKeys.Hex(TestKeys.PhonePublic)}\n" +
            $"preshared_key={s_zeroKey}\n" +
            "persistent_keepalive_interval=0\n" +
            "replace_allowed_ips=true\n" +
            "allowed_ip=10.8.0.3/32\n",
            EngineControl.Difference(Device(), desired));
    }

    [Fact]
    public void Difference_RemovedPeer_IsRemoveTrue()
    {
        DeviceStatus current = Device(Laptop(), Phone());
        DesiredDevice desired = Desired(Wanted(TestKeys.LaptopPublic, TestKeys.Psk1, "10.8.0.2/32"));

        Assert.Equal($"public_key={TestKeys.Hex(TestKeys.PhonePublic)}\nremove=true\n", EngineControl.Difference(current, desired));
    }

    [Fact]
    public void Difference_ChangedPsk_ReplacesThatPeer()
    {
        DeviceStatus current = Device(Laptop(), Phone());
        DesiredDevice desired = Desired(
            Wanted(TestKeys.LaptopPublic, TestKeys.Psk2, "10.8.0.2/32"),
            Wanted(TestKeys.PhonePublic, null, "10.8.0.3/32"));

        Assert.Equal(
            $"public_key={TestKeys.Hex(TestKeys.LaptopPublic)}\n" +
            $"preshared_key={TestKeys.Hex(TestKeys.Psk2)}\n" +
            "persistent_keepalive_interval=0\n" +
            "replace_allowed_ips=true\n" +
            "allowed_ip=10.8.0.2/32\n",
            EngineControl.Difference(current, desired));
    }

    [Fact]
    public void Difference_PskRemoved_SetsTheZeroKey()
    {
        DeviceStatus current = Device(Laptop());
        DesiredDevice desired = Desired(Wanted(TestKeys.LaptopPublic, null, "10.8.0.2/32"));

        Assert.Contains($"preshared_key={s_zeroKey}\n", EngineControl.Difference(current, desired), StringComparison.Ordinal);
    }

    [Fact]
    public void Difference_ChangedAllowedIps_ReplacesThem()
    {
        DeviceStatus current = Device(Laptop(), Phone());
        DesiredDevice desired = Desired(
            Wanted(TestKeys.LaptopPublic, TestKeys.Psk1, "10.8.0.2/32", "fd42:1::2/128"),
            Wanted(TestKeys.PhonePublic, null, "10.8.0.3/32"));

        Assert.Equal(
            $"public_key={TestKeys.Hex(TestKeys.LaptopPublic)}\n" +
            $"preshared_key={TestKeys.Hex(TestKeys.Psk1)}\n" +
            "persistent_keepalive_interval=0\n" +
            "replace_allowed_ips=true\n" +
            "allowed_ip=10.8.0.2/32\n" +
            "allowed_ip=fd42:1::2/128\n",
            EngineControl.Difference(current, desired));
    }

    [Fact]
    public void Difference_KeepaliveSetByHand_IsPutBack()
    {
        DeviceStatus current = Device(Laptop(keepalive: 25));
        DesiredDevice desired = Desired(Wanted(TestKeys.LaptopPublic, TestKeys.Psk1, "10.8.0.2/32"));

        Assert.Contains("persistent_keepalive_interval=0\n", EngineControl.Difference(current, desired), StringComparison.Ordinal);
    }

    [Fact]
    public void Difference_NewPrivateKeyAndPort_ComeFirst()
    {
        DeviceStatus current = Device(Laptop()) with { PublicKey = TestKeys.ImportedPublic, ListenPort = 51820 };
        DesiredDevice desired = Desired(Wanted(TestKeys.LaptopPublic, TestKeys.Psk1, "10.8.0.2/32")) with { ListenPort = 51821 };

        Assert.Equal(
            $"private_key={TestKeys.Hex(TestKeys.GatewayPrivate)}\nlisten_port=51821\n",
            EngineControl.Difference(current, desired));
    }

    [Fact]
    public void Difference_InterfaceWithoutKey_GetsThePrivateKey()
    {
        DeviceStatus current = Device() with { PublicKey = null };

        Assert.Equal($"private_key={TestKeys.Hex(TestKeys.GatewayPrivate)}\n", EngineControl.Difference(current, Desired()));
    }

    [Fact]
    public void Desired_HasOnlyActivePeers_EachRoutedByItsOwnAddresses()
    {
        DateTimeOffset now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
        GatewayConfig config = TestConfig.ReadGateway(GatewayConfigRoundTripTests.Canonical);
        config = config with
        {
            Peers =
            [
                config.Peers[0] with { Enabled = true, Expires = now.AddSeconds(1) },
                config.Peers[1],
                config.Peers[0] with { Name = "off", Enabled = false, PublicKey = TestKeys.PhonePublic, PrivateKey = null, Address = IPAddress.Parse("10.9.0.4"), Address6 = null },
                config.Peers[0] with { Name = "gone", Expires = now, PublicKey = TestKeys.GatewayPublic, PrivateKey = null, Address = IPAddress.Parse("10.9.0.5"), Address6 = null },
            ],
        };

        DesiredDevice desired = GatewayApplier.Desired(config, now);

        Assert.Equal(TestKeys.GatewayPrivate, desired.PrivateKey);
        Assert.Equal(51821, desired.ListenPort);
        Assert.Equal([TestKeys.LaptopPublic, TestKeys.ImportedPublic], desired.Peers.Select(p => p.PublicKey));
        Assert.Equal(["10.9.0.2/32", "fd42:1::2/128"], desired.Peers[0].AllowedIps.Select(n => n.ToString()));
        Assert.Equal(["10.9.0.3/32"], desired.Peers[1].AllowedIps.Select(n => n.ToString()));
        Assert.Equal(TestKeys.Psk1, desired.Peers[0].PresharedKey);
        Assert.Null(desired.Peers[1].PresharedKey);
        Assert.All(desired.Peers, p => Assert.Equal(0, p.Keepalive));
    }

    [Fact]
    public void ConfigText_IsWhatWgSyncconfReads()
    {
        DesiredDevice desired = Desired(
            Wanted(TestKeys.LaptopPublic, TestKeys.Psk1, "10.8.0.2/32", "fd42:1::2/128"),
            new DesiredPeer(TestKeys.PhonePublic, null, [], 25));

        Assert.Equal(
            "[Interface]\n" +
            $"PrivateKey = {TestKeys.GatewayPrivate}\n" +
            "ListenPort = 51820\n" +
            "\n" +
            "[Peer]\n" +
            $"PublicKey = {TestKeys.LaptopPublic}\n" +
            $"PresharedKey = {TestKeys.Psk1}\n" +
            "AllowedIPs = 10.8.0.2/32, fd42:1::2/128\n" +
            "\n" +
            "[Peer]\n" +
            $"PublicKey = {TestKeys.PhonePublic}\n" +
            "PersistentKeepalive = 25\n",
            KernelControl.ConfigText(desired));
    }

    private static PeerStatus Laptop(string[]? allowed = null, ushort keepalive = 0) =>
        new(TestKeys.LaptopPublic, TestKeys.Psk1, "203.0.113.9:40000", DateTimeOffset.UnixEpoch.AddDays(20000), 100, 200, keepalive, allowed ?? ["10.8.0.2/32"]);

    private static PeerStatus Phone() =>
        new(TestKeys.PhonePublic, null, null, null, 0, 0, 0, ["10.8.0.3/32"]);

    private static DeviceStatus Device(params PeerStatus[] peers) => new(51820, 0, TestKeys.GatewayPublic, peers);

    private static DesiredPeer Wanted(string publicKey, string? psk, params string[] allowed) =>
        new(publicKey, psk, allowed.Select(IPNetwork.Parse).ToList(), 0);

    private static DesiredDevice Desired(params DesiredPeer[] peers) => new(TestKeys.GatewayPrivate, 51820, peers);
}
