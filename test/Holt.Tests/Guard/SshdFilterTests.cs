using System.Net;
using Holt.Guard;

namespace Holt.Tests.Guard;

public sealed class SshdFilterTests
{
    private static readonly DateTimeOffset s_time = new(2026, 11, 24, 1, 0, 0, TimeSpan.Zero);

    private static AuthEvent? One(string message, int pid = 10, string program = "sshd", SshdFilter? filter = null) =>
        (filter ?? new SshdFilter()).Process(new LogLine(s_time, "gw", program, pid, message), "test");

    [Theory]
    [InlineData("Failed password for root from 203.0.113.5 port 4000 ssh2", "Failed", "203.0.113.5", "root", "password")]
    [InlineData("Failed password for invalid user admin from 203.0.113.5 port 4000 ssh2", "InvalidUser", "203.0.113.5", "admin", "password")]
    [InlineData("Failed publickey for root from 2001:db8::5 port 4000 ssh2: ED25519 SHA256:abcd", "Failed", "2001:db8::5", "root", "publickey")]
    [InlineData("Failed keyboard-interactive/pam for root from 203.0.113.5 port 4000 ssh2", "Failed", "203.0.113.5", "root", "keyboard-interactive")]
    [InlineData("Invalid user oracle from 203.0.113.5 port 4000", "InvalidUser", "203.0.113.5", "oracle", null)]
    [InlineData("Accepted publickey for alice from 192.0.2.1 port 4000 ssh2: RSA SHA256:x", "Accepted", "192.0.2.1", "alice", "publickey")]
    [InlineData("Accepted password for bob from ::ffff:192.0.2.1 port 4000 ssh2", "Accepted", "::ffff:192.0.2.1", "bob", "password")]
    [InlineData("User root from 203.0.113.5 not allowed because not listed in AllowUsers", "InvalidUser", "203.0.113.5", "root", null)]
    [InlineData("error: maximum authentication attempts exceeded for root from 203.0.113.5 port 4000 ssh2 [preauth]", "Failed", "203.0.113.5", "root", null)]
    [InlineData("Disconnecting authenticating user root 203.0.113.5 port 4000: Too many authentication failures [preauth]", "Failed", "203.0.113.5", "root", null)]
    [InlineData("Connection closed by authenticating user root 203.0.113.5 port 4000 [preauth]", "Failed", "203.0.113.5", "root", null)]
    [InlineData("Disconnected from invalid user test 203.0.113.5 port 4000 [preauth]", "Failed", "203.0.113.5", "test", null)]
    public void Form_GivesItsEvent(string message, string kind, string address, string user, string? method)
    {
        AuthEvent e = One(message)!;

        Assert.Equal(kind, e.Kind.ToString());
        Assert.Equal(IPAddress.Parse(address), e.Address);
        Assert.Equal(user, e.User);
        Assert.Equal(method, e.Method);
    }

    [Theory]
    [InlineData("Failed password for root from 203.0.113.9 port 22 from 198.51.100.1 port 5555 ssh2", "198.51.100.1")]
    [InlineData("Invalid user root from 203.0.113.9 port 22 from 198.51.100.1 port 5555", "198.51.100.1")]
    [InlineData("Failed password for invalid user admin] from 203.0.113.9 from 198.51.100.1 port 5555 ssh2", "198.51.100.1")]
    [InlineData("Accepted password for x from 203.0.113.9 port 1 ssh2 from 198.51.100.1 port 5555 ssh2", "198.51.100.1")]
    [InlineData("Connection closed by authenticating user a 203.0.113.9 port 22 198.51.100.1 port 5555 [preauth]", "198.51.100.1")]
    [InlineData("User 203.0.113.9 from 198.51.100.1 not allowed because not listed in AllowUsers", "198.51.100.1")]
    public void InjectedAddressInTheUserName_NeverWins(string message, string real)
    {
        Assert.Equal(IPAddress.Parse(real), One(message)!.Address);
    }

    private static AuthEvent? At(SshdFilter filter, TimeSpan after, string message, int pid = 10) =>
        filter.Process(new LogLine(s_time + after, "gw", "sshd", pid, message), "test");

