using System.Net;
using Holt.Gateway;
using Holt.Import;

namespace Holt.Tests.Import;

public sealed class ImportNamesTests
{
    [Theory]
    [InlineData("laptop", "laptop")]
    [InlineData("  John's iPhone  ", "John-s-iPhone")]
    [InlineData("Jöhn", "J-hn")]
    [InlineData("...hidden", "hidden")]
    [InlineData("-rf", "rf")]
    [InlineData("a  --  b", "a-b")]
    [InlineData("smile 😀", "smile")]
    [InlineData("1234567890123456789012345678901-3", "1234567890123456789012345678901")]
    [InlineData("office_nas.v2", "office_nas.v2")]
    public void Sanitize_MakesAValidName(string text, string name)
    {
        Assert.Equal(name, ImportNames.Sanitize(text));
        Assert.Null(PeerName.Problem(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("😀😀")]
    [InlineData("---")]
    [InlineData(null)]
    public void Sanitize_NothingLeft_IsNull(string? text) => Assert.Null(ImportNames.Sanitize(text));

    [Fact]
    public void Fallback_NamesByAddress_ElseByPlace()
    {
        Assert.Equal("peer-10-8-0-2", ImportNames.Fallback(IPAddress.Parse("10.8.0.2"), 1));
        Assert.Equal("peer-3", ImportNames.Fallback(null, 3));
    }

    [Fact]
    public void AHugeComment_IsNotSearched_AndNamesNothing()
    {
        string huge = "Client: " + new string('x', 5_000_000) + " (";

        Assert.Null(ImportNames.FromComments([huge], null, []));
    }
}
