using Holt.Audit;

namespace Holt.Tests.Audit;

public sealed class AccountsAreaTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Readable = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>A hash shape only; the tests check that no hash is ever printed.</summary>
    private const string Hash = "$y$j9T$abcdefghijklmnop$QRSTUVWXYZ0123456789abcdefghijklmnopqrstu";

    private readonly AuditTree _tree = new();

    public AccountsAreaTests()
    {
        _tree.Write("/etc/shells", "# /etc/shells: valid login shells\n/bin/sh\n/bin/bash\n/usr/bin/zsh\n", Readable);
    }

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void AUserWithAPasswordAndALoginShell_IsAWarning_WithoutTheHash()
    {
        Accounts(
            ("alice", Hash, "/bin/bash"),
            ("locked", "!" + Hash, "/bin/bash"),
            ("starred", "*", "/bin/bash"),
            ("daemon", Hash, "/usr/sbin/nologin"),
            ("falsey", Hash, "/bin/false"),
            ("unlisted", Hash, "/opt/weird/shell"));

        List<Finding> findings = Check();

        Finding finding = Assert.Single(findings);
        Assert.Equal(("accounts.password-login:alice", Severity.Warning), (finding.Id, finding.Severity));
        Assert.Equal("/etc/shadow:1: alice has a password hash (not shown); shell /bin/bash", finding.Evidence);
        Assert.DoesNotContain(findings, f => (f.Evidence + f.Fix + f.Title).Contains("$y$", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutEtcShells_AnyShellButNologinLogsIn()
    {
        File.Delete(_tree.PathOf("/etc/shells"));
        Accounts(("bob", Hash, "/opt/weird/shell"), ("daemon", Hash, "/sbin/nologin"));

        Assert.Equal(["accounts.password-login:bob"], Check().Select(f => f.Id));
    }

    [Fact]
    public void AnEmptyPassword_IsCritical()
    {
        Accounts(("guest", "", "/bin/sh"));

        Finding finding = Assert.Single(Check());

        Assert.Equal(("accounts.empty-password:guest", Severity.Critical), (finding.Id, finding.Severity));
    }

    [Fact]
    public void AnExpiredAccount_CannotLogIn()
    {
        _tree.Write("/etc/passwd", "carol:x:1001:1001::/home/carol:/bin/bash\n", Readable);
        _tree.Write("/etc/shadow", $"carol:{Hash}:19000:0:99999:7::19500:\n", Private);

        Assert.Empty(Check());
    }

    [Fact]
    public void AnUnreadableShadow_IsOneLine_ThatSaysWhy()
    {
        _tree.Write("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n", Readable);
        _tree.Folder("/etc/shadow");

        var error = Assert.Throws<AuditAreaException>(() => new AccountsArea().Check(_tree.Machine()));

        Assert.StartsWith("cannot read /etc/shadow", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void WeakKeys_AreWarnings_AndGoodKeys_AreNot()
    {
        Accounts(("alice", "!", "/bin/bash"));
        _tree.Write("/home/alice/.ssh/authorized_keys",
            $"# alice's devices\n{SshKeys.Ed25519}\n{SshKeys.Rsa1024}\n\n{SshKeys.Rsa3072}\nno-pty {SshKeys.Dsa}\n", Private);

        List<Finding> findings = Check();

        Assert.Equal(
            [$"accounts.weak-key:alice:{SshKeys.DsaFingerprint[..19]}", $"accounts.weak-key:alice:{SshKeys.Rsa1024Fingerprint[..19]}"],
            findings.Select(f => f.Id).Order(StringComparer.Ordinal));
        Assert.All(findings, f => Assert.Equal(Severity.Warning, f.Severity));
        Assert.Contains($"/home/alice/.ssh/authorized_keys:3: ssh-rsa 1024 bits {SshKeys.Rsa1024Fingerprint} old@laptop",
            findings.Select(f => f.Evidence));
    }

    [Fact]
    public void AuthorizedKeys2_IsReadToo()
    {
        Accounts(("alice", "!", "/bin/bash"));
        _tree.Write("/home/alice/.ssh/authorized_keys2", SshKeys.Rsa1024 + "\n", Private);

        Assert.Single(Check(), f => f.Id.StartsWith("accounts.weak-key:alice:", StringComparison.Ordinal));
    }

    [Fact]
    public void HostileLines_AreNotedOncePerFile_AndTheKeysAroundThemStillCount()
    {
        Accounts(("alice", "!", "/bin/bash"));
        _tree.Write("/home/alice/.ssh/authorized_keys",
            $"ssh-rsa\n{new string('A', 20_000)}\n\u0000\u0001binary\u0002\n{SshKeys.Rsa1024}\nssh-ed25519 AAAA\n", Private);

        List<Finding> findings = Check();

        Finding note = Assert.Single(findings, f => f.Id == "accounts.malformed-keys:/home/alice/.ssh/authorized_keys");
        Assert.Equal(Severity.Info, note.Severity);
        Assert.Contains("4 lines", note.Title, StringComparison.Ordinal);
        Assert.Single(findings, f => f.Id.StartsWith("accounts.weak-key:alice:", StringComparison.Ordinal));
    }

    [Fact]
    public void RootsKeys_AreANote_AndAWarningWhenOneHasNoComment()
    {
        Accounts(("root", "*", "/bin/bash"));
        _tree.Write("/root/.ssh/authorized_keys", $"{SshKeys.Ed25519}\n{SshKeys.Rsa3072}\n", Private);

        Finding note = Assert.Single(Check());
        Assert.Equal(("accounts.root-keys", Severity.Info), (note.Id, note.Severity));
        Assert.Contains(SshKeys.Ed25519Fingerprint, note.Evidence, StringComparison.Ordinal);

        _tree.Write("/root/.ssh/authorized_keys", $"{SshKeys.Ed25519}\n{string.Join(' ', SshKeys.Rsa3072.Split(' ').Take(2))}\n", Private);
        Assert.Equal(Severity.Warning, Assert.Single(Check()).Severity);
    }

    [Fact]
    public void PrivateKeysReadableByOthers_AreCritical_AndPrivateOnes_AreNot()
    {
        Accounts(("alice", "!", "/bin/bash"));
        _tree.Write("/home/alice/.ssh/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\n", Readable);
        _tree.Write("/home/alice/.ssh/id_ed25519.pub", SshKeys.Ed25519 + "\n", Readable);
        _tree.Write("/home/alice/.ssh/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\n", Private);
        _tree.Write("/etc/ssh/ssh_host_ed25519_key", "-----BEGIN OPENSSH PRIVATE KEY-----\n", Readable);
        _tree.Write("/etc/ssh/ssh_host_rsa_key", "-----BEGIN OPENSSH PRIVATE KEY-----\n", Private);
        _tree.Write("/etc/ssh/ssh_host_rsa_key.pub", SshKeys.Rsa3072 + "\n", Readable);

        List<Finding> findings = Check();

        Assert.Equal(
            ["accounts.readable-key:/etc/ssh/ssh_host_ed25519_key", "accounts.readable-key:/home/alice/.ssh/id_ed25519"],
            findings.Select(f => f.Id).Order(StringComparer.Ordinal));
        Assert.All(findings, f => Assert.Equal(Severity.Critical, f.Severity));
        Assert.DoesNotContain(findings, f => f.Evidence.Contains("BEGIN", StringComparison.Ordinal));
    }

    [Fact]
    public void AHostKeyReadableByTheGroupSshKeys_IsFedorasWay_AndFine()
    {
        uint gid = Convert.ToUInt32(File.ReadAllText("/proc/self/status").Split('\n').First(l => l.StartsWith("Gid:", StringComparison.Ordinal)).Split('\t')[1]);
        _tree.Write("/etc/group", $"ssh_keys:x:{gid}:\n", Readable);
        Accounts(("root", "*", "/bin/bash"));
        _tree.Write("/etc/ssh/ssh_host_ecdsa_key", "key\n", Private | UnixFileMode.GroupRead);

        Assert.Empty(Check());
    }

    [Fact]
    public void AnAuthorizedKeysFileOthersMayWrite_IsAWarning()
    {
        Accounts(("alice", "!", "/bin/bash"));
        _tree.Write("/home/alice/.ssh/authorized_keys", SshKeys.Ed25519 + "\n", Private | UnixFileMode.OtherWrite);

        Finding finding = Assert.Single(Check());

        Assert.Equal(("accounts.writable-keys:/home/alice/.ssh/authorized_keys", Severity.Warning), (finding.Id, finding.Severity));
    }

    private List<Finding> Check() => new AccountsArea().Check(_tree.Machine()).ToList();

    /// <summary>/etc/passwd and /etc/shadow with these users, each with a home under /home (root's is /root).</summary>
    private void Accounts(params (string User, string Password, string Shell)[] users)
    {
        string passwd = string.Concat(users.Select((u, i) =>
            $"{u.User}:x:{(u.User == "root" ? 0 : 1000 + i)}:{1000 + i}::{(u.User == "root" ? "/root" : $"/home/{u.User}")}:{u.Shell}\n"));
        string shadow = string.Concat(users.Select(u => $"{u.User}:{u.Password}:19000:0:99999:7:::\n"));
        _tree.Write("/etc/passwd", passwd, Readable);
        _tree.Write("/etc/shadow", shadow, Private);
        foreach ((string user, _, _) in users)
        {
            _tree.Folder(user == "root" ? "/root" : $"/home/{user}");
        }
    }
}
