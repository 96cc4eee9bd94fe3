using System.Diagnostics;

namespace Holt.Tests.Support;

/// <summary>
/// Runs the <c>holt</c> under test and collects what it printed. By default that is the apphost the reference to
/// src/Holt copies beside the tests, which starts holt.dll under the JIT; <c>HOLT_EXECUTABLE</c>, an absolute path,
/// names another, such as the NativeAOT binary users run (<c>dotnet publish src/Holt -c Release -r linux-x64</c>).
/// </summary>
internal static class HoltProcess
{
    public const string Variable = "HOLT_EXECUTABLE";

    // An exception is kept too: every test that asks gets the same clear line.
    private static readonly Lazy<(string Path, bool NativeAot)> s_executable = new(FindExecutable);

    public static string ExecutablePath => s_executable.Value.Path;

    /// <summary>Whether holt is a NativeAOT binary, its runtime compiled in, rather than an apphost that starts the JIT's.</summary>
    public static bool IsNativeAot => s_executable.Value.NativeAot;

    /// <summary>"/path/to/holt (NativeAOT)" or "/path/to/holt (JIT)", for the test log.</summary>
    public static string Describe() => $"{ExecutablePath} ({(IsNativeAot ? "NativeAOT" : "JIT")})";

    public static (int ExitCode, string Output, string Error) Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        RunProgram(ExecutablePath, null, environment, arguments);

    /// <summary>Runs any program with <paramref name="input"/> (bytes, verbatim) on its standard input.</summary>
    public static (int ExitCode, string Output, string Error) RunProgram(string program, byte[]? input, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using Process process = Process.Start(start)!;
        if (input is not null)
        {
            process.StandardInput.BaseStream.Write(input);
            process.StandardInput.Close();
        }

        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not exit within 30 s");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    public static (int ExitCode, string Output, string Error) Run(params string[] arguments) => Run(null, arguments);

    private static (string Path, bool NativeAot) FindExecutable()
    {
        string? given = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(given))
        {
            string beside = Path.Combine(AppContext.BaseDirectory, "holt");
            return File.Exists(beside)
                ? (beside, IsNativeAotBinary(beside))
                : throw new FileNotFoundException($"{beside} is missing: the test project's reference to src/Holt should copy it beside the tests, or set {Variable}.");
        }

        return Path.IsPathFullyQualified(given) && File.Exists(given)
            ? (given, IsNativeAotBinary(given))
            : throw new FileNotFoundException($"{Variable}={given} is not the absolute path of an existing file: it should name the holt to test.");
    }

    // NativeAOT's runtime exports this symbol for debuggers; an apphost carries no runtime, only the code that finds
    // libhostfxr and, through it, the JIT runtime and holt.dll.
    private static bool IsNativeAotBinary(string path) => File.ReadAllBytes(path).AsSpan().IndexOf("DotNetRuntimeDebugHeader"u8) >= 0;
}
