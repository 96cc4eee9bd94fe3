using System.Net;
using Holt.Quick;
using Holt.Uapi;

namespace Holt.Tests.Quick;

/// <summary>
/// A machine that records what <see cref="ClientTunnel"/> does to it, one line per step, answers the queries it
/// is told to, and fails the step it is told to.
/// </summary>
internal sealed class FakeQuickSystem : IQuickSystem
{
    private readonly Dictionary<string, Queue<string>> _answers = [];

    public List<string> Steps { get; } = [];

    public HashSet<string> Programs { get; } = ["ip", "nft", "resolvconf", "bash"];

    /// <summary>The step (as recorded) that fails, with "boom" on standard error or exit code 3 for a hook.</summary>
    public string? FailOn { get; set; }

    public bool InterfaceExists { get; set; }

    /// <summary>The step after which the operator presses Ctrl-C.</summary>
    public string? InterruptAfter { get; set; }

    public bool Interrupted { get; private set; }

    public DeviceStatus Device { get; set; } = new(0, 0, null, []);

    /// <summary>Steps that change something: every recorded step but the read-only queries.</summary>
    public IReadOnlyList<string> Changes => [.. Steps.Where(s => !IsQuery(s))];

    /// <summary>
    /// What a query prints, by its command line ("ip route get 10.9.0.1"): the outputs in turn, the last one
    /// from then on (a rule listed until it is deleted).
    /// </summary>
    public void Answer(string commandLine, params string[] outputs) => _answers[commandLine] = new Queue<string>(outputs);

    public ProcessResult Run(string program, IReadOnlyList<string> arguments, string? input = null)
    {
        string line = program + " " + string.Join(' ', arguments);
        Steps.Add(input is null ? line : $"{line} <<{input}");
        Interrupted |= line == InterruptAfter;
        if (line == "ip link show dev wg0" && !InterfaceExists)
        {
            return new ProcessResult(1, "", "Device \"wg0\" does not exist.\n");
        }

        if (line == FailOn)
        {
            return new ProcessResult(2, "", "boom\nsecond line\n");
        }

        string output = "";
        if (_answers.TryGetValue(line, out Queue<string>? outputs))
        {
            output = outputs.Count > 1 ? outputs.Dequeue() : outputs.Peek();
        }

        return new ProcessResult(0, output, "");
    }

    public bool HasProgram(string program) => Programs.Contains(program);

    public int RunHook(string command)
    {
        Steps.Add("hook " + command);
        Interrupted |= "hook " + command == InterruptAfter;
        return "hook " + command == FailOn ? 3 : 0;
    }

    public void StartEngine(string interfaceName) => Record("engine " + interfaceName);

    public void Configure(string interfaceName, string body)
    {
        // Only the shape of a body: a private key never goes into a record anyone reads.
        string shape = string.Join(',', body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.StartsWith("private_key=", StringComparison.Ordinal) ? "private_key" : l));
        Record($"configure {interfaceName} {shape}");
    }

    public DeviceStatus ReadDevice(string interfaceName) =>
        InterfaceExists ? Device : throw new CommandException($"interface {interfaceName} is not running");

    public int? EngineProcess(string interfaceName) => null;

    public bool WaitUntilStopped(string interfaceName, int? engine, TimeSpan timeout)
    {
        Steps.Add("wait " + interfaceName);
        return true;
    }

    public IPAddress Resolve(string host)
    {
        Record("resolve " + host);
        return IPAddress.Parse("10.9.0.1");
    }

    public void SetSysctl(string key, string value) => Record($"sysctl {key}={value}");

    public string? ReadFile(string path) => null;

    public void Report(string line)
    {
    }

    private static bool IsQuery(string step) =>
        step.StartsWith("resolve ", StringComparison.Ordinal) ||
        step.Contains(" show", StringComparison.Ordinal) || step.StartsWith("ip route get", StringComparison.Ordinal) ||
        step == "nft list tables";

    private void Record(string step)
    {
        Steps.Add(step);
        Interrupted |= step == InterruptAfter;
        if (step == FailOn)
        {
            throw new CommandException("boom");
        }
    }
}
