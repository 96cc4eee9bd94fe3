using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Holt.Monitor;
using Holt.Monitor.Checks;
using Holt.Net;
using Holt.Tests.Gateway;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO.Memory;
using Holt.WireGuard.Keys;

namespace Holt.Tests.Monitor.Checks;

/// <summary>
/// The probe check against a real server on loopback: Holt's engine on a UDP port with its TUN in memory (answering
/// pings to its own tunnel address), a socket that answers garbage, and a closed port. Every outcome comes from real
/// datagrams.
/// </summary>
public sealed class ProbeCheckTests : IDisposable
{
    private static readonly IPAddress s_serverTunnel = IPAddress.Parse("10.9.0.1");
    private static readonly IPAddress s_probeTunnel = IPAddress.Parse("10.9.0.5");

    /// <summary>A server's key where no server with it answers.</summary>
    private static readonly PublicKey s_someServer = PublicKey.Parse(TestKeys.PhonePublic);

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-probe-check-").FullName;
    private readonly PrivateKey _probeKey = PrivateKey.Generate();
    private readonly string _keyFile;

    public ProbeCheckTests()
    {
        _keyFile = Path.Combine(_directory, "probe.key");
        File.WriteAllText(_keyFile, _probeKey.ToBase64() + "\n");
    }

