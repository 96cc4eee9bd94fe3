using System.Net;
using Holt.Gateway;

namespace Holt.Cli;

/// <summary>
/// What <c>holt peer add</c>, <c>config</c> and <c>qr</c> say on standard error about the client config they print,
/// before anyone tries it on a device and learns it the hard way.
/// </summary>
internal static class ClientConfigWarnings
{
    public static void Say(string clientConfig, GatewayConfig gateway, string configPath)
    {
        foreach (string warning in Of(clientConfig, gateway, configPath))
        {
            Console.Error.WriteLine("holt: warning: " + warning);
        }
    }

    /// <summary>The warnings about <paramref name="clientConfig"/>, one sentence each (the dashboard shows them beside it).</summary>
    public static IReadOnlyList<string> Of(string clientConfig, GatewayConfig gateway, string configPath) =>
        [.. new[] { OnlyForWgQuick(clientConfig), PrivateEndpoint(gateway, configPath) }.OfType<string>()];

    /// <summary>
    /// The config of a peer whose ports are exposed routes their replies with wg-quick's Table and PostUp (see
    /// <see cref="ClientConfig"/>). The official Android and iOS apps refuse a config with keys they do not know, and
    /// say little more; so this says it before anyone tries.
    /// </summary>
    private static string? OnlyForWgQuick(string clientConfig)
    {
        string[] keys = clientConfig.Split('\n')
            .Select(line => line.Split('=', 2)[0].Trim())
            .Where(key => key is "Table" or "PreUp" or "PostUp" or "PreDown" or "PostDown" or "SaveConfig")
            .Distinct()
            .ToArray();
        return keys.Length > 0
            ? $"this config has {string.Join('/', keys)} lines (the routing for its exposed ports), which the WireGuard mobile apps refuse: use it with wg-quick on Linux, or expose its ports with --snat to use it on a phone"
            : null;
    }

    /// <summary>
    /// An Endpoint that is a private or loopback address reaches the gateway only from its own network (or
    /// machine): right for a LAN, never for a phone on mobile data, and what a cloud VM behind NAT detects of itself.
    /// </summary>
    private static string? PrivateEndpoint(GatewayConfig gateway, string configPath)
    {
        if (GatewaySetup.PrivateAddressOf(gateway.Endpoint) is not IPAddress address)
        {
            return null;
        }

        string reach = IPAddress.IsLoopback(address) ? "a loopback address, which only this machine reaches" : "a private address, which only devices on its network reach";
        return $"this config's Endpoint {gateway.ClientEndpoint} is {reach}; for clients elsewhere, set endpoint = \"NAME\" (the gateway's public name or address) in [gateway] of {configPath} and print the config again";
    }
}
