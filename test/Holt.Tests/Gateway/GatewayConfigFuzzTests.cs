using System.Text;
using Holt.Config;
using Holt.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Gateway;

/// <summary>
/// Random damage to a valid holt.toml: whatever the text, the reader either accepts it or refuses it with a
/// <see cref="ConfigException"/>, never any other exception (which the CLI would print as a crash).
/// </summary>
public sealed class GatewayConfigFuzzTests
{
    private static readonly string[] s_fragments =
    [
        "[gateway]", "[[peer]]", "[peer]", "[[gateway]]", "=", "\"", "'", "[", "]", "{", "}", ",", "#", "\\", "\\u0000",
        "0", "-1", "1e9", "9223372036854775807", "99999999999999999999", "0x1F", "inf", "nan", "true", "2026-12-31",
        "2026-12-31T25:61:61Z", "1979-05-27T07:32:00-08:00", "07:32:00", "\"\"\"", "'''", "\n", "\t", " ",
        "10.8.0.0/0", "10.8.0.255", "255.255.255.255/32", "0.0.0.0/0", "::/0", "::/128", "fd00::/126", "fd00::ffff",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::1%eth0", "[::1]:0", "a.b.", "é", "\u2028", "\uFEFF",
        "name", "public_key", "address", "address6", "subnet6", "dns", "keepalive", "expires", "routes", "a = {b = 1}",
        "x.y.z = 1", "[[peer.sub]]", "allowed_ips = [[\"a\"]]", "dns = [\"a\", 1]", "listen_port = -0",
    ];

    [Fact]
    public void Read_RandomlyDamagedFiles_OnlyEverThrowConfigException()
    {
        var random = new Random(20260115);
        string[] original = GatewayConfigRoundTripTests.Canonical.Split('\n');
        int accepted = 0;
        for (int round = 0; round < 4000; round++)
        {
            var lines = original.ToList();
            int mutations = 1 + random.Next(3);
            for (int m = 0; m < mutations; m++)
            {
                Mutate(lines, random);
            }

            string text = string.Join('\n', lines);
            Exception? error = Record.Exception(() => TestConfig.ReadGateway(text));
            if (error is null)
            {
                accepted++;
                continue;
            }

            if (error is not ConfigException config)
            {
                Assert.Fail($"round {round}: {error.GetType()}: {error.Message}\n--- text ---\n{text}");
                return;
            }

            Assert.StartsWith("holt.toml:", config.Message, StringComparison.Ordinal);
            Assert.True(config.Line >= 1 && config.Line <= lines.Count + 1, $"round {round}: line {config.Line} of {lines.Count}: {config.Message}\n{text}");
            Assert.DoesNotContain('\n', config.Message);
        }

        // Some damage is harmless (a deleted comment, a duplicated blank line); the rest must be refused.
        Assert.InRange(accepted, 1, 3999);
    }

    [Fact]
    public void Read_RandomBytes_OnlyEverThrowConfigException()
    {
        var random = new Random(7);
        for (int round = 0; round < 2000; round++)
        {
            byte[] bytes = new byte[random.Next(200)];
            random.NextBytes(bytes);
            string text = round % 2 == 0 ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);

            Exception? error = Record.Exception(() => TestConfig.ReadGateway(text));

            Assert.True(error is null or ConfigException, $"round {round}: {error?.GetType()}: {error?.Message}");
        }
    }

    private static void Mutate(List<string> lines, Random random)
    {
        int at = random.Next(lines.Count);
        switch (random.Next(7))
        {
            case 0:
                lines.RemoveAt(at);
                break;
            case 1:
                lines.Insert(at, lines[random.Next(lines.Count)]);
                break;
            case 2:
                // Swap two lines (moves a key into the other table).
                int other = random.Next(lines.Count);
                (lines[at], lines[other]) = (lines[other], lines[at]);
                break;
            case 3:
                lines[at] = Garble(lines[at], random);
                break;
            case 4:
                lines[at] = Splice(lines[at], s_fragments[random.Next(s_fragments.Length)], random);
                break;
            case 5:
                // Keep the key, give it another line's value.
                string donor = lines[random.Next(lines.Count)];
                int equals = lines[at].IndexOf('=', StringComparison.Ordinal);
                int donorEquals = donor.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0 && donorEquals > 0)
                {
                    lines[at] = lines[at][..equals] + donor[donorEquals..];
                }

                break;
            default:
                lines[at] = Splice(lines[at], ((char)random.Next(0, 0x250)).ToString(), random);
                break;
        }

        if (lines.Count == 0)
        {
            lines.Add("");
        }
    }

    private static string Garble(string line, Random random)
    {
        if (line.Length == 0)
        {
            return ((char)random.Next(32, 127)).ToString();
        }

        char[] chars = line.ToCharArray();
        int count = 1 + random.Next(3);
        for (int i = 0; i < count; i++)
        {
            chars[random.Next(chars.Length)] = (char)random.Next(1, 128);
        }

        return new string(chars);
    }

    private static string Splice(string line, string fragment, Random random)
    {
        int at = random.Next(line.Length + 1);
        int cut = random.Next(Math.Min(4, line.Length - at) + 1);
        return line[..at] + fragment + line[(at + cut)..];
    }
}
