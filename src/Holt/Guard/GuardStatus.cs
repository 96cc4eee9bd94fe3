using System.Text.Json;
using Holt.Gateway;
using Holt.Machine;
using Holt.Storage;

namespace Holt.Guard;

/// <summary>What one jail has done since the guard started, as <c>holt guard status</c> shows it.</summary>
internal sealed record JailStatus(string Name, string Filter, IReadOnlyList<string> Sources, long Failures, long Bans);

/// <summary>
/// The running guard's account of itself, <c>guard.status</c> beside the ban store (JSON, 0600, written atomically
/// at most once a second when something changed): its pid, and per jail its sources, failures and bans. A file whose
/// pid is no longer a holt process is a guard that stopped.
/// </summary>
internal static class GuardStatus
{
    public static string PathFor() => Path.Combine(StateStore.StateDirectory(), "guard.status");

    public static void Write(IReadOnlyList<JailStatus> jails, long ignored)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("pid", Environment.ProcessId);
            json.WriteNumber("ignored", ignored);
            json.WriteStartArray("jails");
            foreach (JailStatus jail in jails)
            {
                json.WriteStartObject();
                json.WriteString("name", jail.Name);
                json.WriteString("filter", jail.Filter);
                json.WriteStartArray("sources");
                foreach (string source in jail.Sources)
                {
                    json.WriteStringValue(source);
                }

                json.WriteEndArray();
                json.WriteNumber("failures", jail.Failures);
                json.WriteNumber("bans", jail.Bans);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        string path = PathFor();
        AtomicFile.CreateParent(path);
        AtomicFile.WriteAllBytes(path, buffer.ToArray());
    }

    /// <summary>The running guard's jails, or null when no guard runs (no file, a stale one, or one unreadable).</summary>
    public static IReadOnlyList<JailStatus>? ReadRunning()
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(PathFor()));
            JsonElement root = document.RootElement;
            if (!root.TryGetProperty("pid", out JsonElement pid) || !pid.TryGetInt32(out int id) || !HoltProcess.IsHolt(id))
            {
                return null;
            }

            return root.GetProperty("jails").EnumerateArray().Select(j => new JailStatus(
                j.GetProperty("name").GetString() ?? "?",
                j.GetProperty("filter").GetString() ?? "?",
                j.GetProperty("sources").EnumerateArray().Select(s => s.GetString() ?? "?").ToList(),
                j.GetProperty("failures").GetInt64(),
                j.GetProperty("bans").GetInt64())).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return null;
        }
    }
}
