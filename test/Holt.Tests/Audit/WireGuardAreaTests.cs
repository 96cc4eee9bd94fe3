using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Holt.Audit;
using Holt.Config;
using Holt.Gateway;
using Holt.Guard;
using Holt.Monitor;
using Holt.Tests.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Audit;

public sealed class WireGuardAreaTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Public = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const string StateDirectory = "/var/lib/holt";

    private readonly AuditTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void HoltToml_ReadableByOthers_IsCritical_AndPrivate_IsNot()
    {
        WriteConfig(Gateway(Peer("laptop")), Public);

        Finding finding = Assert.Single(Check(), f => f.Id == "wireguard.file-mode:/etc/holt/holt.toml");
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Contains("mode 0644", finding.Evidence, StringComparison.Ordinal);
        Assert.Equal("chmod 600 /etc/holt/holt.toml && chown root:root /etc/holt/holt.toml", finding.Fix);

        File.SetUnixFileMode(_tree.PathOf("/etc/holt/holt.toml"), Private);
        Assert.DoesNotContain(Check(), f => f.Id.StartsWith("wireguard.file-mode:", StringComparison.Ordinal));
    }

    [Fact]
    public void HoltToml_AsASymbolicLink_IsSaidSo_WithItsTargetJudged()
    {
        string target = _tree.Write("/srv/keys/holt.toml", TestConfig.WriteGateway(Gateway(Peer("laptop"))), Public);
        Directory.CreateDirectory(_tree.PathOf("/etc/holt"));
        File.CreateSymbolicLink(_tree.PathOf("/etc/holt/holt.toml"), target);

        Finding finding = Assert.Single(Check(), f => f.Id == "wireguard.file-mode:/etc/holt/holt.toml");

        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Contains("symbolic link", finding.Title, StringComparison.Ordinal);
        Assert.Contains("every user may read it", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void StateFiles_AndWgQuickConfigs_ReadableByOthers_AreCritical()
    {
        WriteConfig(Gateway(Peer("laptop")));
        _tree.Write($"{StateDirectory}/wg0.config-rollback", "private_key = \"...\"\n", Public);
        _tree.Write($"{StateDirectory}/wg0.json", "{}", Private);
        _tree.Write("/etc/wireguard/wg1.conf", "[Interface]\nPrivateKey = x\n", Public);
        _tree.Write("/etc/wireguard/notes.txt", "not a config\n", Public);

        List<string> ids = Check().Where(f => f.Id.StartsWith("wireguard.file-mode:", StringComparison.Ordinal)).Select(f => f.Id).ToList();

        Assert.Equal(["wireguard.file-mode:/etc/wireguard/wg1.conf", "wireguard.file-mode:/var/lib/holt/wg0.config-rollback"], ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AStateDirectory_OthersMayWrite_IsCritical()
    {
        WriteConfig(Gateway(Peer("laptop")));
        _tree.Folder(StateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);

        Finding finding = Assert.Single(Check(), f => f.Id == $"wireguard.file-mode:{StateDirectory}");

        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal($"chmod go-w {StateDirectory} && chown root:root {StateDirectory}", finding.Fix);
    }

    [Fact]
    public void APeerWithoutAPresharedKey_IsANote_AndOneWithAKey_IsNot()
    {
        WriteConfig(Gateway(Peer("laptop") with { PresharedKey = null }, Peer("phone")));

        Finding finding = Assert.Single(Check(), f => f.Id.StartsWith("wireguard.no-psk:", StringComparison.Ordinal));

        Assert.Equal(("wireguard.no-psk:laptop", Severity.Info), (finding.Id, finding.Severity));
        Assert.Contains("holt genpsk", finding.Fix, StringComparison.Ordinal);
        Assert.DoesNotContain(TestKeys.Psk1, string.Join("\n", Check().Select(f => f.Evidence + f.Fix)), StringComparison.Ordinal);
    }

    [Fact]
    public void APeerLastSeenLongAgo_IsStale_AndOneSeenLately_IsNot()
    {
        WriteConfig(Gateway(Peer("old"), Peer("recent")));
        WriteState(("old", AuditTree.Now.AddDays(-100)), ("recent", AuditTree.Now.AddDays(-10)));

        Finding finding = Assert.Single(Check(), f => f.Id.StartsWith("wireguard.stale-peer:", StringComparison.Ordinal));

        Assert.Equal(("wireguard.stale-peer:old", Severity.Warning), (finding.Id, finding.Severity));
        Assert.Contains("last handshake 2026-02-21 12:00 UTC (100 days ago)", finding.Evidence, StringComparison.Ordinal);
        Assert.Equal("holt peer disable old (or holt peer remove old)", finding.Fix);
    }

    [Fact]
    public void TheStaleDays_AreTheMachines()
    {
        WriteConfig(Gateway(Peer("recent")));
        WriteState(("recent", AuditTree.Now.AddDays(-10)));

        Assert.Contains(Check(staleDays: 7), f => f.Id == "wireguard.stale-peer:recent");
    }

    [Fact]
    public void TheMonitorsHistory_CountsAsSeen_WhenTheStateFileIsOlder()
    {
        WriteConfig(Gateway(Peer("laptop")));
        WriteState(("laptop", AuditTree.Now.AddDays(-200)));
        using (MonitorStore store = MonitorStore.Open(_tree.PathOf($"{StateDirectory}/{MonitorStore.FileName}")))
        {
            DateTimeOffset seen = AuditTree.Now.AddDays(-3);
            // The first round is the counters' baseline; the rounds after it make the minute's row.
            for (int i = 0; i < 4; i++)
            {
                ulong bytes = 1000UL * (ulong)i;
                store.Record("wg0", seen.AddSeconds(5 * i), [new PeerRound(Key("laptop"), "laptop", bytes, bytes, PeerState.Up, seen, "198.51.100.7:51820")]);
            }

            store.Flush(seen.AddSeconds(20));
        }

        List<Finding> stale = Check().Where(f => f.Id.StartsWith("wireguard.stale-peer:", StringComparison.Ordinal)).ToList();
        Assert.True(stale.Count == 0, string.Join("\n", stale.Select(f => f.Evidence)));
    }

    [Fact]
    public void TheLiveInterface_CountsAsSeen()
    {
        WriteConfig(Gateway(Peer("laptop")));
        WriteState(("laptop", AuditTree.Now.AddDays(-200)));
        var area = new WireGuardArea(StateDirectory, _ => new Dictionary<string, DateTimeOffset> { [Key("laptop")] = AuditTree.Now.AddMinutes(-2) })
        {
            OwnerUid = _tree.Uid,
        };

        Assert.DoesNotContain(area.Check(_tree.Machine(_tree.Store)), f => f.Id.StartsWith("wireguard.stale-peer:", StringComparison.Ordinal));
    }

    [Fact]
    public void APeerNeverSeen_CountsFromItsCreation_OrSaysNeverSeen_WithoutADate()
    {
        WriteConfig(Gateway(
            Peer("made-long-ago") with { Created = AuditTree.Now.AddDays(-120) },
            Peer("made-lately") with { Created = AuditTree.Now.AddDays(-5) },
            Peer("undated") with { Created = null }));

        List<Finding> stale = Check().Where(f => f.Id.StartsWith("wireguard.stale-peer:", StringComparison.Ordinal)).ToList();

        Assert.Equal(["wireguard.stale-peer:made-long-ago", "wireguard.stale-peer:undated"], stale.Select(f => f.Id).Order(StringComparer.Ordinal));
        Assert.Contains("created 2026-02-01 12:00 UTC (120 days ago)", stale.Single(f => f.Id.EndsWith("made-long-ago", StringComparison.Ordinal)).Evidence, StringComparison.Ordinal);
        Assert.Contains("never seen", stale.Single(f => f.Id.EndsWith("undated", StringComparison.Ordinal)).Evidence, StringComparison.Ordinal);
        Assert.Equal("peer undated has never connected", stale.Single(f => f.Id.EndsWith("undated", StringComparison.Ordinal)).Title);
        Assert.DoesNotContain("days ago", stale.Single(f => f.Id.EndsWith("undated", StringComparison.Ordinal)).Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExpiredPeerStillEnabled_IsAWarning_AndADisabledOne_IsNot()
    {
        WriteConfig(Gateway(
            Peer("contractor") with { Expires = AuditTree.Now.AddDays(-1) },
            Peer("gone") with { Expires = AuditTree.Now.AddDays(-1), Enabled = false },
            Peer("later") with { Expires = AuditTree.Now.AddDays(30) }));
        WriteState(("contractor", AuditTree.Now.AddDays(-2)), ("gone", AuditTree.Now.AddDays(-2)), ("later", AuditTree.Now.AddDays(-2)));

        Finding finding = Assert.Single(Check(), f => f.Id.StartsWith("wireguard.expired-peer:", StringComparison.Ordinal));

        Assert.Equal(("wireguard.expired-peer:contractor", Severity.Warning), (finding.Id, finding.Severity));
        Assert.Equal("holt peer remove contractor", finding.Fix);
    }

    [Fact]
    public void AnAdminPeer_IsANote_AndAWarningWhenStale()
    {
        WriteConfig(Gateway(Peer("desk") with { Admin = true }, Peer("old-laptop") with { Admin = true }, Peer("phone")));
        WriteState(("desk", AuditTree.Now.AddDays(-1)), ("old-laptop", AuditTree.Now.AddDays(-300)), ("phone", AuditTree.Now.AddDays(-1)));

        List<Finding> admins = Check().Where(f => f.Id.StartsWith("wireguard.admin-peer:", StringComparison.Ordinal)).OrderBy(f => f.Id, StringComparer.Ordinal).ToList();

        Assert.Equal(
            [("wireguard.admin-peer:desk", Severity.Info), ("wireguard.admin-peer:old-laptop", Severity.Warning)],
            admins.Select(f => (f.Id, f.Severity)));
    }

    [Fact]
    public void TheGuard_EnabledButNotRunning_IsAWarning_AndRunning_IsNot()
    {
        WriteConfig(Gateway(Peer("laptop")));

        Finding finding = Assert.Single(Check(), f => f.Id == "wireguard.guard-off");
        Assert.Equal(Severity.Warning, finding.Severity);

        _tree.Write($"{StateDirectory}/guard.status", "{\"pid\": 4242, \"jails\": []}");
        Assert.Contains(Check(), f => f.Id == "wireguard.guard-off");

        _tree.Write("/proc/4242/cmdline", "/usr/local/bin/holt\0up\0");
        Assert.DoesNotContain(Check(), f => f.Id == "wireguard.guard-off");
    }

    [Fact]
    public void TheGuard_Disabled_IsNotExpectedToRun()
    {
        HoltConfig config = HoltConfig.Empty.WithGateway(Gateway(Peer("laptop"))).With(GuardConfig.Default with { Enabled = false });
        _tree.Write("/etc/holt/holt.toml", TestConfig.Write(config));

        Assert.DoesNotContain(Check(), f => f.Id == "wireguard.guard-off");
    }

    [Fact]
    public void WithoutHoltToml_OneNoteSaysSo()
    {
        Finding finding = Assert.Single(Check());

        Assert.Equal(("wireguard.no-gateway", Severity.Info), (finding.Id, finding.Severity));
    }

    [Fact]
    public void ABrokenHoltToml_IsCritical_WithItsLine()
    {
        _tree.Write("/etc/holt/holt.toml", "[gateway]\ninterface = \"wg0\"\nlisten_port = \"many\"\n");

        Finding finding = Assert.Single(Check(), f => f.Id == "wireguard.config-broken");

        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Matches(@"holt\.toml:\d+: ", finding.Evidence);
        Assert.DoesNotContain('\n', finding.Evidence);
    }

    private List<Finding> Check(int staleDays = 90) =>
        new WireGuardArea(StateDirectory) { OwnerUid = _tree.Uid }.Check(_tree.Machine(_tree.Store, staleDays)).ToList();

    private void WriteConfig(GatewayConfig gateway, UnixFileMode mode = Private) =>
        _tree.Write("/etc/holt/holt.toml", TestConfig.WriteGateway(gateway), mode);

    private void WriteState(params (string Peer, DateTimeOffset Handshake)[] seen)
    {
        var state = new GatewayState();
        foreach ((string peer, DateTimeOffset handshake) in seen)
        {
            state.For(Key(peer)).LastHandshake = handshake;
        }

        _tree.Write($"{StateDirectory}/wg0.json", JsonSerializer.Serialize(state, StateJson.Default.GatewayState));
    }

    private static GatewayConfig Gateway(params PeerConfig[] peers) => new()
    {
        Interface = "wg0",
        PrivateKey = TestKeys.GatewayPrivate,
        Endpoint = "vpn.example.com",
        Subnet = GatewayConfig.DefaultSubnet,
        Address = IPAddress.Parse("10.8.0.1"),
        Peers = peers.Select((p, i) => p with { Address = IPAddress.Parse($"10.8.0.{i + 2}") }).ToList(),
    };

    private static PeerConfig Peer(string name) => new()
    {
        Name = name,
        PublicKey = Key(name),
        PresharedKey = TestKeys.Psk1,
        Address = IPAddress.Parse("10.8.0.2"),
        Created = AuditTree.Now.AddDays(-30),
    };

    /// <summary>A public key of the peer's own, fixed by its name.</summary>
    private static string Key(string name) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
}
