using System.Net;
using Holt.Config;
using Holt.Uapi;

namespace Holt.Quick;

/// <summary>
/// <c>holt up</c> and <c>holt down</c> for a wg-quick file, on Holt's engine: the steps of wg-quick's Linux
/// script (wg-quick(8), src/wg-quick/linux.bash in wireguard-tools) in its order, so a file behaves as it does
/// under wg-quick. Up either completes or undoes what it did, as wg-quick's trap does: the interface goes (and with
/// it its addresses and routes), and so do the policy rules, the firewall table and the DNS record.
/// </summary>
internal sealed partial class ClientTunnel
{
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(10);

    private readonly QuickConfig _config;
    private readonly string _name;
    private readonly IQuickSystem _system;

    // What up has done so far, for the rollback.
    private bool _engineStarted;
    private bool _dnsSet;
    private bool _firewallSet;
    private uint? _policyTable;

    // Up stops at its next step once interrupted; the undo and down run to their end.
    private bool _stopOnInterrupt;

    // The interface's mark: the file's, or the policy table's once up has chosen one (wg-quick reads it back).
    private uint _fwMark;

    private ClientTunnel(QuickConfig config, string name, IQuickSystem system)
    {
        _config = config;
        _name = name;
        _system = system;
        _fwMark = config.FwMark ?? 0;
    }

    /// <summary>Brings interface <paramref name="name"/> up as the file describes.</summary>
    /// <exception cref="CommandException">Nothing was changed, or what was has been undone; the message says why.</exception>
    public static void Up(QuickConfig config, string name, IQuickSystem system) => new ClientTunnel(config, name, system).Up();

    /// <summary>Takes interface <paramref name="name"/> down and removes what up added.</summary>
    /// <exception cref="CommandException">The interface is not running, or a PreDown hook failed.</exception>
    public static void Down(QuickConfig config, string name, IQuickSystem system) => new ClientTunnel(config, name, system).Down();

    private void Up()
    {
        CheckBeforeUp();
        _stopOnInterrupt = true;
        try
        {
            RunHooks(_config.PreUp);
            IReadOnlyDictionary<QuickPeer, IPEndPoint> endpoints = ResolveEndpoints();
            _system.Report($"[#] holt tunnel {_name}");
            StopIfInterrupted();
            _system.StartEngine(_name);
            _engineStarted = true;
            StopIfInterrupted();
            _system.Report($"[#] set {_name}: the [Interface] keys and {_config.Peers.Count} peer(s), over {UapiServer.SocketPathFor(_name)}");
            _system.Configure(_name, QuickUapi.SetBody(_config, endpoints));
            foreach (IpPrefix address in _config.Addresses)
            {
                Check("ip", address.IpFamilyOption, "address", "add", address.ToString(), "dev", _name);
            }

            SetMtuAndUp(endpoints.Values);
            SetDns();
            foreach (IpPrefix route in QuickRouting.RouteOrder(_config.Peers))
            {
                AddRoute(route);
            }

            RunHooks(_config.PostUp);

            // A signal during the last hook still counts, as wg-quick's trap fires once the hook returns.
            StopIfInterrupted();
        }
        catch
        {
            _stopOnInterrupt = false;
            Undo();
            throw;
        }
    }

    /// <summary>What can be known before anything changes, so that a missing tool or a name in use changes nothing.</summary>
    private void CheckBeforeUp()
    {
        if (!_system.HasProgram("ip"))
        {
            throw new CommandException("ip is not installed (iproute2); holt up needs it");
        }

        if (_system.Run("ip", ["link", "show", "dev", _name]).Succeeded)
        {
            throw new CommandException($"{_name} already exists");
        }

        if (_config.HasDns && !_system.HasProgram(ResolvConf.Program))
        {
            throw new CommandException(
                $"{_config.File}: DNS is set, but resolvconf is not installed and holt sets DNS through it (as wg-quick does); install resolvconf or openresolv, or remove DNS");
        }

        bool policyRouting = _config.Table.Kind == RouteTableKind.Auto &&
            _config.Peers.Any(p => p.AllowedIps.Any(a => a.Length == 0));
        if (policyRouting && !_system.HasProgram("nft"))
        {
            throw new CommandException(
                $"{_config.File}: a peer's AllowedIPs route everything, which needs nft for the tunnel's firewall rules, and nft is not installed (apt-get install nftables)");
        }
    }

