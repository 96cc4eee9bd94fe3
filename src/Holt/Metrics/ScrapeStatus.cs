using Holt.Config;
using Holt.Status;

namespace Holt.Metrics;

/// <summary>
/// The status a scrape reads: the interface and its peers fresh every time, the firewall's and the guard's views
/// (each an <c>nft</c> run) at most <see cref="TablesFor"/> old. Those change when something is repaired or banned,
/// rarely; two processes at every scrape were most of a scrape's time with 1,000 peers.
/// </summary>
internal sealed class ScrapeStatus(ConfigStore store, TimeProvider time, Func<HoltConfig?> loaded)
{
    /// <summary>How long the tables' views are reused; shorter than Prometheus' usual scrape interval.</summary>
    public static readonly TimeSpan TablesFor = TimeSpan.FromSeconds(10);

    private readonly Lock _sync = new();
    private HoltStatus? _tables;
    private DateTimeOffset _tablesAt;

    public HoltStatus Read()
    {
        DateTimeOffset now = time.GetUtcNow();
        lock (_sync)
        {
            if (_tables is null || now - _tablesAt >= TablesFor || now < _tablesAt)
            {
                _tables = StatusReader.Read(store, now, loaded());
                _tablesAt = now;
                return _tables;
            }
        }

        HoltStatus fresh = StatusReader.Read(store, now, loaded(), tables: false);
        return fresh with { Firewall = _tables.Firewall, Guard = _tables.Guard, Unread = [.. fresh.Unread, .. _tables.Unread.Except(fresh.Unread)] };
    }
}
