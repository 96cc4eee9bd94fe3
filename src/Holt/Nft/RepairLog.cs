using System.Text.Json;
using System.Text.Json.Serialization;
using Holt.Storage;

namespace Holt.Nft;

/// <summary>How many times a table was put back since the daemon started, the last time, and why.</summary>
internal sealed record Repairs
{
    public int Count { get; init; }

    public DateTimeOffset? Last { get; init; }

    public string? Reason { get; init; }
}

/// <summary>
/// The record of a table's repairs in a small JSON file under /run/holt, which <c>holt status</c> reads (the
/// monitor will alert on it). Losing it loses nothing but the count: a broken file reads as none.
/// </summary>
internal static class RepairLog
{
    public static void Record(string path, DateTimeOffset now, string reason)
    {
        Repairs repairs = Read(path);
        repairs = new Repairs { Count = repairs.Count + 1, Last = now, Reason = reason };
        try
        {
            AtomicFile.CreateParent(path);
            AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(repairs, RepairJson.Default.Repairs), AtomicFile.Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The repair itself happened and was logged; only the count is lost.
        }
    }

    public static Repairs Read(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, RepairJson.Default.Repairs) ?? new Repairs();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return new Repairs();
        }
    }

    public static void Clear(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(Repairs))]
internal sealed partial class RepairJson : JsonSerializerContext;
