using Holt.WireGuard.Device;
using Holt.WireGuard.Keys;
using Holt.WireGuard.Noise;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Device;

public class LoggingTests
{
    [Fact]
    public void VerboseLog_NamesEvents_AndNeverASecret()
    {
        using var net = new TestNetwork();
        var log = new RecordingLogger();
        TestNode a = net.AddNode(new DeviceOptions { Logger = log }), b = net.AddNode(new DeviceOptions { Logger = log });
        using PresharedKey psk = PresharedKey.Generate();
        TestNetwork.Connect(a, b, aKnowsB: true, bKnowsA: true, psk: psk);

        a.SendTo(b, "hello"u8);
        Assert.NotNull(b.Receive());
        b.SendTo(a, "back"u8);
        Assert.NotNull(a.Receive());

        // A retry, a keepalive, a rejected initiation and a key change also log.
        net.Time.Advance(Protocol.KeepaliveTimeout + TimeSpan.FromMilliseconds(10));
        Assert.True(Eventually.True(() => Snapshot(log).Any(line => line.Contains("sending keepalive", StringComparison.Ordinal))));
        using (var other = PrivateKey.Generate())
        {
            a.Device.Apply(new DeviceUpdate { PrivateKey = other });
        }

        string[] lines = Snapshot(log);
        Assert.Contains(lines, line => line.Contains("received handshake initiation", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("sending handshake response", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("received handshake response", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("private key changed", StringComparison.Ordinal));

        string text = string.Join('\n', lines);
        foreach (byte[] secret in new[] { a.Key.Span.ToArray(), b.Key.Span.ToArray(), psk.Span.ToArray() })
        {
            Assert.DoesNotContain(Convert.ToBase64String(secret)[..12], text, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexStringLower(secret)[..16], text, StringComparison.Ordinal);
        }
    }

    private static string[] Snapshot(RecordingLogger log)
    {
        lock (log.All)
        {
            return [.. log.All];
        }
    }
}
