using System.Net;
using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>A ban sink that keeps the bans in a list instead of the kernel's sets.</summary>
internal sealed class RecordingSink : IBanSink
{
    public List<(IPNetwork Network, TimeSpan Time, string Jail)> Bans { get; } = [];

    /// <summary>How many calls put bans in place: one per ban, or one per batch (as one nft transaction).</summary>
    public int Calls { get; private set; }

    public void Ban(IPNetwork network, TimeSpan time, string jail)
    {
        Calls++;
        Bans.Add((network, time, jail));
    }

    public void BanAll(IReadOnlyList<(IPNetwork Network, TimeSpan Time, string Jail)> bans)
    {
        Calls++;
        Bans.AddRange(bans);
    }
}
