using Holt.Machine;

namespace Holt.Tests.Machine;

public sealed class CapabilitiesTests
{
    [Fact]
    public void EffectiveOf_ReadsTheCapEffMask()
    {
        const string Status = "Name:\tholt\nUid:\t65534\t65534\t65534\t65534\nCapInh:\t0000000000000000\nCapPrm:\t0000000000001000\nCapEff:\t0000000000001000\nCapBnd:\t000001ffffffffff\n";

        Assert.Equal(1UL << Capabilities.NetAdmin, Capabilities.EffectiveOf(Status));
    }

    [Theory]
    [InlineData("Name:\tholt\nCapPrm:\t0000000000001000\n")]
    [InlineData("CapEff:\tnot-hex\n")]
    [InlineData("")]
    public void EffectiveOf_WithoutAReadableMask_IsUnknown(string status) => Assert.Null(Capabilities.EffectiveOf(status));

    [Fact]
    public void EffectiveOf_RootsFullSet_HoldsNetAdmin()
    {
        ulong? effective = Capabilities.EffectiveOf("CapEff:\t000001ffffffffff\n");

        Assert.NotEqual(0UL, effective!.Value & (1UL << Capabilities.NetAdmin));
    }

    [Fact]
    public void ThisProcess_AsTheKernelSaysIt()
    {
        // Whatever user runs the tests, the answer must agree with the kernel's own account of this process.
        ulong? effective = Capabilities.EffectiveOf(File.ReadAllText("/proc/self/status"));

        Assert.Equal((effective!.Value & (1UL << 12)) != 0, Capabilities.HasNetAdmin());
    }
}
