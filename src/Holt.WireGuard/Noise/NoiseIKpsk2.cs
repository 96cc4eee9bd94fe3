using System.Security.Cryptography;
using Holt.WireGuard.Crypto;

namespace Holt.WireGuard.Noise;

/// <summary>
/// The Noise IKpsk2 pattern, token by token, with the prologue, keys, PSK and payloads as parameters. WireGuard's
/// handshake (whitepaper section 5.4.2-5.4.3) is this pattern with the Identifier as prologue, a TAI64N timestamp as
/// the first payload and an empty second payload; the official Noise test vector drives the same code.
/// <code>
///   &lt;- s
///   ...
///   -> e, es, s, ss
///   &lt;- e, ee, se, psk
/// </code>
/// In a PSK handshake every "e" token is MixHash(e) followed by MixKey(e) (Noise spec section 9.2).
/// </summary>
internal static class NoiseIKpsk2
{
    public const int KeySize = 32;
    public const int EncryptedStaticSize = KeySize + ChaChaPoly.TagSize;

    /// <summary>Message 1 length for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int Message1Length(int payloadLength) => KeySize + EncryptedStaticSize + payloadLength + ChaChaPoly.TagSize;

    /// <summary>Message 2 length for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int Message2Length(int payloadLength) => KeySize + payloadLength + ChaChaPoly.TagSize;

    /// <summary>InitializeSymmetric(Construction), MixHash(prologue), then the pre-message MixHash(rs).</summary>
    public static void Initialize(ref SymmetricState state, ReadOnlySpan<byte> protocolName, ReadOnlySpan<byte> prologue, ReadOnlySpan<byte> responderStatic)
    {
        state.Initialize(protocolName);
        state.MixHash(prologue);
        state.MixHash(responderStatic);
    }

    /// <summary>
    /// Initiator writes message 1 into <paramref name="output"/>: ephemeral, encrypted static, encrypted payload.
    /// <paramref name="staticStatic"/> is DH(s, rs), which callers precompute per peer. False if a DH result is zero.
    /// </summary>
    public static bool WriteMessage1(
        ref SymmetricState state,
        ReadOnlySpan<byte> localStaticPublic,
        ReadOnlySpan<byte> ephemeralPrivate,
        ReadOnlySpan<byte> remoteStatic,
        ReadOnlySpan<byte> staticStatic,
        ReadOnlySpan<byte> payload,
        Span<byte> output)
    {
        Span<byte> dh = stackalloc byte[KeySize];
        try
        {
            // e
            Span<byte> ephemeralPublic = output[..KeySize];
            X25519.DerivePublicKey(ephemeralPrivate, ephemeralPublic);
            state.MixHash(ephemeralPublic);
            state.MixKey(ephemeralPublic);

            // es
            if (!X25519.SharedSecret(ephemeralPrivate, remoteStatic, dh))
            {
                return false;
            }

            state.MixKey(dh);

            // s: encrypt static key
            state.EncryptAndHash(localStaticPublic, output.Slice(KeySize, EncryptedStaticSize));

            // ss
            if (X25519.IsZero(staticStatic))
            {
                return false;
            }

            state.MixKey(staticStatic);

            // payload: encrypt timestamp
            state.EncryptAndHash(payload, output.Slice(KeySize + EncryptedStaticSize, payload.Length + ChaChaPoly.TagSize));
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>
    /// Responder reads message 1 up to the initiator's static key (tokens e, es, s), so the caller can find the
    /// peer and its precomputed DH(s, rs) and PSK. False if the message does not authenticate.
    /// </summary>
    public static bool ReadMessage1Static(
        ref SymmetricState state,
        ReadOnlySpan<byte> localStaticPrivate,
        ReadOnlySpan<byte> message,
        Span<byte> remoteEphemeral,
        Span<byte> remoteStatic)
    {
        Span<byte> dh = stackalloc byte[KeySize];
        try
        {
            // e
            ReadOnlySpan<byte> ephemeral = message[..KeySize];
            ephemeral.CopyTo(remoteEphemeral);
            state.MixHash(ephemeral);
            state.MixKey(ephemeral);

            // es
            if (!X25519.SharedSecret(localStaticPrivate, ephemeral, dh))
            {
                return false;
            }

            state.MixKey(dh);

            // s: decrypt static key
            return state.DecryptAndHash(message.Slice(KeySize, EncryptedStaticSize), remoteStatic);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>Responder finishes message 1 (tokens ss and the payload). False if the payload does not authenticate.</summary>
    public static bool ReadMessage1Payload(ref SymmetricState state, ReadOnlySpan<byte> staticStatic, ReadOnlySpan<byte> message, Span<byte> payload)
    {
        // ss
        if (X25519.IsZero(staticStatic))
        {
            return false;
        }

        state.MixKey(staticStatic);

        // payload: decrypt timestamp
        return state.DecryptAndHash(message[(KeySize + EncryptedStaticSize)..], payload);
    }

    /// <summary>Responder writes message 2: ephemeral and encrypted payload (tokens e, ee, se, psk).</summary>
    public static bool WriteMessage2(
        ref SymmetricState state,
        ReadOnlySpan<byte> ephemeralPrivate,
        ReadOnlySpan<byte> remoteEphemeral,
        ReadOnlySpan<byte> remoteStatic,
        ReadOnlySpan<byte> presharedKey,
        ReadOnlySpan<byte> payload,
        Span<byte> output)
    {
        Span<byte> dh = stackalloc byte[KeySize];
        try
        {
            // e
            Span<byte> ephemeralPublic = output[..KeySize];
            X25519.DerivePublicKey(ephemeralPrivate, ephemeralPublic);
            state.MixHash(ephemeralPublic);
            state.MixKey(ephemeralPublic);

            // ee
            if (!X25519.SharedSecret(ephemeralPrivate, remoteEphemeral, dh))
            {
                return false;
            }

            state.MixKey(dh);

            // se
            if (!X25519.SharedSecret(ephemeralPrivate, remoteStatic, dh))
            {
                return false;
            }

            state.MixKey(dh);

            // psk
            state.MixKeyAndHash(presharedKey);

            // payload: encrypt nothing
            state.EncryptAndHash(payload, output.Slice(KeySize, payload.Length + ChaChaPoly.TagSize));
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>Initiator reads message 2. False if it does not authenticate.</summary>
    public static bool ReadMessage2(
        ref SymmetricState state,
        ReadOnlySpan<byte> localStaticPrivate,
        ReadOnlySpan<byte> ephemeralPrivate,
        ReadOnlySpan<byte> presharedKey,
        ReadOnlySpan<byte> message,
        Span<byte> payload)
    {
        Span<byte> dh = stackalloc byte[KeySize];
        try
        {
            // e
            ReadOnlySpan<byte> ephemeral = message[..KeySize];
            state.MixHash(ephemeral);
            state.MixKey(ephemeral);

            // ee
            if (!X25519.SharedSecret(ephemeralPrivate, ephemeral, dh))
            {
                return false;
            }

            state.MixKey(dh);

            // se
            if (!X25519.SharedSecret(localStaticPrivate, ephemeral, dh))
            {
                return false;
            }

            state.MixKey(dh);

            // psk
            state.MixKeyAndHash(presharedKey);

            // payload: decrypt nothing
            return state.DecryptAndHash(message[KeySize..], payload);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
        }
    }
}
