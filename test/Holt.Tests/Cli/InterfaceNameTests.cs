using Holt.Tunnel;

namespace Holt.Tests.Cli;

public class InterfaceNameTests
{
    [Theory]
    [InlineData("wg0")]
    [InlineData("a")]
    [InlineData("holt_gw-1.v=+")]
    [InlineData("abcdefghijklmno")]
    public void Valid(string name) => Assert.True(InterfaceName.IsValid(name));

    [Theory]
    [InlineData("")]
    [InlineData("abcdefghijklmnop")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("wg/0")]
    [InlineData("../etc")]
    [InlineData("wg 0")]
    [InlineData("wg:0")]
    [InlineData("wg0\n")]
    [InlineData("wgé")]
    public void Invalid(string name)
    {
        Assert.False(InterfaceName.IsValid(name));
        CommandException error = Assert.Throws<CommandException>(() => InterfaceName.Validate(name));
        Assert.StartsWith("invalid interface name", error.Message, StringComparison.Ordinal);
    }
}
