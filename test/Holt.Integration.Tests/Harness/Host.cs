namespace Holt.Integration.Tests.Harness;

/// <summary>Which address family carries the tunnel's UDP packets between hosts.</summary>
public enum Underlay
{
    IPv4,
    IPv6,
}

/// <summary>
/// One machine of a lab: a namespace with an underlay veth ("ul"), later a WireGuard interface of one
/// implementation. Host number i (from 1) has underlay 10.0.0.i and fd00:aa::i, tunnel addresses 192.168.241.i and
/// fd00::i (the kernel selftest's addresses), and listens on UDP port 10000 + i.
/// </summary>
internal sealed class Host
{
    public Host(Lab lab, int number, Implementation implementation, NetworkNamespace ns, KeyPair keys)
    {
        Lab = lab;
        Number = number;
        Implementation = implementation;
        Namespace = ns;
        Keys = keys;
        ListenPort = 10000 + number;
    }

    public Lab Lab { get; }

    public int Number { get; }

    public Implementation Implementation { get; }

    public NetworkNamespace Namespace { get; }

    /// <summary>The WireGuard interface's name, the namespace's name: unique on the machine.</summary>
    public string Interface => Namespace.Name;

    public KeyPair Keys { get; set; }

    public int ListenPort { get; set; }

    public string UnderlayV4 { get; set; } = "";

    public string? UnderlayV6 { get; set; }

    /// <summary>The namespace routing this host's traffic through NAT, if it sits behind one.</summary>
    public NetworkNamespace? Router { get; set; }

    /// <summary>The address the others see this host's packets come from, when it sits behind NAT.</summary>
    public string? PublicV4 { get; set; }

    public TunnelProcess? Tunnel { get; set; }

    public string TunnelV4 => $"192.168.241.{Number}";

    public string TunnelV6 => $"fd00::{Number}";

    /// <summary>The peer entry's allowed IPs for this host: exactly its two tunnel addresses.</summary>
    public string AllowedIps => $"{TunnelV4}/32,{TunnelV6}/128";

    public string Endpoint(Underlay underlay) => underlay == Underlay.IPv4
        ? $"{UnderlayV4}:{ListenPort}"
        : $"[{UnderlayV6 ?? throw new InvalidOperationException($"{this} has no IPv6 underlay.")}]:{ListenPort}";

    /// <summary>Runs <c>wg ARGS</c> in this host's namespace and returns its output.</summary>
    public Task<string> WgAsync(params string[] arguments) => Namespace.ExecAsync([Tools.Wg, .. arguments]);

    public Task<CommandResult> TryWgAsync(params string[] arguments) => Namespace.TryExecAsync([Tools.Wg, .. arguments]);

    public async Task<WgDump> DumpAsync() => WgDump.Parse(await WgAsync("show", Interface, "dump"));

    /// <summary>This host's entry for <paramref name="other"/>, by the other's current public key.</summary>
    public async Task<WgPeer> PeerAsync(Host other) => (await DumpAsync()).Peer(other.Keys.PublicKey);

    public override string ToString() => $"{WireGuardImplementation.For(Implementation).Name} host {Number} ({Interface})";
}
