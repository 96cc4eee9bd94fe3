using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary>
/// A test that runs <c>holt guard ban</c> in a network namespace of its own (<c>unshare --net</c>): a refusal that
/// broke would ban the whole internet in that namespace only, never on the machine that runs the tests. It needs
/// root; without it the test is skipped with the reason, except when CI=true (CI runs as root, so there it runs).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class UnsharedTheoryAttribute : TheoryAttribute
{
    public UnsharedTheoryAttribute()
    {
        if (!Zbar.IsCi && (!Environment.IsPrivilegedProcess || !File.Exists("/usr/bin/unshare")))
        {
            Skip = "needs root and unshare(1) to run holt guard ban in a network namespace of its own";
        }
    }
}

/// <summary>
/// <c>holt guard ban</c> of a range that would cut the server off: 0.0.0.0/0 and ::/0 (however written) and
/// anything shorter than a /8 never, a range wider than a provider's block only with --force (and said), loopback
/// and the VPN's subnet never; each refusal one line saying why, with nothing recorded.
/// </summary>
public sealed class GuardBanWidthCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-ban-width.").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string StateDirectory => Path.Combine(_directory, "state");

    [UnsharedTheory]
    [InlineData("0.0.0.0/0", false, "0.0.0.0/0: it is every IPv4 address: the ban would cut this server off from everyone, you included")]
    [InlineData("0.0.0.0/0", true, "0.0.0.0/0: it is every IPv4 address: the ban would cut this server off from everyone, you included")]
    [InlineData("::/0", true, "::/0: it is every IPv6 address: the ban would cut this server off from everyone, you included")]
    [InlineData("::ffff:0.0.0.0/96", true, "0.0.0.0/0: it is every IPv4 address: the ban would cut this server off from everyone, you included")]
    [InlineData("128.0.0.0/1", true, "128.0.0.0/1: it is 1/2 of all IPv4 addresses: a ban that wide would cut this server off from much of the internet, likely you included; the widest range Holt bans is a /8, with --force")]
    [InlineData("16.0.0.0/4", true, "16.0.0.0/4: it is 1/16 of all IPv4 addresses: a ban that wide would cut this server off from much of the internet, likely you included; the widest range Holt bans is a /8, with --force")]
    [InlineData("2000::/4", true, "2000::/4: it is 1/16 of all IPv6 addresses: a ban that wide would cut this server off from much of the internet, likely you included; the widest range Holt bans is a /8, with --force")]
    [InlineData("127.0.0.0/8", true, "127.0.0.0/8: it is loopback")]
    [InlineData("198.18.0.0/15", false, "198.18.0.0/15: it is 131072 addresses, a range wider than a /16, and a ban that wide cuts off far more than an attacker. --force bans it anyway")]
    [InlineData("3fff::/20", false, "3fff::/20: it is 2^108 addresses, a range wider than a /32, and a ban that wide cuts off far more than an attacker. --force bans it anyway")]
    public void BanThatWouldCutTheServerOff_IsRefusedInOneLine_AndNothingIsRecorded(string target, bool force, string expected)
    {
        (int code, string output, string error) = Ban(force ? [target, "--force"] : [target]);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"holt: not banning {expected}\n", error);
        Assert.False(Directory.Exists(StateDirectory) && Directory.EnumerateFiles(StateDirectory, "guard.db*").Any());
    }

    [UnsharedTheory]
    [InlineData("198.18.0.0/15", "131072 addresses, a range wider than a /16")]
    [InlineData("3fff::/20", "2^108 addresses, a range wider than a /32")]
    public void WideRange_WithForce_IsBanned_AndTheWarningSaysHowWide(string target, string cuts)
    {
        (int code, _, string error) = Ban(target, "--force");

        Assert.True(code == 0, error);
        Assert.StartsWith($"holt: warning: this ban cuts {cuts}\nBanned {target} for 1h (jail manual).\n", error, StringComparison.Ordinal);
    }

    [UnsharedTheory]
    [InlineData("10.77.0.0/16")]
    [InlineData("10.77.5.9")]
    public void TheGatewaysVpnSubnet_IsNeverBanned_EvenWithForce(string target)
    {
        var environment = Variables();
        (int initCode, _, string initError) = HoltProcess.Run(environment, "init", "--endpoint", "vpn.example.com", "--subnet", "10.77.5.0/24", "--interface", "hbw" + Guid.NewGuid().ToString("N")[..8]);
        Assert.True(initCode == 0, initError);

        (int code, _, string error) = Ban(target, "--force");

        Assert.Equal(1, code);
        Assert.Equal($"holt: not banning {target}: it is the VPN subnet 10.77.5.0/24\n", error);
    }

    private Dictionary<string, string> Variables() => new()
    {
        ["HOLT_CONFIG"] = Path.Combine(_directory, "holt.toml"),
        ["HOLT_STATE_DIR"] = StateDirectory,
    };

    private (int ExitCode, string Output, string Error) Ban(params string[] arguments) =>
        HoltProcess.RunProgram("/usr/bin/unshare", null, Variables(), ["--net", "--", HoltProcess.ExecutablePath, "guard", "ban", .. arguments]);
}
