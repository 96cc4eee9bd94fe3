using System.Text.Json;
using Xunit.Sdk;

namespace Holt.Integration.Tests.Harness;

/// <summary>
/// A Holt gateway in a lab host's namespace, driven only through the <c>holt</c> command line, as an operator
/// does: its holt.toml and state directory live in the lab's directory (HOLT_CONFIG, HOLT_STATE_DIR), its interface
/// is named after the namespace, and it listens on the host's port. Teardown runs <c>holt down</c> and checks that
/// the interface, Holt's nftables table and the pid file are gone.
/// </summary>
internal sealed class Gateway
{
    private Gateway(Lab lab, Host host, string suffix = "", string? data = null)
    {
        Lab = lab;
        Host = host;
        Interface = host.Interface + suffix;
        string directory = Path.Combine(lab.Directory, "gateway-" + host.Number + suffix);
        System.IO.Directory.CreateDirectory(directory);
        DataDirectory = data is null ? directory : Path.Combine(directory, data);
        System.IO.Directory.CreateDirectory(DataDirectory);
        ConfigPath = Path.Combine(DataDirectory, "holt.toml");
        StateDirectory = Path.Combine(DataDirectory, "state");
        LogPath = Path.Combine(directory, "daemon.log");
        lab.KeepLog(LogPath);
    }

    public Lab Lab { get; }

    public Host Host { get; }

    /// <summary>Where holt.toml and the state directory live (the gateway's directory, or a disk of their own there).</summary>
    public string DataDirectory { get; }

    public string ConfigPath { get; }

    public string StateDirectory { get; }

    public string LogPath { get; }

    /// <summary>The gateway's interface: named after its host's namespace (a second gateway beside it adds a suffix).</summary>
    public string Interface { get; }

    public string StateFile => Path.Combine(StateDirectory, Interface + ".json");

    /// <summary>The gateway's own nftables table (inet), named after its interface.</summary>
    public string Table => "holt-" + Interface;

    public Dictionary<string, string> Environment
    {
        get
        {
            var environment = new Dictionary<string, string>(ExtraEnvironment)
            {
                ["HOLT_CONFIG"] = ConfigPath,
                ["HOLT_STATE_DIR"] = StateDirectory,
                ["LOG_LEVEL"] = "verbose",
            };
            return environment;
        }
    }

    /// <summary>More variables for every holt this gateway runs (test hooks, a syslog socket of the test's own).</summary>
    public Dictionary<string, string> ExtraEnvironment { get; } = [];

    /// <summary>A host on the hub with <c>holt init</c> done (endpoint its underlay address and port), not yet up.</summary>
    public static async Task<Gateway> CreateAsync(Lab lab, params string[] initArguments)
    {
        Host host = await lab.AddHostAsync(Implementation.Holt);
        var gateway = new Gateway(lab, host);
        lab.OnTeardown(gateway.TearDownAsync);
        await gateway.CheckAsync(
        [
            "init", "--endpoint", $"{host.UnderlayV4}:{host.ListenPort}", "--port", host.ListenPort.ToString(),
            "--interface", host.Interface, .. initArguments,
        ]);
        return gateway;
    }

    /// <summary>
    /// A second gateway on <paramref name="first"/>'s host (the same network namespace), with its own holt.toml,
    /// state directory and interface, and the port and subnet given: two gateways on one host.
    /// </summary>
    public static async Task<Gateway> CreateBesideAsync(Gateway first, string suffix, int port, params string[] initArguments)
    {
        var gateway = new Gateway(first.Lab, first.Host, suffix);
        first.Lab.OnTeardown(gateway.TearDownAsync);
        await gateway.CheckAsync(
        [
            "init", "--endpoint", $"{first.Host.UnderlayV4}:{port}", "--port", port.ToString(),
            "--interface", gateway.Interface, .. initArguments,
        ]);
        return gateway;
    }

