using Microsoft.Extensions.Logging;

namespace Holt.WireGuard.Device;

/// <summary>The device's log lines, source-generated. Keys never appear: peers are named by a public-key prefix.</summary>
internal sealed partial class DeviceLog(ILogger logger)
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Peer}: handshake did not complete after {Attempts} attempts, giving up")]
    private static partial void GaveUp(ILogger logger, Peer peer, int attempts);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: sending handshake initiation")]
    private static partial void SendingInitiation(ILogger logger, Peer peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: handshake complete, session derived as {Role}")]
    private static partial void SessionDerived(ILogger logger, Peer peer, string role);

    [LoggerMessage(Level = LogLevel.Debug, Message = "under load: sent cookie reply to {Endpoint}")]
    private static partial void CookieSent(ILogger logger, IO.Endpoint endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} stopped on an unexpected error")]
    private static partial void WorkerFailed(ILogger logger, string worker, Exception exception);

    public void HandshakeGaveUp(Peer peer) => GaveUp(logger, peer, Noise.Limits.MaxTimerHandshakes + 1);

    public void Initiating(Peer peer) => SendingInitiation(logger, peer);

    public void Session(Peer peer, bool initiator) => SessionDerived(logger, peer, initiator ? "initiator" : "responder");

    public void Cookie(IO.Endpoint endpoint) => CookieSent(logger, endpoint);

    public void Failed(string worker, Exception exception) => WorkerFailed(logger, worker, exception);
}
