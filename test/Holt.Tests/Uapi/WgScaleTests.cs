using System.Diagnostics;
using System.Globalization;
using System.Text;
using Holt.Tests.Uapi.Support;
using Holt.WireGuard.Keys;
using Xunit.Abstractions;

namespace Holt.Tests.Uapi;

/// <summary>
/// The scale: 1,000 peers, and 130,000 allowed IPs on one peer, set through the real <c>wg set</c> and read
/// back through <c>wg show</c>. The times are printed for the record; nothing asserts on them.
/// </summary>
public sealed class WgScaleTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _output = output;

    private T Timed<T>(string what, Func<T> action)
    {
        var watch = Stopwatch.StartNew();
        T result = action();
        _output.WriteLine($"{what}: {watch.Elapsed.TotalMilliseconds:F0} ms");
        return result;
    }

    [RootFact]
    public void ThousandPeers_SetAndShown()
    {
        RootFactAttribute.Require();
        using UapiHarness wg = UapiHarness.ForWg();
        var peers = new PublicKey[1000];
        var arguments = new List<string> { "set", wg.Name, "listen-port", "51820" };
        for (int i = 0; i < peers.Length; i++)
        {
            using PrivateKey key = PrivateKey.Generate();
            peers[i] = key.PublicKey;
            arguments.AddRange(["peer", key.PublicKey.ToBase64(), "allowed-ips", Invariant($"10.{i >> 8}.{i & 255}.0/24,fd00:{i + 1:x}::/64"),
                "endpoint", Invariant($"192.0.2.{i % 250 + 1}:{10000 + i}"), "persistent-keepalive", "25"]);
        }

        Timed("wg set, 1,000 peers", () => WgCli.Run([.. arguments]).Ok());
        string dump = Timed("wg show dump, 1,000 peers", () => WgCli.Run("show", wg.Name, "dump").Ok());
        string[] lines = dump.TrimEnd('\n').Split('\n');
        Assert.Equal(1001, lines.Length);
        for (int i = 0; i < peers.Length; i++)
        {
            Assert.Equal(
                Invariant($"{peers[i].ToBase64()}\t(none)\t192.0.2.{i % 250 + 1}:{10000 + i}\t10.{i >> 8}.{i & 255}.0/24,fd00:{i + 1:x}::/64\t0\t0\t0\t25"),
                lines[i + 1]);
        }

        string config = Timed("wg showconf, 1,000 peers", () => WgCli.Run("showconf", wg.Name).Ok());
        Assert.Equal(1000, config.Split("[Peer]").Length - 1);

        // syncconf of the same configuration changes nothing, and takes a whole get and set to find out.
        string file = Path.Combine(Path.GetTempPath(), wg.Name + ".conf");
        File.WriteAllText(file, config);
        try
        {
            Timed("wg syncconf, 1,000 peers", () => WgCli.Run("syncconf", wg.Name, file).Ok());
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Equal(dump, WgCli.Run("show", wg.Name, "dump").Ok());
    }

    [RootFact]
    public void HundredThirtyThousandAllowedIps_OnOnePeer_SetAndShown()
    {
        RootFactAttribute.Require();
        using UapiHarness wg = UapiHarness.ForWg();
        using PrivateKey key = PrivateKey.Generate();
        const int Count = 130_000;

        // One argument may not exceed 128 KiB (MAX_ARG_STRLEN), so the prefixes go in as several allowed-ips
        // arguments; wg appends them all to the one peer. Bare addresses are /32 to wg, which keeps argv short.
        var arguments = new List<string> { "set", wg.Name, "peer", key.PublicKey.ToBase64() };
        var chunk = new StringBuilder();
        long total = 0;
        for (int i = 0; i < Count; i++)
        {
            if (chunk.Length > 100_000)
            {
                arguments.AddRange(["allowed-ips", chunk.ToString()]);
                total += chunk.Length;
                chunk.Clear();
            }

            chunk.Append(chunk.Length == 0 ? "" : ",").Append(Invariant($"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}"));
        }

        arguments.AddRange(["allowed-ips", chunk.ToString()]);
        total += chunk.Length;
        _output.WriteLine($"argv: {total / 1024} KiB of allowed IPs in {arguments.Count / 2 - 2} arguments");

        Timed("wg set, 130,000 allowed IPs", () => WgCli.Run([.. arguments]).Ok());
        Assert.Equal(Count, wg.Device.Peers.Single().AllowedIps.Count);

        // Twice: the first get runs the formatter's loops before the JIT has optimized them.
        Timed("wg show allowed-ips, 130,000 allowed IPs, first", () => WgCli.Run("show", wg.Name, "allowed-ips").Ok());
        string shown = Timed("wg show allowed-ips, 130,000 allowed IPs, again", () => WgCli.Run("show", wg.Name, "allowed-ips").Ok());
        string[] prefixes = shown.TrimEnd('\n').Split('\t')[1].Split(' ');
        Assert.Equal(Count, prefixes.Length);
        Assert.Equal("10.0.0.0/32", prefixes[0]);
        Assert.Equal(Invariant($"10.{(Count - 1) >> 16}.{((Count - 1) >> 8) & 255}.{(Count - 1) & 255}/32"), prefixes[^1]);

        using (var buffer = new Holt.Uapi.ResponseBuffer())
        {
            Timed("get=1 formatted in the server, 130,000 allowed IPs", () =>
            {
                wg.Server.Read(buffer);
                return buffer.Length;
            });
        }

        using (RawClient client = wg.Connect())
        {
            string answer = Timed("get=1 over the socket, 130,000 allowed IPs", () => client.Request("get=1\n\n"));
            _output.WriteLine($"get answer: {answer.Length / 1024} KiB");
        }

        // And replaced wholesale by a single prefix.
        Timed("wg set replacing 130,000 allowed IPs with one", () => WgCli.Run("set", wg.Name, "peer", key.PublicKey.ToBase64(), "allowed-ips", "10.0.0.0/8").Ok());
        Assert.Equal($"{key.PublicKey.ToBase64()}\t10.0.0.0/8\n", WgCli.Run("show", wg.Name, "allowed-ips").Ok());
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
