using Xunit.Sdk;

namespace Holt.Integration.Tests.Harness;

/// <summary>
/// The holt the tests run, with its wg-quick hook beside it. By default the apphost that the test project's
/// reference to src/Holt copies beside the tests, which starts holt.dll under the JIT; <c>HOLT_EXECUTABLE</c>, an
/// absolute path, names another, such as the NativeAOT binary users run
/// (<c>dotnet publish src/Holt -c Release -r linux-x64 -o publish</c>, which puts holt-wg-quick beside it).
/// </summary>
internal static class HoltExecutable
{
    public const string Variable = "HOLT_EXECUTABLE";

    private const string Hook = "holt-wg-quick";

    // An exception is kept too: every test that asks gets the same clear line.
    private static readonly Lazy<(string Path, bool NativeAot)> s_found = new(Find);

    /// <summary>The absolute path of holt.</summary>
    public static string Path => s_found.Value.Path;

    /// <summary>The absolute path of the holt-wg-quick hook beside <see cref="Path"/>.</summary>
    public static string WgQuickHook => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, Hook);

    /// <summary>Whether holt is a NativeAOT binary, its runtime compiled in, rather than an apphost that starts the JIT's.</summary>
    public static bool IsNativeAot => s_found.Value.NativeAot;

    /// <summary>"/path/to/holt (NativeAOT)" or "/path/to/holt (JIT)", for the test log.</summary>
    public static string Describe() => $"{Path} ({(IsNativeAot ? "NativeAOT" : "JIT")})";

    private static (string Path, bool NativeAot) Find()
    {
        string? given = Environment.GetEnvironmentVariable(Variable);
        bool chosen = !string.IsNullOrEmpty(given);
        string path = chosen ? given! : System.IO.Path.Combine(AppContext.BaseDirectory, "holt");
        string where = chosen
            ? $"{Variable}={given} should name the holt to test, with {Hook} beside it"
            : $"the test project's reference to src/Holt should copy it beside the tests, or set {Variable}";
        if (!System.IO.Path.IsPathFullyQualified(path))
        {
            throw new XunitException($"{Variable}={given} is not an absolute path.");
        }

        foreach (string file in new[] { path, System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, Hook) })
        {
            if (!File.Exists(file))
            {
                throw new XunitException($"{file} is missing: {where}.");
            }
        }

        // NativeAOT's runtime exports this symbol for debuggers; an apphost carries no runtime, only the code that
        // finds libhostfxr and, through it, the JIT runtime and holt.dll.
        bool nativeAot = File.ReadAllBytes(path).AsSpan().IndexOf("DotNetRuntimeDebugHeader"u8) >= 0;
        return (path, nativeAot);
    }
}
