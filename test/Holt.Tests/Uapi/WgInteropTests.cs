using System.Net;
using Holt.Tests.Uapi.Support;
using Holt.WireGuard.IO.Memory;
using Holt.WireGuard.Keys;

namespace Holt.Tests.Uapi;

/// <summary>
/// The real <c>wg</c> from wireguard-tools driving Holt through /var/run/wireguard/NAME.sock, as it drives
/// wireguard-go: every change it can make, and its outputs compared byte for byte.
/// </summary>
public sealed class WgInteropTests : IDisposable
{
    private readonly string _keys = Directory.CreateTempSubdirectory("holt-wg-keys-").FullName;
    private readonly List<SecretKey> _secrets = [];

    public void Dispose()
    {
        foreach (SecretKey key in _secrets)
        {
            key.Dispose();
        }

        Directory.Delete(_keys, recursive: true);
    }

    private PrivateKey NewKey() => Track(PrivateKey.Generate());

    private T Track<T>(T key)
        where T : SecretKey
    {
        _secrets.Add(key);
        return key;
    }

    private string KeyFile(SecretKey key) => WgCli.WriteKeyFile(_keys, Guid.NewGuid().ToString("n"), key.ToBase64());

    private static UapiHarness Start()
    {
        RootFactAttribute.Require();
        return UapiHarness.ForWg();
    }

    [RootFact]
    public void WgSet_ThenDumpAndShowconf_MatchExactly()
    {
        using UapiHarness wg = Start();
        PrivateKey device = NewKey(), p1 = NewKey(), p2 = NewKey();
        PresharedKey psk = Track(PresharedKey.Generate());

        WgCli.Run("set", wg.Name, "private-key", KeyFile(device), "listen-port", "51820", "fwmark", "0x1234",
            "peer", p1.PublicKey.ToBase64(), "preshared-key", KeyFile(psk), "endpoint", "192.0.2.7:51820",
            "persistent-keepalive", "25", "allowed-ips", "10.0.0.5/24,fd00::/64",
            "peer", p2.PublicKey.ToBase64(), "endpoint", "[2001:db8::1]:443", "allowed-ips", "10.1.0.5/32").Ok();

        Assert.Equal(
            $"{device.ToBase64()}\t{device.PublicKey.ToBase64()}\t51820\t0x1234\n" +
            $"{p1.PublicKey.ToBase64()}\t{psk.ToBase64()}\t192.0.2.7:51820\t10.0.0.0/24,fd00::/64\t0\t0\t0\t25\n" +
            $"{p2.PublicKey.ToBase64()}\t(none)\t[2001:db8::1]:443\t10.1.0.5/32\t0\t0\t0\toff\n",
            WgCli.Run("show", wg.Name, "dump").Ok());

        Assert.Equal(
            $"[Interface]\nListenPort = 51820\nFwMark = 0x1234\nPrivateKey = {device.ToBase64()}\n\n" +
            $"[Peer]\nPublicKey = {p1.PublicKey.ToBase64()}\nPresharedKey = {psk.ToBase64()}\n" +
            "AllowedIPs = 10.0.0.0/24, fd00::/64\nEndpoint = 192.0.2.7:51820\nPersistentKeepalive = 25\n\n" +
            $"[Peer]\nPublicKey = {p2.PublicKey.ToBase64()}\nAllowedIPs = 10.1.0.5/32\nEndpoint = [2001:db8::1]:443\n",
            WgCli.Run("showconf", wg.Name).Ok());

        Assert.Equal(device.PublicKey.ToBase64() + "\n", WgCli.Run("show", wg.Name, "public-key").Ok());
        Assert.Equal("51820\n", WgCli.Run("show", wg.Name, "listen-port").Ok());
        Assert.Equal("0x1234\n", WgCli.Run("show", wg.Name, "fwmark").Ok());
        Assert.Contains(wg.Name, WgCli.Run("show", "interfaces").Ok().Split(' ', '\n'));
        Assert.Contains($"interface: {wg.Name}", WgCli.Run("show", wg.Name).Ok(), StringComparison.Ordinal);
        wg.Logger.AssertNoneContain(device.ToBase64(), device.ToHex(), psk.ToBase64(), psk.ToHex());
    }

