namespace Holt.Config;

/// <summary>
/// A configuration file Holt refuses, with the file and line at fault. Its message reads
/// <c>/etc/holt/holt.toml:12: message</c>, the shape compilers and linters use, so editors can jump to it.
/// </summary>
internal sealed class ConfigException : Exception
{
    public ConfigException(string source, int line, string problem)
        : base($"{source}:{line}: {problem}")
    {
        Source = source;
        Line = line;
        Problem = problem;
    }

    public ConfigException()
    {
        Source = "";
        Problem = "";
    }

    public ConfigException(string message)
        : base(message)
    {
        Source = "";
        Problem = message;
    }

    public ConfigException(string message, Exception inner)
        : base(message, inner)
    {
        Source = "";
        Problem = message;
    }

    public new string Source { get; }

    public int Line { get; }

    public string Problem { get; }
}
