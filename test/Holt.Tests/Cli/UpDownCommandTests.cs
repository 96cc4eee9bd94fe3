using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary>holt up and down as a user meets them, for the cases that fail before anything on the machine changes.</summary>
public sealed class UpDownCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-updown.").FullName;

    [Theory]
    [InlineData("up")]
    [InlineData("down")]
    public void Help_HasAnExample(string verb)
    {
        (int code, string output, _) = HoltProcess.Run(verb, "--help");

        Assert.Equal(0, code);
        Assert.Contains($"Example: holt {verb} ", output, StringComparison.Ordinal);
        Assert.Contains($"holt {verb} --config /etc/wireguard/wg0.conf", output, StringComparison.Ordinal);
        Assert.Contains("--interface", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Down_WithoutConfig_IsTheGatewaysBranch()
    {
        string path = Path.Combine(_directory, "holt.toml");

        (int code, _, string error) = HoltProcess.Run(new Dictionary<string, string> { ["HOLT_CONFIG"] = path }, "down");

        Assert.Equal(1, code);
        Assert.Equal($"holt: no gateway configuration at {path}; create one with holt init (or holt up)", error.TrimEnd('\n'));
    }

    [Fact]
    public void ConfigNotStartingWithInterface_IsTheGatewaysBranch()
    {
        string path = Write("holt.toml", "# a gateway\n[gateway]\nname = \"home\"\n[Interface]\n");

        (int code, _, string error) = HoltProcess.Run("up", "--config", path);

        Assert.Equal(1, code);
        Assert.Equal($"holt: {path}:4: unknown section or key 'Interface' (expected [gateway], [[peer]], [firewall], [[expose]], [guard], [monitor] and [dashboard])", error.TrimEnd('\n'));
    }

    [Fact]
    public void MissingFile_FailsWithOneLine()
    {
        string path = Path.Combine(_directory, "wg0.conf");

        (int code, _, string error) = HoltProcess.Run("up", "--config", path);

        Assert.Equal(1, code);
        Assert.Equal($"holt: {path}: no such file", error.TrimEnd('\n'));
    }

    [Fact]
    public void BadLine_FailsWithFileAndLine()
    {
        string path = Write("wg0.conf", "[Interface]\nAddress = 10.0.0.2/24\nListenPort = 51820x\n");

        (int code, string output, string error) = HoltProcess.Run("up", "--config", path);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"holt: {path}:3: ListenPort must be a port from 0 to 65535, not '51820x'", error.TrimEnd('\n'));
    }

    [Fact]
    public void SaveConfigTrue_IsRefused()
    {
        string path = Write("wg0.conf", "[Interface]\nSaveConfig = true\n");

        (int code, _, string error) = HoltProcess.Run("up", "--config", path);

        Assert.Equal(1, code);
        Assert.Equal(
            $"holt: {path}:2: SaveConfig = true is not supported: holt never rewrites the configuration file; remove the line or set it to false",
            error.TrimEnd('\n'));
    }

    [Fact]
    public void FileNameThatIsNoInterfaceName_AsksForInterface()
    {
        string path = Write("my client.conf", "[Interface]\n");

        (int code, _, string error) = HoltProcess.Run("up", "--config", path);

        Assert.Equal(1, code);
        Assert.Contains("followed by .conf, as wg-quick requires; or give --interface NAME", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void BadInterfaceOverride_FailsWithOneLine()
    {
        string path = Write("wg0.conf", "[Interface]\n");

        (int code, _, string error) = HoltProcess.Run("down", "--config", path, "--interface", "much-too-long-name");

        Assert.Equal(1, code);
        Assert.Equal("holt: invalid interface name 'much-too-long-name': use 1 to 15 letters, digits or _=+.-", error.TrimEnd('\n'));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