    [Fact]
    public void ConnectionState_IsForgottenAtItsLastLine_AndTheOldestGoFirstInAFlood()
    {
        const string TooMany = "Disconnecting: Too many authentication failures [preauth]";
        var filter = new SshdFilter();
        _ = At(filter, TimeSpan.Zero, "Connection from 203.0.113.5 port 4000 on 10.0.0.5 port 22", pid: 1);
        for (int pid = 2; pid <= 20_001; pid++)
        {
            _ = At(filter, TimeSpan.Zero, $"Connection from 198.51.{pid / 256 % 256}.{pid % 256} port 4000 on 10.0.0.5 port 22", pid);
        }

        Assert.Null(At(filter, TimeSpan.FromSeconds(1), TooMany, pid: 1));
        Assert.NotNull(At(filter, TimeSpan.FromSeconds(1), TooMany, pid: 20_001));

        _ = At(filter, TimeSpan.FromSeconds(2), "Connection from 203.0.113.6 port 4001 on 10.0.0.5 port 22", pid: 30_000);
        _ = At(filter, TimeSpan.FromSeconds(3), "Connection closed by 203.0.113.6 port 4001 [preauth]", pid: 30_000);
        Assert.Null(At(filter, TimeSpan.FromSeconds(4), TooMany, pid: 30_000));
    }

    [Fact]
    public void ForgottenConnection_LeavesNothingToTheNextOne()
    {
        const string TooMany = "Disconnecting: Too many authentication failures [preauth]";
        var filter = new SshdFilter();
        _ = At(filter, TimeSpan.Zero, "Connection from 203.0.113.5 port 4000 on 10.0.0.5 port 22", pid: 1);
        Assert.NotNull(At(filter, TimeSpan.Zero, "Failed password for root from 203.0.113.5 port 4000 ssh2", pid: 1));
        _ = At(filter, TimeSpan.Zero, "Connection closed by authenticating user root 203.0.113.5 port 4000 [preauth]", pid: 1);

        // The next connection knows neither the old address nor that a failure was counted.
        Assert.Null(At(filter, TimeSpan.FromSeconds(1), TooMany, pid: 2));
        Assert.Equal(
            (AuthKind.Failed, IPAddress.Parse("198.51.100.9")),
            At(filter, TimeSpan.FromSeconds(2), "Received disconnect from 198.51.100.9 port 4001:11: Bye Bye [preauth]", pid: 2) is { } e ? (e.Kind, e.Address!) : default);
    }

    [Fact]
    public void FloodEviction_GoesByWhenAConnectionWasMade_NotByItsPidsEarlierConnection()
    {
        const string TooMany = "Disconnecting: Too many authentication failures [preauth]";
        var filter = new SshdFilter();
        _ = At(filter, TimeSpan.Zero, "Connection from 203.0.113.5 port 4000 on 10.0.0.5 port 22", pid: 5);
        for (int pid = 1000; pid < 1010; pid++)
        {
            _ = At(filter, TimeSpan.Zero, $"Connection from 198.51.100.{pid % 256} port 4000 on 10.0.0.5 port 22", pid);
        }

        // pid 5's first connection ends and its second is made after the ten others.
        _ = At(filter, TimeSpan.Zero, "Connection closed by 203.0.113.5 port 4000 [preauth]", pid: 5);
        _ = At(filter, TimeSpan.Zero, "Connection from 203.0.113.6 port 4001 on 10.0.0.5 port 22", pid: 5);

        // Eleven connections and 16,378 more: the five oldest (pids 1000 to 1004) make room.
        for (int pid = 20_000; pid < 20_000 + 16_378; pid++)
        {
            _ = At(filter, TimeSpan.Zero, $"Connection from 192.0.{pid / 256 % 256}.{pid % 256} port 4000 on 10.0.0.5 port 22", pid);
        }

        Assert.Equal(IPAddress.Parse("203.0.113.6"), At(filter, TimeSpan.FromSeconds(1), TooMany, pid: 5)?.Address);
        Assert.Equal(IPAddress.Parse("198.51.100.237"), At(filter, TimeSpan.FromSeconds(1), TooMany, pid: 1005)?.Address);
        Assert.Null(At(filter, TimeSpan.FromSeconds(1), TooMany, pid: 1004));
    }

    [Fact]
    public void ReusedPid_SameClient_ConnectionFromStartsAfresh()
    {
        const string TooMany = "Disconnecting authenticating user root 203.0.113.5 port 4000: Too many authentication failures [preauth]";
        var filter = new SshdFilter();
        _ = At(filter, TimeSpan.Zero, "Connection from 203.0.113.5 port 4000 on 10.0.0.5 port 22");
        Assert.NotNull(At(filter, TimeSpan.FromSeconds(1), "Failed password for root from 203.0.113.5 port 4000 ssh2"));
        Assert.Null(At(filter, TimeSpan.FromSeconds(2), TooMany));

        _ = At(filter, TimeSpan.FromSeconds(3), "Connection from 203.0.113.5 port 4000 on 10.0.0.5 port 22");

        Assert.Equal(AuthKind.Failed, At(filter, TimeSpan.FromSeconds(4), TooMany)?.Kind);
    }

