using Holt.Config;
using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary>
/// holt.toml holds every private key, and Holt writes it 0600; a copy made by hand that its group or others may
/// read or change is said once per command, in one line naming the file, its mode and the fix.
/// </summary>
public sealed class ConfigModeWarningTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-mode.").FullName;
    private readonly string _path;

    public ConfigModeWarningTests()
    {
        _path = Path.Combine(_directory, "holt.toml");
        (int code, _, string error) = HoltProcess.Run(Environment(), "init", "--endpoint", "vpn.example.com", "--interface", "hm0");
        Assert.True(code == 0, error);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("0644")]
    [InlineData("0640")]
    [InlineData("0604")]
    [InlineData("0620")]
    public void ConfigOthersMayReadOrChange_IsWarnedOnceInOneLine(string mode)
    {
        File.SetUnixFileMode(_path, (UnixFileMode)Convert.ToInt32(mode, 8));

        (int code, _, string error) = HoltProcess.Run(Environment(), "peer", "list");

        Assert.Equal(0, code);
        string[] warnings = error.Split('\n').Where(l => l.Contains("has mode", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
            [$"holt: warning: {_path} has mode {mode}: others than its owner may read or change it, and it holds every private key of the gateway; chmod 600 {_path}"],
            warnings);
    }

    [Fact]
    public void PrivateConfig_IsNotWarned()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_path));

        (int code, _, string error) = HoltProcess.Run(Environment(), "status");

        Assert.Equal(0, code);
        Assert.DoesNotContain("has mode", error, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenWorldReadableConfig_GetsTheWarningAndTheError()
    {
        File.AppendAllText(_path, "\nlisten_prot = 1\n");
        File.SetUnixFileMode(_path, (UnixFileMode)Convert.ToInt32("644", 8));

        (int code, _, string error) = HoltProcess.Run(Environment(), "peer", "list");

        Assert.Equal(1, code);
        string[] lines = error.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"holt: warning: {_path} has mode 0644", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"holt: {_path}:", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Store_ReadTwice_WarnsOnce()
    {
        File.SetUnixFileMode(_path, (UnixFileMode)Convert.ToInt32("644", 8));
        var said = new List<string>();
        ConfigStore.ModeWarnings = message =>
        {
            // Other tests read their own hand-written files meanwhile.
            if (message.StartsWith(_path + " ", StringComparison.Ordinal))
            {
                lock (said)
                {
                    said.Add(message);
                }
            }
        };
        try
        {
            ConfigStore store = TestConfig.Store(_path);
            _ = store.Load();
            _ = store.Load();
            _ = TestConfig.Store(_path).Load();
        }
        finally
        {
            ConfigStore.ModeWarnings = null;
        }

        Assert.Single(said);
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["HOLT_CONFIG"] = _path,
        ["HOLT_STATE_DIR"] = Path.Combine(_directory, "state"),
    };
}
