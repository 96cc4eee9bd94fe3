using System.Globalization;
using System.Net;
using Holt.Config;
using Holt.Gateway;
using Holt.Machine;
using Holt.Storage;

namespace Holt.Firewall;

/// <summary>
/// The firewall's moving parts outside holt.toml: the apply that awaits confirmation
/// (<c>/run/holt/INTERFACE.firewall-pending</c>, gone at reboot, so a machine that restarts before a confirm comes
/// back with the previous firewall), the ruleset to roll back to (in the state directory), and Cloudflare's ranges.
/// </summary>
internal static class FirewallRuntime
{
    public static string PendingPath(string interfaceName) => Path.Combine(PidFile.Directory, interfaceName + ".firewall-pending");

    /// <summary>The firewall's repairs since the machine started (gone at reboot, like the daemon's other runtime files).</summary>
    public static string RepairsPath(string interfaceName) => Path.Combine(PidFile.Directory, interfaceName + ".firewall-repairs");

    public static string RollbackPath(string interfaceName) => Path.Combine(StateStore.StateDirectory(), interfaceName + ".firewall-rollback");

    /// <summary>holt.toml as it was before a pending apply that edited it, put back if the apply is not confirmed.</summary>
    public static string ConfigRollbackPath(string interfaceName) => Path.Combine(StateStore.StateDirectory(), interfaceName + ".config-rollback");

    public static string CloudflareRangesPath(HoltConfig config) =>
        config.Firewall.CloudflareRangesFile ?? Path.Combine(StateStore.StateDirectory(), "cloudflare-ranges.txt");

    /// <summary>The pending apply's token and deadline, or null when none awaits confirmation.</summary>
    public static (string Token, DateTimeOffset Deadline)? ReadPending(string interfaceName)
    {
        try
        {
            string[] parts = File.ReadAllText(PendingPath(interfaceName)).Trim().Split(' ');
            return parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
                ? (parts[0], DateTimeOffset.FromUnixTimeSeconds(seconds))
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static void WritePending(string interfaceName, string token, DateTimeOffset deadline)
    {
        _ = Directory.CreateDirectory(PidFile.Directory);
        AtomicFile.WriteAllText(PendingPath(interfaceName), $"{token} {deadline.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}\n");
    }

    public static void DeletePending(string interfaceName)
    {
        try
        {
            File.Delete(PendingPath(interfaceName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Everything <see cref="Ruleset.Build"/> needs besides the configuration.</summary>
    /// <remarks>
    /// The SSH session that ran an apply is let in by a rule of its own only while that apply awaits confirmation
    /// (so its client can reconnect to confirm); once confirmed, the policy is exactly what holt.toml says, and the
    /// session itself lives on as an established connection.
    /// </remarks>
    public static RulesetContext Context(HoltConfig config, GatewayState state, DateTimeOffset now)
    {
        bool pending = ReadPending(config.Gateway.Interface) is not null;
        return new RulesetContext
        {
            Now = now,
            FirewallActive = config.Firewall.Enabled || pending,
            KeepSsh = pending ? SshSession.Parse(state.KeepSsh) : null,
            CloudflareRanges = config.Firewall.Public.Any(p => p.CloudflareOnly) ? ReadCloudflareRanges(config) : [],
        };
    }

    /// <exception cref="CommandException">No ranges yet, or the file is damaged.</exception>
    public static IReadOnlyList<IPNetwork> ReadCloudflareRanges(HoltConfig config)
    {
        string path = CloudflareRangesPath(config);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CommandException($"a public port is cloudflare_only but there are no Cloudflare ranges at {path}; run holt firewall update-ranges");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot read {path}: {e.Message}", e);
        }

        return ParseRanges(text, path);
    }

    /// <summary>One CIDR a line; blank lines and # comments allowed.</summary>
    public static List<IPNetwork> ParseRanges(string text, string source)
    {
        var ranges = new List<IPNetwork>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (Subnets.TryParseNetwork(line, out IPNetwork network) is string problem)
            {
                throw new CommandException($"{source}:{i + 1}: {problem}");
            }

            ranges.Add(network);
        }

        if (ranges.Count == 0)
        {
            throw new CommandException($"{source} has no address ranges");
        }

        return ranges;
    }
}