    /// <summary>
    /// A gateway whose holt.toml and state directory live on a file system of their own (a tmpfs of
    /// <paramref name="sizeMiB"/> MiB, unmounted at teardown), so a test can fill that disk while the daemon's log,
    /// kept beside it, still has room.
    /// </summary>
    public static async Task<Gateway> CreateOnSmallDiskAsync(Lab lab, int sizeMiB)
    {
        Host host = await lab.AddHostAsync(Implementation.Holt);
        var gateway = new Gateway(lab, host, data: "disk");
        (await Command.RunAsync(["mount", "-t", "tmpfs", "-o", $"size={sizeMiB}m,mode=0700", "holt-test-disk", gateway.DataDirectory])).EnsureSuccess();
        lab.OnTeardown(async () =>
        {
            CommandResult unmount = await Command.RunAsync(["umount", gateway.DataDirectory]);
            return unmount.Succeeded ? [] : [$"umount {gateway.DataDirectory}: {unmount.Describe()}"];
        });
        lab.OnTeardown(gateway.TearDownAsync);
        await gateway.CheckAsync(
        [
            "init", "--endpoint", $"{host.UnderlayV4}:{host.ListenPort}", "--port", host.ListenPort.ToString(),
            "--interface", host.Interface,
        ]);
        return gateway;
    }

    /// <summary>
    /// A gateway on a host that already exists (one that ran another WireGuard before, for <c>holt import</c>), with
    /// no configuration yet; its interface is the host's.
    /// </summary>
    public static Gateway CreateOnHost(Lab lab, Host host)
    {
        var gateway = new Gateway(lab, host);
        lab.OnTeardown(gateway.TearDownAsync);
        return gateway;
    }

    /// <summary>A gateway whose configuration does not exist yet (for the first-run <c>holt up</c>).</summary>
    public static async Task<Gateway> CreateWithoutConfigAsync(Lab lab)
    {
        Host host = await lab.AddHostAsync(Implementation.Holt);
        var gateway = new Gateway(lab, host);
        lab.OnTeardown(gateway.TearDownAsync);
        return gateway;
    }

    /// <summary>The shell prefix that runs holt with this gateway's files, for a command sent over SSH.</summary>
    public string RemoteHolt => $"HOLT_CONFIG={ConfigPath} HOLT_STATE_DIR={StateDirectory} {Tools.Holt}";

    /// <summary>Edits holt.toml as an operator would by hand (the text is replaced whole).</summary>
    public async Task EditConfigAsync(Func<string, string> edit)
    {
        string before = await File.ReadAllTextAsync(ConfigPath);
        string after = edit(before);
        if (after == before)
        {
            throw new XunitException("the configuration edit changed nothing");
        }

        await File.WriteAllTextAsync(ConfigPath, after);
    }

    /// <summary>
    /// Turns the guard on with one sshd jail on <paramref name="log"/>: 3 failures within 10 minutes are a ban of an
    /// hour (see <see cref="FailedPassword"/> for the lines).
    /// </summary>
    public Task EnableSshdJailAsync(string log) => EditConfigAsync(text => text + $"""

        [guard]
        enabled = true
        maxretry = 3
        findtime = "10m"
        bantime = "1h"

        [[guard.jail]]
        name = "sshd"
        filter = "sshd"
        logpath = "{log}"

        """);

