using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Holt.Gateway;
using Holt.Hosting;
using Holt.Monitor.Checks;
using Holt.Storage;

namespace Holt.Monitor;

/// <summary>One peer as the monitor last saw it.</summary>
internal sealed record MonitoredPeer
{
    public required string Name { get; init; }

    public required string PublicKey { get; init; }

    public required bool Expected { get; init; }

    /// <summary>The state in lower case, as in <see cref="PeerState"/>: up, idle, stale, down, never, disabled.</summary>
    public required string State { get; init; }

    public required string Why { get; init; }

    public required DateTimeOffset Since { get; init; }

    public DateTimeOffset? LatestHandshake { get; init; }

    public string? Endpoint { get; init; }

    /// <summary>The "expected peer down" alert's phase (pending, firing, resolving), or null while inactive.</summary>
    public string? Alert { get; init; }

    /// <summary>The peer's recent sessions, oldest first; the last is open (no end) while it is up.</summary>
    public IReadOnlyList<PeerSession> Sessions { get; init; } = [];

    /// <summary>Sessions opened since the monitor started watching the peer (the metrics' counter).</summary>
    public long SessionsStarted { get; init; }
}

/// <summary>The watched interface as the monitor last saw it.</summary>
/// <param name="Up">Whether it answered the last sample.</param>
/// <param name="Flaps">Times it stopped answering after it had, since the monitor started.</param>
/// <param name="ReceivedBytes">Its receive counter (the tunnel's inner traffic), or null when it could not be read.</param>
/// <param name="SentBytes">Its send counter.</param>
/// <param name="ReceiveRate">Bytes a second received over the last interval, or null on the first look.</param>
/// <param name="SendRate">Bytes a second sent over the last interval.</param>
internal sealed record LinkView(bool Up, long Flaps, ulong? ReceivedBytes, ulong? SentBytes, double? ReceiveRate, double? SendRate);

/// <summary>
/// What the running monitor last saw, written to <c>/run/holt/INTERFACE.monitor.json</c> after every round for
/// <c>holt monitor status</c> (and, later, the dashboard and the metrics).
/// </summary>
internal sealed record MonitorStatus
{
    public required string Interface { get; init; }

    public required DateTimeOffset SampledAt { get; init; }

    public required TimeSpan Interval { get; init; }

    public required IReadOnlyList<MonitoredPeer> Peers { get; init; }

    /// <summary>The machine's signals at the same look, when the monitor reads them.</summary>
    public HostView? Host { get; init; }

    /// <summary>Every [[monitor.check]] with its latest result.</summary>
    public IReadOnlyList<CheckView> Checks { get; init; } = [];

    /// <summary>Every alert that is not inactive (pending, firing, resolving), worst first.</summary>
    public IReadOnlyList<ActiveAlert> Alerts { get; init; } = [];

    /// <summary>The interface itself: whether it answered, how often it went away, its traffic.</summary>
    public LinkView? Link { get; init; }

    /// <summary>The daemon the monitor runs in (none for <c>holt monitor run</c>).</summary>
    public DaemonView? Daemon { get; init; }

    /// <summary>Expected peers that are up now.</summary>
    public int ExpectedUp => Peers.Count(p => p.Expected && p.State == "up");

    /// <summary>Expected peers, disabled ones left out.</summary>
    public int ExpectedTotal => Peers.Count(p => p.Expected && p.State != "disabled");

    public static string PathFor(string interfaceName) => Path.Combine(PidFile.Directory, interfaceName + ".monitor.json");

    /// <summary>
    /// Writes the status through <paramref name="buffer"/>, which the caller keeps from round to round: with 1,000
    /// peers the text is some 370 KB, and a new array for it every few seconds is garbage on the large object heap.
    /// </summary>
    public void Write(ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(writer, this, MonitorJson.Default.MonitorStatus);
        }

        AtomicFile.WriteAllBytes(PathFor(Interface), buffer.WrittenSpan);
    }

    /// <summary>The running monitor's last status for <paramref name="interfaceName"/>, or null when none runs.</summary>
    public static MonitorStatus? Read(string interfaceName)
    {
        try
        {
            using FileStream stream = File.OpenRead(PathFor(interfaceName));
            return JsonSerializer.Deserialize(stream, MonitorJson.Default.MonitorStatus);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
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
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(MonitorStatus))]
internal sealed partial class MonitorJson : JsonSerializerContext;
