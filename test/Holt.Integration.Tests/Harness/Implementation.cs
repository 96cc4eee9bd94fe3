namespace Holt.Integration.Tests.Harness;

/// <summary>A userspace WireGuard implementation under test; a theory parameter, so each shows in the test name.</summary>
public enum Implementation
{
    Holt,
    WireGuardGo,
}
