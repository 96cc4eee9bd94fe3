using System.Security.Cryptography;
using Holt.WireGuard.Crypto;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;
using Holt.WireGuard.Noise;

namespace Holt.WireGuard.Device;

/// <summary>The four handshake steps of section 5.4.2-5.4.5 on WireGuard's framing.</summary>
public sealed partial class WireGuardDevice
{
    private long _diffieHellmanAttempts;

    /// <summary>Handshake messages that reached the Diffie-Hellman steps (for tests of the mac1 gate).</summary>
    internal long DiffieHellmanAttempts => Interlocked.Read(ref _diffieHellmanAttempts);

    /// <summary>Writes a 148-byte initiation to <paramref name="peer"/> (section 5.4.2), macs included.</summary>
    internal bool CreateInitiation(Peer peer, Span<byte> message)
    {
        PrivateKey? identity = Volatile.Read(ref _privateKey);
        if (identity is null)
        {
            return false;
        }

        Handshake hs = peer.Handshake;
        lock (hs.Sync)
        {
            if (X25519.IsZero(hs.StaticStatic))
            {
                return false;
            }

            if (hs.Stage != HandshakeStage.Zeroed)
            {
                Indices.Remove(hs.LocalIndex);
            }

            hs.Clear();
            hs.Noise.Load(Handshake.ConstructionHash, hs.InitialHashToPeer);
            X25519.GeneratePrivateKey(hs.LocalEphemeral);

            Span<byte> timestamp = stackalloc byte[Tai64N.Size];
            Tai64N.Write(Time.GetUtcNow(), timestamp);

            Messages.WriteHeader(message, MessageType.HandshakeInitiation);
            hs.LocalIndex = Indices.NewHandshakeIndex(peer);
            Messages.WriteIndex(message, Messages.InitiationSenderOffset, hs.LocalIndex);
            bool ok = NoiseIKpsk2.WriteMessage1(
                ref hs.Noise, identity.PublicKey.Span, hs.LocalEphemeral, peer.PublicKey.Span, hs.StaticStatic, timestamp,
                message.Slice(Messages.InitiationNoiseOffset, Messages.InitiationNoiseSize));
            if (!ok)
            {
                Indices.Remove(hs.LocalIndex);
                hs.Clear();
                return false;
            }

            hs.Stage = HandshakeStage.InitiationCreated;
        }

        peer.Cookies.AddMacs(message);
        return true;
    }

    /// <summary>
    /// Consumes an initiation whose mac1 has been verified. Returns the peer it came from, or null if it does
    /// not authenticate, names no peer of ours, replays an old timestamp or comes faster than 50 per second.
    /// </summary>
    internal Peer? ConsumeInitiation(ReadOnlySpan<byte> message)
    {
        Interlocked.Increment(ref _diffieHellmanAttempts);
        PrivateKey? identity = Volatile.Read(ref _privateKey);
        if (identity is null)
        {
            return null;
        }

        var state = default(SymmetricState);
        Span<byte> remoteEphemeral = stackalloc byte[32];
        Span<byte> remoteStatic = stackalloc byte[32];
        Span<byte> timestamp = stackalloc byte[Tai64N.Size];
        try
        {
            state.Load(Handshake.ConstructionHash, _identityInitialHash);
            ReadOnlySpan<byte> noise = message.Slice(Messages.InitiationNoiseOffset, Messages.InitiationNoiseSize);
            if (!NoiseIKpsk2.ReadMessage1Static(ref state, identity.Span, noise, remoteEphemeral, remoteStatic))
            {
                return null;
            }

            Peer? peer = FindPeer(remoteStatic);
            if (peer is null)
            {
                return null;
            }

            Handshake hs = peer.Handshake;
            lock (hs.Sync)
            {
                if (!NoiseIKpsk2.ReadMessage1Payload(ref state, hs.StaticStatic, noise, timestamp))
                {
                    return null;
                }

                // Replay: the timestamp must be newer than any accepted before. Flood: one per 20 ms.
                long now = Time.GetTimestamp();
                bool replayed = !Tai64N.IsAfter(timestamp, hs.LatestTimestamp);
                bool flood = hs.HasConsumedInitiation && Time.GetElapsedTime(hs.LastInitiationConsumed, now) < Protocol.HandshakeInitiationRate;
                if (replayed || flood)
                {
                    return null;
                }

                if (hs.Stage != HandshakeStage.Zeroed)
                {
                    Indices.Remove(hs.LocalIndex);
                }

                hs.Clear();
                hs.Noise = state;
                remoteEphemeral.CopyTo(hs.RemoteEphemeral);
                timestamp.CopyTo(hs.LatestTimestamp);
                hs.LastInitiationConsumed = now;
                hs.HasConsumedInitiation = true;
                hs.RemoteIndex = Messages.ReadIndex(message, Messages.InitiationSenderOffset);
                hs.Stage = HandshakeStage.InitiationConsumed;
            }

            return peer;
        }
        finally
        {
            state.Clear();
            CryptographicOperations.ZeroMemory(remoteEphemeral);
        }
    }

