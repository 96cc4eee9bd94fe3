using Holt.Cli;
using Holt.Config;
using Holt.Gateway;

namespace Holt.Tests.Support;

/// <summary>holt.toml as the program reads and writes it (every section), for tests.</summary>
internal static class TestConfig
{
    public static ConfigFormat Format => HoltFile.Format;

    public static ConfigStore Store(string path) => new(path, Format);

    public static HoltConfig Read(string text, string source = "holt.toml", bool thorough = false) => Format.Read(text, source, thorough);

    public static string Write(HoltConfig config) => Format.Write(config);

    public static void Validate(HoltConfig config) => Format.Validate(config);

    /// <summary>The gateway's part of a file.</summary>
    public static Holt.Gateway.GatewayConfig ReadGateway(string text, string source = "holt.toml", bool thorough = false) => Read(text, source, thorough).Gateway;

    /// <summary>A file with only the gateway's part (the firewall's defaults are written too).</summary>
    public static string WriteGateway(Holt.Gateway.GatewayConfig gateway) => Write(HoltConfig.Empty.WithGateway(gateway));
}
