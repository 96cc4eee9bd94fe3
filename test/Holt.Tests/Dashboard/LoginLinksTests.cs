using Holt.Dashboard;
using Microsoft.Extensions.Time.Testing;

namespace Holt.Tests.Dashboard;

/// <summary>The one-time links of holt dashboard link: once, for ten minutes, kept as hashes in a private directory.</summary>
public sealed class LoginLinksTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-links-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly LoginLinks _links;

    public LoginLinksTests() => _links = new LoginLinks(Path.Combine(_directory, "links"), _time);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ALink_WorksOnce()
    {
        string token = _links.Create();

        Assert.Equal(LoginLinks.TokenLength, token.Length);
        Assert.True(_links.TryRedeem(token));
        Assert.False(_links.TryRedeem(token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_links.Directory));
    }

    [Fact]
    public void ALink_IsKeptAsAHash_InAPrivateDirectory()
    {
        string token = _links.Create();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_links.Directory));
        string file = Assert.Single(Directory.GetFiles(_links.Directory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.DoesNotContain(token, file, StringComparison.Ordinal);
        Assert.DoesNotContain(token, File.ReadAllText(file), StringComparison.Ordinal);
    }

    [Fact]
    public void ALink_ExpiresAfterTenMinutes()
    {
        string early = _links.Create();
        string late = _links.Create();

        _time.Advance(LoginLinks.Lifetime - TimeSpan.FromSeconds(1));
        Assert.True(_links.TryRedeem(early));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(_links.TryRedeem(late));
    }

    [Fact]
    public void OfManyRequestsWithOneLink_ExactlyOneGetsIn()
    {
        string token = _links.Create();
        int admitted = 0;

        Parallel.For(0, 32, _ =>
        {
            if (_links.TryRedeem(token))
            {
                _ = Interlocked.Increment(ref admitted);
            }
        });

        Assert.Equal(1, admitted);
    }

    [Fact]
    public void TheOutstandingLinks_AreBounded_TheOldestGivingWay()
    {
        string oldest = _links.Create();
        _time.Advance(TimeSpan.FromSeconds(1));
        var later = new List<string>();
        for (int i = 0; i < LoginLinks.MaxOutstanding; i++)
        {
            later.Add(_links.Create());
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(LoginLinks.MaxOutstanding, Directory.GetFiles(_links.Directory).Length);
        Assert.False(_links.TryRedeem(oldest));
        Assert.All(later, t => Assert.True(_links.TryRedeem(t)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("../../../etc/passwd")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void AMadeUpToken_OpensNothing(string? token)
    {
        _ = _links.Create();

        Assert.False(_links.TryRedeem(token));
        Assert.Single(Directory.GetFiles(_links.Directory));
    }

    [Fact]
    public void ADirectoryThatIsASymlink_IsNeitherWrittenNorRead()
    {
        string elsewhere = Directory.CreateDirectory(Path.Combine(_directory, "elsewhere")).FullName;
        File.CreateSymbolicLink(_links.Directory, elsewhere);

        CommandException refused = Assert.Throws<CommandException>(_links.Create);

        Assert.Contains("not a directory", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(elsewhere));
    }
}
