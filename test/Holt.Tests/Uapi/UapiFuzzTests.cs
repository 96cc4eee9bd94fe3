using System.Text;
using Holt.Tests.Uapi.Support;
using Holt.Uapi;
using Holt.WireGuard.Keys;

namespace Holt.Tests.Uapi;

/// <summary>
/// Random and mutated input: the parser either refuses a request or builds an update the engine takes, and never
/// throws; the server answers or closes, and keeps serving everyone else.
/// </summary>
public sealed class UapiFuzzTests
{
    private static readonly string[] s_keys =
    [
        "private_key", "listen_port", "fwmark", "replace_peers", "public_key", "remove", "update_only", "preshared_key",
        "endpoint", "persistent_keepalive_interval", "replace_allowed_ips", "allowed_ip", "protocol_version", "bogus", "",
    ];

    private static readonly string[] s_values =
    [
        "true", "false", "0", "1", "65535", "65536", "4294967295", "-1", "", "192.0.2.1:51820", "[2001:db8::1]:443",
        "[fe80::1%1]:1", "10.0.0.0/8", "-10.0.0.0/8", "fd00::/64", "::/0", "1.2.3.4/33", new string('0', 64), new string('f', 64),
        new string('a', 63), "[::1]", "1.2.3.4:0",
    ];

    // What each key usually gets, so that many random requests are valid and reach the engine.
    private static string PlausibleValue(Random random, string key, string[] publicKeys) => key switch
    {
        "public_key" => publicKeys[random.Next(publicKeys.Length)],
        "private_key" or "preshared_key" => random.Next(3) == 0 ? new string('0', 64) : Convert.ToHexStringLower(RandomNumberGenerator(random)),
        "listen_port" or "persistent_keepalive_interval" => random.Next(0, 65536).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "fwmark" => random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        "replace_peers" or "remove" or "update_only" or "replace_allowed_ips" => "true",
        "endpoint" => random.Next(2) == 0 ? "192.0.2.9:51820" : "[2001:db8::9]:443",
        "allowed_ip" => (random.Next(4) == 0 ? "-" : "") + (random.Next(2) == 0 ? $"10.{random.Next(256)}.0.0/16" : $"fd00:{random.Next(65536):x}::/32"),
        "protocol_version" => "1",
        _ => "x",
    };

    private static byte[] RandomNumberGenerator(Random random)
    {
        byte[] bytes = new byte[32];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string RandomLine(Random random, string[] publicKeys, bool inPeer)
    {
        string key = random.Next(10) == 0 ? s_keys[random.Next(s_keys.Length)]
            : inPeer ? s_keys[random.Next(4, 13)] : s_keys[random.Next(0, 5)];
        string value = random.Next(6) == 0 ? s_values[random.Next(s_values.Length)] : PlausibleValue(random, key, publicKeys);
        return random.Next(50) == 0 ? key + value : key + "=" + value;
    }

    private static string Mutate(Random random, string line)
    {
        if (line.Length == 0)
        {
            return ((char)random.Next(0, 128)).ToString();
        }

        var chars = line.ToCharArray();
        chars[random.Next(chars.Length)] = (char)random.Next(0, 256);
        return new string(chars);
    }

    [Fact]
    public void RandomRequests_AreRefusedOrApplied_NeverThrown()
    {
        var random = new Random(20261123);
        string[] publicKeys = [.. Enumerable.Range(0, 4).Select(_ =>
        {
            using var key = PrivateKey.Generate();
            return key.PublicKey.ToHex();
        })];
        using UapiHarness harness = UapiHarness.Private(start: false);
        int applied = 0, refused = 0;
        for (int round = 0; round < 3000; round++)
        {
            using var parser = new SetRequestParser();
            int lines = random.Next(1, 10);
            bool inPeer = false;
            for (int i = 0; i < lines; i++)
            {
                string line = RandomLine(random, publicKeys, inPeer);
                inPeer |= line.StartsWith("public_key=", StringComparison.Ordinal);
                if (random.Next(20) == 0)
                {
                    line = Mutate(random, line);
                }

                parser.Add(Encoding.Latin1.GetBytes(line));
            }

            int errno = harness.Server.Apply(parser);
            Assert.Contains(errno, new[] { 0, UapiErrno.Invalid, UapiErrno.Protocol, UapiErrno.MessageTooLong });
            _ = errno == 0 ? applied++ : refused++;
        }

        // Both outcomes were exercised, and no unexpected failure was logged.
        Assert.True(applied > 50, $"only {applied} applied");
        Assert.True(refused > 50, $"only {refused} refused");
        Assert.DoesNotContain(harness.Logger.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public void RandomBytes_OverTheSocket_NeverStopTheServer()
    {
        var random = new Random(42);
        using UapiHarness harness = UapiHarness.Private(maxRequestBytes: 64 * 1024);
        using RawClient bystander = harness.Connect();
        for (int round = 0; round < 200; round++)
        {
            byte[] junk = new byte[random.Next(1, 8192)];
            random.NextBytes(junk);
            if (random.Next(2) == 0)
            {
                // Sometimes a plausible start, so the set path sees the junk too.
                junk = [.. "set=1\n"u8, .. junk];
            }

            using RawClient client = harness.Connect();
            try
            {
                client.Send(junk);
                client.ShutdownSend();
                client.IsClosedByServer(timeoutMs: 5000);
            }
            catch (System.Net.Sockets.SocketException)
            {
                // The server may close before taking everything; that is allowed.
            }
        }

        Assert.Equal("errno=0\n\n", bystander.Request("get=1\n\n"));
        Assert.DoesNotContain(harness.Logger.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
    }
}
