using System.Net;
using System.Text;
using Holt.Config;
using Holt.Gateway;
using Holt.Storage;

namespace Holt.Firewall;

/// <summary>
/// Cloudflare's published address ranges, for public ports marked <c>cloudflare_only</c>: fetched from its URLs (or
/// read from files), checked line by line, and kept in one file that the firewall reads.
/// </summary>
internal static class CloudflareRanges
{
    public static readonly IReadOnlyList<string> DefaultSources = ["https://www.cloudflare.com/ips-v4", "https://www.cloudflare.com/ips-v6"];

    /// <summary>Replaces the ranges file; returns how many ranges, where, and whether a running firewall took them.</summary>
    public static (int Count, string Path, bool Applied) Update(ConfigStore store, IReadOnlyList<string> sources, DateTimeOffset now)
    {
        // Everything is fetched and checked before anything is written: a bad source changes nothing.
        var ranges = new List<IPNetwork>();
        foreach (string source in sources)
        {
            ranges.AddRange(FirewallRuntime.ParseRanges(Fetch(source), source));
        }

        using (store.Lock())
        {
            HoltConfig config = store.Load();
            string path = FirewallRuntime.CloudflareRangesPath(config);
            var text = new StringBuilder($"# Cloudflare's address ranges, from {string.Join(" and ", sources)}, {now:yyyy-MM-dd'T'HH:mm:ss'Z'}\n");
            foreach (IPNetwork range in ranges.Distinct())
            {
                text.Append(range).Append('\n');
            }

            try
            {
                string directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
                _ = Directory.CreateDirectory(directory);
                AtomicFile.WriteAllText(path, text.ToString(), AtomicFile.Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CommandException($"cannot write {path}: {e.Message}", e);
            }

            bool applied = config.Firewall.Public.Any(p => p.CloudflareOnly) && FirewallOperations.Reapply(config, now);
            return (ranges.Distinct().Count(), path, applied);
        }
    }

    private static string Fetch(string source)
    {
        if (source.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                return client.GetStringAsync(new Uri(source)).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
            {
                throw new CommandException($"cannot fetch {source}: {e.Message}", e);
            }
        }

        try
        {
            return File.ReadAllText(source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot read {source}: {e.Message}", e);
        }
    }
}
