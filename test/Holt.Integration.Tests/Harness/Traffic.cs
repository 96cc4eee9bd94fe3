using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace Holt.Integration.Tests.Harness;

/// <summary>The result of one ping run: what it sent and what came back.</summary>
internal sealed record PingResult(int Transmitted, int Received, string Output);

/// <summary>Traffic through the tunnels, with ping and iperf3, always between the lab's own namespaces.</summary>
internal static partial class Traffic
{
    private static readonly TimeSpan s_reachTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Sends exactly <paramref name="count"/> echo requests 10 ms apart and waits up to <paramref name="wait"/>
    /// seconds for the last reply. No -w deadline: with one, ping keeps sending past the count when replies are lost,
    /// and the byte counters would no longer be predictable.
    /// </summary>
    public static async Task<PingResult> PingAsync(Host from, string address, int count = 1, int wait = 2, int? dontFragmentSize = null)
    {
        // After its last request ping waits only max(2 x the slowest reply so far, the interval) for the replies still
        // out (-W counts only while none came back), then calls the rest lost: at -i 0.01 a reply 20 ms late on a
        // loaded machine was counted as a loss. At 0.2 s a late reply still counts, and a lost one is still caught.
        string interval = count > 1 ? "0.2" : "0.01";
        List<string> command = [Tools.Ping, "-n", "-q", "-c", count.ToString(), "-i", interval, "-W", wait.ToString()];
        if (dontFragmentSize is int size)
        {
            // Echoes of this payload size that may not be fragmented on the way (inside the tunnel).
            command.AddRange(["-M", "do", "-s", size.ToString()]);
        }

        CommandResult result = await from.Namespace.TryExecAsync([.. command, address]);
        Match summary = SummaryPattern().Match(result.Output);
        if (!summary.Success)
        {
            throw new XunitException($"ping printed no summary. {result.Describe()}");
        }

        return new PingResult(int.Parse(summary.Groups[1].Value), int.Parse(summary.Groups[2].Value), result.Output);
    }

    /// <summary>Pings and fails the test unless every one of the <paramref name="count"/> requests is answered.</summary>
    /// <remarks>
    /// One ping run per request, each waiting up to 2 s for its reply. A single run of several requests gives up on
    /// the replies still out once max(2 x the slowest reply so far, the interval) has passed after its last request
    /// (iputils' linger), so a reply held up 200 ms by a loaded machine counted as lost. The counters stay exact:
    /// each run sends one request.
    /// </remarks>
    public static async Task AssertPingsAsync(Host from, string address, int count = 3)
    {
        for (int i = 1; i <= count; i++)
        {
            PingResult ping = await PingAsync(from, address, count: 1, wait: 2);
            if (ping.Transmitted != 1 || ping.Received != 1)
            {
                throw new XunitException(
                    $"{from} pinging {address}: request {i} of {count} got no reply within 2 s.\n{ping.Output.Trim()}");
            }
        }
    }

    /// <summary>Fails the test if a single ping gets an answer within a second.</summary>
    public static async Task AssertNoReplyAsync(Host from, string address, string why)
    {
        PingResult ping = await PingAsync(from, address, count: 1, wait: 1);
        if (ping.Received != 0)
        {
            throw new XunitException($"{from} pinging {address} got a reply, but {why}.");
        }
    }

    /// <summary>Pings once a second until a reply comes (a handshake retry, a NAT rebinding), up to a deadline.</summary>
    public static Task WaitUntilReachableAsync(Host from, string address, string what) =>
        Poll.UntilAsync(
            async () => (await PingAsync(from, address, count: 1, wait: 1)).Received == 1,
            s_reachTimeout,
            () => $"{from} got no ping reply from {address} within {s_reachTimeout.TotalSeconds:0} s: {what}.");

    /// <summary>
    /// A short iperf3 run from <paramref name="client"/> to <paramref name="server"/>'s <paramref name="address"/>;
    /// fails unless data arrived. Throughput only goes to the log: tests never judge speed.
    /// </summary>
    public static async Task IperfAsync(Host client, Host server, string address, bool udp, int seconds = 2)
    {
        const string Port = "5201";
        BackgroundProcess listener = server.Lab.StartProcess(server.Namespace, Tools.Iperf3, "-s", "-1", "-B", address, "-p", Port);
        await Poll.UntilAsync(
            async () => listener.HasExited || (await server.Namespace.ExecAsync(Tools.Ss, "-Htln", $"sport = :{Port}")).Length > 0,
            TimeSpan.FromSeconds(10),
            () => $"iperf3 server on {address} did not start listening. Output:\n{listener.Log()}");
        if (listener.HasExited)
        {
            throw new XunitException($"iperf3 server on {address} exited at once. Output:\n{listener.Log()}");
        }

        List<string> command = [Tools.Iperf3, "-c", address, "-p", Port, "-t", seconds.ToString(), "-J"];
        if (udp)
        {
            command.AddRange(["-u", "-b", "100M"]);
        }

        CommandResult result = await client.Namespace.TryExecAsync([.. command]);
        string mode = udp ? "UDP" : "TCP";
        using JsonDocument json = ParseIperf(result, mode, address);
        JsonElement end = json.RootElement.GetProperty("end");
        JsonElement sum = udp ? end.GetProperty("sum") : end.GetProperty("sum_received");
        double bytes = sum.GetProperty("bytes").GetDouble();
        if (udp)
        {
            double packets = sum.GetProperty("packets").GetDouble();
            double lost = sum.GetProperty("lost_packets").GetDouble();
            bytes = packets > 0 ? bytes * (packets - lost) / packets : 0;
        }

        double mbits = sum.GetProperty("bits_per_second").GetDouble() / 1e6;
        client.Lab.Log($"iperf3 {mode} {client.Interface} -> {address}: {bytes / 1e6:0.0} MB received, {mbits:0} Mbit/s (information only)");
        if (bytes <= 0)
        {
            throw new XunitException($"iperf3 {mode} to {address}: nothing arrived through the tunnel.");
        }

        await listener.WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    private static JsonDocument ParseIperf(CommandResult result, string mode, string address)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(result.Output);
        }
        catch (JsonException)
        {
            throw new XunitException($"iperf3 {mode} to {address} printed no JSON. {result.Describe()}");
        }

        if (json.RootElement.TryGetProperty("error", out JsonElement error))
        {
            json.Dispose();
            throw new XunitException($"iperf3 {mode} to {address} failed: {error.GetString()}");
        }

        return json;
    }

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) received")]
    private static partial Regex SummaryPattern();
}
