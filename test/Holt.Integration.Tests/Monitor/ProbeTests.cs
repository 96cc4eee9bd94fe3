using System.Text.RegularExpressions;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Monitor;

/// <summary>
/// <c>holt probe</c> from a namespace of its own: a real handshake with Holt's gateway and with wireguard-go, a ping
/// through the probe's own session, and each way a probe fails told apart where the wire allows it.
/// </summary>
public sealed partial class ProbeTests(ITestOutputHelper output)
{
    [RootFact]
    public Task Probe_OfHoltsGateway_HandshakesAndPings_AndSaysWhatFailed() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            await lab.AddLanAsync(gateway.Host);
            (await gateway.UpAsync()).EnsureSuccess();
            string config = await gateway.AddPeerAsync("probe", "--monitor");
            string key = await lab.WriteFileAsync("probe.key", Value(config, "PrivateKey"));
            string psk = await lab.WriteFileAsync("probe.psk", Value(config, "PresharedKey"));
            string server = Value(config, "PublicKey");
            string address = Value(config, "Address").Split(',')[0].Split('/')[0];
            Host outside = await lab.AddHostAsync(Implementation.WireGuardGo);
            string target = $"{gateway.Host.UnderlayV4}:{gateway.Host.ListenPort}";

            CommandResult ok = await ProbeAsync(outside, target, "--peer-key", key, "--server-key", server, "--psk", psk, "--ping", "10.8.0.1", "--address", address);
            lab.Log("probe: " + ok.Output.Trim());
            Assert.True(ok.Succeeded, ok.Describe());
            Assert.Matches(@"^handshake with [0-9.:]+ in [0-9.]+ ms; 10\.8\.0\.1 answered a ping through the session in [0-9.]+ ms$", ok.Output.Trim());

            // The gateway saw a real peer: the probe's handshake is on its interface.
            Assert.NotNull((await gateway.PeersAsync())["probe"].GetProperty("latest_handshake").GetString());

            // A monitoring peer reaches nothing but the gateway's VPN address: the gateway's LAN address stays silent
            // through the probe's session, until the peer is an ordinary one.
            CommandResult fenced = await ProbeAsync(outside, target, "--peer-key", key, "--server-key", server, "--psk", psk, "--ping", "192.168.50.1", "--address", address, "--timeout", "2s");
            Assert.Equal(1, fenced.ExitCode);
            Assert.Matches(@"^probe failed: handshake with [0-9.:]+ in [0-9.]+ ms, but 192\.168\.50\.1 did not answer a ping from 10\.8\.0\.2 through the session", fenced.Output);
            await gateway.CheckAsync("peer", "set", "probe", "--monitor", "off");
            CommandResult open = await ProbeAsync(outside, target, "--peer-key", key, "--server-key", server, "--psk", psk, "--ping", "192.168.50.1", "--address", address);
            Assert.True(open.Succeeded, open.Describe());
            await gateway.CheckAsync("peer", "set", "probe", "--monitor", "on");

            // The acceptance test "Blocked port". A wrong server key: the gateway drops the initiation (its mac1 is
            // keyed by the other key), silently. A port a firewall drops: silence too. The wire carries nothing that
            // tells the two apart, so the probe says so, in the same words for both.
            string silence = $"probe failed: no answer from {target} within 2000.0 ms: a firewall drops the port, or the server does not take this probe " +
                "(another server key, or a peer key it does not know); WireGuard answers nothing it cannot authenticate, so these look the same on the wire\n";
            CommandResult wrongKey = await ProbeAsync(outside, target, "--peer-key", key, "--server-key", KeyPair.RandomPublicKey(), "--psk", psk, "--timeout", "2s");
            Assert.Equal((1, silence), (wrongKey.ExitCode, wrongKey.Output));
            CommandResult blocked = await WithRuleAsync(gateway, lab, "drop", () => ProbeAsync(outside, target, "--peer-key", key, "--server-key", server, "--psk", psk, "--timeout", "2s"));
            Assert.Equal((1, silence), (blocked.ExitCode, blocked.Output));

            // What the wire does tell: a port that a firewall rejects, or where nothing listens, sends ICMP port
            // unreachable back; a rejection as "prohibited" sends ICMP host-class unreachable.
            CommandResult rejected = await WithRuleAsync(gateway, lab, "reject", () => ProbeAsync(outside, target, "--peer-key", key, "--server-key", server, "--psk", psk, "--timeout", "2s"));
            Assert.Equal((1, $"probe failed: refused: nothing listens on {target} or a firewall rejects it (ICMP port unreachable)\n"), (rejected.ExitCode, rejected.Output));
            string closed = $"{gateway.Host.UnderlayV4}:{gateway.Host.ListenPort + 1}";
            CommandResult nothing = await ProbeAsync(outside, closed, "--peer-key", key, "--server-key", server, "--timeout", "2s");
            Assert.Equal((1, $"probe failed: refused: nothing listens on {closed} or a firewall rejects it (ICMP port unreachable)\n"), (nothing.ExitCode, nothing.Output));
            CommandResult prohibited = await WithRuleAsync(gateway, lab, "reject with icmpx admin-prohibited", () => ProbeAsync(outside, target, "--peer-key", key, "--server-key", server, "--timeout", "2s"));
            Assert.Equal((1, $"probe failed: unreachable: {target} cannot be reached (ICMP host unreachable, or a firewall rejects it as prohibited)\n"), (prohibited.ExitCode, prohibited.Output));

