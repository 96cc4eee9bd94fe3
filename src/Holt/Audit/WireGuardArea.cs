using Holt.Config;
using Holt.Gateway;
using Holt.Storage;

namespace Holt.Audit;

/// <summary>
/// WireGuard and Holt: the files that hold the keys (holt.toml, the state directory, wg-quick's configs), the
/// peers whose credentials are weaker or older than they need be, and whether the guard runs.
/// <para>
/// Without holt.toml the area says so in one note (<c>wireguard.no-gateway</c>) rather than passing in silence: a
/// user running Holt's audit expects to hear why no peer was judged. A holt.toml that does not read is critical
/// (<c>wireguard.config-broken</c>): the daemon cannot reload it, and the next <c>holt up</c> fails.
/// </para>
/// <para>
/// The guard's check is <c>wireguard.guard-off</c>: holt.toml enables the guard (the default) but no Holt process
/// keeps its status file, read the way <c>holt status</c> reads it (the status file's pid, and that pid's command
/// line), through the machine so a test can give both.
/// </para>
/// </summary>
internal sealed partial class WireGuardArea : IAuditArea
{
    private const string WireGuardDirectory = "/etc/wireguard";

    private readonly string _stateDirectory;
    private readonly Func<GatewayConfig, IReadOnlyDictionary<string, DateTimeOffset>?>? _liveHandshakes;

    /// <param name="stateDirectory">Holt's state directory as the machine names it; by default the one Holt uses (<c>HOLT_STATE_DIR</c> or /var/lib/holt).</param>
    /// <param name="liveHandshakes">
    /// The running interface's handshakes by public key, or null when it does not run or cannot be asked; by default
    /// the interface itself is asked, on a real machine only (a test's tree has no interface).
    /// </param>
    public WireGuardArea(string? stateDirectory = null, Func<GatewayConfig, IReadOnlyDictionary<string, DateTimeOffset>?>? liveHandshakes = null)
    {
        _stateDirectory = stateDirectory ?? StateStore.StateDirectory();
        _liveHandshakes = liveHandshakes;
    }

    public string Name => "wireguard";

    /// <summary>Who must own the secret files: root. A test running without root names its own uid.</summary>
    public uint OwnerUid { get; init; }

    public IReadOnlyList<Finding> Check(AuditMachine machine)
    {
        var findings = new List<Finding>();
        string? configName = machine.Store is ConfigStore store ? SecretFiles.MachineName(machine, store.Path) : null;
        if (configName is not null)
        {
            CheckSecret(machine, configName, findings);
            if (Path.GetDirectoryName(configName) is string configDirectory)
            {
                CheckDirectory(machine, configDirectory, findings);
            }
        }

        CheckStateDirectory(machine, findings);
        CheckWireGuardConfigs(machine, findings);

        HoltToml.Loaded loaded = HoltToml.Load(machine);
        if (loaded.Missing)
        {
            findings.Add(Finding("no-gateway", Severity.Info, "no holt.toml: Holt's gateway is not set up here, so no peer was checked",
                $"{machine.Store?.Path ?? ConfigStore.DefaultPath} does not exist",
                "Without holt.toml the audit cannot judge the gateway's peers, expiries and guard.",
                "holt init (or holt audit --config PATH for a holt.toml elsewhere)"));
            return findings;
        }

        if (loaded.Config is not HoltConfig config)
        {
            if (!loaded.Broken)
            {
                throw new AuditAreaException(loaded.Problem ?? "holt.toml cannot be read");
            }

            findings.Add(Finding("config-broken", Severity.Critical, "holt.toml does not read", loaded.Problem ?? "",
                "The daemon keeps its last good configuration until the file reads again; the next holt up fails, and no edit can be made.",
                $"correct the line named, then check it with holt status (the file is {machine.Store!.Path})"));
            return findings;
        }

        if (config.Find<GatewayConfig>() is GatewayConfig gateway)
        {
            CheckPeers(machine, gateway, findings);
            CheckGuard(machine, config, findings);
        }

        return findings;
    }