    /// <summary>Writes a 92-byte response to the initiation just consumed (section 5.4.3), macs included.</summary>
    internal bool CreateResponse(Peer peer, Span<byte> message)
    {
        Handshake hs = peer.Handshake;
        lock (hs.Sync)
        {
            if (hs.Stage != HandshakeStage.InitiationConsumed)
            {
                return false;
            }

            X25519.GeneratePrivateKey(hs.LocalEphemeral);
            Messages.WriteHeader(message, MessageType.HandshakeResponse);
            hs.LocalIndex = Indices.NewHandshakeIndex(peer);
            Messages.WriteIndex(message, Messages.ResponseSenderOffset, hs.LocalIndex);
            Messages.WriteIndex(message, Messages.ResponseReceiverOffset, hs.RemoteIndex);
            bool ok = NoiseIKpsk2.WriteMessage2(
                ref hs.Noise, hs.LocalEphemeral, hs.RemoteEphemeral, peer.PublicKey.Span, hs.PresharedKey, default,
                message.Slice(Messages.ResponseNoiseOffset, Messages.ResponseNoiseSize));
            if (!ok)
            {
                Indices.Remove(hs.LocalIndex);
                hs.Clear();
                return false;
            }

            hs.Stage = HandshakeStage.ResponseCreated;
        }

        peer.Cookies.AddMacs(message);
        return true;
    }

    /// <summary>Consumes a response whose mac1 has been verified; returns its peer or null.</summary>
    internal Peer? ConsumeResponse(ReadOnlySpan<byte> message)
    {
        Interlocked.Increment(ref _diffieHellmanAttempts);
        PrivateKey? identity = Volatile.Read(ref _privateKey);
        uint receiver = Messages.ReadIndex(message, Messages.ResponseReceiverOffset);
        if (identity is null || !Indices.TryGetHandshake(receiver, out Peer peer))
        {
            return null;
        }

        Handshake hs = peer.Handshake;
        lock (hs.Sync)
        {
            if (hs.Stage != HandshakeStage.InitiationCreated || hs.LocalIndex != receiver)
            {
                return null;
            }

            // Work on a copy, so a forged response cannot spoil the handshake in progress.
            SymmetricState state = hs.Noise;
            try
            {
                bool ok = NoiseIKpsk2.ReadMessage2(
                    ref state, identity.Span, hs.LocalEphemeral, hs.PresharedKey,
                    message.Slice(Messages.ResponseNoiseOffset, Messages.ResponseNoiseSize), default);
                if (!ok)
                {
                    return null;
                }

                hs.Noise = state;
                hs.RemoteIndex = Messages.ReadIndex(message, Messages.ResponseSenderOffset);
                hs.Stage = HandshakeStage.ResponseConsumed;
            }
            finally
            {
                state.Clear();
            }
        }

        return peer;
    }

