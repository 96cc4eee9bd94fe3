using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Holt.Integration.Tests.Guard;

/// <summary>
/// The guard inside the gateway daemon while the log it follows turns to garbage: 3 GiB of NUL padding (what an
/// unclean shutdown leaves), a 100 MB line that grows without its newline, then random bytes. Throughout, the daemon
/// stays up with its resident memory under a fixed bound and the tunnel carries pings; afterwards the guard bans from
/// the next good lines.
/// </summary>
public sealed class BoundedInputTests(ITestOutputHelper output)
{
    /// <summary>
    /// The NativeAOT daemon that ships must stay under this, whatever the log holds: here it idled at 23 MiB and
    /// peaked at 39 MiB on the random bytes (the garbage collector's young generation filling with their lines).
    /// </summary>
    private const long RssLimit = 64L << 20;

    /// <summary>
    /// How far above its idle figure the daemon may grow, JIT or not. By default this harness runs the apphost under
    /// the JIT, whose runtime alone idles at about 60 MiB, so <see cref="RssLimit"/> is held only when the daemon is
    /// the NativeAOT binary (see <see cref="HoltExecutable"/>; CI publishes it and sets HOLT_EXECUTABLE). Both grew
    /// by 16 to 17 MiB on the random bytes; under the JIT, 14 MiB with half as many and 18 MiB with four times as
    /// many: the young generation's size, not the input's. The code before the bound held the line without a newline
    /// whole: 38 MiB over idle within the first poll of the NUL run.
    /// </summary>
    private const long MaxGrowth = 32L << 20;

    private const string Attacker = "203.0.113.77";