    [Fact]
    public void PamModuleFailure_CountsOnce_WithItsFailedLine_OrAtTheEnd_NeverAfterALogin()
    {
        const string Pam = "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user=root";
        var filter = new SshdFilter();
        Assert.Null(At(filter, TimeSpan.Zero, Pam));
        Assert.Null(At(filter, TimeSpan.Zero, Pam));
        AuthEvent failed = At(filter, TimeSpan.FromSeconds(2), "Failed password for root from 203.0.113.5 port 4000 ssh2")!;
        Assert.Equal(AuthKind.Failed, failed.Kind);
        Assert.Null(At(filter, TimeSpan.FromSeconds(3), "Connection closed by authenticating user root 203.0.113.5 port 4000 [preauth]"));

        // Another attempt whose sshd line never came: the connection's end counts it, though one was counted before.
        Assert.Null(At(filter, TimeSpan.FromSeconds(4), Pam, pid: 11));
        Assert.NotNull(At(filter, TimeSpan.FromSeconds(5), "Failed password for root from 203.0.113.5 port 4000 ssh2", pid: 11));
        Assert.Null(At(filter, TimeSpan.FromSeconds(6), Pam, pid: 11));
        AuthEvent atEnd = At(filter, TimeSpan.FromSeconds(7), "Connection closed by authenticating user root 203.0.113.5 port 4000 [preauth]", pid: 11)!;
        Assert.Equal(("root", s_time + TimeSpan.FromSeconds(6)), (atEnd.User, atEnd.Time));

        // A PAM stack that let the user in after pam_unix failed: nothing, then or at the end.
        Assert.Null(At(filter, TimeSpan.FromSeconds(8), Pam, pid: 12));
        Assert.Equal(AuthKind.Accepted, At(filter, TimeSpan.FromSeconds(8), "Accepted password for root from 203.0.113.5 port 4002 ssh2", pid: 12)?.Kind);
        Assert.Null(At(filter, TimeSpan.FromSeconds(9), "Connection closed by 203.0.113.5 port 4002", pid: 12));
    }

    [Fact]
    public void FailureWithoutAnAddress_WaitsForItsConnection_ButNotForever()
    {
        var filter = new SshdFilter(aggressive: true);
        Assert.Null(At(filter, TimeSpan.Zero, "User root not allowed because account is locked"));
        Assert.Equal(
            (AuthKind.InvalidUser, IPAddress.Parse("203.0.113.5")),
            At(filter, TimeSpan.FromSeconds(1), "Received disconnect from 203.0.113.5: 11: Bye Bye [preauth]") is { } e ? (e.Kind, e.Address!) : default);

        Assert.Null(At(filter, TimeSpan.Zero, "User root not allowed because account is locked", pid: 11));
        AuthEvent late = At(filter, SshdFilter.PendingLife + TimeSpan.FromSeconds(1), "Received disconnect from 203.0.113.6: 11: Bye Bye [preauth]", pid: 11)!;
        Assert.Equal(AuthKind.Aggressive, late.Kind);
    }

    [Fact]
    public void ReusedPid_WithAnotherAddress_IsANewConnection_NotTheOldAddress()
    {
        var filter = new SshdFilter();
        _ = One("Connection from 198.51.100.1 port 5555 on 10.0.0.1 port 22 rdomain \"\"", pid: 7, filter: filter);
        Assert.Equal(IPAddress.Parse("198.51.100.1"), One("Failed password for root from 198.51.100.1 port 5555 ssh2", pid: 7, filter: filter)!.Address);

        AuthEvent e = One("Failed password for root from 203.0.113.4 port 22 ssh2", pid: 7, filter: filter)!;
        AuthEvent tied = One("Disconnecting: Too many authentication failures [preauth]", pid: 8, filter: filter) ?? e;

        Assert.Equal(IPAddress.Parse("203.0.113.4"), e.Address);
        Assert.Equal(IPAddress.Parse("203.0.113.4"), tied.Address);
    }

    [Fact]
    public void WithoutVerboseConnectionLines_ClosingLinesStillCountOncePerConnection()
    {
        var filter = new SshdFilter();
        Assert.NotNull(One("Failed password for root from 198.51.100.6 port 7 ssh2", pid: 20, filter: filter));
        Assert.NotNull(One("error: maximum authentication attempts exceeded for root from 198.51.100.6 port 7 ssh2 [preauth]", pid: 20, filter: filter));
        Assert.Null(One("Disconnecting authenticating user root 198.51.100.6 port 7: Too many authentication failures [preauth]", pid: 20, filter: filter));
        Assert.Null(One("Connection closed by authenticating user root 198.51.100.6 port 7 [preauth]", pid: 20, filter: filter));
    }