    /// <summary>Derives the transport keys of a finished handshake (section 5.4.5) and installs them.</summary>
    internal Keypair? BeginSession(Peer peer)
    {
        Keypair keypair;
        Handshake hs = peer.Handshake;
        lock (hs.Sync)
        {
            bool initiator;
            if (hs.Stage == HandshakeStage.ResponseConsumed)
            {
                initiator = true;
            }
            else if (hs.Stage == HandshakeStage.ResponseCreated)
            {
                initiator = false;
            }
            else
            {
                return null;
            }

            keypair = new Keypair(peer, initiator, Time.GetTimestamp(), hs.LocalIndex, hs.RemoteIndex);
            if (initiator)
            {
                hs.Noise.Split(keypair.SendKey, keypair.ReceiveKey);
            }
            else
            {
                hs.Noise.Split(keypair.ReceiveKey, keypair.SendKey);
            }

            // The handshake's index now names the keypair; the handshake state is zeroed.
            Indices.SwapToKeypair(hs.LocalIndex, keypair);
            hs.Clear();
        }

        peer.InstallKeypair(keypair);
        peer.OnSessionDerived();
        Log.Session(peer, keypair.IsInitiator);
        return keypair;
    }

    /// <summary>
    /// Sends an initiation, at most one per Rekey-Timeout (section 6.2). A retry (from the retransmit timer)
    /// keeps counting attempts; anything else starts a new attempt.
    /// </summary>
    internal void SendHandshakeInitiation(Peer peer, bool isRetry)
    {
        if (!_isUp || peer.IsRemoved)
        {
            return;
        }

        if (!isRetry)
        {
            peer.ResetHandshakeAttempts();
        }

        long now = Time.GetTimestamp();
        long last = peer.LastSentInitiation;
        if (last != 0 && Time.GetElapsedTime(last, now) < Protocol.RekeyTimeout)
        {
            return;
        }

        peer.LastSentInitiation = now;
        Span<byte> message = stackalloc byte[Messages.InitiationSize];
        if (!CreateInitiation(peer, message))
        {
            return;
        }

        Log.Initiating(peer);
        peer.CountHandshakeAttempt();
        peer.OnAnyAuthenticatedPacketTraversal();
        peer.OnAnyAuthenticatedPacketSent();

        // Armed before sending: on a fast path the response may complete the handshake (which cancels this
        // timer) before the send call even returns.
        peer.OnHandshakeInitiated();
        SendHandshakeMessage(peer, message);
    }

    /// <summary>Answers a consumed initiation with a response and installs the responder's session.</summary>
    internal void SendHandshakeResponse(Peer peer)
    {
        Span<byte> message = stackalloc byte[Messages.ResponseSize];
        if (!CreateResponse(peer, message) || BeginSession(peer) is null)
        {
            return;
        }

        Log.Responding(peer);
        peer.OnAnyAuthenticatedPacketTraversal();
        peer.OnAnyAuthenticatedPacketSent();
        SendHandshakeMessage(peer, message);
    }

    internal void SendHandshakeMessage(Peer peer, ReadOnlySpan<byte> message)
    {
        Endpoint endpoint = peer.Endpoint;
        if (!endpoint.IsSet)
        {
            peer.Counters.Drop(DropReason.SendFailed);
            return;
        }

        byte[] buffer = message.ToArray();
        if (_bind.Send([buffer], [buffer.Length], 0, endpoint))
        {
            peer.AddTxBytes(buffer.Length);
        }
        else
        {
            peer.Counters.Drop(DropReason.SendFailed);
        }
    }

    private void SendCookieReply(ReadOnlySpan<byte> message, Endpoint source)
    {
        byte[] reply = new byte[Messages.CookieReplySize];
        if (CookieChecker.CreateReply(message, source, reply))
        {
            Log.Cookie(source);
            _bind.Send([reply], [reply.Length], 0, source);
        }
    }
}
