using System.Net;
using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>A ban sink that keeps the bans in a list instead of the kernel's sets.</summary>
internal sealed class RecordingSink : IBanSink
{
    public List<(IPNetwork Network, TimeSpan Time, string Jail)> Bans { get; } = [];

    public void Ban(IPNetwork network, TimeSpan time, string jail) => Bans.Add((network, time, jail));
}
