using System.Reflection;
using Xunit.Sdk;

namespace Holt.Integration.Tests.Harness;

/// <summary>
/// The (first, second) implementation pairs a scenario runs against; the first side sends first, so it initiates.
/// Holt meets itself and meets wireguard-go from both ends. The control pair, wireguard-go on both sides, proves the
/// scenario itself; it runs when HOLT_INTEGRATION_CONTROL=1, and alone when HOLT_INTEGRATION_CONTROL=only.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PairsAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod)
    {
        if (Control.IncludesHolt)
        {
            yield return [Implementation.Holt, Implementation.Holt];
            yield return [Implementation.Holt, Implementation.WireGuardGo];
            yield return [Implementation.WireGuardGo, Implementation.Holt];
        }

        if (Control.IncludesControl)
        {
            yield return [Implementation.WireGuardGo, Implementation.WireGuardGo];
        }
    }
}

/// <summary>
/// Each implementation on its own: Holt always, wireguard-go as the control (see <see cref="PairsAttribute"/>);
/// crossed with every value of an enum when one is given.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ImplementationsAttribute(Type? crossWith = null) : DataAttribute
{
    public Type? CrossWith { get; } = crossWith;

    public override IEnumerable<object[]> GetData(MethodInfo testMethod)
    {
        List<Implementation> implementations = [];
        if (Control.IncludesHolt)
        {
            implementations.Add(Implementation.Holt);
        }

        if (Control.IncludesControl)
        {
            implementations.Add(Implementation.WireGuardGo);
        }

        foreach (Implementation implementation in implementations)
        {
            if (CrossWith is null)
            {
                yield return [implementation];
                continue;
            }

            foreach (object value in Enum.GetValues(CrossWith))
            {
                yield return [implementation, value];
            }
        }
    }
}

/// <summary>HOLT_INTEGRATION_CONTROL: unset runs the Holt cases, 1 adds the wireguard-go control, only runs just the control.</summary>
internal static class Control
{
    private static readonly string s_value = Environment.GetEnvironmentVariable("HOLT_INTEGRATION_CONTROL") ?? "";

    public static bool IncludesControl => s_value is "1" or "only";

    public static bool IncludesHolt => s_value is not "only";
}