    [Fact]
    public void TooManyFailuresWithoutAddress_IsTiedToTheConnectionByPid()
    {
        var filter = new SshdFilter();
        Assert.Null(One("Disconnecting: Too many authentication failures [preauth]", pid: 8, filter: filter));
        _ = One("Connection from 198.51.100.2 port 5555 on 10.0.0.1 port 22", pid: 9, filter: filter);

        AuthEvent e = One("Disconnecting: Too many authentication failures [preauth]", pid: 9, filter: filter)!;

        Assert.Equal(AuthKind.Failed, e.Kind);
        Assert.Equal(IPAddress.Parse("198.51.100.2"), e.Address);
    }

    [Fact]
    public void ClosingLine_CountsOnlyForAConnectionWithoutCountedFailures()
    {
        var filter = new SshdFilter();
        _ = One("Connection from 198.51.100.3 port 5555 on 10.0.0.1 port 22", pid: 11, filter: filter);
        Assert.NotNull(One("Failed password for root from 198.51.100.3 port 5555 ssh2", pid: 11, filter: filter));
        Assert.NotNull(One("error: maximum authentication attempts exceeded for root from 198.51.100.3 port 5555 ssh2 [preauth]", pid: 11, filter: filter));
        Assert.Null(One("Connection closed by authenticating user root 198.51.100.3 port 5555 [preauth]", pid: 11, filter: filter));

        // A key sprayer whose failures sshd does not log at INFO: the closing line is its one counted failure.
        _ = One("Connection from 198.51.100.4 port 5556 on 10.0.0.1 port 22", pid: 12, filter: filter);
        Assert.NotNull(One("Disconnecting authenticating user root 198.51.100.4 port 5556: Too many authentication failures [preauth]", pid: 12, filter: filter));
    }

    [Fact]
    public void LaterSuccess_DoesNotHideEarlierFailures()
    {
        var filter = new SshdFilter();
        AuthEvent? failed = One("Failed password for root from 198.51.100.5 port 1 ssh2", pid: 13, filter: filter);
        AuthEvent? accepted = One("Accepted password for root from 198.51.100.5 port 1 ssh2", pid: 13, filter: filter);

        Assert.Equal(AuthKind.Failed, failed!.Kind);
        Assert.Equal(AuthKind.Accepted, accepted!.Kind);
    }

    [Theory]
    [InlineData("Unable to negotiate with 203.0.113.5 port 4000: no matching key exchange method found. Their offer: x from 198.51.100.1 port 1 [preauth]", "203.0.113.5")]
    [InlineData("banner exchange: Connection from 203.0.113.5 port 4000: invalid format", "203.0.113.5")]
    [InlineData("Bad protocol version identification 'GET / from 198.51.100.1 port 1' from 203.0.113.5 port 4000", "203.0.113.5")]
    [InlineData("Did not receive identification string from 203.0.113.5 port 4000", "203.0.113.5")]
    [InlineData("Received disconnect from 203.0.113.5 port 4000:11: Bye Bye [preauth]", "203.0.113.5")]
    public void KexAndBannerErrors_CountOnlyInAggressiveMode(string message, string address)
    {
        Assert.Null(One(message));

        AuthEvent e = One(message, filter: new SshdFilter(aggressive: true))!;

        Assert.Equal(AuthKind.Aggressive, e.Kind);
        Assert.Equal(IPAddress.Parse(address), e.Address);
    }

    [Theory]
    [InlineData("Failed password for root from 203.0.113.5 port 4000 ssh2", "sudo")]
    [InlineData("Failed password for root from 203.0.113.5 port 4000 ssh2", "sshd2")]
    public void OtherPrograms_AreIgnored(string message, string program)
    {
        Assert.Null(One(message, program: program));
    }

    [Theory]
    [InlineData("Failed password for root from host.example.com port 4000 ssh2")]
    [InlineData("Failed password for root from 203.0.113.5 port x ssh2")]
    [InlineData("Failed password for root from 999.0.113.5 port 4000 ssh2")]
    [InlineData("Invalid user from port")]
    [InlineData("Accepted")]
    [InlineData("Server listening on 0.0.0.0 port 22.")]
    public void LinesWithoutAnIpLiteral_GiveNothing(string message)
    {
        Assert.Null(One(message));
    }

    [Fact]
    public void RandomMessages_NeverThrow()
    {
        var random = new Random(7);
        string[] words = ["Failed", "password", "for", "invalid", "user", "from", "port", "ssh2", "203.0.113.5", "::1", "Accepted", "[preauth]", "Connection", "closed", "by", "authenticating", "Disconnecting", "error:", ":", "Invalid", "User", "not allowed because", "1", "x"];
        var filter = new SshdFilter(aggressive: true);
        for (int i = 0; i < 50_000; i++)
        {
            string message = string.Join(' ', Enumerable.Range(0, random.Next(0, 12)).Select(_ => words[random.Next(words.Length)]));
            _ = filter.Process(new LogLine(s_time, "gw", "sshd", random.Next(0, 5), message), "fuzz");
        }
    }
}
