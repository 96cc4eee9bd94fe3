using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Holt.External;
using Holt.Hosting;
using Holt.Tunnel;
using Holt.Uapi;

namespace Holt.Quick;

/// <summary>
/// <see cref="IQuickSystem"/> on Linux: ip, nft and resolvconf as child processes (arguments as a list, never
/// through a shell), hooks through bash, Holt's engine through <see cref="Daemon"/> and its control socket.
/// </summary>
internal sealed class LinuxQuickSystem : IQuickSystem
{
    private volatile bool _interrupted;

    private static readonly TimeSpan s_engineTimeout = TimeSpan.FromSeconds(30);

    // A root shell without a login may lack the sbin directories, where nft and resolvconf live.
    private static readonly string[] s_fallbackPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    public ProcessResult Run(string program, IReadOnlyList<string> arguments, string? input = null)
    {
        string path = Find(program) ?? throw new CommandException($"{program} is not installed (not found on PATH)");
        ToolResult result = ExternalTool.TryRun(path, arguments, input);
        return new ProcessResult(result.ExitCode, result.Output, result.Error);
    }

    public bool HasProgram(string program) => Find(program) is not null;

    public int RunHook(string command)
    {
        string bash = Find("bash") ?? throw new CommandException("bash is not installed, and the configuration's hooks need it");

        // wg-quick evaluates a hook in a subshell of its own bash, under its set -e -o pipefail and LC_ALL=C: a hook
        // that fails halfway fails here too, and its commands see the same locale.
        var start = new ProcessStartInfo(bash) { UseShellExecute = false };
        foreach (string argument in (string[])["-e", "-o", "pipefail", "-c", command])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LC_ALL"] = "C";
        using Process process = StartOrThrow(start, "bash");
        process.WaitForExit();
        return process.ExitCode;
    }

    public void StartEngine(string interfaceName) =>
        _ = Daemon.Spawn(["tunnel", "--foreground", interfaceName], s_engineTimeout);

    public int? EngineProcess(string interfaceName) => UapiClient.ServerProcess(interfaceName);

    public void Configure(string interfaceName, string body) => UapiClient.Set(interfaceName, body);

    public DeviceStatus ReadDevice(string interfaceName) => UapiClient.Get(interfaceName);

    public bool WaitUntilStopped(string interfaceName, int? engine, TimeSpan timeout)
    {
        string socket = UapiServer.SocketPathFor(interfaceName);
        var clock = Stopwatch.StartNew();

        // A process that has exited but is not yet reaped has an empty command line, so it no longer counts.
        while (File.Exists(socket) || (engine is int pid && Machine.HoltProcess.IsHolt(pid)))
        {
            if (clock.Elapsed >= timeout)
            {
                return false;
            }

            Thread.Sleep(50);
        }

        return true;
    }

    public IPAddress Resolve(string host)
    {
        try
        {
            IPAddress[] addresses = Dns.GetHostAddresses(host);
            return addresses.Length > 0 ? addresses[0] : throw new CommandException($"'{host}' has no address");
        }
        catch (SocketException e)
        {
            throw new CommandException($"cannot resolve '{host}': {e.Message}", e);
        }
    }

    public void SetSysctl(string key, string value)
    {
        try
        {
            File.WriteAllText("/proc/sys/" + key.Replace('.', '/'), value + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot set {key}={value}: {e.Message}", e);
        }
    }

    public string? ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Report(string line) => Console.Error.WriteLine(line);

    public bool Interrupted => _interrupted;

    /// <summary>
    /// Until disposed, SIGINT, SIGTERM and SIGHUP no longer end holt but set <see cref="Interrupted"/>, so that up
    /// stops at its next step and undoes what it did, as wg-quick's trap does.
    /// </summary>
    public IDisposable CatchInterrupts() => new InterruptCatcher(this);

    private static Process StartOrThrow(ProcessStartInfo start, string program)
    {
        try
        {
            return Process.Start(start) ?? throw new CommandException($"could not start {program}");
        }
        catch (Win32Exception e)
        {
            throw new CommandException($"could not start {program}: {e.Message}", e);
        }
    }

    private static string? Find(string program)
    {
        IEnumerable<string> directories = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(s_fallbackPath);
        foreach (string directory in directories)
        {
            string candidate = Path.Combine(directory, program);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }

        return null;
    }

    private sealed class InterruptCatcher : IDisposable
    {
        private readonly PosixSignalRegistration[] _registrations;

        public InterruptCatcher(LinuxQuickSystem system)
        {
            void Catch(PosixSignalContext context)
            {
                context.Cancel = true;
                system._interrupted = true;
            }

            _registrations =
            [
                PosixSignalRegistration.Create(PosixSignal.SIGINT, Catch),
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, Catch),
                PosixSignalRegistration.Create(PosixSignal.SIGHUP, Catch),
            ];
        }

        public void Dispose()
        {
            foreach (PosixSignalRegistration registration in _registrations)
            {
                registration.Dispose();
            }
        }
    }
}