    [RootFact]
    public void WgSet_Changes_AreEachSeen()
    {
        using UapiHarness wg = Start();
        PrivateKey device = NewKey(), p1 = NewKey(), p2 = NewKey();
        PresharedKey psk = Track(PresharedKey.Generate());
        WgCli.Run("set", wg.Name, "private-key", KeyFile(device), "peer", p1.PublicKey.ToBase64(), "preshared-key", KeyFile(psk),
            "allowed-ips", "10.0.0.0/24", "persistent-keepalive", "25", "peer", p2.PublicKey.ToBase64(), "allowed-ips", "10.2.0.0/24").Ok();

        // Replace allowed IPs, move the endpoint, switch keepalive off, drop the PSK.
        WgCli.Run("set", wg.Name, "peer", p1.PublicKey.ToBase64(), "allowed-ips", "10.9.0.0/16,10.0.0.0/24", "endpoint", "[::ffff:192.0.2.9]:9",
            "persistent-keepalive", "off", "preshared-key", "/dev/null").Ok();
        Assert.Equal(
            $"{p1.PublicKey.ToBase64()}\t(none)\t192.0.2.9:9\t10.0.0.0/24,10.9.0.0/16\t0\t0\t0\toff\n" +
            $"{p2.PublicKey.ToBase64()}\t(none)\t(none)\t10.2.0.0/24\t0\t0\t0\toff\n",
            string.Concat(WgCli.Run("show", wg.Name, "dump").Ok().Split('\n')[1..].Select(l => l.Length > 0 ? l + "\n" : "")));

        // A prefix given to another peer moves; an empty allowed-ips clears.
        WgCli.Run("set", wg.Name, "peer", p2.PublicKey.ToBase64(), "allowed-ips", "10.9.0.0/16").Ok();
        Assert.Equal($"{p1.PublicKey.ToBase64()}\t10.0.0.0/24\n{p2.PublicKey.ToBase64()}\t10.9.0.0/16\n", WgCli.Run("show", wg.Name, "allowed-ips").Ok());
        WgCli.Run("set", wg.Name, "peer", p1.PublicKey.ToBase64(), "allowed-ips", "").Ok();
        Assert.Equal($"{p1.PublicKey.ToBase64()}\t(none)\n{p2.PublicKey.ToBase64()}\t10.9.0.0/16\n", WgCli.Run("show", wg.Name, "allowed-ips").Ok());

        // Remove a peer, then the private key, then the fwmark.
        WgCli.Run("set", wg.Name, "peer", p1.PublicKey.ToBase64(), "remove").Ok();
        Assert.Equal(p2.PublicKey.ToBase64() + "\n", WgCli.Run("show", wg.Name, "peers").Ok());
        WgCli.Run("set", wg.Name, "fwmark", "7").Ok();
        Assert.Equal("0x7\n", WgCli.Run("show", wg.Name, "fwmark").Ok());
        WgCli.Run("set", wg.Name, "private-key", "/dev/null", "fwmark", "off").Ok();
        Assert.Equal("(none)\n", WgCli.Run("show", wg.Name, "private-key").Ok());
        Assert.Equal("off\n", WgCli.Run("show", wg.Name, "fwmark").Ok());
    }

