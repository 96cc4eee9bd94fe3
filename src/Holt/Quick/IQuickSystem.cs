using System.Net;
using Holt.Uapi;

namespace Holt.Quick;

/// <summary>The outcome of a finished program: its exit code and what it printed.</summary>
internal sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Everything <see cref="ClientTunnel"/> does to the machine, so the order of its steps and its rollback can be
/// tested without root against a recording fake; <see cref="LinuxQuickSystem"/> does it for real.
/// </summary>
internal interface IQuickSystem
{
    /// <summary>Runs a program found on PATH, with <paramref name="input"/> on its standard input; never throws for an exit code.</summary>
    ProcessResult Run(string program, IReadOnlyList<string> arguments, string? input = null);

    bool HasProgram(string program);

    /// <summary>Runs a hook in bash with the caller's standard streams; returns its exit code.</summary>
    int RunHook(string command);

    /// <summary>Starts Holt's engine for the interface and returns once the interface and its control socket exist.</summary>
    void StartEngine(string interfaceName);

    /// <summary>Sends one <c>set=1</c> request to the interface's control socket.</summary>
    void Configure(string interfaceName, string body);

    /// <summary>The interface's state through its control socket.</summary>
    DeviceStatus ReadDevice(string interfaceName);

    /// <summary>The process id of the interface's engine (to wait for its exit), or null when it cannot be told.</summary>
    int? EngineProcess(string interfaceName);

    /// <summary>
    /// Waits until the interface's control socket is gone and, when <paramref name="engine"/> is known, that process
    /// has exited too: its engine has stopped, not merely begun to.
    /// </summary>
    bool WaitUntilStopped(string interfaceName, int? engine, TimeSpan timeout);

    /// <summary>The address a host name resolves to first, as getaddrinfo orders them.</summary>
    IPAddress Resolve(string host);

    /// <summary>Writes a sysctl such as "net.ipv4.conf.all.src_valid_mark".</summary>
    void SetSysctl(string key, string value);

    /// <summary>A file's text, or null when it does not exist.</summary>
    string? ReadFile(string path);

    /// <summary>One line of progress for the operator, on standard error (never a secret).</summary>
    void Report(string line);

    /// <summary>Whether the operator asked holt to stop (SIGINT, SIGTERM, SIGHUP) while it was caught.</summary>
    bool Interrupted { get; }
}
