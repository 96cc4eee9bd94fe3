using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Holt.Machine;
using Holt.Storage;

namespace Holt.Gateway;

/// <summary>
/// What a running gateway daemon holds, in <c>/run/holt/INTERFACE.gateway</c> beside its pid file: its interface,
/// UDP port, subnets and configuration file. A second <c>holt up</c> reads every claim whose daemon is alive and
/// refuses to take what one of them holds, naming it. A claim whose daemon is dead (killed with -9) is ignored and
/// replaced.
/// </summary>
internal sealed record GatewayClaim
{
    public required string Interface { get; init; }

    public required int Pid { get; init; }

    public required int Port { get; init; }

    public required string Config { get; init; }

    /// <summary>
    /// The network namespace the gateway runs in (net:[INODE]): ports, subnets and interfaces are each namespace's
    /// own, so only a gateway in the same one can collide with this one.
    /// </summary>
    public string? Namespace { get; init; }

    [JsonIgnore]
    public IReadOnlyList<IPNetwork> Subnets => SubnetTexts.Select(t => IPNetwork.TryParse(t, out IPNetwork n) ? n : default).Where(n => n != default).ToList();

    [JsonPropertyName("subnets")]
    public IReadOnlyList<string> SubnetTexts { get; init; } = [];

    public static string PathFor(string interfaceName) => Path.Combine(PidFile.Directory, interfaceName + ".gateway");

    public static void Write(GatewayConfig config, string configPath)
    {
        var claim = new GatewayClaim
        {
            Interface = config.Interface,
            Pid = Environment.ProcessId,
            Port = config.ListenPort,
            Config = configPath,
            SubnetTexts = config.VpnSubnets.Select(s => s.ToString()).ToList(),
            Namespace = CurrentNamespace(),
        };
        _ = Directory.CreateDirectory(PidFile.Directory);
        AtomicFile.WriteAllBytes(PathFor(config.Interface), JsonSerializer.SerializeToUtf8Bytes(claim, ClaimJson.Default.GatewayClaim), AtomicFile.Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    public static void Delete(string interfaceName)
    {
        try
        {
            File.Delete(PathFor(interfaceName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>This process's network namespace as the kernel names it (net:[4026531833]), or null when unknown.</summary>
    public static string? CurrentNamespace()
    {
        try
        {
            return new FileInfo("/proc/self/ns/net").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The claims of gateways whose daemon is alive now, in this network namespace.</summary>
    public static IReadOnlyList<GatewayClaim> Running()
    {
        string? here = CurrentNamespace();
        var claims = new List<GatewayClaim>();
        if (!Directory.Exists(PidFile.Directory))
        {
            return claims;
        }

        foreach (string path in Directory.EnumerateFiles(PidFile.Directory, "*.gateway"))
        {
            try
            {
                using FileStream stream = File.OpenRead(path);
                if (JsonSerializer.Deserialize(stream, ClaimJson.Default.GatewayClaim) is GatewayClaim claim && claim.Pid != Environment.ProcessId &&
                    (claim.Namespace is null || claim.Namespace == here) && HoltProcess.IsHolt(claim.Pid))
                {
                    claims.Add(claim);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                // A claim being replaced, or a damaged one: no claim.
            }
        }

        return claims;
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(GatewayClaim))]
internal sealed partial class ClaimJson : JsonSerializerContext;
