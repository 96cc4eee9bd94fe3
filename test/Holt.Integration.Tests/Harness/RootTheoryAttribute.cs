namespace Holt.Integration.Tests.Harness;

/// <summary>
/// A theory that needs root. xunit 2 cannot skip from inside a test, so the decision is made here, when the test is
/// discovered: without root it is skipped with the reason, except under CI=true, where it runs and fails clearly.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (!Requirements.IsRoot && !Requirements.IsCi)
        {
            Skip = Requirements.SkipReason;
        }
    }
}
