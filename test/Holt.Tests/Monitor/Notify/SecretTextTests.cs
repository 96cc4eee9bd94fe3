using Holt.Monitor.Notify;

namespace Holt.Tests.Monitor.Notify;

/// <summary>Secrets from their files with a bounded read, and scrubbed out of every line that may be shown.</summary>
public sealed class SecretTextTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-secret-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void TokenFile_GivesItsFirstLineTrimmed()
    {
        string path = Path.Combine(_directory, "token");
        File.WriteAllText(path, "  abc-123 \nsecond line\n");

        Assert.Equal("abc-123", SecretText.Resolve(null, path, "token_file", out string? error));
        Assert.Null(error);
        Assert.Equal("inline", SecretText.Resolve("inline", path, "token_file", out _));
    }

    [Fact]
    public void EndlessFile_IsReadOnlyToItsBound()
    {
        Assert.Null(SecretText.Resolve(null, "/dev/zero", "token_file", out string? error));
        Assert.Equal($"token_file /dev/zero is longer than {SecretText.MaxFileBytes} bytes", error);
    }

    [Fact]
    public void MissingOrEmptyFile_IsOneLine()
    {
        string missing = Path.Combine(_directory, "missing");
        Assert.Null(SecretText.Resolve(null, missing, "password_file", out string? error));
        Assert.StartsWith($"cannot read password_file {missing}: ", error, StringComparison.Ordinal);

        string empty = Path.Combine(_directory, "empty");
        File.WriteAllText(empty, "\n");
        Assert.Null(SecretText.Resolve(null, empty, "password_file", out error));
        Assert.Equal($"password_file {empty} is empty", error);
    }

    [Fact]
    public void Scrub_HidesEverySecret_AlsoUrlEscaped_AndKeepsOneLine()
    {
        string line = SecretText.Scrub("failed for /bot12:ab+c/x and /bot12%3Aab%2Bc/x\nnext\u0007", ["12:ab+c"]);

        Assert.Equal("failed for /bot***/x and /bot***/x next", line);
        Assert.Equal(301, SecretText.Scrub(new string('a', 1000), []).Length);
    }
}
