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
            (await gateway.UpAsync()).EnsureSuccess();
            string config = await gateway.AddPeerAsync("probe");
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

            // A wrong server key: the gateway drops the initiation (its mac1 is keyed by the other key), silently.
            CommandResult wrongKey = await ProbeAsync(outside, target, "--peer-key", key, "--server-key", KeyPair.RandomPublicKey(), "--psk", psk, "--timeout", "2s");
            Assert.Equal(1, wrongKey.ExitCode);
            Assert.StartsWith($"probe failed: no answer from {target} within 2000.0 ms", wrongKey.Output, StringComparison.Ordinal);

            // The port blocked by a firewall rule that drops: no answer either.
            await gateway.Host.Namespace.ExecAsync(Tools.Nft, "-f", await lab.WriteFileAsync("drop.nft",
                $"table inet probe_test {{\n  chain input {{\n    type filter hook input priority -10;\n    udp dport {gateway.Host.ListenPort} drop\n  }}\n}}\n"));
            CommandResult blocked = await ProbeAsync(outside, target, "--peer-key", key, "--server-key", server, "--psk", psk, "--timeout", "2s");
            await gateway.Host.Namespace.ExecAsync(Tools.Nft, "delete", "table", "inet", "probe_test");
            Assert.Equal(1, blocked.ExitCode);
            Assert.StartsWith($"probe failed: no answer from {target}", blocked.Output, StringComparison.Ordinal);

            // Something that answers, but not with WireGuard: every datagram gets 92 random bytes back.
            const int FakePort = 40999;
            BackgroundProcess garbage = lab.StartProcess(outside.Namespace, "python3", "-c",
                "import os, socket\n" +
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
                $"s.bind(('0.0.0.0', {FakePort}))\n" +
                "while True:\n" +
                "    data, peer = s.recvfrom(2048)\n" +
                "    s.sendto(b'\\x02\\x00\\x00\\x00' + os.urandom(88), peer)\n");
            await Task.Delay(500);
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

    private static Task<CommandResult> ProbeAsync(Host from, string target, params string[] options) =>
        from.Namespace.TryExecAsync([Tools.Holt, "probe", target, .. options]);

    /// <summary>A value of the client config holt peer add printed (<c>Key = value</c>).</summary>
    private static string Value(string config, string key) =>
        KeyLine().Matches(config).First(m => m.Groups[1].Value == key).Groups[2].Value.Trim();

    [GeneratedRegex(@"(?m)^(\w+) = (.+)$")]
    private static partial Regex KeyLine();
}
