namespace Holt.Tests.Support;

/// <summary>
/// A test that runs holt on a terminal: util-linux's <c>script</c> gives it a pseudo-terminal for standard input,
/// output and error alike. Without <c>script</c> the test is skipped with the reason.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PtyFactAttribute : FactAttribute
{
    public PtyFactAttribute()
    {
        if (!File.Exists(Pty.ScriptPath))
        {
            Skip = $"needs util-linux's script at {Pty.ScriptPath} (apt-get install bsdutils)";
        }
    }
}

internal static class Pty
{
    public const string ScriptPath = "/usr/bin/script";

    /// <summary>
    /// Runs the holt under test on a terminal; what it wrote to the terminal, standard error mixed in, with the
    /// terminal's line ends (CR LF).
    /// </summary>
    public static (int ExitCode, string Terminal) Run(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        RunTyping(environment, "", arguments);

    /// <summary>As <see cref="Run"/>, with <paramref name="typed"/> typed on the terminal (an answer to a question).</summary>
    public static (int ExitCode, string Terminal) RunTyping(IReadOnlyDictionary<string, string> environment, string typed, params string[] arguments)
    {
        // script hands its command to sh: each word quoted so that sh passes it on unchanged.
        string command = string.Join(' ', arguments.Prepend(HoltProcess.ExecutablePath).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        (int code, string output, string error) = HoltProcess.RunProgram(ScriptPath, System.Text.Encoding.UTF8.GetBytes(typed), environment, "--quiet", "--return", "--command", command, "/dev/null");
        Assert.True(error.Length == 0, $"script: {error}");
        return (code, output);
    }
}