    [RootFact]
    public void WgSyncconfAndSetconf_MakeTheDeviceMatchTheFile()
    {
        using UapiHarness wg = Start();
        PrivateKey device = NewKey(), p1 = NewKey(), p2 = NewKey(), p3 = NewKey();
        PresharedKey psk = Track(PresharedKey.Generate());
        WgCli.Run("set", wg.Name, "private-key", KeyFile(device), "listen-port", "51000",
            "peer", p1.PublicKey.ToBase64(), "allowed-ips", "10.1.0.0/24", "endpoint", "192.0.2.1:1",
            "peer", p2.PublicKey.ToBase64(), "allowed-ips", "10.2.0.0/24").Ok();

        // p1 changes, p2 goes, p3 arrives.
        string config =
            $"[Interface]\nListenPort = 51001\nPrivateKey = {device.ToBase64()}\n\n" +
            $"[Peer]\nPublicKey = {p1.PublicKey.ToBase64()}\nPresharedKey = {psk.ToBase64()}\nAllowedIPs = 10.1.0.0/24, 10.11.0.0/24\nEndpoint = 192.0.2.1:2\n\n" +
            $"[Peer]\nPublicKey = {p3.PublicKey.ToBase64()}\nAllowedIPs = fd00:3::/48\nEndpoint = [2001:db8::3]:3\nPersistentKeepalive = 5\n";
        string file = Path.Combine(_keys, "wg.conf");
        File.WriteAllText(file, config);
        WgCli.Run("syncconf", wg.Name, file).Ok();
        Assert.Equal(config, WgCli.Run("showconf", wg.Name).Ok());

        // addconf adds a peer and keeps the rest.
        PrivateKey p4 = NewKey();
        string addition = Path.Combine(_keys, "add.conf");
        File.WriteAllText(addition, $"[Peer]\nPublicKey = {p4.PublicKey.ToBase64()}\nAllowedIPs = 10.4.0.0/24\n");
        WgCli.Run("addconf", wg.Name, addition).Ok();
        Assert.Equal(config + $"\n[Peer]\nPublicKey = {p4.PublicKey.ToBase64()}\nAllowedIPs = 10.4.0.0/24\n", WgCli.Run("showconf", wg.Name).Ok());

        // setconf replaces everything: the same file again gives the same device; a smaller one, a smaller device.
        WgCli.Run("setconf", wg.Name, file).Ok();
        Assert.Equal(config, WgCli.Run("showconf", wg.Name).Ok());
        string small = $"[Interface]\nPrivateKey = {device.ToBase64()}\n\n";
        File.WriteAllText(file, small);
        WgCli.Run("setconf", wg.Name, file).Ok();
        Assert.Equal(small.TrimEnd('\n') + "\n\n", WgCli.Run("showconf", wg.Name).Ok());
        Assert.Equal("", WgCli.Run("show", wg.Name, "peers").Ok());
    }

    [RootFact]
    public void WgSetListenPortTaken_FailsWithAddressInUse_AndChangesNothing()
    {
        using UapiHarness wg = Start();
        MemoryBind squatter = wg.Network.CreateBind(IPAddress.Parse("192.0.2.1"));
        squatter.Open(51821, out _);
        PrivateKey device = NewKey(), other = NewKey(), p1 = NewKey();
        WgCli.Run("set", wg.Name, "private-key", KeyFile(device), "listen-port", "51820").Ok();
        wg.Device.Up();
        string before = WgCli.Run("showconf", wg.Name).Ok();

        WgResult result = WgCli.Run("set", wg.Name, "private-key", KeyFile(other), "listen-port", "51821", "peer", p1.PublicKey.ToBase64());
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Address already in use", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, WgCli.Run("showconf", wg.Name).Ok());
        squatter.Dispose();
    }

    [RootFact]
    public void WgSetWithABadLine_ChangesNothing()
    {
        using UapiHarness wg = Start();
        PrivateKey device = NewKey(), p1 = NewKey();
        WgCli.Run("set", wg.Name, "private-key", KeyFile(device), "peer", p1.PublicKey.ToBase64(), "allowed-ips", "10.0.0.0/8").Ok();
        string before = WgCli.Run("showconf", wg.Name).Ok();

        // wg itself accepts port 0 in an endpoint; Holt refuses it, and with it the whole request.
        WgResult result = WgCli.Run("set", wg.Name, "listen-port", "4000", "peer", p1.PublicKey.ToBase64(), "allowed-ips", "10.1.0.0/16",
            "endpoint", "192.0.2.1:0");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Invalid argument", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, WgCli.Run("showconf", wg.Name).Ok());
    }

    [RootFact]
    public void DeletingTheSocket_AsWgQuickDownDoes_IsNoticed()
    {
        using UapiHarness wg = Start();
        File.Delete(wg.SocketPath);
        Assert.True(wg.Server.SocketDeleted.WaitHandle.WaitOne(TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain(wg.Name, WgCli.Run("show", "interfaces").Ok().Split(' ', '\n'));
    }
}
