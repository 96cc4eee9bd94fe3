using System.Globalization;
using System.Security.Cryptography;
using Holt.Gateway;
using Holt.Storage;

namespace Holt.Dashboard;

/// <summary>
/// The one-time login links of <c>holt dashboard link</c>, for a browser that reaches the dashboard over an SSH
/// forward to loopback (and so has no WireGuard identity). The command makes a random token and leaves a file named
/// after the token's SHA-256 in a directory of root's (mode 0700), holding when it expires; the daemon redeems a
/// token by renaming that file away, which only one request can do, so a link opens one session at most. Neither
/// side keeps the token itself: a reader of the directory learns nothing it could log in with.
/// </summary>
internal sealed class LoginLinks(string directory, TimeProvider time)
{
    /// <summary>How long a link stays good: long enough to open an SSH forward and paste it, no longer.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>Links not yet used; making another removes the oldest, so the directory stays small whatever runs the command.</summary>
    public const int MaxOutstanding = 16;

    /// <summary>32 random bytes in unpadded base64url.</summary>
    public const int TokenLength = 43;

    private const string Suffix = ".link";

    public string Directory { get; } = directory;

    public static string DefaultDirectory => Path.Combine(StateStore.StateDirectory(), "dashboard-links");

    /// <summary>Makes a link's token and records it; the caller prints it and forgets it.</summary>
    /// <exception cref="CommandException">The directory cannot be made or written.</exception>
    public string Create()
    {
        try
        {
            EnsureDirectory();
            Prune(keep: MaxOutstanding - 1);
            string token = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            DateTimeOffset expires = time.GetUtcNow() + Lifetime;
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = AtomicFile.Private };
            using (var file = new FileStream(PathOf(token), options))
            {
                file.Write(System.Text.Encoding.ASCII.GetBytes(expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "\n"));
                file.Flush(flushToDisk: true);
            }

            return token;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot record a login link in {Directory}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Uses up <paramref name="token"/>: true once for a token that <see cref="Create"/> made and that has not expired,
    /// false for anything else (never made, used before, expired, malformed).
    /// </summary>
    public bool TryRedeem(string? token)
    {
        if (token is null || token.Length != TokenLength || !token.All(IsBase64UrlCharacter))
        {
            return false;
        }

        string path = PathOf(token);
        string claimed = path + "." + Guid.NewGuid().ToString("N") + ".claimed";
        try
        {
            if (UnixFile.TypeOf(Directory, follow: false) != FileType.Directory)
            {
                return false;
            }

            // The rename is the claim: of two requests with the same token, only one finds the file to move.
            File.Move(path, claimed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        try
        {
            if (UnixFile.TypeOf(claimed, follow: false) != FileType.RegularFile)
            {
                return false;
            }

            string text = File.ReadAllText(claimed).Trim();
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) &&
                time.GetUtcNow().ToUnixTimeSeconds() < seconds;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        finally
        {
            TryDelete(claimed);
        }
    }

    /// <summary>Removes expired links, leftovers of interrupted claims, and the oldest beyond <paramref name="keep"/>.</summary>
    public void Prune(int keep = MaxOutstanding)
    {
        if (UnixFile.TypeOf(Directory, follow: false) != FileType.Directory)
        {
            return;
        }

        long now = time.GetUtcNow().ToUnixTimeSeconds();
        var live = new List<(string Path, long Expires)>();
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory))
        {
            if (!path.EndsWith(Suffix, StringComparison.Ordinal) || !TryReadExpiry(path, out long expires) || expires <= now)
            {
                TryDelete(path);
                continue;
            }

            live.Add((path, expires));
        }

        foreach ((string path, _) in live.OrderByDescending(l => l.Expires).Skip(Math.Max(keep, 0)))
        {
            TryDelete(path);
        }
    }

    private void EnsureDirectory()
    {
        FileType type = UnixFile.TypeOf(Directory, follow: false);
        if (type == FileType.Missing)
        {
            _ = System.IO.Directory.CreateDirectory(Directory, AtomicFile.PrivateDirectory);
        }
        else if (type != FileType.Directory)
        {
            throw new IOException("it is not a directory");
        }

        File.SetUnixFileMode(Directory, AtomicFile.PrivateDirectory);
    }

    private string PathOf(string token) =>
        Path.Combine(Directory, Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token))) + Suffix);

    private static bool TryReadExpiry(string path, out long expires)
    {
        expires = 0;
        try
        {
            return UnixFile.TypeOf(path, follow: false) == FileType.RegularFile && new FileInfo(path).Length < 64 &&
                long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out expires);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next prune.
        }
    }

    private static bool IsBase64UrlCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
}
