using System.ComponentModel;
using Xunit.Abstractions;

namespace Holt.Tests.Support;

/// <summary>
/// Runs the built <c>holt</c> as another user: uid and gid 65534 (nobody), no supplementary groups and no
/// capabilities, through util-linux's setpriv. Needs root to switch, and a build the user can reach.
/// </summary>
internal static class Unprivileged
{
    public const int Uid = 65534;

    /// <summary>Why holt cannot be run as nobody here, or null when it can.</summary>
    public static string? Unavailable { get; } = FindUnavailable();

    /// <summary>
    /// True, after reporting why, when holt cannot be run as nobody here; the test then returns (xunit 2 has no
    /// runtime skip). On CI (CI=true), which runs as root, that fails the test instead.
    /// </summary>
    public static bool Skipped(ITestOutputHelper output)
    {
        if (Unavailable is null)
        {
            return false;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(Unavailable);
        }

        output.WriteLine("SKIPPED: " + Unavailable);
        return true;
    }

    /// <summary>Runs holt as nobody, without any capability (its effective set is cleared with the uid change).</summary>
    public static (int ExitCode, string Output, string Error) Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        HoltProcess.RunProgram("setpriv", null, environment, [.. Switch(), HoltProcess.ExecutablePath, .. arguments]);

    /// <summary>Runs holt as nobody inside network namespace <paramref name="ns"/>, holding CAP_NET_ADMIN and nothing else.</summary>
    public static (int ExitCode, string Output, string Error) RunWithNetAdmin(NetNs ns, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        HoltProcess.RunProgram("ip", null, environment, ["netns", "exec", ns.Name, "setpriv", .. Switch("+net_admin"), HoltProcess.ExecutablePath, .. arguments]);

    /// <summary>Gives <paramref name="path"/> to nobody, so that the commands run as nobody can create files in it.</summary>
    public static void Own(string path) => Check("chown", $"{Uid}:{Uid}", path);

    private static string[] Switch(string capabilities = "-all") =>
        [$"--reuid={Uid}", $"--regid={Uid}", "--clear-groups", $"--inh-caps={capabilities}", .. capabilities == "-all" ? Array.Empty<string>() : [$"--ambient-caps={capabilities}"]];

    private static void Check(string program, params string[] arguments)
    {
        (int code, _, string error) = HoltProcess.RunProgram(program, null, null, arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {error.Trim()}");
        }
    }

    private static string? FindUnavailable()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            return "running holt as another user needs root";
        }

        try
        {
            // The build must be reachable by nobody: a checkout under a private home directory is not.
            (int code, _, string error) = HoltProcess.RunProgram("setpriv", null, null, [.. Switch(), HoltProcess.ExecutablePath, "--version"]);
            return code == 0 ? null : $"holt does not run as uid {Uid} here: {error.Trim()}";
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            return $"setpriv (util-linux) cannot be started: {e.Message}";
        }
    }
}
