using Microsoft.Extensions.Logging;

namespace Holt.Tun;

/// <summary>The TUN side's log lines, source-generated.</summary>
internal static partial class TunLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Created TUN interface {Name} (index {Index}, MTU {Mtu})")]
    public static partial void Created(this ILogger logger, string name, int index, int mtu);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed TUN interface {Name}")]
    public static partial void Closed(this ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "interface {Name} is {State}")]
    public static partial void LinkState(this ILogger logger, string name, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "TUN interface {Name}: MTU {Previous} -> {Mtu}")]
    public static partial void MtuChanged(this ILogger logger, string name, int previous, int mtu);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TUN interface {Name} was deleted")]
    public static partial void Deleted(this ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TUN interface {Name} left this network namespace; it keeps working there")]
    public static partial void MovedAway(this ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Error, Message = "TUN interface {Name}: a call did not return; leaving its descriptor open")]
    public static partial void StuckCall(this ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Debug, Message = "TUN interface {Name}: read failed with errno {Errno}")]
    public static partial void ReadFailed(this ILogger logger, string name, int errno);

    [LoggerMessage(Level = LogLevel.Debug, Message = "TUN interface {Name}: offloads {Offloads}")]
    public static partial void Offloads(this ILogger logger, string name, string offloads);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TUN interface {Name}: the kernel refused offloads ({Error}); moving one packet per system call")]
    public static partial void OffloadsRefused(this ILogger logger, string name, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Link notifications stopped: {Error}")]
    public static partial void MonitorFailed(this ILogger logger, string error);
}