    /// <summary>An auth.log line of sshd's for a wrong password from <paramref name="address"/> (ISO timestamps, as rsyslog writes).</summary>
    public static string FailedPassword(DateTimeOffset time, string address, int port) =>
        $"{time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff+00:00", System.Globalization.CultureInfo.InvariantCulture)} gw sshd[{4000 + port}]: " +
        $"Failed password for root from {address} port {40000 + port} ssh2";

    /// <summary>
    /// The seconds left of a ban in <c>holt guard status</c>, whose REMAINING reads as people read it ("59m 58s",
    /// "1h", "2d 3h"); null when the address and jail are not listed.
    /// </summary>
    public static int? BanRemaining(string status, string address, string jail)
    {
        System.Text.RegularExpressions.Match row = System.Text.RegularExpressions.Regex.Match(
            status, $@"(?m)^{System.Text.RegularExpressions.Regex.Escape(address)} +{System.Text.RegularExpressions.Regex.Escape(jail)} +((?:\d+[dhms] ?)+)$");
        if (!row.Success)
        {
            return null;
        }

        int seconds = 0;
        foreach (System.Text.RegularExpressions.Match part in System.Text.RegularExpressions.Regex.Matches(row.Groups[1].Value, @"(\d+)([dhms])"))
        {
            seconds += int.Parse(part.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * part.Groups[2].Value switch { "d" => 86400, "h" => 3600, "m" => 60, _ => 1 };
        }

        return seconds;
    }

    /// <summary>Runs <c>holt ARGS</c> in the gateway's namespace.</summary>
    public Task<CommandResult> RunAsync(params string[] arguments) =>
        Command.RunAsync(Host.Namespace.Wrap([Tools.Holt, .. arguments]), environment: Environment);

    public async Task<string> CheckAsync(params string[] arguments) => (await RunAsync(arguments)).EnsureSuccess().Output;

    /// <summary>The daemon's /metrics, read on the gateway itself at its VPN address (10.8.0.1:9586); "" when it does not answer.</summary>
    public async Task<string> ScrapeAsync() =>
        (await Host.Namespace.TryExecAsync(Tools.Curl, "-sf", "--max-time", "5", "http://10.8.0.1:9586/metrics")).Output;

    /// <summary><c>holt up</c>, whose daemon's log goes to <see cref="LogPath"/>.</summary>
    public async Task<CommandResult> UpAsync(params string[] arguments)
    {
        Lab.Log($"holt up {string.Join(' ', arguments)} in {Host.Namespace}");
        return await Command.RunDetachedOutputAsync(Host.Namespace.Wrap([Tools.Holt, "up", .. arguments]), LogPath, environment: Environment);
    }

    public async Task DownAsync() => (await Command.RunDetachedOutputAsync(Host.Namespace.Wrap([Tools.Holt, "down"]), LogPath, environment: Environment)).EnsureSuccess();

    /// <summary>Adds a peer and returns the client config it printed.</summary>
    public async Task<string> AddPeerAsync(string name, params string[] options) => await CheckAsync(["peer", "add", name, .. options]);

    /// <summary><c>holt peer list --json</c>, by name.</summary>
    public async Task<Dictionary<string, JsonElement>> PeersAsync()
    {
        using JsonDocument json = JsonDocument.Parse(await CheckAsync("peer", "list", "--json"));
        return json.RootElement.EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.Clone());
    }

    public bool DaemonRunning => File.Exists(PidPath);

    private string PidPath => Path.Combine("/run/holt", Interface + ".pid");

    private async Task<IReadOnlyList<string>> TearDownAsync()
    {
        var problems = new List<string>();

        // An enabled firewall outlives holt down by design; turn it off first so nothing of Holt's should remain.
        if (File.Exists(ConfigPath) && (await File.ReadAllTextAsync(ConfigPath)).Contains("[firewall]\nenabled = true\n", StringComparison.Ordinal))
        {
            CommandResult off = await RunAsync("firewall", "off");
            if (!off.Succeeded)
            {
                problems.Add($"holt firewall off failed: {off.Describe()}");
            }
        }

        if (DaemonRunning)
        {
            CommandResult down = await Command.RunDetachedOutputAsync(Host.Namespace.Wrap([Tools.Holt, "down"]), LogPath, environment: Environment);
            if (!down.Succeeded)
            {
                problems.Add($"holt down failed: {down.Describe()}");
            }
        }

        if (await Host.Namespace.HasLinkAsync(Interface))
        {
            problems.Add($"the gateway interface {Interface} is still there after holt down");
        }

        if ((await Host.Namespace.TryExecAsync(Tools.Nft, "list", "table", "inet", Table)).Succeeded)
        {
            problems.Add($"the gateway's nftables table {Table} is still there after holt down");
        }

        if (File.Exists(PidPath))
        {
            problems.Add($"{PidPath} is still there after holt down");
            File.Delete(PidPath);
        }

        return problems;
    }

    /// <summary>A client config written as NAME.conf in the lab directory, as wg-quick wants it.</summary>
    public static async Task<string> WriteClientConfigAsync(Lab lab, Host client, string config) =>
        await lab.WriteFileAsync($"{client.Interface}.conf", config);

    public static void EnsureDecoded(string expected, string decoded, string what)
    {
        if (decoded != expected)
        {
            throw new XunitException($"{what} decoded to something else than the config.\nExpected:\n{expected}\nDecoded:\n{decoded}");
        }
    }
}
