using System.Net;
using Holt.Audit;
using Holt.External;

namespace Holt.Tests.Audit;

/// <summary>
/// The sshd area on sshd -T output given by a fake runner, so each setting's judgement is checked without an sshd:
/// what is reported, at which severity, with which drop-in line.
/// </summary>
public sealed class SshdAreaTests : IDisposable
{
    // What OpenSSH 9.2 on Debian 12 prints for a default configuration, trimmed to the keywords the area reads.
    private const string Debian12 = """
        port 22
        listenaddress [::]:22
        listenaddress 0.0.0.0:22
        usepam yes
        logingracetime 120
        maxauthtries 6
        permitrootlogin without-password
        passwordauthentication yes
        kbdinteractiveauthentication no
        x11forwarding yes
        permitemptypasswords no
        allowtcpforwarding yes
        allowagentforwarding yes
        pidfile /run/sshd.pid
        ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com
        macs umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1
        kexalgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256
        hostkeyalgorithms ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256
        authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2
        hostkey /etc/ssh/ssh_host_rsa_key
        hostkey /etc/ssh/ssh_host_ecdsa_key
        hostkey /etc/ssh/ssh_host_ed25519_key
        maxstartups 10:30:100
        """;

    private const string Hardened = """
        usepam yes
        logingracetime 30
        maxauthtries 3
        permitrootlogin no
        passwordauthentication no
        kbdinteractiveauthentication no
        x11forwarding no
        permitemptypasswords no
        allowtcpforwarding no
        allowagentforwarding no
        ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com
        macs hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com
        kexalgorithms curve25519-sha256,sntrup761x25519-sha512@openssh.com
        hostkeyalgorithms ssh-ed25519,ecdsa-sha2-nistp256
        hostkey /etc/ssh/ssh_host_ed25519_key
        maxstartups 10:30:60
        persourcepenalties no
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("holt-sshd-area.").FullName;

    public SshdAreaTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc/ssh"));
        foreach ((string name, string type) in new[] { ("rsa", "ssh-rsa"), ("ecdsa", "ecdsa-sha2-nistp256"), ("ed25519", "ssh-ed25519") })
        {
            File.WriteAllText(Path.Combine(_root, $"etc/ssh/ssh_host_{name}_key.pub"), $"{type} AAAAC3NzaC1lZDI1NTE5AAAAIB root@host\n");
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Debian12Defaults_PasswordsCritical_NistCurvesFailed_ForwardingNoted()
    {
        Dictionary<string, Finding> found = Check(Debian12, "OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19");
        Assert.Equal(Severity.Critical, found["sshd.password-authentication"].Severity);
        Assert.Equal("PasswordAuthentication no", found["sshd.password-authentication"].SshdLine);
        Assert.True(found["sshd.password-authentication"].Safe);
        Assert.Equal(Severity.Info, found["sshd.root-login-keys"].Severity);
        Assert.False(found["sshd.root-login-keys"].Safe);
        Assert.True(found["sshd.root-login-keys"].Fixable);
        Assert.Equal(Severity.Warning, found["sshd.x11-forwarding"].Severity);
        Assert.Equal(Severity.Info, found["sshd.max-auth-tries"].Severity);
        Assert.Equal(Severity.Info, found["sshd.login-grace-time"].Severity);
        Assert.False(found["sshd.tcp-forwarding"].Safe);

        Finding kex = found["sshd.weak-kex"];
        Assert.Equal(Severity.Warning, kex.Severity);
        Assert.Contains("ecdh-sha2-nistp256", kex.Evidence, StringComparison.Ordinal);
        Assert.Equal(
            "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
            kex.SshdLine);

        // Only warn-rated MACs: a note, and the fix keeps the encrypt-then-MAC ones.
        Assert.Equal(Severity.Info, found["sshd.weak-macs"].Severity);
        Assert.Equal("MACs umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com", found["sshd.weak-macs"].SshdLine);
        Assert.DoesNotContain("sshd.weak-ciphers", found.Keys);

        // The ECDSA key makes its NIST algorithms offered; the RSA key signs with SHA-2 only here (no ssh-rsa listed).
        Finding hostKeys = found["sshd.weak-host-keys"];
        Assert.Contains("ecdsa-sha2-nistp256", hostKeys.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain("ecdsa", hostKeys.SshdLine, StringComparison.Ordinal);
        Assert.Contains("ssh-ed25519", hostKeys.SshdLine, StringComparison.Ordinal);
        Assert.DoesNotContain("sshd.per-source-penalties", found.Keys);
        Assert.All(found.Values, f => Assert.Equal("sshd", f.Area));
    }

    [Fact]
    public void HardenedConfiguration_NothingFound()
    {
        Assert.Empty(Check(Hardened, "OpenSSH_9.9p1"));
    }

    [Fact]
    public void HostKeysOnlyWeak_FixNotOffered_InstructionsInstead()
    {
        string config = Hardened.Replace("hostkey /etc/ssh/ssh_host_ed25519_key", "hostkey /etc/ssh/ssh_host_ecdsa_key", StringComparison.Ordinal);
        Finding hostKeys = Check(config, "OpenSSH_9.2p1")["sshd.weak-host-keys"];
        Assert.False(hostKeys.Fixable);
        Assert.Null(hostKeys.SshdLine);
        Assert.Contains("ssh-keygen -t ed25519", hostKeys.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("permitrootlogin yes\npasswordauthentication yes", "sshd.permit-root-login", "critical")]
    [InlineData("permitrootlogin yes\npasswordauthentication no", "sshd.permit-root-login", "warning")]
    [InlineData("passwordauthentication no\nkbdinteractiveauthentication yes\nusepam yes", "sshd.kbd-interactive", "critical")]
    [InlineData("permitemptypasswords yes", "sshd.permit-empty-passwords", "critical")]
    [InlineData("maxauthtries 10", "sshd.max-auth-tries", "warning")]
    [InlineData("logingracetime 0", "sshd.login-grace-time", "warning")]
    [InlineData("maxstartups 100:30:1000", "sshd.max-startups", "info")]
    public void OneWeakSetting_IsReportedAtItsSeverity(string lines, string id, string severity)
    {
        // The weak lines come first: sshd -T prints each keyword once, and the area reads the first.
        Dictionary<string, Finding> found = Check(lines + "\n" + Hardened, "OpenSSH_9.2p1");
        Assert.Equal(severity, found[id].Severity.ToString().ToLowerInvariant());

        // Nothing else, but for passwords themselves when the lines turn them on.
        Assert.All(found.Keys.Where(k => k != id), k => Assert.Equal("sshd.password-authentication", k));
    }

    [Fact]
    public void KeyboardInteractiveWithoutPam_IsNoPassword()
    {
        Assert.Empty(Check("usepam no\nkbdinteractiveauthentication yes\n" + Hardened, "OpenSSH_9.2p1"));
    }

    [Fact]
    public void OpenSsh98_PerSourcePenaltiesNoted()
    {
        string config = Hardened.Replace("persourcepenalties no", "persourcepenalties crash:90s authfail:5s", StringComparison.Ordinal);
        Finding penalties = Check(config, "OpenSSH_9.8p1 Ubuntu-3")["sshd.per-source-penalties"];
        Assert.Equal(Severity.Info, penalties.Severity);
        Assert.Empty(Check(config, "OpenSSH_9.7p1"));
    }

    [Fact]
    public void SshdMissing_AreaNotChecked_OneLine()
    {
        var machine = new AuditMachine(_root, TimeProvider.System, (_, _) => null);
        AuditAreaException error = Assert.Throws<AuditAreaException>(() => new SshdArea().Check(machine));
        Assert.StartsWith("sshd is not installed", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);

        AuditReport report = Auditor.Run(machine, null);
        AreaResult sshd = Assert.Single(report.Areas, a => a.Area == "sshd");
        Assert.False(sshd.Checked);
        CommandException only = Assert.Throws<CommandException>(() => Auditor.Run(machine, ["sshd"]));
        Assert.StartsWith("sshd: sshd is not installed", only.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SshdTFails_ItsFirstErrorLine()
    {
        var machine = new AuditMachine(_root, TimeProvider.System, (_, _) =>
            new ToolResult("sshd -T", 255, "", "/etc/ssh/sshd_config: line 12: Bad configuration option: PasswordAuthenticaton\n/etc/ssh/sshd_config: terminating, 1 bad configuration options\n"));
        AuditAreaException error = Assert.Throws<AuditAreaException>(() => new SshdArea().Check(machine));
        Assert.Equal("/usr/sbin/sshd -T failed: /etc/ssh/sshd_config: line 12: Bad configuration option: PasswordAuthenticaton", error.Message);
    }

    [Theory]
    [InlineData("OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 27 Jan 2026", 9, 2)]
    [InlineData("unknown option -- V\nOpenSSH_7.4p1, OpenSSL 1.0.2k-fips\nusage: sshd [-46DdeiqTt]", 7, 4)]
    [InlineData("OpenSSH_10.0p2", 10, 0)]
    public void Version_FromWhatSshdPrints(string text, int major, int minor) =>
        Assert.Equal(new Version(major, minor), SshdEffective.ParseVersion(text));

    [Fact]
    public void Effective_RepeatedKeywordsKeptInOrder()
    {
        SshdEffective sshd = SshdEffective.Parse(Debian12, "sshd -T", null);
        Assert.Equal(["[::]:22", "0.0.0.0:22"], sshd.All("listenaddress"));
        Assert.Equal(3, sshd.All("hostkey").Count);
        Assert.Equal(6, sshd.Number("maxauthtries"));
        Assert.Null(sshd["nosuchkeyword"]);
    }

    [Fact]
    public void ListeningEverywhere_NoFirewall_Critical_BehindHoltsFirewall_Info()
    {
        Finding open = Check(Debian12, "OpenSSH_9.2p1")["sshd.listen-public"];
        Assert.Equal(Severity.Critical, open.Severity);
        Assert.Contains("0.0.0.0:22", open.Evidence, StringComparison.Ordinal);
        Assert.False(open.Fixable, "without holt.toml there is no VPN address to listen on");

        // Holt's table as the kernel has it, SSH only from allow_from: hidden, and the fix is the VPN address alone.
        string holtToml = Path.Combine(_root, "holt.toml");
        File.Copy(AuditFixture.FixturePath("holt.toml"), holtToml);
        Finding hidden = Check(Debian12, "OpenSSH_9.2p1", "holt", Support.TestConfig.Store(holtToml))["sshd.listen-public"];
        Assert.Equal(Severity.Info, hidden.Severity);
        Assert.Equal("ListenAddress 10.8.0.1", hidden.SshdLine);
        Assert.False(hidden.Safe);
    }

    private Dictionary<string, Finding> Check(string effective, string version, string ruleset = "empty", Holt.Config.ConfigStore? store = null)
    {
        string listing = File.ReadAllText(AuditFixture.FixturePath(ruleset + ".json"));
        var machine = new AuditMachine(_root, TimeProvider.System, (tool, arguments) =>
            tool == "nft" ? new ToolResult("nft -j list ruleset", 0, listing, "")
            : arguments[0] == "-V" ? new ToolResult("sshd -V", 0, "", version + "\n")
            : new ToolResult("sshd -T", 0, effective, ""))
        {
            Store = store,
        };
        return new SshdArea().Check(machine).ToDictionary(f => f.Id);
    }
}
