using System.Diagnostics;

namespace Holt.Tests.Support;

/// <summary>Runs the built <c>holt</c> executable (copied beside the tests) and collects what it printed.</summary>
internal static class HoltProcess
{
    public static string ExecutablePath => Path.Combine(AppContext.BaseDirectory, "holt");

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
}
