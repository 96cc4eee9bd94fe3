using System.Buffers.Text;
using System.Collections.Frozen;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Holt.Gateway;

namespace Holt.Dashboard;

/// <summary>Who a request comes from, as far as the dashboard cares.</summary>
internal enum VisitorKind
{
    /// <summary>An admin peer, through the tunnel: its WireGuard identity is its login.</summary>
    Admin,

    /// <summary>A peer of the gateway that is not an admin: it gets a 403 page.</summary>
    Peer,

    /// <summary>A process of this machine (or an SSH forward) with a session that a login link opened.</summary>
    Session,

    /// <summary>A process of this machine without a session: it may log in with a link, nothing else.</summary>
    Local,

    /// <summary>Anyone else (an address behind a peer, a VPN address no peer has): refused.</summary>
    Stranger,
}

/// <summary>A request's visitor: its kind, the peer it is (for a peer), and the identity its CSRF token is bound to.</summary>
internal sealed record Visitor(VisitorKind Kind, string? PeerName = null, string? Identity = null)
{
    public bool MayUse => Kind is VisitorKind.Admin or VisitorKind.Session;

    /// <summary>How the page names who is signed in.</summary>
    public string Who => Kind == VisitorKind.Session ? "local session" : PeerName ?? "nobody";
}

/// <summary>
/// The dashboard's access rules. A request through the tunnel from a peer's own VPN address is that peer: WireGuard
/// lets a packet in only from the peer whose key it was sealed with, and only from that peer's allowed addresses,
/// so the source address is as good as the key. Admin peers are let in without a password; other peers are told
/// no. Requests from this machine (to loopback, or to the gateway's address from the gateway itself) need a session
/// that a one-time link opened. Every change also needs a CSRF token, bound to the visitor: an HMAC of its identity
/// under a key that lives only in this process.
/// </summary>
internal sealed class DashboardAccess(DashboardSessions sessions)
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private volatile Directory _directory = Directory.Empty;

    public DashboardSessions Sessions { get; } = sessions;

    /// <summary>Takes the gateway's peers and addresses as they are now (at start and every reload).</summary>
    public void Update(GatewayConfig gateway)
    {
        var peers = new Dictionary<IPAddress, PeerConfig>();
        foreach (PeerConfig peer in gateway.Peers)
        {
            peers[peer.Address] = peer;
            if (peer.Address6 is IPAddress six)
            {
                peers[six] = peer;
            }
        }

        var own = new HashSet<IPAddress> { gateway.Address };
        if (gateway.Address6 is IPAddress address6)
        {
            _ = own.Add(address6);
        }

        _directory = new Directory(peers.ToFrozenDictionary(), own.ToFrozenSet());
    }

    /// <summary>Who a connection from <paramref name="remote"/> to <paramref name="local"/>, with the session cookie <paramref name="cookie"/>, is.</summary>
    public Visitor Identify(IPAddress? remote, IPAddress? local, string? cookie)
    {
        if (remote is null || local is null)
        {
            return new Visitor(VisitorKind.Stranger);
        }

        remote = Normal(remote);
        local = Normal(local);
        Directory directory = _directory;
        bool fromThisMachine = IPAddress.IsLoopback(remote) || directory.Own.Contains(remote);
        if (fromThisMachine)
        {
            return Sessions.Find(cookie) is string session
                ? new Visitor(VisitorKind.Session, Identity: "session:" + session)
                : new Visitor(VisitorKind.Local);
        }

        // A peer is a peer only through the tunnel: on the gateway's own address, never on loopback.
        if (directory.Own.Contains(local) && directory.Peers.TryGetValue(remote, out PeerConfig? peer))
        {
            return peer.Admin
                ? new Visitor(VisitorKind.Admin, peer.Name, "peer:" + peer.PublicKey)
                : new Visitor(VisitorKind.Peer, peer.Name);
        }

        return new Visitor(VisitorKind.Stranger);
    }

    /// <summary>The CSRF token of <paramref name="visitor"/>; null for a visitor who may change nothing.</summary>
    public string? CsrfToken(Visitor visitor) =>
        visitor.MayUse && visitor.Identity is string identity ? Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(identity))) : null;

    /// <summary>Whether <paramref name="token"/> is <paramref name="visitor"/>'s CSRF token (compared in constant time).</summary>
    public bool IsCsrfToken(Visitor visitor, string? token)
    {
        string? expected = CsrfToken(visitor);
        return expected is not null && token is not null && token.Length == expected.Length &&
            CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(token), Encoding.ASCII.GetBytes(expected));
    }

    /// <summary>
    /// Whether a request's Host names the address it came to: the gateway's address as written, or, on loopback,
    /// localhost, 127.0.0.1 or [::1] on any port (an SSH forward may use another). Any other name is how DNS
    /// rebinding would let a web page in the admin's browser read the dashboard, so it is refused.
    /// </summary>
    public static bool IsOwnHost(string? host, IPAddress? local)
    {
        if (string.IsNullOrEmpty(host) || local is null || host.Length > 64)
        {
            return false;
        }

        string name = host;
        int close = host.LastIndexOf(']');
        int colon = host.LastIndexOf(':');
        if (colon > close)
        {
            string port = host[(colon + 1)..];
            if (port.Length is 0 or > 5 || !port.All(char.IsAsciiDigit))
            {
                return false;
            }

            name = host[..colon];
        }

        local = Normal(local);
        if (IPAddress.IsLoopback(local))
        {
            return name is "localhost" or "127.0.0.1" or "[::1]";
        }

        return local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? name.StartsWith('[') && name.EndsWith(']') && IPAddress.TryParse(name[1..^1], out IPAddress? six) && six.Equals(local)
            : IPAddress.TryParse(name, out IPAddress? four) && four.AddressFamily == local.AddressFamily && four.Equals(local) && name == four.ToString();
    }

    private static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private sealed record Directory(FrozenDictionary<IPAddress, PeerConfig> Peers, FrozenSet<IPAddress> Own)
    {
        public static Directory Empty { get; } = new(FrozenDictionary<IPAddress, PeerConfig>.Empty, FrozenSet<IPAddress>.Empty);
    }
}
