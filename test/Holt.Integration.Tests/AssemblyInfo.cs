using System.Runtime.Versioning;

// Tests share the machine's /var/run/wireguard, its two cores and its conntrack module; one at a time keeps
// steps that depend on time passing (keepalives, NAT timeouts) honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// Network namespaces, veth, TUN: Linux only.
[assembly: SupportedOSPlatform("linux")]
