using System.Net;
using System.Text.Json.Nodes;
using Holt.Firewall;

namespace Holt.Audit;

/// <summary>Whether a rule's match holds for the packet <see cref="NftPacket"/> describes.</summary>
internal enum Holds
{
    Yes,
    No,

    /// <summary>Only for some source addresses (<c>ip saddr 192.0.2.0/24</c>): an allowlist, or the session a pending apply lets in.</summary>
    ForSomeSources,

    /// <summary>Holt cannot tell (a match it does not know, a named set, an iptables extension).</summary>
    Unknown,
}

/// <summary>
/// The packet the audit asks every input chain about: a new connection (TCP) or datagram (UDP) from a stranger on
/// the internet to <see cref="Port"/>, arriving on some interface other than loopback and the VPN's. The stranger
/// picks their source port, so a <c>sport</c> match holds; their source address is one no allowlist holds.
/// </summary>
internal sealed record NftPacket(Protocol Protocol, int Port, bool Ipv6, string? VpnInterface, IReadOnlyList<IPNetwork> Private)
{
    private static readonly HashSet<string> s_otherProtocols = new(StringComparer.Ordinal) { "icmp", "icmpv6", "igmp", "sctp", "dccp", "esp", "ah", "comp", "udplite" };

    private string ProtocolName => Protocol == Protocol.Udp ? "udp" : "tcp";

    /// <summary>Whether the match expression holds for this packet.</summary>
    public Holds Evaluate(JsonObject match)
    {
        string op = Json.Text(match["op"]) ?? "==";
        if (op is not ("==" or "!=" or "in"))
        {
            return Holds.Unknown;
        }

        JsonNode? right = match["right"];
        (Holds holds, bool negatable) = match["left"] switch
        {
            JsonObject left when left["payload"] is JsonObject payload => Payload(payload, right),
            JsonObject left when left["meta"] is JsonObject meta => (Meta(Json.Text(meta["key"]), right), true),
            JsonObject left when left["ct"] is JsonObject ct && Json.Text(ct["key"]) == "state" => (AnyOf(right, v => Json.Text(v) == "new"), true),
            JsonObject left when left["fib"] is JsonObject fib && Json.Text(fib["result"]) == "type"
                && Json.Elements(fib["flags"]).Select(Json.Text).SequenceEqual(["daddr"]) => (AnyOf(right, v => Json.Text(v) == "local"), true),
            _ => (Holds.Unknown, false),
        };
        return op == "!=" && negatable ? Not(holds) : holds;
    }

    /// <returns>Whether it holds, and whether "!=" turns it round (a field of another protocol fails either way: nft matches the protocol first).</returns>
    private (Holds Holds, bool Negatable) Payload(JsonObject payload, JsonNode? right)
    {
        string? protocol = Json.Text(payload["protocol"]);
        string? field = Json.Text(payload["field"]);
        switch (protocol)
        {
            case "tcp" or "udp" or "th":
                if (protocol != "th" && protocol != ProtocolName)
                {
                    return (Holds.No, false);
                }

                return field switch
                {
                    "dport" => (Ports(right), true),
                    "sport" => (Holds.Yes, false),
                    _ => (Holds.Unknown, false),
                };
            case "ip" or "ip6":
                if ((protocol == "ip6") != Ipv6)
                {
                    return (Holds.No, false);
                }

                return field switch
                {
                    "saddr" => (Holds.ForSomeSources, false),
                    "daddr" => (Destination(right), true),
                    "protocol" or "nexthdr" => (AnyOf(right, IsOurProtocol), true),
                    _ => (Holds.Unknown, false),
                };
            case string other when s_otherProtocols.Contains(other):
                return (Holds.No, false);
            default:
                return (Holds.Unknown, false);
        }
    }

    private Holds Meta(string? key, JsonNode? right) => key switch
    {
        "l4proto" => AnyOf(right, IsOurProtocol),
        "nfproto" => AnyOf(right, v => Json.Text(v) == (Ipv6 ? "ipv6" : "ipv4")),
        "protocol" => AnyOf(right, v => Json.Text(v) == (Ipv6 ? "ip6" : "ip")),

        // The stranger's packet arrives on an uplink: it never comes in on loopback or the VPN, and any other
        // interface may be the one the internet uses.
        "iif" or "iifname" => AnyOf(right, v => Json.Text(v) is not string name || (name != "lo" && name != VpnInterface)),
        _ => Holds.Unknown,
    };

    private bool IsOurProtocol(JsonNode? value) =>
        Json.Text(value) == ProtocolName || Json.Number(value) == (Protocol == Protocol.Udp ? 17 : 6);

    /// <summary>
    /// A destination match: the stranger's packet is for one of the machine's public addresses, never loopback or a
    /// VPN address; which public address the rule means Holt does not know.
    /// </summary>
    private Holds Destination(JsonNode? right)
    {
        List<IPNetwork?> networks = Json.Elements(right).Select(Network).ToList();
        if (networks.Count > 0 && networks.All(n => n is IPNetwork network && IsPrivate(network)))
        {
            return Holds.No;
        }

        return Holds.Unknown;
    }

    /// <summary>Whether a destination is one only this machine or the VPN reaches: loopback, or inside a VPN subnet.</summary>
    public bool IsPrivate(IPNetwork network) =>
        IPAddress.IsLoopback(network.BaseAddress) || Private.Any(p => p.BaseAddress.AddressFamily == network.BaseAddress.AddressFamily
            && p.PrefixLength <= network.PrefixLength && p.Contains(network.BaseAddress));

    public static IPNetwork? Network(JsonNode? value)
    {
        if (value is JsonObject obj && obj["prefix"] is JsonObject prefix && Json.Text(prefix["addr"]) is string prefixAddress
            && IPAddress.TryParse(prefixAddress, out IPAddress? baseAddress) && Json.Number(prefix["len"]) is long length)
        {
            try
            {
                return new IPNetwork(baseAddress, (int)length);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        return Json.Text(value) is string text && IPAddress.TryParse(text, out IPAddress? address)
            ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            : null;
    }

    private Holds Ports(JsonNode? right) => AnyOf(right, v => Contains(v, Port));

    /// <summary>Whether a port value (a number, or a range) holds <paramref name="port"/>; null when it is something else (a named set).</summary>
    public static bool? Contains(JsonNode? value, int port)
    {
        if (Json.Number(value) is long number)
        {
            return number == port;
        }

        if (value is JsonObject obj && obj["range"] is JsonArray range && range.Count == 2 && Json.Number(range[0]) is long low && Json.Number(range[1]) is long high)
        {
            return low <= port && port <= high;
        }

        return null;
    }

    /// <summary>Whether any element of the value (one value or a set) holds; Unknown when none does and some could not be read.</summary>
    private static Holds AnyOf(JsonNode? right, Func<JsonNode?, bool?> test)
    {
        bool unknown = false;
        foreach (JsonNode? element in Json.Elements(right))
        {
            bool? result = test(element);
            if (result == true)
            {
                return Holds.Yes;
            }

            unknown |= result is null;
        }

        return unknown ? Holds.Unknown : Holds.No;
    }

    private static Holds AnyOf(JsonNode? right, Func<JsonNode?, bool> test) => AnyOf(right, v => (bool?)test(v));

    private static Holds Not(Holds holds) => holds switch
    {
        Holds.Yes => Holds.No,
        Holds.No => Holds.Yes,
        _ => holds,
    };
}
