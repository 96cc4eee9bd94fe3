using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Gateway;

/// <summary>
/// A running gateway as a user without CAP_NET_ADMIN meets it: nobody, in the gateway's namespace, with a copy of
/// holt.toml it may read and write. What the gateway would take at once is refused before the file changes, and
/// holt status shows what it could not read as unknown, never as down, idle or empty. And holt.toml others may
/// read is said by holt up and logged by its daemon.
/// </summary>
public sealed class WithoutRootTests(ITestOutputHelper output)
{
    private const string Nobody = "65534";

    [RootFact]
    public Task RunningGateway_RefusesAnUnprivilegedUsersLiveEdits_AndStatusSaysWhatItCouldNotRead() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            await gateway.AddPeerAsync("laptop");

            // nobody reaches the gateway's directory and owns holt.toml (and its edit lock) in it; the daemon, root,
            // reads it all the same. The state directory stays root's.
            string directory = Path.GetDirectoryName(gateway.ConfigPath)!;
            File.SetUnixFileMode(lab.Directory, (UnixFileMode)Convert.ToInt32("755", 8));
            await Command.CheckAsync(["chown", $"{Nobody}:{Nobody}", directory, gateway.ConfigPath, Path.Combine(directory, ".holt.toml.lock")]);
            string before = await File.ReadAllTextAsync(gateway.ConfigPath);

            CommandResult add = await AsNobodyAsync(gateway, "peer", "add", "phone");
            CommandResult list = await AsNobodyAsync(gateway, "peer", "list");
            CommandResult status = await AsNobodyAsync(gateway, "status");

            Assert.Equal(1, add.ExitCode);
            Assert.Equal($"holt: needs root (CAP_NET_ADMIN): the gateway {gateway.Interface} is running, and it takes the change at once\n", add.Error);
            Assert.Equal(before, await File.ReadAllTextAsync(gateway.ConfigPath));
            Assert.Equal(1, list.ExitCode);
            Assert.Equal($"holt: needs root (CAP_NET_ADMIN): the gateway {gateway.Interface} is running, and its peers' handshakes and traffic are read from it\n", list.Error);

            Assert.Equal(0, status.ExitCode);
            Assert.Contains($"interface: {gateway.Interface} (gateway, engine, state unknown)\n", status.Output, StringComparison.Ordinal);
            Assert.Matches(@"\nlaptop +10\.8\.0\.2 +enabled +\? +\? +\? +\? +never\n", status.Output);
            Assert.Contains($"table inet {gateway.Table} not read", status.Output, StringComparison.Ordinal);
            Assert.Contains("bans not read", status.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("0 banned", status.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("not loaded", status.Output, StringComparison.Ordinal);
            Assert.Contains($"holt: cannot read interface {gateway.Interface}: permission denied on /var/run/wireguard/{gateway.Interface}.sock (needs root)\n", status.Error, StringComparison.Ordinal);

            // Root sees the whole of it, as before.
            Assert.Contains($"interface: {gateway.Interface} (gateway, engine, up)", await gateway.CheckAsync("status"), StringComparison.Ordinal);
        });

    [RootFact]
    public Task WorldReadableConfig_IsSaidOnceByHoltUp_AndLoggedByItsDaemon() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            File.SetUnixFileMode(gateway.ConfigPath, (UnixFileMode)Convert.ToInt32("644", 8));

            (await gateway.UpAsync()).EnsureSuccess();

            // holt up reads the file more than once; the daemon's log (LOG_LEVEL keeps its standard error) is the same file.
            string[] said = (await File.ReadAllTextAsync(gateway.LogPath)).Split('\n')
                .Where(l => l.Contains($"{gateway.ConfigPath} has mode 0644:", StringComparison.Ordinal)).ToArray();
            Assert.Equal(2, said.Length);
            Assert.Single(said, l => l.StartsWith("holt: warning: ", StringComparison.Ordinal));
            Assert.Single(said, l => l.StartsWith($"WARN: ({gateway.Interface}) ", StringComparison.Ordinal));
        });

    private static Task<CommandResult> AsNobodyAsync(Harness.Gateway gateway, params string[] arguments) =>
        Command.RunAsync(
            gateway.Host.Namespace.Wrap(["setpriv", $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "--inh-caps=-all", Tools.Holt, .. arguments]),
            environment: gateway.Environment);
}
