using System.Diagnostics;

namespace Holt.Tests.Uapi.Support;

/// <summary>What a run of <c>wg</c> printed and how it exited.</summary>
internal sealed record WgResult(int ExitCode, string Output, string Error)
{
    /// <summary>The output, failing the test with wg's own message if it did not succeed.</summary>
    public string Ok()
    {
        Assert.True(ExitCode == 0, $"wg exited with {ExitCode}: {Error.Trim()}");
        return Output;
    }
}

/// <summary>Runs the real <c>wg</c> from wireguard-tools against Holt's control socket.</summary>
internal static class WgCli
{
    public const string Path = "/usr/bin/wg";

    public static WgResult Run(params string[] arguments) => RunWithInput(null, arguments);

    public static WgResult RunWithInput(string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start wg");
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }

        process.StandardInput.Close();
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            throw new TimeoutException("wg did not finish within a minute");
        }

        return new WgResult(process.ExitCode, output, error.Result);
    }

    /// <summary>A key from <c>wg genkey</c>/<c>genpsk</c>, written to a 0600 file for <c>wg set ... private-key FILE</c>.</summary>
    public static string WriteKeyFile(string directory, string name, string base64)
    {
        string path = System.IO.Path.Combine(directory, name);
        File.WriteAllText(path, base64 + "\n");
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return path;
    }
}
