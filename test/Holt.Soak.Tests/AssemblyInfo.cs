using System.Runtime.Versioning;

// One at a time within this assembly, as in the integration suite; the two assemblies run side by side, each lab's
// names carrying its process's id (Harness/Names.cs), so they never touch each other's namespaces or interfaces.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// Network namespaces, veth, TUN: Linux only.
[assembly: SupportedOSPlatform("linux")]