            // Without the rules, the same probe passes again: nothing else changed.
            Assert.True((await ProbeAsync(outside, target, "--peer-key", key, "--server-key", server, "--psk", psk)).Succeeded);

            // Something that answers, but not with WireGuard: every datagram gets 92 random bytes back.
            const int FakePort = 40999;
            BackgroundProcess garbage = lab.StartProcess(outside.Namespace, "python3", "-c",
                "import os, socket\n" +
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
                $"s.bind(('0.0.0.0', {FakePort}))\n" +
                "while True:\n" +
                "    data, peer = s.recvfrom(2048)\n" +
                "    s.sendto(b'\\x02\\x00\\x00\\x00' + os.urandom(88), peer)\n");
            await Poll.UntilAsync(
                async () => garbage.HasExited || (await outside.Namespace.ExecAsync(Tools.Ss, "-Huln", $"sport = :{FakePort}")).Length > 0,
                TimeSpan.FromSeconds(20),
                () => $"the fake responder did not bind UDP port {FakePort}.");
            CommandResult bad = await ProbeAsync(gateway.Host, $"{outside.UnderlayV4}:{FakePort}", "--peer-key", key, "--server-key", server, "--timeout", "2s");
            Assert.Equal(1, bad.ExitCode);
            Assert.StartsWith($"probe failed: {outside.UnderlayV4}:{FakePort} answered, but not with a valid handshake response", bad.Output, StringComparison.Ordinal);
            Assert.False(garbage.HasExited, garbage.Log());

            // Wrong arguments: one line each.
            CommandResult noPort = await ProbeAsync(outside, gateway.Host.UnderlayV4, "--peer-key", key, "--server-key", server);
            Assert.Equal($"holt: '{gateway.Host.UnderlayV4}' has no port: give HOST:PORT", noPort.Error.Trim());
            CommandResult badKey = await ProbeAsync(outside, target, "--peer-key", psk + ".missing", "--server-key", server);
            Assert.StartsWith("holt: --peer-key: cannot read ", badKey.Error.Trim(), StringComparison.Ordinal);
            Assert.DoesNotContain('\n', badKey.Error.Trim());
            CommandResult endless = await ProbeAsync(outside, target, "--peer-key", "/dev/zero", "--server-key", server);
            Assert.Equal("holt: --peer-key: /dev/zero is too large to be a key file", endless.Error.Trim());
        });

    [RootFact]
    public Task Probe_OfAWireGuardGoServer_HandshakesAndPings() =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(Implementation.WireGuardGo, Implementation.WireGuardGo);

            // The probe takes a's key (b knows it) from a's namespace, through a port of its own.
            CommandResult probe = await ProbeAsync(
                a, b.Endpoint(Underlay.IPv4), "--peer-key", a.Keys.PrivateKeyFile, "--server-key", b.Keys.PublicKey,
                "--psk", await lab.PresharedKeyFileAsync(), "--ping", b.TunnelV4, "--address", a.TunnelV4);

            lab.Log("probe: " + probe.Output.Trim());
            Assert.True(probe.Succeeded, probe.Describe());
            Assert.Contains($"{b.TunnelV4} answered a ping through the session", probe.Output, StringComparison.Ordinal);
        });

    /// <summary>Runs <paramref name="probe"/> while an nft rule in the gateway's namespace does <paramref name="verdict"/> to its WireGuard port.</summary>
    private static async Task<CommandResult> WithRuleAsync(Harness.Gateway gateway, Lab lab, string verdict, Func<Task<CommandResult>> probe)
    {
        await gateway.Host.Namespace.ExecAsync(Tools.Nft, "-f", await lab.WriteFileAsync("probe-rule.nft",
            $"table inet probe_test {{\n  chain input {{\n    type filter hook input priority -10;\n    udp dport {gateway.Host.ListenPort} {verdict}\n  }}\n}}\n"));
        try
        {
            return await probe();
        }
        finally
        {
            await gateway.Host.Namespace.ExecAsync(Tools.Nft, "delete", "table", "inet", "probe_test");
        }
    }

    private static Task<CommandResult> ProbeAsync(Host from, string target, params string[] options) =>
        from.Namespace.TryExecAsync([Tools.Holt, "probe", target, .. options]);

    /// <summary>A value of the client config holt peer add printed (<c>Key = value</c>).</summary>
    private static string Value(string config, string key) =>
        KeyLine().Matches(config).First(m => m.Groups[1].Value == key).Groups[2].Value.Trim();

    [GeneratedRegex(@"(?m)^(\w+) = (.+)$")]
    private static partial Regex KeyLine();
}
