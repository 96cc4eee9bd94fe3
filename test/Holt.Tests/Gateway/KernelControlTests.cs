using Holt.Gateway;
using Holt.Uapi;

namespace Holt.Tests.Gateway;

/// <summary>
/// <c>wg show NAME dump</c> as wireguard-tools prints it (src/show.c, dump_print): tab-separated, the interface
/// first (private key, public key, listen port, fwmark as 0x%x or "off"), then one line per peer (public key,
/// preshared key, endpoint, allowed ips, latest handshake, rx, tx, persistent keepalive); absent values are
/// "(none)" and a keepalive of zero is "off".
/// </summary>
public sealed class KernelControlTests
{
    private static readonly string s_dump =
        $"{TestKeys.GatewayPrivate}\t{TestKeys.GatewayPublic}\t51820\toff\n" +
        $"{TestKeys.LaptopPublic}\t{TestKeys.Psk1}\t203.0.113.9:40000\t10.8.0.2/32,fd42:1::2/128\t1773144000\t1234\t5678\toff\n" +
        $"{TestKeys.PhonePublic}\t(none)\t(none)\t(none)\t0\t0\t0\t25\n" +
        $"{TestKeys.ImportedPublic}\t(none)\t[2001:db8::9]:51820\t10.8.0.4/32\t1773144001\t18446744073709551615\t1\toff\n";

    [Fact]
    public void ParseDump_RealShape_ReadsEveryField()
    {
        DeviceStatus device = KernelControl.ParseDump("wg0", s_dump);

        Assert.Equal(51820, device.ListenPort);
        Assert.Equal(0U, device.FirewallMark);
        Assert.Equal(TestKeys.GatewayPublic, device.PublicKey);
        Assert.Equal(3, device.Peers.Count);

        PeerStatus laptop = device.Peers[0];
        Assert.Equal(TestKeys.LaptopPublic, laptop.PublicKey);
        Assert.Equal(TestKeys.Psk1, laptop.PresharedKey);
        Assert.Equal("203.0.113.9:40000", laptop.Endpoint);
        Assert.Equal(["10.8.0.2/32", "fd42:1::2/128"], laptop.AllowedIps);
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero), laptop.LatestHandshake);
        Assert.Equal(1234UL, laptop.RxBytes);
        Assert.Equal(5678UL, laptop.TxBytes);
        Assert.Equal(0, laptop.PersistentKeepalive);

        PeerStatus phone = device.Peers[1];
        Assert.Null(phone.PresharedKey);
        Assert.Null(phone.Endpoint);
        Assert.Empty(phone.AllowedIps);
        Assert.Null(phone.LatestHandshake);
        Assert.Equal(25, phone.PersistentKeepalive);

        PeerStatus imported = device.Peers[2];
        Assert.Equal("[2001:db8::9]:51820", imported.Endpoint);
        Assert.Equal(ulong.MaxValue, imported.RxBytes);
    }

    [Theory]
    [InlineData("0xca6c", 51820U)]
    [InlineData("0x1", 1U)]
    [InlineData("0xffffffff", uint.MaxValue)]
    [InlineData("off", 0U)]
    public void ParseDump_Fwmark_IsReadAsWgPrintsIt(string printed, uint mark)
    {
        string dump = $"{TestKeys.GatewayPrivate}\t{TestKeys.GatewayPublic}\t51820\t{printed}\n";

        Assert.Equal(mark, KernelControl.ParseDump("wg0", dump).FirewallMark);
    }

    [Fact]
    public void ParseDump_InterfaceWithoutKeys_HasNoPublicKey()
    {
        DeviceStatus device = KernelControl.ParseDump("wg0", "(none)\t(none)\t0\toff\n");

        Assert.Null(device.PublicKey);
        Assert.Equal(0, device.ListenPort);
        Assert.Empty(device.Peers);
    }

    [Fact]
    public void ParseDump_ThenDifference_OfTheSameConfig_IsEmpty()
    {
        DeviceStatus device = KernelControl.ParseDump("wg0",
            $"{TestKeys.GatewayPrivate}\t{TestKeys.GatewayPublic}\t51820\t0x0\n" +
            $"{TestKeys.LaptopPublic}\t{TestKeys.Psk1}\t(none)\t10.8.0.2/32,fd42:1::2/128\t0\t0\t0\toff\n");
        var desired = new DesiredDevice(TestKeys.GatewayPrivate, 51820, [new DesiredPeer(TestKeys.LaptopPublic, TestKeys.Psk1, [System.Net.IPNetwork.Parse("10.8.0.2/32"), System.Net.IPNetwork.Parse("fd42:1::2/128")], 0)]);

        Assert.Equal("", EngineControl.Difference(device, desired));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("a\tb\n")]
    [InlineData("k\tk\tport\toff\n")]
    [InlineData("k\tk\t70000\toff\n")]
    [InlineData("k\tk\t51820\t0xZZ\n")]
    [InlineData("k\tk\t51820\toff\npeer\t(none)\t(none)\n")]
    [InlineData("k\tk\t51820\toff\npeer\t(none)\t(none)\t(none)\tx\t0\t0\toff\n")]
    [InlineData("k\tk\t51820\toff\npeer\t(none)\t(none)\t(none)\t0\t-1\t0\toff\n")]
    [InlineData("k\tk\t51820\toff\npeer\t(none)\t(none)\t(none)\t0\t0\t0\t70000\n")]
    [InlineData("k\tk\t51820\toff\npeer\t(none)\t(none)\t(none)\t99999999999999999\t0\t0\toff\n")]
    public void ParseDump_Malformed_IsOneCommandError(string dump)
    {
        CommandException error = Assert.Throws<CommandException>(() => KernelControl.ParseDump("wg0", dump));

        Assert.Contains("wg show wg0 dump", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void ParseDump_RandomDamage_OnlyEverThrowsCommandException()
    {
        var random = new Random(42);
        for (int round = 0; round < 3000; round++)
        {
            char[] chars = s_dump.ToCharArray();
            for (int i = 0; i < 1 + random.Next(4); i++)
            {
                chars[random.Next(chars.Length)] = "\t\n0123456789-x(none)off,/:"[random.Next(26)];
            }

            string damaged = new(chars);
            Exception? error = Record.Exception(() => KernelControl.ParseDump("wg0", damaged));

            Assert.True(error is null or CommandException, $"round {round}: {error?.GetType()}: {error?.Message}\n{damaged}");
        }
    }
}
