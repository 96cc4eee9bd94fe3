using Holt.Tests.Support;
using Xunit.Abstractions;

namespace Holt.Tests.Cli;

/// <summary>
/// A cloud VM behind 1:1 NAT (GCP, AWS) sees only its private address: <c>holt init</c> (or the first <c>holt up</c>)
/// would write it as the endpoint, and every client config would dial it in vain. Holt warns in one line and says
/// how to give the public name; a host name is the operator's choice and is never warned about.
/// </summary>
public sealed class PrivateEndpointTests(NetNsFixture fixture, ITestOutputHelper output) : IClassFixture<NetNsFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-endpoint.").FullName;

    private string ConfigPath => Path.Combine(_directory, "holt.toml");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Init_OnAMachineWhoseOnlyAddressIsPrivate_WarnsAndSaysHowToGiveThePublicName()
    {
        if (fixture.GetOrSkip(output) is not NetNs ns)
        {
            return;
        }

        // The VM's view of itself: one private address, and the default route through the cloud's NAT (the far
        // end of a veth pair stands for it; no dummy module is needed).
        ns.Ip("link add eth0 type veth peer name nat0");
        ns.Ip("address add 10.0.0.5/24 dev eth0");
        ns.Ip("link set nat0 up");
        ns.Ip("link set eth0 up");
        ns.Ip("route add default via 10.0.0.1");

        (int code, _, string error) = HoltProcess.RunProgram("ip", null, Environment(), ["netns", "exec", ns.Name, HoltProcess.ExecutablePath, "init", "--interface", "he0"]);

        Assert.Equal(0, code);
        Assert.Contains("endpoint = \"10.0.0.5\"", File.ReadAllText(ConfigPath), StringComparison.Ordinal);
        Assert.Equal(
            [$"holt: warning: clients will dial 10.0.0.5, a private address, which only devices on its network reach (behind a cloud's NAT the public address is another); give the public name or address with holt init --endpoint NAME --force, or endpoint = \"NAME\" in [gateway] of {ConfigPath}"],
            Warnings(error));
    }

    [Theory]
    [InlineData("10.0.0.5", "10.0.0.5", "a private address, which only devices on its network reach")]
    [InlineData("172.16.4.2:443", "172.16.4.2", "a private address, which only devices on its network reach")]
    [InlineData("[fd42::5]:51820", "fd42::5", "a private address, which only devices on its network reach")]
    [InlineData("127.0.0.1", "127.0.0.1", "a loopback address, which only this machine reaches")]
    public void Init_WithAPrivateEndpoint_Warns(string endpoint, string address, string reach)
    {
        (int code, _, string error) = HoltProcess.Run(Environment(), "init", "--endpoint", endpoint, "--interface", "he0");

        Assert.Equal(0, code);
        Assert.Equal(
            [$"holt: warning: clients will dial {address}, {reach} (behind a cloud's NAT the public address is another); give the public name or address with holt init --endpoint NAME --force, or endpoint = \"NAME\" in [gateway] of {ConfigPath}"],
            Warnings(error));
    }

    [Theory]
    [InlineData("vpn.example.com")]
    [InlineData("203.0.113.7:51820")]
    [InlineData("[2001:db8::7]:51820")]
    public void PublicAddressOrName_IsNotWarned(string endpoint)
    {
        (int initCode, _, string init) = HoltProcess.Run(Environment(), "init", "--endpoint", endpoint, "--interface", "he0");
        (int addCode, _, string add) = HoltProcess.Run(Environment(), "peer", "add", "phone");
        (int configCode, _, string config) = HoltProcess.Run(Environment(), "peer", "config", "phone");

        Assert.Equal([0, 0, 0], [initCode, addCode, configCode]);
        Assert.Empty(Warnings(init + add + config));
    }

    [Theory]
    [InlineData("10.0.0.5", "10.0.0.5:51820", "a private address, which only devices on its network reach")]
    [InlineData("[fd42::5]:4500", "[fd42::5]:4500", "a private address, which only devices on its network reach")]
    [InlineData("127.0.0.1", "127.0.0.1:51820", "a loopback address, which only this machine reaches")]
    public void ClientConfig_WithAPrivateEndpoint_IsWarnedWhereverItIsPrinted(string endpoint, string printed, string reach)
    {
        Assert.Equal(0, HoltProcess.Run(Environment(), "init", "--endpoint", endpoint, "--interface", "he0").ExitCode);
        string expected = $"holt: warning: this config's Endpoint {printed} is {reach}; for clients elsewhere, set endpoint = \"NAME\" (the gateway's public name or address) in [gateway] of {ConfigPath} and print the config again";

        (int addCode, string added, string add) = HoltProcess.Run(Environment(), "peer", "add", "phone");
        (int configCode, _, string config) = HoltProcess.Run(Environment(), "peer", "config", "phone");

        Assert.Equal([0, 0], [addCode, configCode]);
        Assert.Contains($"Endpoint = {printed}\n", added, StringComparison.Ordinal);
        Assert.Equal([expected], Warnings(add));
        Assert.Equal([expected], Warnings(config));
    }

    private static string[] Warnings(string error) =>
        error.Split('\n').Where(l => l.StartsWith("holt: warning:", StringComparison.Ordinal)).ToArray();

    private Dictionary<string, string> Environment() => new()
    {
        ["HOLT_CONFIG"] = ConfigPath,
        ["HOLT_STATE_DIR"] = Path.Combine(_directory, "state"),
    };
}
