using System.Net;
using Holt.Audit;

namespace Holt.Tests.Audit;

/// <summary>The pieces of holt audit fix that need no sshd: the drop-in's text, finding the session's login, counting keys.</summary>
public sealed class SshdFixPartsTests
{
    [Fact]
    public void DropIn_EarlierLinesKept_SameKeywordReplaced_CommentsDropped()
    {
        string previous = "# Written by holt audit fix\nPasswordAuthentication no\nx11forwarding no\n";
        string merged = SshdDropIn.Merge(previous, ["X11Forwarding no", "MaxAuthTries 4", "passwordauthentication no"], DateTimeOffset.UnixEpoch);
        string[] lines = merged.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToArray();
        Assert.Equal(["passwordauthentication no", "X11Forwarding no", "MaxAuthTries 4"], lines);
    }

    [Fact]
    public void DropIn_NextToTheConfigurationInUse()
    {
        Assert.Equal("/etc/ssh/sshd_config.d/00-holt.conf", SshdDropIn.PathFor(null));
        Assert.Equal("/srv/ssh/sshd_config.d/00-holt.conf", SshdDropIn.PathFor("/srv/ssh/sshd_config"));
    }

    [Fact]
    public void DropIn_NotARegularFile_Refused()
    {
        string directory = Directory.CreateTempSubdirectory("holt-dropin.").FullName;
        try
        {
            string target = Path.Combine(directory, "elsewhere");
            File.WriteAllText(target, "PasswordAuthentication yes\n");
            File.CreateSymbolicLink(Path.Combine(directory, "00-holt.conf"), target);
            CommandException error = Assert.Throws<CommandException>(() => SshdDropIn.ReadCurrent(Path.Combine(directory, "00-holt.conf")));
            Assert.Contains("is not a regular file", error.Message, StringComparison.Ordinal);

            string notDirectory = Path.Combine(directory, "sshd_config.d");
            File.WriteAllText(notDirectory, "");
            error = Assert.Throws<CommandException>(() => SshdDropIn.ReadCurrent(Path.Combine(notDirectory, "00-holt.conf")));
            Assert.Contains("is not a directory", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("Dec  6 10:00:01 host sshd[1]: Accepted password for alice from 198.51.100.7 port 50022 ssh2", "alice", "password", true)]
    [InlineData("2026-12-06T10:00:01.5+00:00 host sshd[1]: Accepted publickey for bob from 198.51.100.7 port 50022 ssh2: ED25519 SHA256:abc", "bob", "publickey", false)]
    [InlineData("Dec  6 10:00:01 host sshd[1]: Accepted keyboard-interactive/pam for carol from ::ffff:198.51.100.7 port 50022 ssh2", "carol", "keyboard-interactive/pam", true)]
    public void Login_FoundByAddressAndPort(string line, string user, string method, bool password)
    {
        SessionLogin? login = SshLogin.Find(["noise", line, "Accepted password for zed from 198.51.100.7 port 50023 ssh2"], IPAddress.Parse("198.51.100.7"), 50022);
        Assert.NotNull(login);
        Assert.Equal(user, login.User);
        Assert.Equal(method, login.Method);
        Assert.Equal(password, login.WithPassword);
    }

    [Fact]
    public void Login_UserNameCarryingAnAddress_DoesNotWin()
    {
        // The client chose the name "x from 198.51.100.7 port 50022"; the address sshd wrote comes last.
        string line = "sshd[1]: Accepted password for x from 198.51.100.7 port 50022 from 203.0.113.5 port 41000 ssh2";
        Assert.Null(SshLogin.Find([line], IPAddress.Parse("198.51.100.7"), 50022));
        Assert.Equal("x from 198.51.100.7 port 50022", SshLogin.Find([line], IPAddress.Parse("203.0.113.5"), 41000)?.User);
    }

    [Theory]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHfFwR3EEmTlsEXOcHGgTcOl1TbhVlDbBi2Zjsv8Wwxm alice@laptop", true)]
    [InlineData("command=\"echo hi there\",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHfFwR3EEmTlsEXOcHGgTcOl1TbhVlDbBi2Zjsv8Wwxm", true)]
    [InlineData("# ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHfFwR3EEmTlsEXOcHGgTcOl1TbhVlDbBi2Zjsv8Wwxm", false)]
    [InlineData("ssh-ed25519 not-base64!", false)]
    [InlineData("", false)]
    public void AuthorizedKeyLines(string line, bool isKey) => Assert.Equal(isKey, AuthorizedKeys.IsKeyLine(line));
}