    /// <summary>A file holding keys: its mode and owner, and a symbolic link said as such (its target judged, not trusted).</summary>
    private void CheckSecret(AuditMachine machine, string name, List<Finding> findings)
    {
        if (machine.StatusOf(name) is not FileStatus status)
        {
            return;
        }

        string fix = $"chmod 600 {name} && chown root:root {name}";
        if (status.Type == FileType.SymbolicLink)
        {
            FileStatus? target = machine.StatusOf(name, follow: true);
            string? targetProblem = target is null ? null : SecretFiles.Problem(target, OwnerUid);
            findings.Add(Finding($"file-mode:{name}", targetProblem is null ? Severity.Warning : Severity.Critical,
                $"{name} is a symbolic link",
                target is null ? $"{name}: a symbolic link to nothing" : $"{name}: a symbolic link to a file with {SecretFiles.Describe(target)}{(targetProblem is null ? "" : $" ({targetProblem})")}",
                "Holt writes this file itself, atomically, so a link means someone replaced it; whoever may change the link or the directory it points into may swap in a file of their own, or read the keys.",
                $"replace the link with the file itself (cp --remove-destination \"$(readlink -f {name})\" {name}), then {fix}"));
            return;
        }

        if (status.Type == FileType.RegularFile && SecretFiles.Problem(status, OwnerUid) is string problem)
        {
            findings.Add(Finding($"file-mode:{name}", Severity.Critical, $"{name} holds private keys and {problem}",
                $"{name}: {SecretFiles.Describe(status)}",
                "Anyone who reads it can impersonate the gateway or any peer and decrypt their traffic; anyone who may change it can add a peer of their own.",
                fix));
        }
    }

    /// <summary>A directory that holds secret files: whoever may write to it may replace them.</summary>
    private void CheckDirectory(AuditMachine machine, string name, List<Finding> findings)
    {
        if (machine.StatusOf(name) is not { Type: FileType.Directory } status)
        {
            return;
        }

        bool foreign = status.Uid != OwnerUid;
        if ((status.Mode & SecretFiles.WritableByOthers) == 0 && !foreign)
        {
            return;
        }

        findings.Add(Finding($"file-mode:{name}", Severity.Critical, $"others may replace the files in {name}",
            $"{name}: {SecretFiles.Describe(status)}",
            "Whoever may write to the directory may replace the key files in it, or put a link in their place, whatever the files' own modes.",
            $"chmod go-w {name} && chown root:root {name}"));
    }

    /// <summary>Every file of the state directory (the traffic state, the ban and monitor databases, the guard's files, holt.toml's rollback copies).</summary>
    private void CheckStateDirectory(AuditMachine machine, List<Finding> findings)
    {
        CheckDirectory(machine, _stateDirectory, findings);
        foreach (string entry in machine.List(_stateDirectory))
        {
            string name = $"{_stateDirectory.TrimEnd('/')}/{entry}";
            if (machine.StatusOf(name) is { Type: FileType.Directory })
            {
                CheckDirectory(machine, name, findings);
            }
            else
            {
                CheckSecret(machine, name, findings);
            }
        }
    }

    /// <summary>wg-quick's configs (<c>/etc/wireguard/*.conf</c>), each with an interface's PrivateKey.</summary>
    private void CheckWireGuardConfigs(AuditMachine machine, List<Finding> findings)
    {
        CheckDirectory(machine, WireGuardDirectory, findings);
        foreach (string entry in machine.List(WireGuardDirectory).Where(e => e.EndsWith(".conf", StringComparison.Ordinal)))
        {
            CheckSecret(machine, $"{WireGuardDirectory}/{entry}", findings);
        }
    }

    private Finding Finding(string check, Severity severity, string title, string evidence, string why, string fix) =>
        Audit.Finding.Create(Name, check, severity, title, evidence, why, fix);

    /// <summary>The running interface's handshakes, asked on a real machine only; null when it is down or may not be asked.</summary>
    private IReadOnlyDictionary<string, DateTimeOffset>? LiveHandshakes(AuditMachine machine, GatewayConfig gateway)
    {
        if (_liveHandshakes is not null)
        {
            return _liveHandshakes(gateway);
        }

        if (machine.Root != "/")
        {
            return null;
        }

        try
        {
            return WireGuardControl.For(gateway).TryGet() is Uapi.DeviceStatus device
                ? device.Peers.Where(p => p.LatestHandshake is not null)
                    .ToDictionary(p => p.PublicKey, p => p.LatestHandshake!.Value, StringComparer.Ordinal)
                : null;
        }
        catch (CommandException)
        {
            return null;
        }
    }
}
