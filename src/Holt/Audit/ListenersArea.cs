using System.Net;
using Holt.Firewall;

namespace Holt.Audit;

/// <summary>
/// Every listening socket of the machine's network namespace, judged by who can open it
/// (<see cref="Reachability"/>): a service the internet reaches that holt.toml does not declare public is an open
/// door, whatever it is (an admin panel on 0.0.0.0, a database, sshd with the firewall off). The sockets of one
/// port are one finding, IPv4 and IPv6 together, since one fix closes both.
/// </summary>
internal sealed class ListenersArea : IAuditArea
{
    public string Name => "listeners";

    public IReadOnlyList<Finding> Check(AuditMachine machine)
    {
        Reachability reachability = Reachability.Of(machine);
        AuditGateway gateway = AuditGateway.Of(machine);
        (IReadOnlyList<ListeningSocket> sockets, bool capped) = SocketTable.Read(machine);
        Dictionary<long, List<SocketOwner>> owners = SocketTable.Owners(machine, sockets.Select(s => s.Inode).Where(i => i != 0).ToHashSet());
        var findings = new List<Finding>();
        foreach (IGrouping<(Protocol Protocol, int Port), ListeningSocket> port in sockets.GroupBy(s => (s.Protocol, s.Port)).OrderBy(g => g.Key.Protocol).ThenBy(g => g.Key.Port))
        {
            var judged = port.Select(s => (Socket: s, Reach: reachability.For(s.Protocol, s.Address, s.Port))).DistinctBy(j => j.Socket.Address).ToList();
            if (Judge(port.Key.Protocol, port.Key.Port, judged, owners, gateway) is Finding finding)
            {
                findings.Add(finding);
            }
        }

        if (capped)
        {
            findings.Add(new Finding
            {
                Id = "listeners.capped",
                Severity = Severity.Info,
                Area = Name,
                Title = $"more than {SocketTable.MaxSockets} listening sockets; only the first {SocketTable.MaxSockets} were checked",
                Evidence = "/proc/net/tcp, tcp6, udp and udp6 together list more listening sockets than the audit reads",
                Why = "the audit bounds what it holds in memory; the sockets past the bound were not judged",
                Fix = "look at the rest with ss -lntup",
            });
        }

        return findings;
    }

    private Finding? Judge(Protocol protocol, int port, List<(ListeningSocket Socket, Reach Reach)> judged, Dictionary<long, List<SocketOwner>> owners, AuditGateway gateway)
    {
        (ListeningSocket _, Reach worst) = judged.MaxBy(j => Reachability.Rank(j.Reach.Kind));
        string subject = $"{Ruleset.ProtocolName(protocol)}/{port}";
        string evidence = Evidence(judged, owners);
        string bindHint = $"bind it to 127.0.0.1 (or ::1) if only this machine uses it, or to {gateway.VpnAddressHint} if peers do";
        switch (worst.Kind)
        {
            case ReachKind.Internet when !gateway.DeclaresPublic(protocol, port):
                return Finding.Create(
                    Name,
                    $"reachable:{subject}",
                    Severity.Critical,
                    $"{subject} is open to the internet and holt.toml does not declare it public",
                    $"{evidence}\n{worst.Reason}",
                    "anyone on the internet can connect to it: scanners find a new open port within minutes, and whatever answers there (an admin page, a database, SSH) gets attacked",
                    $"{bindHint}; or, if it must be public, declare it ([[firewall.public]] port = {port}{(protocol == Protocol.Udp ? ", proto = \"udp\"" : "")} in holt.toml) and turn the firewall on: holt firewall apply, then holt firewall confirm through the VPN");
            case ReachKind.Unknown:
                return Finding.Create(
                    Name,
                    $"unknown:{subject}",
                    Severity.Warning,
                    $"{subject} listens on every address and another firewall decides whether the internet reaches it",
                    $"{evidence}\n{worst.Reason}",
                    "Holt cannot read every rule of that firewall, so it cannot tell whether this port is open",
                    $"{bindHint}; or let Holt's firewall decide (holt lockdown ssh), whose policy drops every port not declared public");
            case ReachKind.AllowFrom:
                return Finding.Create(
                    Name,
                    $"allow-from:{subject}",
                    Severity.Info,
                    $"{subject} is reachable only from allowed source addresses",
                    $"{evidence}\n{worst.Reason}",
                    "the firewall lets in only the networks it names; anyone inside them still reaches the service",
                    $"nothing to do if those networks are yours; {bindHint} to narrow it further");
            case ReachKind.Blocked:
                return Finding.Create(
                    Name,
                    $"all-addresses:{subject}",
                    Severity.Info,
                    $"{subject} listens on a public address; only the firewall keeps the internet out",
                    $"{evidence}\n{worst.Reason}",
                    "defence in depth: if the firewall is ever off (an unconfirmed apply rolled back, a flush), the service is open",
                    bindHint);
            default:
                return null;
        }
    }

    /// <summary><c>0.0.0.0:8080 and [::]:8080, python3 (pid 1234)</c>, with a note that :: takes IPv4 too.</summary>
    private static string Evidence(List<(ListeningSocket Socket, Reach Reach)> judged, Dictionary<long, List<SocketOwner>> owners)
    {
        string endpoints = string.Join(" and ", judged.Select(j => j.Socket.Endpoint));
        List<SocketOwner> processes = judged.SelectMany(j => owners.GetValueOrDefault(j.Socket.Inode) ?? []).DistinctBy(o => o.Pid).OrderBy(o => o.Pid).ToList();
        string who = processes.Count == 0
            ? "process unknown (it exited, or belongs to another user: run as root)"
            : string.Join(", ", processes.Select(p => $"{p.Name} (pid {p.Pid})"));
        string dual = judged.Any(j => j.Socket.Address.Equals(IPAddress.IPv6Any))
            ? "\n[::] takes IPv4 connections too unless the socket set IPV6_V6ONLY, which /proc does not show; both were judged"
            : "";
        return $"{endpoints}, {who}{dual}";
    }
}
