using System.Globalization;

namespace Holt.Monitor;

/// <summary>The machine as the monitor last saw it; a figure it could not read is null.</summary>
internal sealed record HostView
{
    /// <summary>CPU busy over the last interval, percent of all cores (null on the first look).</summary>
    public double? CpuPercent { get; init; }

    public double? MemoryUsedPercent { get; init; }

    public double? Load1 { get; init; }

    public double? Load5 { get; init; }

    public double? Load15 { get; init; }

    /// <summary>Free space of the file system that holds Holt's state, percent and bytes.</summary>
    public double? StateDiskFreePercent { get; init; }

    public long? StateDiskFreeBytes { get; init; }

    /// <summary>UDP datagrams the kernel dropped because a socket's receive buffer was full (this namespace's count).</summary>
    public long? UdpReceiveBufferErrors { get; init; }
}

/// <summary>
/// Reads the host's signals from /proc and the state directory's file system: CPU (from the difference of two
/// looks at /proc/stat), memory (MemAvailable against MemTotal), load, free disk, and UDP receive-buffer errors
/// (/proc/net/snmp), which show a tunnel losing packets before any peer notices. Each reader is forgiving: a
/// figure that cannot be read is left out, never a failure of the monitor.
/// </summary>
internal sealed class HostSignals(string stateDirectory, string proc = "/proc")
{
    /// <summary>Fewer clock ticks than this between two looks (all cores together) give no CPU figure of their own.</summary>
    private const ulong MinTicks = 20;

    private (ulong Busy, ulong Total)? _lastCpu;
    private double? _lastPercent;

    public HostView Sample()
    {
        (double? load1, double? load5, double? load15) = ParseLoad(Read("loadavg"));
        (double? freePercent, long? freeBytes) = Disk();
        return new HostView
        {
            CpuPercent = Cpu(),
            MemoryUsedPercent = ParseMemoryUsed(Read("meminfo")),
            Load1 = load1,
            Load5 = load5,
            Load15 = load15,
            StateDiskFreePercent = freePercent,
            StateDiskFreeBytes = freeBytes,
            UdpReceiveBufferErrors = ParseUdpReceiveBufferErrors(Read("net/snmp")),
        };
    }

    /// <summary>
    /// What the interface <paramref name="name"/> received and sent, in bytes, from /proc/net/dev (the counters of
    /// this network namespace's interface: the TUN's for Holt and wireguard-go, the device's for the kernel module),
    /// or null when it is not there.
    /// </summary>
    public (ulong Received, ulong Sent)? InterfaceBytes(string name) => ParseInterfaceBytes(Read("net/dev"), name);

    private double? Cpu()
    {
        if (ParseCpu(Read("stat")) is not (ulong busy, ulong total))
        {
            return _lastPercent;
        }

        if (_lastCpu is not (ulong lastBusy, ulong lastTotal) || busy < lastBusy || total < lastTotal)
        {
            _lastCpu = (busy, total);
            return _lastPercent;
        }

        // Two looks a moment apart (a reload's round right after a timed one) see too few ticks to tell: the last
        // figure stands, and the earlier look stays the reference.
        if (total - lastTotal < MinTicks)
        {
            return _lastPercent;
        }

        _lastCpu = (busy, total);
        _lastPercent = Math.Round(100.0 * (busy - lastBusy) / (total - lastTotal), 1);
        return _lastPercent;
    }

    private (double?, long?) Disk()
    {
        try
        {
            var drive = new DriveInfo(stateDirectory);
            long total = drive.TotalSize;
            long free = drive.AvailableFreeSpace;
            return (total > 0 ? Math.Round(100.0 * free / total, 1) : null, free);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (null, null);
        }
    }

    private string? Read(string name)
    {
        try
        {
            // Small files the kernel writes; a bounded read all the same.
            using var reader = new StreamReader(Path.Combine(proc, name));
            char[] buffer = new char[64 * 1024];
            int read = reader.ReadBlock(buffer, 0, buffer.Length);
            return new string(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The first line of /proc/stat: busy and total jiffies over all cores (idle and iowait are not busy).</summary>
    internal static (ulong Busy, ulong Total)? ParseCpu(string? stat)
    {
        string? line = stat?.Split('\n').FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        var values = new List<ulong>();
        foreach (string field in line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            if (!ulong.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value))
            {
                return null;
            }

            values.Add(value);
        }

        if (values.Count < 4)
        {
            return null;
        }

        // user nice system idle iowait irq softirq steal (guest and guest_nice are inside user and nice already).
        ulong total = values.Take(8).Aggregate(0UL, (sum, v) => sum + v);
        ulong idle = values[3] + (values.Count > 4 ? values[4] : 0);
        return (total - idle, total);
    }

    internal static double? ParseMemoryUsed(string? meminfo)
    {
        long? total = null;
        long? available = null;
        foreach (string line in meminfo?.Split('\n') ?? [])
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kib))
            {
                if (parts[0] == "MemTotal:")
                {
                    total = kib;
                }
                else if (parts[0] == "MemAvailable:")
                {
                    available = kib;
                }
            }
        }

        return total is > 0 && available is long free && free <= total ? Math.Round(100.0 * (total.Value - free) / total.Value, 1) : null;
    }

    internal static (double?, double?, double?) ParseLoad(string? loadavg)
    {
        string[] parts = loadavg?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return parts.Length >= 3 &&
            double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double one) &&
            double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double five) &&
            double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double fifteen)
            ? (one, five, fifteen)
            : (null, null, null);
    }

    /// <summary>
    /// The received and sent bytes of <paramref name="name"/>'s line of /proc/net/dev: "NAME: " then eight receive
    /// fields, bytes first, and eight send fields, bytes first. Interface names never hold ':'.
    /// </summary>
    internal static (ulong Received, ulong Sent)? ParseInterfaceBytes(string? dev, string name)
    {
        foreach (string line in dev?.Split('\n') ?? [])
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !line.AsSpan(0, colon).Trim().SequenceEqual(name))
            {
                continue;
            }

            string[] fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length >= 9
                && ulong.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out ulong received)
                && ulong.TryParse(fields[8], NumberStyles.None, CultureInfo.InvariantCulture, out ulong sent)
                ? (received, sent)
                : null;
        }

        return null;
    }

    /// <summary>RcvbufErrors of the "Udp:" lines of /proc/net/snmp: one line names the fields, the next has the values.</summary>
    internal static long? ParseUdpReceiveBufferErrors(string? snmp)
    {
        string[] lines = snmp?.Split('\n') ?? [];
        for (int i = 0; i + 1 < lines.Length; i++)
        {
            if (!lines[i].StartsWith("Udp: ", StringComparison.Ordinal) || !lines[i + 1].StartsWith("Udp: ", StringComparison.Ordinal))
            {
                continue;
            }

            string[] names = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string[] values = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int at = Array.IndexOf(names, "RcvbufErrors");
            return at > 0 && at < values.Length && long.TryParse(values[at], NumberStyles.None, CultureInfo.InvariantCulture, out long errors) ? errors : null;
        }

        return null;
    }
}