    public void Dispose()
    {
        _probeKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void AProbe_OfAnEngineServer_Handshakes_AndPingsThroughTheSession()
    {
        using var server = Server.Start(_probeKey.PublicKey);

        CheckResult result = Run(Check(server.Target, server.PublicKey) with { Ping = s_serverTunnel, Address = s_probeTunnel });

        Assert.True(result.Ok, result.Error);
        Assert.Equal(ProbeOutcome.Handshake, result.Probe!.Outcome);
        Assert.NotNull(result.Probe.Handshake);
        Assert.NotNull(result.Probe.Ping);
        Assert.Equal(result.Probe.Handshake, result.Latency);
        Assert.Matches(@"^handshake in [0-9.]+ ms, ping through the session in [0-9.]+ ms$", result.Summary());
        Assert.Equal(1, server.PingsAnswered);
    }

    [Fact]
    public void AProbe_ByName_ResolvesIt()
    {
        using var server = Server.Start(_probeKey.PublicKey);

        CheckResult result = Run(Check($"localhost:{server.Port}", server.PublicKey));

        Assert.True(result.Ok, result.Error);
        Assert.Matches(@"^handshake in [0-9.]+ ms$", result.Summary());
    }

    [Fact]
    public void APingNobodyAnswers_FailsAsNoPingReply_AfterTheHandshake()
    {
        using var server = Server.Start(_probeKey.PublicKey);

        CheckResult result = Run(Check(server.Target, server.PublicKey) with { Ping = IPAddress.Parse("10.9.0.7"), Address = s_probeTunnel, Timeout = TimeSpan.FromSeconds(1) });

        Assert.False(result.Ok);
        Assert.True(result.Probe is not null, result.Error);
        Assert.Equal(ProbeOutcome.NoPingReply, result.Probe!.Outcome);
        Assert.NotNull(result.Probe.Handshake);
        Assert.StartsWith($"handshake with {server.Target} in ", result.Error, StringComparison.Ordinal);
        Assert.Contains("but 10.9.0.7 did not answer a ping from 10.9.0.5 through the session", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongServerKey_IsSilence_AndSaysThatItLooksLikeADroppedPort()
    {
        using var server = Server.Start(_probeKey.PublicKey);
        using var other = PrivateKey.Generate();

        CheckResult result = Run(Check(server.Target, other.PublicKey) with { Timeout = TimeSpan.FromSeconds(1) });

        Assert.False(result.Ok);
        Assert.True(result.Probe is not null, result.Error);
        Assert.Equal(ProbeOutcome.NoAnswer, result.Probe!.Outcome);
        Assert.Equal(
            $"no answer from {server.Target} within 1000.0 ms: a firewall drops the port, or the server does not take this probe " +
            "(another server key, or a peer key it does not know); WireGuard answers nothing it cannot authenticate, so these look the same on the wire",
            result.Error);
        Assert.Equal(result.Error, result.Summary());
    }

    [Fact]
    public void AClosedPort_IsRefused_ByTheIcmpItSends()
    {
        int port = ClosedUdpPort();

        CheckResult result = Run(Check($"127.0.0.1:{port}", s_someServer));

        Assert.False(result.Ok);
        Assert.True(result.Probe is not null, result.Error);
        Assert.Equal(ProbeOutcome.Refused, result.Probe!.Outcome);
        Assert.Equal($"refused: nothing listens on 127.0.0.1:{port} or a firewall rejects it (ICMP port unreachable)", result.Error);
    }

    [Fact]
    public void AServerUnderLoad_AnswersWithACookieReply()
    {
        // A device whose handshake queue is "long" at any length is always under load: it answers an initiation
        // without a mac2 with a cookie reply, as a busy server does.
        using var server = Server.Start(_probeKey.PublicKey, underLoad: true);

        // Shorter than the 5 s after which the probe sends again, with the cookie's mac2, and gets through.
        CheckResult result = Run(Check(server.Target, server.PublicKey) with { Timeout = TimeSpan.FromSeconds(3) });

        Assert.False(result.Ok);
        Assert.True(result.Probe is not null, result.Error);
        Assert.Equal(ProbeOutcome.CookieReply, result.Probe!.Outcome);
        Assert.Equal($"{server.Target} answered with a cookie reply: the server is under load and accepts only initiations that carry its cookie", result.Error);
    }

    [Fact]
    public void Garbage_IsABadResponse()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var answering = new Thread(() =>
        {
            byte[] buffer = new byte[2048];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                _ = socket.ReceiveFrom(buffer, ref from);
                byte[] answer = new byte[92];
                Random.Shared.NextBytes(answer);
                answer[0] = 2;
                answer[1] = answer[2] = answer[3] = 0;
                _ = socket.SendTo(answer, from);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }) { IsBackground = true };
        answering.Start();

        CheckResult result = Run(Check(socket.LocalEndPoint!.ToString()!, s_someServer) with { Timeout = TimeSpan.FromSeconds(2) });

        Assert.False(result.Ok);
        Assert.True(result.Probe is not null, result.Error);
        Assert.Equal(ProbeOutcome.BadResponse, result.Probe!.Outcome);
        Assert.StartsWith($"{socket.LocalEndPoint} answered, but not with a valid handshake response (1 ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AKeyFile_ThatCannotBeUsed_FailsInOneLine_WithoutItsContents()
    {
        string wrong = Path.Combine(_directory, "wrong.key");
        File.WriteAllText(wrong, "s3cr3t-but-not-a-key\n");
        CheckConfig check = Check("127.0.0.1:9", s_someServer);

        CheckResult missing = Run(check with { KeyFile = wrong + ".missing" });
        CheckResult notAKey = Run(check with { KeyFile = wrong });
        CheckResult endless = Run(check with { KeyFile = "/dev/zero" });
        CheckResult psk = Run(check with { PskFile = wrong });

        Assert.StartsWith($"key_file: cannot read {wrong}.missing: ", missing.Error, StringComparison.Ordinal);
        Assert.Equal($"key_file: {wrong} does not hold a WireGuard private key (44 characters of base64)", notAKey.Error);
        Assert.Equal("key_file: /dev/zero is too large to be a key file", endless.Error);
        Assert.Equal($"psk_file: {wrong} does not hold a pre-shared key (44 characters of base64)", psk.Error);
        foreach (CheckResult result in (CheckResult[])[missing, notAKey, endless, psk])
        {
            Assert.False(result.Ok);
            Assert.Null(result.Probe);
            Assert.DoesNotContain('\n', result.Error!);
            Assert.DoesNotContain("s3cr3t", result.Error!, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AView_OfAProbe_CarriesItsOutcome_AndNoKey()
    {
        using var server = Server.Start(_probeKey.PublicKey);
        CheckConfig check = Check(server.Target, server.PublicKey) with { Ping = s_serverTunnel, Address = s_probeTunnel };

        CheckView view = CheckView.Of(check, Run(check));
        string json = JsonSerializer.Serialize<List<CheckView>>([view], CheckJson.Default.ListCheckView);

        Assert.True(view.IsProbe);
        Assert.Equal("probe", view.Type);
        Assert.Equal("handshake", view.ProbeOutcome);
        Assert.NotNull(view.HandshakeMs);
        Assert.NotNull(view.PingMs);
        Assert.Contains("\"probe_outcome\": \"handshake\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain(_probeKey.ToBase64(), json, StringComparison.Ordinal);
        Assert.False(CheckView.Of(check with { Type = CheckType.Tcp }, null).IsProbe);
    }

    /// <summary>
    /// A probe check with a long timeout, which only a machine too busy to answer uses up; the cases that must meet
    /// silence set a short one.
    /// </summary>
    private CheckConfig Check(string target, PublicKey server) => new()
    {
        Name = "office",
        Type = CheckType.Probe,
        Target = target,
        ServerKey = server.ToBase64(),
        KeyFile = _keyFile,
        Timeout = TimeSpan.FromSeconds(20),
        Interval = TimeSpan.FromSeconds(60),
    };

    private static CheckResult Run(CheckConfig check) =>
        new CheckExecutor(TimeProvider.System).RunAsync(check, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>A loopback UDP port nothing listens on: one the kernel just gave out and took back.</summary>
    private static int ClosedUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Holt's engine as the probed server: the probe's key as its one peer, and its own address answering pings.</summary>
    private sealed class Server : IDisposable
    {
        private readonly PrivateKey _key = PrivateKey.Generate();
        private readonly MemoryPacketDevice _tun = new();
        private readonly WireGuardDevice _device;
        private int _pings;

        private Server(PublicKey probe, bool underLoad)
        {
            _tun.QueueWrites = false;
            _tun.OnWrite = Answer;
            var options = new DeviceOptions { CryptoWorkers = 1, HandshakeWorkers = 1, UnderLoadQueueLength = underLoad ? 0 : new DeviceOptions().UnderLoadQueueLength };
            _device = new WireGuardDevice(_tun, new LinuxUdpBind(), options);
            _device.Apply(new DeviceUpdate
            {
                PrivateKey = _key,
                Peers = [new PeerUpdate { PublicKey = probe, AllowedIps = [new IPNetwork(s_probeTunnel, 32)] }],
            });
            _device.Up();
        }

        public PublicKey PublicKey => _key.PublicKey;

        public int Port => _device.ListenPort;

        public string Target => $"127.0.0.1:{Port}";

        public int PingsAnswered => Volatile.Read(ref _pings);

        public static Server Start(PublicKey probe, bool underLoad = false) => new(probe, underLoad);

        public void Dispose()
        {
            _device.Dispose();
            _key.Dispose();
        }

        /// <summary>An echo request to the server's tunnel address comes back as its reply, as a host's stack answers.</summary>
        private void Answer(ReadOnlySpan<byte> packet)
        {
            if (packet.Length < 28 || packet[0] != 0x45 || packet[9] != 1 || packet[20] != 8 || !new IPAddress(packet.Slice(16, 4)).Equals(s_serverTunnel))
            {
                return;
            }

            byte[] reply = packet.ToArray();
            packet.Slice(16, 4).CopyTo(reply.AsSpan(12));
            packet.Slice(12, 4).CopyTo(reply.AsSpan(16));
            reply[20] = 0;

            // Type 8 to 0 lowers the ICMP sum by 0x0800: the checksum rises by as much (one's complement).
            uint sum = BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(22)) + 0x0800u;
            BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(22), (ushort)((sum & 0xffff) + (sum >> 16)));
            if (_tun.TryInject(reply))
            {
                _ = Interlocked.Increment(ref _pings);
            }
        }
    }
}
