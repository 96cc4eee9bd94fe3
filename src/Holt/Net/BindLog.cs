using Microsoft.Extensions.Logging;

namespace Holt.Net;

/// <summary>The UDP side's log lines, source-generated.</summary>
internal static partial class BindLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Listening on UDP port {Port} ({Families})")]
    public static partial void Listening(this ILogger logger, ushort port, string families);

    [LoggerMessage(Level = LogLevel.Warning, Message = "IPv6 is not available (errno {Errno}); listening on IPv4 only")]
    public static partial void Ipv6Unavailable(this ILogger logger, int errno);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot set firewall mark {Mark} on the UDP sockets (errno {Errno}; SO_MARK needs CAP_NET_ADMIN)")]
    public static partial void MarkFailed(this ILogger logger, uint mark, int errno);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The kernel refused UDP segmentation offload on the {Family} socket ({Error}); sending one datagram per message from now on")]
    public static partial void SegmentationRefused(this ILogger logger, string family, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "UDP receive failed with errno {Errno}")]
    public static partial void ReceiveFailed(this ILogger logger, int errno);

    [LoggerMessage(Level = LogLevel.Error, Message = "A UDP socket call did not return; leaving its descriptor open")]
    public static partial void StuckCall(this ILogger logger);
}
