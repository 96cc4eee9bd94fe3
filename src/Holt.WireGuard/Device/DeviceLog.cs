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

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: received handshake initiation")]
    private static partial void ReceivedInitiation(ILogger logger, Peer peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: received handshake response")]
    private static partial void ReceivedResponse(ILogger logger, Peer peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: sending handshake response")]
    private static partial void SendingResponse(ILogger logger, Peer peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: sending keepalive")]
    private static partial void SendingKeepalive(ILogger logger, Peer peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: handshake did not complete after {Seconds} seconds, retrying (try {Attempt})")]
    private static partial void Retrying(ILogger logger, Peer peer, int seconds, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: retrying handshake because we stopped hearing back after {Seconds} seconds")]
    private static partial void Silent(ILogger logger, Peer peer, int seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: removing all keys, since we haven't received a new one in {Seconds} seconds")]
    private static partial void Zeroing(ILogger logger, Peer peer, int seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "received an invalid {Kind} from {Endpoint}")]
    private static partial void Rejected(ILogger logger, string kind, IO.Endpoint endpoint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: created")]
    private static partial void Created(ILogger logger, Peer peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: removed")]
    private static partial void Removed(ILogger logger, Peer peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "UDP sockets bound to port {Port}")]
    private static partial void Bound(ILogger logger, ushort port);

    [LoggerMessage(Level = LogLevel.Information, Message = "private key changed; the public key is now {PublicKey}")]
    private static partial void IdentityChanged(ILogger logger, string publicKey);

    public void InitiationReceived(Peer peer) => ReceivedInitiation(logger, peer);

    public void ResponseReceived(Peer peer) => ReceivedResponse(logger, peer);

    public void Responding(Peer peer) => SendingResponse(logger, peer);

    public void Keepalive(Peer peer)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            SendingKeepalive(logger, peer);
        }
    }

    public void Retry(Peer peer, int attempt) => Retrying(logger, peer, (int)Noise.Protocol.RekeyTimeout.TotalSeconds, attempt);

    public void StoppedHearing(Peer peer) =>
        Silent(logger, peer, (int)(Noise.Protocol.KeepaliveTimeout + Noise.Protocol.RekeyTimeout).TotalSeconds);

    public void KeysZeroed(Peer peer) => Zeroing(logger, peer, (int)(Noise.Protocol.RejectAfterTime * 3).TotalSeconds);

    public void InvalidHandshake(MessageKind kind, IO.Endpoint endpoint)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            Rejected(logger, kind switch
            {
                MessageKind.Initiation => "handshake initiation",
                MessageKind.Response => "handshake response",
                _ => "cookie reply",
            }, endpoint);
        }
    }

    public void PeerCreated(Peer peer) => Created(logger, peer);

    public void PeerRemoved(Peer peer) => Removed(logger, peer);

    public void PortBound(ushort port) => Bound(logger, port);

    /// <summary>The public key is public; logging it helps an operator match configs. The private key never is.</summary>
    public void Identity(Keys.PublicKey? publicKey)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            string text = publicKey?.ToBase64() ?? "(none)";
            IdentityChanged(logger, text);
        }
    }

    public void HandshakeGaveUp(Peer peer) => GaveUp(logger, peer, Noise.Limits.MaxTimerHandshakes + 1);

    public void Initiating(Peer peer) => SendingInitiation(logger, peer);

    public void Session(Peer peer, bool initiator) => SessionDerived(logger, peer, initiator ? "initiator" : "responder");

    public void Cookie(IO.Endpoint endpoint) => CookieSent(logger, endpoint);

    public void Failed(string worker, Exception exception) => WorkerFailed(logger, worker, exception);
}

/// <summary>The handshake messages a log line can name.</summary>
internal enum MessageKind
{
    Initiation,
    Response,
    CookieReply,
}
