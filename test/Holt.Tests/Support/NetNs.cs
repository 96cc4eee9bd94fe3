using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Holt.Tests.Support;

/// <summary>
/// A fresh network namespace for a test class: <c>ip netns add</c> on creation, <c>ip netns del</c> on disposal.
/// Code that creates TUN interfaces or sockets runs through <see cref="Run{T}"/>, on a new thread that first joins
/// the namespace with setns(2): namespace membership is per thread on Linux, and a descriptor keeps the namespace
/// it was created in, whichever thread uses it later.
/// </summary>
internal sealed partial class NetNs : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private NetNs(string name) => Name = name;

    public string Name { get; }

    /// <summary>Why namespaces cannot be used here, or null if they can: they need root and iproute2.</summary>
    public static string? Unavailable { get; } = FindUnavailable();

    /// <summary>Creates a namespace with a random name and its loopback up.</summary>
    public static NetNs Create()
    {
        string name = "holt-t-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        RunIp($"netns add {name}");
        var ns = new NetNs(name);
        try
        {
            ns.Ip("link set lo up");
            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="action"/> on a fresh thread inside the namespace and returns its result.</summary>
    public T Run<T>(Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter();
                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            Name = "netns " + Name,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    public void Run(Action action) => Run(() =>
    {
        action();
        return 0;
    });

    /// <summary>Runs <c>ip -n NAME arguments</c>; throws with ip's error on failure, returns its output.</summary>
    public string Ip(string arguments) => RunIp($"-n {Name} {arguments}");

    /// <summary>Runs <c>ip -n NAME arguments</c>; false if it failed.</summary>
    public bool TryIp(string arguments, out string output) => TryRunIp($"-n {Name} {arguments}", out output);

    public void Dispose() => TryRunIp($"netns del {Name}", out _);

    private void Enter()
    {
        using SafeFileHandle handle = File.OpenHandle($"/run/netns/{Name}");
        if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
        {
            throw new InvalidOperationException($"setns into {Name} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private static string RunIp(string arguments) =>
        TryRunIp(arguments, out string output) ? output : throw new InvalidOperationException($"ip {arguments}: {output}");

    private static bool TryRunIp(string arguments, out string output)
    {
        var start = new ProcessStartInfo("ip", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start ip");
        Task<string> error = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        output = process.ExitCode == 0 ? stdout : error.Result.Trim();
        return process.ExitCode == 0;
    }

    private static string? FindUnavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces are Linux only";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "this test needs root (network namespaces, TUN interfaces)";
        }

        if (!File.Exists("/dev/net/tun"))
        {
            return "/dev/net/tun does not exist";
        }

        bool hasIp = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "ip")));
        return hasIp ? null : "ip (iproute2) is not on PATH";
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nsType);
}
