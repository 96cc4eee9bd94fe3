namespace Holt.WireGuard.Tests.Routing;

/// <summary>A stand-in for a peer: the routing table only cares about its identity.</summary>
internal sealed class Owner(string name)
{
    public string Name { get; } = name;

    public override string ToString() => Name;
}
