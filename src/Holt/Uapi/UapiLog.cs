using Microsoft.Extensions.Logging;

namespace Holt.Uapi;

/// <summary>The control socket's log lines, source-generated. No key or value from a request ever appears in them.</summary>
internal static partial class UapiLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "UAPI: listening on {Path}")]
    public static partial void Listening(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "UAPI: removed stale socket {Path}")]
    public static partial void RemovedStale(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "UAPI: stopped; removed {Path}")]
    public static partial void Stopped(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "UAPI: stopped; {Path} was no longer ours and is left alone")]
    public static partial void StoppedWithoutSocket(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "UAPI: socket file {Path} was removed or replaced by someone else")]
    public static partial void SocketDeleted(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "UAPI: set request rejected: {Reason}")]
    public static partial void SetRejected(ILogger logger, UapiError reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "UAPI: set request failed: {Reason}")]
    public static partial void SetFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "UAPI: set request failed unexpectedly")]
    public static partial void SetFailedUnexpectedly(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "UAPI: set request applied: {Peers} peer sections, {AllowedIps} allowed_ip lines")]
    public static partial void SetApplied(ILogger logger, int peers, long allowedIps);

    [LoggerMessage(Level = LogLevel.Warning, Message = "UAPI: closing connection: {Reason}")]
    public static partial void Closing(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "UAPI: connection ended: {Reason}")]
    public static partial void ConnectionEnded(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "UAPI: connection failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "UAPI: accepting a connection failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);
}
