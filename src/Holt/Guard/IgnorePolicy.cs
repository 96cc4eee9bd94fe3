using System.Net;
using Holt.Gateway;
using Holt.Machine;
using Holt.Uapi;

namespace Holt.Guard;

/// <summary>Why an address must not be banned; a hard reason cannot be overridden, even by <c>--force</c>.</summary>
internal sealed record IgnoreReason(string Why, bool Hard);

/// <summary>An address through which someone legitimately gets in, and who.</summary>
internal sealed record WayIn(IPAddress Address, string Who);

/// <summary>
/// The one rule of what the guard never bans, used by the guard for every failure and by <c>holt guard ban</c>:
/// <list type="bullet">
/// <item>loopback and the VPN's subnets (hard: a ban there would cut the VPN itself);</item>
/// <item>[guard] ignoreip;</item>
/// <item>the ways in: this machine's own addresses, the endpoints of peers that handshook within
/// <see cref="RecentHandshake"/> (a family member at the same home shares its public address with the whole
/// household's peers), everyone logged in over SSH now, and the SSH session running the command.</item>
/// </list>
/// The ways in are gathered afresh at most every <see cref="Refresh"/>.
/// </summary>
internal sealed class IgnorePolicy
{
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    /// <summary>A peer whose last handshake is this recent still counts as a way in from its endpoint.</summary>
    public static readonly TimeSpan RecentHandshake = TimeSpan.FromDays(1);

    private static readonly IPNetwork[] s_loopback = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    private readonly IReadOnlyList<IPNetwork> _vpn;
    private readonly IReadOnlyList<IPNetwork> _ignoreIp;
    private readonly Func<IReadOnlyList<WayIn>> _waysIn;
    private readonly TimeProvider _time;
    private IReadOnlyList<WayIn> _current = [];
    private DateTimeOffset _read = DateTimeOffset.MinValue;

    public IgnorePolicy(IReadOnlyList<IPNetwork> vpnSubnets, IReadOnlyList<IPNetwork> ignoreIp, Func<IReadOnlyList<WayIn>> waysIn, TimeProvider time)
    {
        _vpn = vpnSubnets;
        _ignoreIp = ignoreIp;
        _waysIn = waysIn;
        _time = time;
    }

    /// <summary>The policy of a machine whose gateway is <paramref name="gateway"/> (null: no gateway here).</summary>
    public static IgnorePolicy For(GatewayConfig? gateway, IReadOnlyList<IPNetwork> ignoreIp, TimeProvider time) =>
        new(gateway?.VpnSubnets ?? [], ignoreIp, () => WaysIn(gateway, time.GetUtcNow()), time);

    /// <summary>Why <paramref name="address"/> must not be banned, or null.</summary>
    public string? Explain(IPAddress address) => Explain(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128))?.Why;

    /// <summary>Why <paramref name="network"/> (or any address in it) must not be banned, or null.</summary>
    public IgnoreReason? Explain(IPNetwork network)
    {
        foreach (IPNetwork loopback in s_loopback)
        {
            if (Overlaps(loopback, network))
            {
                return new IgnoreReason("loopback", Hard: true);
            }
        }

        // Indexed loops: the guard asks for every failure, and a flood's million should cost no garbage.
        for (int i = 0; i < _vpn.Count; i++)
        {
            if (Overlaps(_vpn[i], network))
            {
                return new IgnoreReason($"the VPN subnet {_vpn[i]}", Hard: true);
            }
        }

        for (int i = 0; i < _ignoreIp.Count; i++)
        {
            if (Overlaps(_ignoreIp[i], network))
            {
                return new IgnoreReason($"ignoreip {_ignoreIp[i]}", Hard: false);
            }
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (now - _read >= Refresh || now < _read)
        {
            _current = _waysIn();
            _read = now;
        }

        List<string>? cut = null;
        for (int i = 0; i < _current.Count; i++)
        {
            WayIn way = _current[i];
            if (network.Contains(way.Address))
            {
                cut ??= [];
                if (!cut.Contains(way.Who))
                {
                    cut.Add(way.Who);
                }
            }
        }

        return cut is null ? null : new IgnoreReason(string.Join("; ", cut), Hard: false);
    }

    /// <summary>
    /// The ways in now: this machine's addresses, recent peer endpoints (from the running interface, or the totals
    /// the daemon keeps when it does not answer), SSH logins and the caller's SSH session.
    /// </summary>
    public static IReadOnlyList<WayIn> WaysIn(GatewayConfig? gateway, DateTimeOffset now)
    {
        var ways = new List<WayIn>();
        foreach (LocalAddress local in LocalAddresses.All())
        {
            if (!IPAddress.IsLoopback(local.Address))
            {
                ways.Add(new WayIn(local.Address, $"this machine's own address on {local.Interface}"));
            }
        }

        if (gateway is not null)
        {
            ways.AddRange(PeerEndpoints(gateway, now));
        }

        foreach (IPAddress session in Sessions.LoggedIn())
        {
            ways.Add(new WayIn(session, "an SSH session logged in now"));
        }

        if (SshSession.CurrentEndpoint() is (IPAddress client, _))
        {
            ways.Add(new WayIn(client, "your own SSH session"));
        }

        return ways;
    }

    private static List<WayIn> PeerEndpoints(GatewayConfig gateway, DateTimeOffset now)
    {
        Dictionary<string, string> names = gateway.Peers.ToDictionary(p => p.PublicKey, p => p.Name, StringComparer.Ordinal);
        var seen = new List<WayIn>();
        DeviceStatus? device = null;
        try
        {
            device = WireGuardControl.For(gateway).TryGet();
        }
        catch (CommandException)
        {
            // The interface does not answer; the saved endpoints below still count.
        }

        foreach (PeerStatus peer in device?.Peers ?? [])
        {
            if (peer.LatestHandshake is DateTimeOffset handshake && now - handshake <= RecentHandshake && EndpointAddress(peer.Endpoint) is IPAddress address)
            {
                seen.Add(new WayIn(address, $"the endpoint of peer '{names.GetValueOrDefault(peer.PublicKey, "unmanaged")}' (it handshook {Text.Format.Age(handshake, now)})"));
            }
        }

        GatewayState state;
        try
        {
            state = StateStore.Load(gateway.Interface);
        }
        catch (CommandException)
        {
            return seen;
        }

        foreach ((string key, PeerTraffic traffic) in state.Peers)
        {
            if (traffic.LastHandshake is DateTimeOffset handshake && now - handshake <= RecentHandshake && EndpointAddress(traffic.LastEndpoint) is IPAddress address &&
                !seen.Any(w => w.Address.Equals(address)))
            {
                seen.Add(new WayIn(address, $"the endpoint of peer '{names.GetValueOrDefault(key, "a former peer")}' (it handshook {Text.Format.Age(handshake, now)})"));
            }
        }

        return seen;
    }

    /// <summary>The address of an endpoint as <c>wg</c> prints it: 203.0.113.7:51820 or [2001:db8::1]:51820.</summary>
    internal static IPAddress? EndpointAddress(string? endpoint)
    {
        if (endpoint is null || !IPEndPoint.TryParse(endpoint, out IPEndPoint? parsed))
        {
            return null;
        }

        IPAddress address = parsed.Address;
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    private static bool Overlaps(IPNetwork a, IPNetwork b) =>
        a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));
}
