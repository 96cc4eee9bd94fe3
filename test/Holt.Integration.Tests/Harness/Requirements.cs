using Xunit.Sdk;

namespace Holt.Integration.Tests.Harness;

/// <summary>
/// What the integration tests need from the machine: root (network namespaces, veth, TUN, nftables) and the real
/// tools they drive. Without root a test skips, unless CI=true, where a skip would hide a broken setup.
/// </summary>
internal static class Requirements
{
    public const string SkipReason =
        "Needs root: it creates network namespaces, veth pairs and TUN interfaces. Run as root; under CI=true this fails instead of skipping.";

    // Tool, and the Debian package that provides it, for the failure message.
    private static readonly (string Tool, string Package)[] s_tools =
    [
        ("ip", "iproute2"),
        ("ss", "iproute2"),
        ("wg", "wireguard-tools"),
        ("wg-quick", "wireguard-tools"),
        ("wireguard-go", "wireguard-go"),
        ("iperf3", "iperf3"),
        ("ping", "iputils-ping"),
        ("nft", "nftables"),
        ("unshare", "util-linux"),
        ("mount", "mount"),
        ("sh", "dash"),
        ("bash", "bash"),
        ("zbarimg", "zbar-tools"),
        ("sshd", "openssh-server"),
        ("ssh", "openssh-client"),
        ("ssh-keygen", "openssh-client"),
        ("curl", "curl"),
        ("python3", "python3"),
        ("prometheus", "prometheus"),
        ("promtool", "prometheus"),
        ("fail2ban-regex", "fail2ban"),
    ];

    private static readonly string[] s_searchPath = BuildSearchPath();

    private static readonly Lazy<string?> s_missing = new(FindMissingTools);

    public static bool IsRoot => Environment.IsPrivilegedProcess;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The PATH children get: the caller's, plus the sbin directories a non-login root shell may lack.</summary>
    public static string ChildPath { get; } = string.Join(':', s_searchPath);

    /// <summary>Fails the calling test, with one readable line, when the machine cannot run it.</summary>
    public static void EnsureMet()
    {
        if (!IsRoot)
        {
            throw new XunitException(
                "Integration tests need root (network namespaces, veth pairs, TUN interfaces); this process is not root and CI=true, so the test fails instead of skipping.");
        }

        if (s_missing.Value is { } missing)
        {
            throw new XunitException(missing);
        }
    }

    /// <summary>The absolute path of a tool, found on <see cref="ChildPath"/>.</summary>
    public static string Find(string tool) =>
        TryFind(tool) ?? throw new XunitException($"'{tool}' was not found on PATH ({ChildPath}).");

    private static string? TryFind(string tool)
    {
        foreach (string directory in s_searchPath)
        {
            string candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? FindMissingTools()
    {
        var missing = s_tools.Where(t => TryFind(t.Tool) is null).ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        string tools = string.Join(", ", missing.Select(t => t.Tool));
        string packages = string.Join(' ', missing.Select(t => t.Package).Distinct());
        return $"Integration tests need tools that are missing: {tools}. On Debian: apt-get install {packages} (.ci/run does this).";
    }

    private static string[] BuildSearchPath()
    {
        string[] inherited = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        string[] system = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
        return [.. inherited.Concat(system).Distinct(StringComparer.Ordinal)];
    }
}
