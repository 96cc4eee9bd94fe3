using System.CommandLine;
using Holt.Config;
using Holt.Gateway;

namespace Holt.Cli;

/// <summary>Options every gateway command shares.</summary>
internal static class GatewayOptions
{
    public static Option<string?> Config() => new("--config", "-c")
    {
        Description = $"The gateway configuration (default: ${ConfigStore.PathVariable}, else {ConfigStore.DefaultPath}).",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print JSON for scripts instead of a table." };
}
