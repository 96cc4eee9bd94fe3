using Microsoft.Extensions.Logging;

namespace Holt.Nft;

/// <summary>The nftables monitor's log lines, source-generated.</summary>
internal static partial class NftLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "nftables notifications stopped: {Error}")]
    public static partial void NotificationsStopped(this ILogger logger, string error);
}
