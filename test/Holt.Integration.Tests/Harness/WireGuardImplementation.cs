namespace Holt.Integration.Tests.Harness;

/// <summary>
/// How to launch one userspace WireGuard implementation. Both are launched the same way, inside a namespace with
/// <c>ip netns exec</c>, and configured the same way, by the real <c>wg</c> over the control socket and by <c>ip</c>.
/// </summary>
internal abstract class WireGuardImplementation
{
    private static readonly WireGuardImplementation s_holt = new HoltTunnel();
    private static readonly WireGuardImplementation s_wireGuardGo = new WireGuardGo();

    /// <summary>The environment of every launch: verbose logs, kept for the test output when a test fails.</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string> { ["LOG_LEVEL"] = "verbose" };

    public abstract string Name { get; }

    /// <summary>What wg-quick runs when the kernel has no WireGuard: WG_QUICK_USERSPACE_IMPLEMENTATION.</summary>
    public abstract string WgQuickHook { get; }

    public static WireGuardImplementation For(Implementation implementation) => implementation switch
    {
        Implementation.Holt => s_holt,
        Implementation.WireGuardGo => s_wireGuardGo,
        _ => throw new ArgumentOutOfRangeException(nameof(implementation)),
    };

    /// <summary>The command that runs interface <paramref name="name"/> attached to the caller until it stops.</summary>
    public abstract string[] Foreground(string name);

    /// <summary>The command that creates interface <paramref name="name"/> and returns once its control socket is ready.</summary>
    public abstract string[] Daemon(string name);

    public override string ToString() => Name;

    private sealed class HoltTunnel : WireGuardImplementation
    {
        public override string Name => "holt";

        public override string WgQuickHook => HoltExecutable.WgQuickHook;

        public override string[] Foreground(string name) => [HoltExecutable.Path, "tunnel", "-f", name];

        public override string[] Daemon(string name) => [HoltExecutable.Path, "tunnel", name];
    }

    private sealed class WireGuardGo : WireGuardImplementation
    {
        public override string Name => "wireguard-go";

        public override string WgQuickHook => Tools.WireGuardGo;

        public override string[] Foreground(string name) => [Tools.WireGuardGo, "-f", name];

        public override string[] Daemon(string name) => [Tools.WireGuardGo, name];
    }
}
