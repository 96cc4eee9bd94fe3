using System.Net;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;

namespace Holt.WireGuard.Device;

/// <summary>
/// A change to a device, applied as one by <see cref="WireGuardDevice.Apply"/>. It mirrors the control protocol's
/// <c>set</c> operation: absent values stay as they are, peers are changed in order. Keys are copied; the caller
/// keeps ownership of the ones it passes.
/// </summary>
public sealed class DeviceUpdate
{
    public PrivateKey? PrivateKey { get; init; }

    /// <summary>Removes the private key (the control protocol's all-zero private_key).</summary>
    public bool RemovePrivateKey { get; init; }

    public ushort? ListenPort { get; init; }

    /// <summary>0 removes the mark.</summary>
    public uint? FirewallMark { get; init; }

    /// <summary>Removes every existing peer before the peer changes below.</summary>
    public bool ReplacePeers { get; init; }

    public IList<PeerUpdate> Peers { get; init; } = [];
}

/// <summary>A change to one peer, created if absent unless <see cref="UpdateOnly"/> is set.</summary>
public sealed class PeerUpdate
{
    public required PublicKey PublicKey { get; init; }

    public bool Remove { get; init; }

    /// <summary>Change the peer only if it exists already.</summary>
    public bool UpdateOnly { get; init; }

    public PresharedKey? PresharedKey { get; init; }

    public bool RemovePresharedKey { get; init; }

    public Endpoint? Endpoint { get; init; }

    /// <summary>Seconds; 0 switches persistent keepalive off.</summary>
    public ushort? PersistentKeepaliveInterval { get; init; }

    /// <summary>Drops the peer's allowed IPs before adding <see cref="AllowedIps"/>.</summary>
    public bool ReplaceAllowedIps { get; init; }

    public IList<IPNetwork> AllowedIps { get; init; } = [];

    /// <summary>
    /// Prefixes to take from the peer if it holds them (the control protocol's <c>allowed_ip=-prefix</c>), after
    /// <see cref="AllowedIps"/> are added.
    /// </summary>
    public IList<IPNetwork> RemoveAllowedIps { get; init; } = [];
}

/// <summary>A configuration change that could not be applied; nothing of it was applied.</summary>
public sealed class DeviceConfigurationException : Exception
{
    public DeviceConfigurationException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public DeviceConfigurationException()
    {
    }

    public DeviceConfigurationException(string message)
        : base(message)
    {
    }
}
