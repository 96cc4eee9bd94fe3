using Holt.Guard;

namespace Holt.Tests.Guard;

public sealed class FilterCatalogTests
{
    [Fact]
    public void EveryBuiltInName_CreatesAFilterOfThatName()
    {
        Assert.Equal(["sshd", "sshd-aggressive", "nginx-http-auth", "apache-auth", "wordpress"], FilterCatalog.BuiltIn);
        foreach (string name in FilterCatalog.BuiltIn)
        {
            Assert.Equal(name, FilterCatalog.Create(name).Name);
        }
    }

    [Fact]
    public void EachCreate_IsANewInstance()
    {
        // Filters keep state per source (sshd's connections), so two sources never share one.
        Assert.NotSame(FilterCatalog.Create("sshd"), FilterCatalog.Create("sshd"));
    }

    [Theory]
    [InlineData("ssh")]
    [InlineData("SSHD")]
    [InlineData("")]
    [InlineData("nginx")]
    [InlineData("bad\nname")]
    public void UnknownName_IsRefused_ListingTheKnownOnes(string name)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => FilterCatalog.Create(name));

        Assert.StartsWith("unknown filter '", e.Message, StringComparison.Ordinal);
        Assert.Contains("sshd, sshd-aggressive, nginx-http-auth, apache-auth, wordpress", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain("(Parameter", e.Message, StringComparison.Ordinal);
    }
}
