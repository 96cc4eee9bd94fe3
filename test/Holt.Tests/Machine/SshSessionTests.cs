using System.Net;
using Holt.Machine;

namespace Holt.Tests.Machine;

/// <summary>
/// SSH_CONNECTION read into the session the firewall lets back in and the guard never bans. (Reading it from this
/// process's ancestors is tested through the holt process, so no test changes this process's environment.)
/// </summary>
public sealed class SshSessionTests
{
    [Theory]
    [InlineData("203.0.113.9 50022 198.51.100.1 22", "203.0.113.9 22")]
    [InlineData("::ffff:203.0.113.9 50022 ::ffff:198.51.100.1 2222", "203.0.113.9 2222")]
    [InlineData("fe80::1%eth0 50022 fe80::2%eth0 22", "fe80::1 22")]
    [InlineData("2001:db8::9 1 2001:db8::1 65535", "2001:db8::9 65535")]
    public void FromVariable_SshConnection_IsClientAndServerPort(string variable, string expected)
    {
        Assert.Equal(expected, SshSession.FromVariable(variable));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("203.0.113.9 50022 198.51.100.1")]
    [InlineData("203.0.113.9 50022 198.51.100.1 0")]
    [InlineData("203.0.113.9 50022 198.51.100.1 70000")]
    [InlineData("somewhere 50022 198.51.100.1 22")]
    public void FromVariable_AnythingElse_IsNull(string? variable)
    {
        Assert.Null(SshSession.FromVariable(variable));
    }

    [Theory]
    [InlineData("203.0.113.9 22", "203.0.113.9", 22)]
    [InlineData("2001:db8::9 2222", "2001:db8::9", 2222)]
    public void Parse_StateValue_IsClientAndPort(string keep, string client, int port)
    {
        Assert.Equal((IPAddress.Parse(client), port), SshSession.Parse(keep));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("203.0.113.9")]
    [InlineData("203.0.113.9 ssh")]
    [InlineData("somewhere 22")]
    public void Parse_AnythingElse_IsNull(string? keep)
    {
        Assert.Null(SshSession.Parse(keep));
    }
}
