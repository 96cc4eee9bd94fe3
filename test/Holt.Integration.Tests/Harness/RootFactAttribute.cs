namespace Holt.Integration.Tests.Harness;

/// <summary>A fact that needs root, skipped or failed as <see cref="RootTheoryAttribute"/> decides it.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Requirements.IsRoot && !Requirements.IsCi)
        {
            Skip = Requirements.SkipReason;
        }
    }
}
