using System.Net;
using System.Net.Sockets;
using Holt.Monitor.Checks;
using Holt.Tests.Support;
using Xunit.Abstractions;

namespace Holt.Tests.Monitor.Checks;

/// <summary>tcp, dns and icmp checks on loopback: a closed port, a fake resolver that answers well or badly, and pings (as root).</summary>
public sealed class NetworkCheckTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(2);

    private static CheckResult Run(CheckConfig check) =>
        new CheckExecutor(TimeProvider.System).RunAsync(check with { Timeout = s_timeout, Interval = TimeSpan.FromSeconds(10) }, CancellationToken.None).GetAwaiter().GetResult();

    private static CheckConfig Dns(string target, string query = "nas.home.arpa", DnsRecordType record = DnsRecordType.A, IPAddress? expect = null) =>
        new() { Name = "dns", Type = CheckType.Dns, Target = target, Query = query, Record = record, Expect = expect };

    [Fact]
    public void Tcp_ToAListeningPort_Passes_WithItsConnectTime()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        CheckResult result = Run(new CheckConfig { Name = "tcp", Type = CheckType.Tcp, Target = listener.LocalEndpoint.ToString()! });

        Assert.True(result.Ok, result.Error);
        Assert.NotNull(result.Latency);
    }

    [Fact]
    public void Tcp_ToAClosedPort_FailsAsRefused()
    {
        int port = ClosedPort.Find();

        CheckResult result = Run(new CheckConfig { Name = "tcp", Type = CheckType.Tcp, Target = $"127.0.0.1:{port}" });

        Assert.False(result.Ok);
        Assert.Equal($"connecting to 127.0.0.1:{port}: connection refused (nothing listens there)", result.Error);
    }

    [Fact]
    public void Dns_AGoodAnswer_Passes_WithTheExpectedAddress()
    {
        using var resolver = new FakeResolver(q => [DnsWire.Response(q, 0, false, IPAddress.Parse("10.8.0.2"), IPAddress.Parse("10.8.0.3"))]);

        CheckResult result = Run(Dns(resolver.Target, expect: IPAddress.Parse("10.8.0.3")));

        Assert.True(result.Ok, result.Error);
        Assert.Equal([IPAddress.Parse("10.8.0.2"), IPAddress.Parse("10.8.0.3")], result.Answers);
        Assert.Equal("10.8.0.2, 10.8.0.3", result.Summary());
    }

    [Fact]
    public void Dns_AnAnswerWithoutTheExpectedAddress_Fails()
    {
        using var resolver = new FakeResolver(q => [DnsWire.Response(q, 0, false, IPAddress.Parse("10.8.0.2"))]);

        Assert.Equal("nas.home.arpa is 10.8.0.2, not 10.8.0.9", Run(Dns(resolver.Target, expect: IPAddress.Parse("10.8.0.9"))).Error);
    }

    [Fact]
    public void Dns_Nxdomain_Fails()
    {
        using var resolver = new FakeResolver(q => [DnsWire.Response(q, 3)]);

        Assert.Equal($"{resolver.Target} says nas.home.arpa does not exist (NXDOMAIN)", Run(Dns(resolver.Target)).Error);
    }

    [Fact]
    public void Dns_NoRecord_AndTruncation_Fail()
    {
        using var empty = new FakeResolver(q => [DnsWire.Response(q, 0)]);
        using var truncated = new FakeResolver(q => [DnsWire.Response(q, 0, true)]);

        Assert.Equal($"{empty.Target} has no AAAA record for nas.home.arpa", Run(Dns(empty.Target, record: DnsRecordType.Aaaa)).Error);
        Assert.Equal($"{truncated.Target} truncated its answer (TC); this check asks over UDP only", Run(Dns(truncated.Target)).Error);
    }

    [Fact]
    public void Dns_AMalformedAnswer_FailsInWords()
    {
        using var resolver = new FakeResolver(q => [[.. DnsWire.Response(q, 0, false, IPAddress.Parse("10.8.0.2"))[..^2]]]);

        CheckResult result = Run(Dns(resolver.Target));

        Assert.Equal($"{resolver.Target} sent a malformed answer: answer record 1 claims 4 bytes of data, more than the message holds", result.Error);
    }

    [Fact]
    public void Dns_AnAnswerWithAnotherId_IsIgnored_AndTheRightOneTaken()
    {
        static byte[] WrongId(byte[] query)
        {
            byte[] answer = DnsWire.Response(query, 0, false, IPAddress.Parse("6.6.6.6"));
            answer[1] ^= 0xFF;
            return answer;
        }

        using var both = new FakeResolver(q => [WrongId(q), DnsWire.Response(q, 0, false, IPAddress.Parse("10.8.0.2"))]);
        using var wrongOnly = new FakeResolver(q => [WrongId(q), [1]]);

        CheckResult taken = Run(Dns(both.Target));
        CheckResult ignored = Run(Dns(wrongOnly.Target));

        Assert.Equal([IPAddress.Parse("10.8.0.2")], taken.Answers);
        Assert.Equal($"no answer from {wrongOnly.Target} for nas.home.arpa A within 2s; 2 datagram(s) with another id ignored", ignored.Error);
    }

    [Fact]
    public void Dns_ToAClosedPort_FailsAsUnreachable()
    {
        int port;
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        }

        Assert.Equal($"asking 127.0.0.1:{port}: port unreachable (no resolver listens there)", Run(Dns($"127.0.0.1:{port}")).Error);
    }

    [Fact]
    public void Icmp_ToLoopback_IsAnswered()
    {
        if (Skipped())
        {
            return;
        }

        CheckResult v4 = Run(new CheckConfig { Name = "ping", Type = CheckType.Icmp, Target = "127.0.0.1", Count = 3 });
        CheckResult sized = Run(new CheckConfig { Name = "mtu", Type = CheckType.Icmp, Target = "127.0.0.1", Count = 2, Size = 1400 });
        CheckResult v6 = Run(new CheckConfig { Name = "ping6", Type = CheckType.Icmp, Target = "::1", Count = 2 });

        Assert.True(v4.Ok, v4.Error);
        Assert.Equal((3, 3, 0.0), (v4.Icmp!.Sent, v4.Icmp.Received, v4.Icmp.LossPercent));
        Assert.True(v4.Icmp.Min <= v4.Icmp.Average && v4.Icmp.Average <= v4.Icmp.Max);
        Assert.True(sized.Ok, sized.Error);
        Assert.Equal(2, sized.Icmp!.Received);
        Assert.True(v6.Ok, v6.Error);
        Assert.Equal(2, v6.Icmp!.Received);
    }

    [Fact]
    public void Icmp_ToAnAddressThatDoesNotAnswer_LosesEverything()
    {
        if (Skipped())
        {
            return;
        }

        // Silence without leaving the machine: loopback in a namespace of the test's own, with echo replies off.
        using var ns = NetNs.Create();
        (int code, _, string error) = HoltProcess.RunProgram("ip", null, null, ["netns", "exec", ns.Name, "sysctl", "-qw", "net.ipv4.icmp_echo_ignore_all=1"]);
        Assert.True(code == 0, error);

        CheckResult result = ns.Run(() => Run(new CheckConfig { Name = "ping", Type = CheckType.Icmp, Target = "127.0.0.1", Count = 2 }));

        Assert.False(result.Ok);
        Assert.Equal((2, 0, 100.0), (result.Icmp!.Sent, result.Icmp.Received, result.Icmp.LossPercent));
        Assert.Equal("127.0.0.1 answered none of 2 pings: nothing came back within 2s", result.Error);
    }

    private bool Skipped()
    {
        if (Environment.IsPrivilegedProcess)
        {
            return false;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("icmp checks need root (a raw socket)");
        }

        output.WriteLine("SKIPPED: icmp checks need root (a raw socket)");
        return true;
    }
}
