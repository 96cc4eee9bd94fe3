using Holt.Audit;
using Holt.Config;
using Holt.External;
using Holt.Tests.Support;

namespace Holt.Tests.Audit;

/// <summary>
/// A machine for the audit made of files: a root directory with the /proc, /etc and /run files a test writes, nft's
/// listing from a captured fixture (Audit/Fixtures), and holt.toml when the test wants one.
/// </summary>
internal sealed class AuditFixture : IDisposable
{
    private readonly Dictionary<string, ToolResult?> _tools = new(StringComparer.Ordinal);

    public AuditFixture(string? ruleset = "empty")
    {
        Root = Directory.CreateTempSubdirectory("holt-audit-").FullName;
        if (ruleset is not null)
        {
            Nft(File.ReadAllText(FixturePath(ruleset + ".json")));
        }
    }

    public string Root { get; }

    public ConfigStore? Store { get; private set; }

    /// <summary>Every tool the audit ran, with its arguments.</summary>
    public List<string> Ran { get; } = [];

    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Audit", "Fixtures", name);

    /// <summary>What <c>nft -j list ruleset</c> prints.</summary>
    public void Nft(string listing) => Tool("nft -j list ruleset", new ToolResult("nft -j list ruleset", 0, listing, ""));

    /// <summary>What a command line prints; null: the tool is not installed.</summary>
    public void Tool(string commandLine, ToolResult? result) => _tools[commandLine] = result;

    /// <summary>holt.toml from the fixture (interface wg0, 10.8.0.1/24, UDP 51820, firewall enabled, SSH 22 and admin 9000 from allow_from, public tcp/443 and udp/3478), edited.</summary>
    public void Config(Func<string, string>? edit = null)
    {
        string path = Path.Combine(Root, "holt.toml");
        string text = File.ReadAllText(FixturePath("holt.toml"));
        File.WriteAllText(path, edit is null ? text : edit(text));
        Store = TestConfig.Store(path);
    }

    /// <summary>Writes a file of the machine at its absolute path.</summary>
    public void Write(string absolute, string text)
    {
        string path = Path.Combine(Root, absolute.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>A process holding sockets: /proc/PID/comm and one /proc/PID/fd link per socket.</summary>
    public void Process(int pid, string name, params long[] inodes)
    {
        Write($"/proc/{pid}/comm", name + "\n");
        string fd = Path.Combine(Root, "proc", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "fd");
        Directory.CreateDirectory(fd);
        File.CreateSymbolicLink(Path.Combine(fd, "0"), "/dev/null");
        for (int i = 0; i < inodes.Length; i++)
        {
            File.CreateSymbolicLink(Path.Combine(fd, (i + 3).ToString(System.Globalization.CultureInfo.InvariantCulture)), $"socket:[{inodes[i]}]");
        }
    }

    public AuditMachine Machine() => new(Root, TimeProvider.System, Run) { Store = Store };

    private ToolResult? Run(string tool, IReadOnlyList<string> arguments)
    {
        string line = string.Join(" ", [tool, .. arguments]);
        Ran.Add(line);
        return _tools.TryGetValue(line, out ToolResult? result) ? result : null;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
