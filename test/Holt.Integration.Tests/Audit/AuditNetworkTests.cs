using System.Text.Json;
using Holt.Integration.Tests.Firewall;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Holt.Integration.Tests.Audit;

/// <summary>
/// <c>holt audit</c>'s listeners and docker areas on a gateway's namespace, with real sockets and real nft: what
/// it reports open must be what the kernel leaves open.
/// </summary>
public sealed class AuditNetworkTests(ITestOutputHelper output)
{
    [RootFact]
    public Task Listeners_OpenWhileTheFirewallIsOff_BlockedOnceItIsOn() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            BackgroundProcess web = await FirewallTests.StartWebServerAsync(lab, gateway.Host.Namespace, 8080);
            BackgroundProcess v6only = await StartIpv6OnlyListenerAsync(lab, gateway.Host.Namespace, 8090);

            (int code, List<JsonElement> findings) = await AuditAsync(gateway, "listeners");
            Assert.Equal(3, code);
            JsonElement open = Find(findings, "listeners.reachable:tcp/8080");
            Assert.Equal("critical", open.GetProperty("severity").GetString());
            Assert.Contains("0.0.0.0:8080, python3 (pid ", open.GetProperty("evidence").GetString(), StringComparison.Ordinal);
            JsonElement open6 = Find(findings, "listeners.reachable:tcp/8090");
            Assert.Equal("critical", open6.GetProperty("severity").GetString());
            Assert.StartsWith("[::]:8090, python3 (pid ", open6.GetProperty("evidence").GetString(), StringComparison.Ordinal);

            // Holt's own sockets are declared (the WireGuard port) or on the VPN address (the dashboard): not findings.
            Assert.DoesNotContain(findings, f => f.GetProperty("id").GetString() == $"listeners.reachable:udp/{gateway.Host.ListenPort}");

            await gateway.CheckAsync("firewall", "apply");
            await gateway.CheckAsync("firewall", "confirm", "--force");

            (code, findings) = await AuditAsync(gateway, "listeners");
            Assert.Equal(0, code);
            Assert.DoesNotContain(findings, f => f.GetProperty("severity").GetString() == "critical");
            JsonElement blocked = Find(findings, "listeners.all-addresses:tcp/8080");
            Assert.Equal("info", blocked.GetProperty("severity").GetString());
            Assert.Contains($"Holt's firewall drops it: table inet {gateway.Table} chain input has policy drop", blocked.GetProperty("evidence").GetString(), StringComparison.Ordinal);
            JsonElement blocked6 = Find(findings, "listeners.all-addresses:tcp/8090");
            Assert.Equal("info", blocked6.GetProperty("severity").GetString());
            Assert.Contains($"over IPv6: Holt's firewall drops it: table inet {gateway.Table} chain input", blocked6.GetProperty("evidence").GetString(), StringComparison.Ordinal);
            Assert.False(web.HasExited, web.Log());
            Assert.False(v6only.HasExited, v6only.Log());
        });

    [RootFact]
    public Task Docker_APortPublishedOnEveryAddress_BypassesTheInputChain_OneOnLoopbackDoesNot() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);

            // What dockerd writes through iptables-nft for -p 8088:80 and -p 127.0.0.1:8089:80.
            await gateway.Host.Namespace.NftAsync("""
                table ip nat {
                	chain DOCKER {
                		iifname "docker0" counter return
                		iifname != "docker0" meta l4proto tcp tcp dport 8088 counter dnat to 172.17.0.2:80
                		iifname != "docker0" meta l4proto tcp ip daddr 127.0.0.1 tcp dport 8089 counter dnat to 172.17.0.3:80
                	}
                	chain PREROUTING {
                		type nat hook prerouting priority dstnat; policy accept;
                		fib daddr type local counter jump DOCKER
                	}
                	chain OUTPUT {
                		type nat hook output priority -100; policy accept;
                		ip daddr != 127.0.0.0/8 fib daddr type local counter jump DOCKER
                	}
                	chain POSTROUTING {
                		type nat hook postrouting priority srcnat; policy accept;
                		ip saddr 172.17.0.0/16 oifname != "docker0" counter masquerade
                	}
                }
                table ip filter {
                	chain DOCKER {
                		ip daddr 172.17.0.2 iifname != "docker0" oifname "docker0" meta l4proto tcp tcp dport 80 counter accept
                		ip daddr 172.17.0.3 iifname != "docker0" oifname "docker0" meta l4proto tcp tcp dport 80 counter accept
                	}
                	chain DOCKER-USER {
                		counter return
                	}
                	chain FORWARD {
                		type filter hook forward priority filter; policy drop;
                		counter jump DOCKER-USER
                		oifname "docker0" ct state related,established counter accept
                		oifname "docker0" counter jump DOCKER
                	}
                }
                """);

            (int code, List<JsonElement> findings) = await AuditAsync(gateway, "docker");

            Assert.Equal(3, code);
            JsonElement published = Assert.Single(findings);
            Assert.Equal("docker.published:tcp/8088", published.GetProperty("id").GetString());
            Assert.Equal("critical", published.GetProperty("severity").GetString());
            Assert.StartsWith(
                "table ip nat chain PREROUTING → DOCKER: iifname != docker0 tcp dport 8088 counter dnat to 172.17.0.2:80\n",
                published.GetProperty("evidence").GetString(),
                StringComparison.Ordinal);
            Assert.Contains("-p 127.0.0.1:8088:80", published.GetProperty("fix").GetString(), StringComparison.Ordinal);
        });

    private static async Task<(int Code, List<JsonElement> Findings)> AuditAsync(Harness.Gateway gateway, string area)
    {
        CommandResult result = await gateway.RunAsync("audit", "--only", area, "--json");
        gateway.Lab.Log($"holt audit --only {area}: exit {result.ExitCode}\n{result.Output}{result.Error}");
        if (result.ExitCode is not (0 or 3))
        {
            throw new XunitException($"holt audit --only {area} failed: exit {result.ExitCode}: {result.Error}");
        }

        using JsonDocument report = JsonDocument.Parse(result.Output);
        return (result.ExitCode, report.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.Clone()).ToList());
    }

    private static JsonElement Find(List<JsonElement> findings, string id) =>
        findings.SingleOrDefault(f => f.GetProperty("id").GetString() == id) is { ValueKind: JsonValueKind.Object } found
            ? found
            : throw new XunitException($"no finding {id}; found {string.Join(", ", findings.Select(f => f.GetProperty("id").GetString()))}");

    /// <summary>A listener on [::] with IPV6_V6ONLY: IPv6 only, which /proc does not say.</summary>
    private static async Task<BackgroundProcess> StartIpv6OnlyListenerAsync(Lab lab, NetworkNamespace ns, int port)
    {
        BackgroundProcess server = lab.StartProcess(ns, Tools.Python3, "-u", "-c", $$"""
            import socket, time
            s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("::", {{port}}))
            s.listen(8)
            while True:
                time.sleep(60)
            """);
        await Poll.UntilAsync(
            async () => server.HasExited || (await ns.ExecAsync(Tools.Ss, "-Htln", $"sport = :{port}")).Length > 0,
            TimeSpan.FromSeconds(10),
            () => $"the IPv6 listener in {ns} did not start: {server.Log()}");
        if (server.HasExited)
        {
            throw new XunitException($"the IPv6 listener in {ns} exited: {server.Log()}");
        }

        return server;
    }
}
