using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Gateway;

/// <summary>
/// Two gateways on one host: a second one that would take the first one's port or subnet is refused by name, and
/// never touches the first one's table; two with distinct ones run side by side, each with its own table, and one
/// going down leaves the other whole.
/// </summary>
public sealed class TwoGatewaysTests(ITestOutputHelper output)
{
    [RootFact]
    public Task ASecondGateway_IsRefusedItsNeighboursPortOrSubnet_AndOtherwiseRunsBesideIt() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway first = await Harness.Gateway.CreateAsync(lab);
            Host firstClient = await lab.AddHostAsync(Implementation.WireGuardGo);
            (await first.UpAsync()).EnsureSuccess();
            (await lab.WgQuickAsync(firstClient, "up", await Harness.Gateway.WriteClientConfigAsync(lab, firstClient, await first.AddPeerAsync("laptop")))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(firstClient, "10.8.0.1", "the first gateway");
            string firstTable = await first.Host.Namespace.ExecAsync(Tools.Nft, "-s", "list", "table", "inet", first.Table);

            // The same port: refused, naming the gateway that holds it; the first one's table untouched.
            Harness.Gateway second = await Harness.Gateway.CreateBesideAsync(first, "x", first.Host.ListenPort, "--subnet", "10.9.0.0/24");
            CommandResult samePort = await second.UpAsync();
            Assert.Equal(1, samePort.ExitCode);
            Assert.Contains($"UDP port {first.Host.ListenPort} is held by gateway {first.Interface} ({first.ConfigPath}, pid ", samePort.Output, StringComparison.Ordinal);
            Assert.False(second.DaemonRunning);
            Assert.False(await first.Host.Namespace.HasLinkAsync(second.Interface));
            Assert.Equal(firstTable, await first.Host.Namespace.ExecAsync(Tools.Nft, "-s", "list", "table", "inet", first.Table));

            // Another port but the same subnet: refused, naming it.
            int port = first.Host.ListenPort + 500;
            await second.EditConfigAsync(text => text
                .Replace($"listen_port = {first.Host.ListenPort}", $"listen_port = {port}", StringComparison.Ordinal)
                .Replace($"endpoint = \"{first.Host.UnderlayV4}:{first.Host.ListenPort}\"", $"endpoint = \"{first.Host.UnderlayV4}:{port}\"", StringComparison.Ordinal)
                .Replace("10.9.0.", "10.8.0.", StringComparison.Ordinal));
            CommandResult sameSubnet = await second.UpAsync();
            Assert.Equal(1, sameSubnet.ExitCode);
            Assert.Contains($"the subnet 10.8.0.0/24 overlaps 10.8.0.0/24 of gateway {first.Interface}", sameSubnet.Output, StringComparison.Ordinal);
            Assert.False(second.DaemonRunning);

            // Distinct ones: both run, each with its own table, each reachable by its own client.
            await second.EditConfigAsync(text => text.Replace("10.8.0.", "10.9.0.", StringComparison.Ordinal));
            (await second.UpAsync()).EnsureSuccess();
            Host secondClient = await lab.AddHostAsync(Implementation.WireGuardGo);
            (await lab.WgQuickAsync(secondClient, "up", await Harness.Gateway.WriteClientConfigAsync(lab, secondClient, await second.AddPeerAsync("phone")))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(secondClient, "10.9.0.1", "the second gateway");
            await Traffic.AssertPingsAsync(firstClient, "10.8.0.1");
            Assert.Contains("table inet " + second.Table, await first.Host.Namespace.ExecAsync(Tools.Nft, "list", "table", "inet", second.Table), StringComparison.Ordinal);
            Assert.Contains("10.9.0.0/24", await first.Host.Namespace.ExecAsync(Tools.Nft, "list", "table", "inet", second.Table), StringComparison.Ordinal);
            Assert.DoesNotContain("10.9.0.0/24", await first.Host.Namespace.ExecAsync(Tools.Nft, "-s", "list", "table", "inet", first.Table), StringComparison.Ordinal);

            // The second one going down takes only what is its own.
            await second.DownAsync();
            Assert.False((await first.Host.Namespace.TryExecAsync(Tools.Nft, "list", "table", "inet", second.Table)).Succeeded);
            Assert.Equal(firstTable, await first.Host.Namespace.ExecAsync(Tools.Nft, "-s", "list", "table", "inet", first.Table));
            Assert.True(await first.Host.Namespace.HasLinkAsync(first.Interface));
            await Traffic.AssertPingsAsync(firstClient, "10.8.0.1");
        });
}