    [RootFact]
    public Task GarbageInTheFollowedLog_DaemonStaysUpAndSmall_TunnelCarries_GuardStillBans() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            string log = Path.Combine(lab.Directory, "auth.log");
            await File.WriteAllTextAsync(log, Failure(DateTimeOffset.UtcNow, "198.51.100.1", 1) + "\n");
            await gateway.EnableSshdJailAsync(log);
            await UpAsync(gateway, log);
            Host client = await lab.AddHostAsync(Implementation.WireGuardGo);
            string config = await gateway.AddPeerAsync("laptop");
            (await lab.WgQuickAsync(client, "up", await Harness.Gateway.WriteClientConfigAsync(lab, client, config))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(client, "10.8.0.1", "the gateway's VPN address");

            int pid = int.Parse(File.ReadAllText($"/run/holt/{gateway.Interface}.pid").Trim(), CultureInfo.InvariantCulture);
            var watch = new Watch(lab, gateway, client, pid);
            await watch.SampleAsync(idle: true);

            // 3 GiB of NULs, as a hole: it reads as NULs and takes no disk.
            watch.Mark();
            long start = new FileInfo(log).Length;
            using (var file = new FileStream(log, FileMode.Open, FileAccess.Write))
            {
                file.SetLength(start + (3L << 30));
            }

            await watch.UntilReadAsync(new FileInfo(log).Length - start, "the 3 GiB NUL run");

            // A 100 MB line, read while it still has no newline, then ended.
            byte[] block = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("Failed password for root from 192.0.2.99 port 1 ssh2 ", 20_000)));
            watch.Mark();
            long before = new FileInfo(log).Length;
            await using (var file = new FileStream(log, FileMode.Append, FileAccess.Write))
            {
                for (long written = 0; written < 100_000_000; written += block.Length)
                {
                    await file.WriteAsync(block);
                }
            }

            await watch.UntilReadAsync(new FileInfo(log).Length - before, "the 100 MB line without its newline");
            await File.AppendAllTextAsync(log, "\n");

            // Random bytes: short lines of nonsense, NULs in them, and now and then a long one.
            byte[] garbage = new byte[64 << 20];
            new Random(20261124).NextBytes(garbage);
            watch.Mark();
            before = new FileInfo(log).Length;
            await using (var file = new FileStream(log, FileMode.Append, FileAccess.Write))
            {
                await file.WriteAsync(garbage);
                await file.WriteAsync("\n"u8.ToArray());
            }

            await watch.UntilReadAsync(new FileInfo(log).Length - before, "the random bytes");
            Assert.Matches(
                $@"guard: skipped \d+ lines of {Regex.Escape(log)}: longer than 65536 bytes, or cut by NUL padding",
                await File.ReadAllTextAsync(gateway.LogPath));

            // The next good lines still count: three failures are a ban.
            DateTimeOffset now = DateTimeOffset.UtcNow;
            await File.AppendAllTextAsync(log, string.Concat(Enumerable.Range(1, 3).Select(i => Failure(now, Attacker, i) + "\n")));
            await Poll.UntilAsync(
                async () => (await gateway.Host.Namespace.TryExecAsync(Tools.Nft, "list", "table", "inet", "holt_guard")).Output.Contains(Attacker, StringComparison.Ordinal)
                    && File.ReadAllText(gateway.LogPath).Contains($"banned {Attacker} in jail sshd", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30),
                () => "three failures after the garbage were not banned; daemon log:\n" + File.ReadAllText(gateway.LogPath));
            await watch.SampleAsync(idle: false);
            await Traffic.AssertPingsAsync(client, "10.8.0.1");
            watch.Report();
        });

    private static string Failure(DateTimeOffset time, string address, int port) => Harness.Gateway.FailedPassword(time, address, port);

    /// <summary>holt up, then waits until the daemon says the jail follows the log (the guard starts after the VPN).</summary>
    private static async Task UpAsync(Harness.Gateway gateway, string log)
    {
        (await gateway.UpAsync()).EnsureSuccess();
        await Poll.UntilAsync(
            () => Task.FromResult(File.Exists(gateway.LogPath) && File.ReadAllText(gateway.LogPath).Contains($"guard: jail sshd reads {log}", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10),
            () => "the guard did not start: " + File.ReadAllText(gateway.LogPath));
    }

    /// <summary>Samples the daemon while it reads: alive, resident memory under the bound, the tunnel answering.</summary>
    private sealed class Watch(Lab lab, Harness.Gateway gateway, Host client, int pid)
    {
        private readonly List<long> _samples = [];
        private readonly bool _jit = !HoltExecutable.IsNativeAot;
        private long _idle;
        private long _mark;

        /// <summary>Notes how much the daemon has read, before the log grows: it may start reading while it does.</summary>
        public void Mark() => _mark = ReadBytes();

        /// <summary>
        /// Samples until the daemon has read <paramref name="bytes"/> more since <see cref="Mark"/> (its /proc io
        /// counter), pinging through the tunnel now and then.
        /// </summary>
        public async Task UntilReadAsync(long bytes, string what)
        {
            long target = _mark + bytes;
            int round = 0;
            await Poll.UntilAsync(
                async () =>
                {
                    await SampleAsync(idle: false);
                    if (++round % 20 == 0)
                    {
                        await PingAsync(what);
                    }

                    return ReadBytes() >= target;
                },
                TimeSpan.FromMinutes(5),
                () => $"the daemon did not read {what} ({bytes} bytes) in time; daemon log:\n" + File.ReadAllText(gateway.LogPath));
            await PingAsync(what);
            lab.Log($"read {what}: resident memory up to {_samples.Max() >> 20} MiB so far (idle {_idle >> 20} MiB), {_samples.Count} samples");
        }

        /// <summary>
        /// One ping through the tunnel, answered within two seconds. Not three in a row: ping gives up on the last
        /// reply after twice the slowest round trip so far, and while the guard reads gigabytes on a busy two-core
        /// machine round trips vary from under a millisecond to a quarter of a second, so a late reply looks lost.
        /// </summary>
        private async Task PingAsync(string what)
        {
            PingResult ping = await Traffic.PingAsync(client, "10.8.0.1", count: 1, wait: 2);
            if (ping.Received != 1)
            {
                throw new XunitException($"no ping reply through the tunnel within 2 s while the daemon read {what}:\n{ping.Output.Trim()}");
            }
        }

        public Task SampleAsync(bool idle)
        {
            if (!gateway.DaemonRunning || !Directory.Exists($"/proc/{pid}"))
            {
                throw new XunitException("the daemon is gone; its log:\n" + File.ReadAllText(gateway.LogPath));
            }

            long rss = Status("VmRSS");
            _samples.Add(rss);
            if (idle)
            {
                _idle = rss;
                // The bound is skipped under the JIT: the daemon must be what the harness says it runs.
                bool coreclr = File.ReadLines($"/proc/{pid}/maps").Any(l => l.EndsWith("/libcoreclr.so", StringComparison.Ordinal));
                Assert.True(coreclr == _jit, $"the daemon {(coreclr ? "runs" : "does not run")} the JIT runtime, but the harness runs {HoltExecutable.Describe()}");
            }

            Assert.True(rss < _idle + MaxGrowth, $"the daemon's resident memory reached {rss >> 20} MiB, idle {_idle >> 20} MiB");
            Assert.True(_jit || rss < RssLimit, $"the NativeAOT daemon's resident memory reached {rss >> 20} MiB, idle {_idle >> 20} MiB");
            return Task.CompletedTask;
        }

        public void Report() => lab.Log(
            $"resident memory ({(_jit ? "JIT" : "NativeAOT")}): idle {_idle >> 20} MiB, at most {_samples.Max() >> 20} MiB in {_samples.Count} samples, peak (VmHWM) {Status("VmHWM") >> 20} MiB");

        /// <summary>A size line of /proc/PID/status, in bytes.</summary>
        private long Status(string field)
        {
            string line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }

        /// <summary>The bytes the daemon's read calls returned so far (the log's, and a little of the tunnel's).</summary>
        private long ReadBytes()
        {
            string line = File.ReadLines($"/proc/{pid}/io").Single(l => l.StartsWith("rchar:", StringComparison.Ordinal));
            return long.Parse(line["rchar:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
    }
}
