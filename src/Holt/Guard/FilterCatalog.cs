using Holt.Text;

namespace Holt.Guard;

/// <summary>The built-in filters by the names a jail's <c>filter</c> key and <c>holt guard test --filter</c> use.</summary>
internal static class FilterCatalog
{
    /// <summary>Every built-in filter's name, in the order help text lists them.</summary>
    public static IReadOnlyList<string> BuiltIn { get; } = ["sshd", "sshd-aggressive", "nginx-http-auth", "apache-auth", "wordpress"];

    /// <summary>A new instance of the built-in filter <paramref name="name"/> (filters keep state: one per source).</summary>
    /// <exception cref="ArgumentException">No built-in filter has that name.</exception>
    public static IGuardFilter Create(string name) => name switch
    {
        "sshd" => new SshdLineFilter(aggressive: false),
        "sshd-aggressive" => new SshdLineFilter(aggressive: true),
        "nginx-http-auth" => new NginxAuthFilter(),
        "apache-auth" => new ApacheAuthFilter(),
        "wordpress" => new WordPressFilter(),
        _ => throw new ArgumentException($"unknown filter '{Printable.Of(name ?? "")}' (one of {string.Join(", ", BuiltIn)})"),
    };
}