    private void Down()
    {
        // Also the check that the interface is one of ours: a name without a control socket fails here.
        DeviceStatus status = _system.ReadDevice(_name);
        RunHooks(_config.PreDown);
        if (_config.Table.Kind == RouteTableKind.Auto && status.FirewallMark != 0 &&
            QuickRouting.HasDefaultRoute(status.Peers.SelectMany(p => p.AllowedIps)))
        {
            DeletePolicyRules(status.FirewallMark);
        }

        int? engine = _system.EngineProcess(_name);
        Check("ip", "link", "delete", "dev", _name);
        WaitForEngine(engine);

        // Once the interface is gone, down goes on to PostDown whatever these say, as wg-quick's "|| true" does.
        Attempt(() =>
        {
            if (_config.HasDns)
            {
                UnsetDns();
            }
        });
        Attempt(RemoveFirewall);
        RunHooks(_config.PostDown);
    }

    /// <summary>
    /// Undoes a failed up, each step on its own so one failing does not keep the others from running; the
    /// original error is what the operator sees.
    /// </summary>
    private void Undo()
    {
        _system.Report($"[!] undoing what holt up did to {_name}");
        Attempt(() =>
        {
            if (_dnsSet)
            {
                UnsetDns();
            }
        });
        Attempt(() =>
        {
            if (_firewallSet)
            {
                RemoveFirewall();
            }
        });
        Attempt(() =>
        {
            if (_policyTable is uint table)
            {
                DeletePolicyRules(table);
            }
        });
        Attempt(() =>
        {
            if (_engineStarted)
            {
                int? engine = _system.EngineProcess(_name);
                Check("ip", "link", "delete", "dev", _name);
                WaitForEngine(engine);
            }
        });
    }

    private void Attempt(Action step)
    {
        try
        {
            step();
        }
        catch (CommandException e)
        {
            _system.Report($"[!] {e.Message}");
        }
    }

    private void WaitForEngine(int? engine)
    {
        if (!_system.WaitUntilStopped(_name, engine, s_stopTimeout))
        {
            throw new CommandException($"{_name} was deleted, but its engine still runs {s_stopTimeout.TotalSeconds:0} s later ({UapiServer.SocketPathFor(_name)} is still there)");
        }
    }

    private void RunHooks(IReadOnlyList<QuickHook> hooks)
    {
        foreach (QuickHook hook in hooks)
        {
            string command = hook.Command.Replace("%i", _name, StringComparison.Ordinal);
            StopIfInterrupted();
            _system.Report($"[#] {command}");
            int code = _system.RunHook(command);
            if (code != 0)
            {
                throw new CommandException($"{_config.File}:{hook.Line}: the {hook.Key} hook failed with exit code {code}");
            }
        }
    }

    private Dictionary<QuickPeer, IPEndPoint> ResolveEndpoints()
    {
        var endpoints = new Dictionary<QuickPeer, IPEndPoint>();
        foreach (QuickPeer peer in _config.Peers)
        {
            if (peer.Endpoint is not { } endpoint)
            {
                continue;
            }

            IPAddress address;
            if (AddressText.TryParse(endpoint.Host, out IPAddress? literal))
            {
                address = literal;
            }
            else
            {
                try
                {
                    address = _system.Resolve(endpoint.Host);
                }
                catch (CommandException e)
                {
                    throw new CommandException($"{_config.File}:{endpoint.Line}: Endpoint {endpoint}: {e.Message}", e);
                }
            }

            endpoints[peer] = new IPEndPoint(address, endpoint.Port);
        }

        return endpoints;
    }

    private void StopIfInterrupted()
    {
        if (_stopOnInterrupt && _system.Interrupted)
        {
            throw new CommandException($"interrupted; what holt up did to {_name} has been undone");
        }
    }

    /// <summary>Runs a command and throws its first line of error output when it fails.</summary>
    private ProcessResult Check(string program, params string[] arguments) => CheckWithInput(program, null, arguments);

    private ProcessResult CheckWithInput(string program, string? input, params string[] arguments)
    {
        string line = program + " " + string.Join(' ', arguments);
        StopIfInterrupted();
        _system.Report("[#] " + line);
        ProcessResult result = _system.Run(program, arguments, input);
        if (!result.Succeeded)
        {
            string reason = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
                ?? $"exit code {result.ExitCode}";
            throw new CommandException($"{line}: {reason}");
        }

        return result;
    }
}
