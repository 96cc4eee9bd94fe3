namespace Holt.Audit;

/// <summary>
/// Docker's published ports. <c>docker run -p 8080:80</c> makes a DNAT rule in prerouting (iptables-nft's
/// <c>table ip nat</c>, chain <c>DOCKER</c>, or Docker's own nftables tables): the connection is rewritten to the
/// container before the input hook, and goes on through forward, so Holt's input firewall never sees it. A port
/// published on every address is open to the internet with Holt's firewall on. DNATs of other tools are the
/// firewall area's (<c>firewall.foreign-dnat</c>).
/// </summary>
internal sealed class DockerArea : IAuditArea
{
    public string Name => "docker";

    public IReadOnlyList<Finding> Check(AuditMachine machine)
    {
        AuditGateway gateway = AuditGateway.Of(machine);
        Reachability reachability = Reachability.Of(machine);
        IReadOnlyList<PublishedPort> published = DnatScan.Find(NftRuleset.Of(machine), gateway, reachability.HoltTable);
        var findings = new List<Finding>();
        foreach (PublishedPort port in published.Where(p => p.Docker))
        {
            foreach (string subject in port.Subjects)
            {
                string hostPort = subject[(subject.IndexOf('/', StringComparison.Ordinal) + 1)..];
                string containerPort = port.Target.Contains(':', StringComparison.Ordinal) ? port.Target[(port.Target.LastIndexOf(':') + 1)..] : hostPort;
                string id = $"docker.published:{subject}";
                if (findings.Any(f => f.Id == id))
                {
                    continue;
                }

                findings.Add(new Finding
                {
                    Id = id,
                    Severity = Severity.Critical,
                    Area = Name,
                    Title = $"Docker publishes {subject} on every address, past Holt's firewall",
                    Evidence = $"{port.Evidence}\nconnections to this machine on {subject} go to the container at {port.Target}",
                    Why = "Docker rewrites the connection to the container in prerouting, before the input hook, so it goes through forward and no input firewall (Holt's, ufw's) ever sees it: the port is open to the internet with the firewall on",
                    Fix = $"publish it on loopback or the VPN address instead: docker run -p 127.0.0.1:{hostPort}:{containerPort} (or -p {gateway.Gateway?.Address.ToString() ?? "VPN-ADDRESS"}:{hostPort}:{containerPort} for peers), "
                        + $"in compose ports: [\"127.0.0.1:{hostPort}:{containerPort}\"]; to make loopback the default for every container, set \"ip\": \"127.0.0.1\" in /etc/docker/daemon.json and restart Docker. "
                        + "If it must be public, publish it on 127.0.0.1 behind a reverse proxy on a [[firewall.public]] port, or serve it from a peer with holt expose, so Holt's firewall and its limits apply",
                });
            }
        }

        return findings;
    }
}
