using System.Text.Json;
using Holt.Gateway;
using Holt.Storage;

namespace Holt.Audit;

/// <summary>
/// The last full audit, kept in the state directory (<c>audit.json</c>, 0600, exactly what <c>holt audit --json</c>
/// prints), so the daemon's metrics and the dashboard show the report the CLI printed rather than a second model of
/// it. Only a full audit is kept: a report of one area has a score that means nothing for the machine.
/// </summary>
/// <remarks>
/// Reading never throws: a missing file is "no audit yet", and so is a file that does not parse (cut short by a full
/// disk before AtomicFile existed, edited by hand, from a version whose report had another shape). A scrape or a page
/// must not fail because of it, and the next audit replaces it.
/// </remarks>
internal sealed class AuditStore(string path)
{
    public const string FileName = "audit.json";

    private readonly Lock _sync = new();
    private (FileStamp Stamp, AuditReport? Report)? _cached;

    /// <summary>Where the daemon and <c>holt audit</c> keep it: the state directory (<c>HOLT_STATE_DIR</c> moves it).</summary>
    public static string DefaultPath => System.IO.Path.Combine(StateStore.StateDirectory(), FileName);

    public string Path { get; } = path;

    /// <summary>Replaces the kept report, atomically, mode 0600 (it names users, keys and sockets of the machine).</summary>
    /// <exception cref="IOException">It could not be written; the previous report stays.</exception>
    /// <exception cref="UnauthorizedAccessException">The state directory is not this user's.</exception>
    public void Save(AuditReport report)
    {
        AtomicFile.CreateParent(Path);
        _ = AtomicFile.WriteAllText(Path, JsonSerializer.Serialize(report, AuditJson.Plain.AuditReport) + "\n");
    }

    /// <summary>The kept report, read now; null when there is none or it does not read as one.</summary>
    public AuditReport? Read()
    {
        try
        {
            using FileStream stream = File.OpenRead(Path);
            AuditReport? report = JsonSerializer.Deserialize(stream, AuditJson.Plain.AuditReport);

            // The serializer lets an explicit null through where the model has none ("findings": null).
            return report is { Areas: not null, Findings: not null, Host: not null, Summary: not null } &&
                report.Areas.All(a => a is { Area: not null }) && report.Findings.All(f => f is { Id: not null, Title: not null })
                ? report
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// The kept report, parsed again only when the file changed (its size or time): what a scrape every few seconds
    /// reads, so that costs one stat, not a parse.
    /// </summary>
    public AuditReport? Latest()
    {
        FileStamp stamp = FileStamp.Of(Path);
        lock (_sync)
        {
            if (_cached is { } cached && cached.Stamp == stamp)
            {
                return cached.Report;
            }
        }

        // Read outside the lock; a file replaced between the stat and the read is read again at the next call,
        // because its stamp then differs from the one kept with it.
        AuditReport? read = stamp.Exists ? Read() : null;
        lock (_sync)
        {
            _cached = (stamp, read);
        }

        return read;
    }
}
