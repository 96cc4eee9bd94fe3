using System.Net;

namespace Holt.Monitor.Checks;

/// <summary>What a check does: an echo, a connection, a web request, a name lookup, or a probe of a WireGuard endpoint.</summary>
internal enum CheckType
{
    Icmp,
    Tcp,
    Http,
    Https,
    Dns,

    /// <summary>A real handshake with another gateway's public endpoint, from outside the tunnel (<see cref="HandshakeProbe"/>).</summary>
    Probe,
}

/// <summary>The record type a <see cref="CheckType.Dns"/> check asks for.</summary>
internal enum DnsRecordType
{
    A = 1,
    Aaaa = 28,
}

/// <summary>
/// One <c>[[monitor.check]]</c>: a service behind the tunnel that the gateway looks at every <see cref="Interval"/>,
/// giving up after <see cref="Timeout"/>. The keys that apply to one type only are null (or their default) for the
/// others. A value type in every property, so two checks compare by value and a reload restarts only what changed.
/// </summary>
internal sealed record CheckConfig
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MinTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(1);
    public const int DefaultCount = 3;
    public const int MaxCount = 20;

    /// <summary>
    /// The smallest and largest <see cref="Size"/>: room for the IPv6 and ICMP headers and a few bytes, and a jumbo
    /// frame.
    /// </summary>
    public const int MinSize = 64;

    public const int MaxSize = 9216;

    /// <summary>The DNS port a <see cref="CheckType.Dns"/> target without one is asked on.</summary>
    public const int DnsPort = 53;

    public required string Name { get; init; }

    public required CheckType Type { get; init; }

    /// <summary>
    /// As written: an address (icmp), ADDRESS:PORT (tcp), a URL (http, https), a resolver ADDRESS[:PORT] (dns), a
    /// WireGuard endpoint HOST:PORT (probe).
    /// </summary>
    public required string Target { get; init; }

    public TimeSpan Interval { get; init; } = DefaultInterval;

    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>The [[peer]] the target sits behind; null to find it from the peers' addresses.</summary>
    public string? Peer { get; init; }

    /// <summary>icmp: how many echo requests each run sends.</summary>
    public int Count { get; init; } = DefaultCount;

    /// <summary>icmp: the total size of each packet, IP header included, sent with Don't Fragment; null for small pings.</summary>
    public int? Size { get; init; }

    /// <summary>http, https: the status the answer must have; null takes any 2xx or 3xx.</summary>
    public int? Status { get; init; }

    /// <summary>http, https: text the first <see cref="HttpCheck.BodyLimit"/> bytes of the body must contain.</summary>
    public string? Body { get; init; }

    /// <summary>https: accept any certificate (a self-signed one at home).</summary>
    public bool Insecure { get; init; }

    /// <summary>dns: the name to resolve.</summary>
    public string? Query { get; init; }

    /// <summary>dns: the record type asked for.</summary>
    public DnsRecordType Record { get; init; } = DnsRecordType.A;

    /// <summary>dns: an address the answer must contain.</summary>
    public IPAddress? Expect { get; init; }

    /// <summary>probe: the other gateway's public key.</summary>
    public string? ServerKey { get; init; }

    /// <summary>probe: the absolute path of the file with the monitoring peer's private key, read at each run, never shown.</summary>
    public string? KeyFile { get; init; }

    /// <summary>probe: the absolute path of the file with the pre-shared key the other gateway has for the monitoring peer.</summary>
    public string? PskFile { get; init; }

    /// <summary>probe: an address inside the other gateway's tunnel to ping through the probe's session (the data plane).</summary>
    public IPAddress? Ping { get; init; }

    /// <summary>probe: the monitoring peer's own tunnel address, the ping's source.</summary>
    public IPAddress? Address { get; init; }

    /// <summary>Whether the check probes a WireGuard endpoint from outside, rather than a service through the tunnel.</summary>
    public bool IsProbe => Type == CheckType.Probe;

    /// <summary>
    /// The address the check sends to through the tunnel, when its target names one (a URL with a host name has
    /// none; a probe's target is outside the tunnel).
    /// </summary>
    public IPAddress? TargetAddress => Type switch
    {
        CheckType.Probe => null,
        CheckType.Icmp => IPAddress.TryParse(Target, out IPAddress? address) ? address : null,
        CheckType.Tcp => CheckTargets.TryEndPoint(Target, null, out IPEndPoint? endPoint) ? endPoint.Address : null,
        CheckType.Dns => CheckTargets.TryEndPoint(Target, DnsPort, out IPEndPoint? endPoint) ? endPoint.Address : null,
        _ => Uri.TryCreate(Target, UriKind.Absolute, out Uri? uri) && IPAddress.TryParse(uri.IdnHost, out IPAddress? host) ? host : null,
    };
}
