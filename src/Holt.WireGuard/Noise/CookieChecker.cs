using System.Buffers.Binary;
using System.Security.Cryptography;
using Holt.WireGuard.Crypto;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;

namespace Holt.WireGuard.Noise;

/// <summary>
/// The receiving side of section 5.4.4 and 5.4.7: verifies mac1 and mac2 on incoming handshake messages and makes
/// cookie replies. The cookie is MAC(secret, source address || source port) with a random secret replaced every
/// two minutes; the reply carries it encrypted under HASH("cookie--" || our public key) with the message's mac1 as
/// associated data.
/// </summary>
internal sealed class CookieChecker
{
    private readonly TimeProvider _time;
    private readonly Lock _sync = new();
    private readonly byte[] _mac1Key = new byte[32];
    private readonly byte[] _cookieKey = new byte[32];
    private readonly byte[] _secret = new byte[32];
    private long _secretCreated;
    private bool _secretValid;
    private bool _hasKey;

    public CookieChecker(TimeProvider time) => _time = time;

    /// <summary>Derives the mac1 and cookie keys from our public key; none until a private key is set.</summary>
    public void SetLocalKey(PublicKey? localPublic)
    {
        lock (_sync)
        {
            _hasKey = localPublic is not null;
            if (localPublic is { } key)
            {
                CookieGenerator.DeriveKeys(key, _mac1Key, _cookieKey);
            }
            else
            {
                CryptographicOperations.ZeroMemory(_mac1Key);
                CryptographicOperations.ZeroMemory(_cookieKey);
            }
        }
    }

    /// <summary>mac1 = MAC(HASH("mac1----" || our public key), message up to mac1), compared in constant time.</summary>
    public bool CheckMac1(ReadOnlySpan<byte> message)
    {
        Span<byte> mac = stackalloc byte[Messages.MacSize];
        int offset = Messages.Mac1Offset(message.Length);
        lock (_sync)
        {
            if (!_hasKey)
            {
                return false;
            }

            Blake2s.Mac(_mac1Key, message[..offset], mac);
        }

        return CryptographicOperations.FixedTimeEquals(mac, message.Slice(offset, Messages.MacSize));
    }

    /// <summary>mac2 = MAC(cookie for this source, message up to mac2), compared in constant time.</summary>
    public bool CheckMac2(ReadOnlySpan<byte> message, Endpoint source)
    {
        Span<byte> cookie = stackalloc byte[Messages.MacSize];
        Span<byte> mac = stackalloc byte[Messages.MacSize];
        if (!TryMakeCookie(source, cookie))
        {
            return false;
        }

        int offset = Messages.Mac2Offset(message.Length);
        Blake2s.Mac(cookie, message[..offset], mac);
        return CryptographicOperations.FixedTimeEquals(mac, message.Slice(offset, Messages.MacSize));
    }

    /// <summary>Writes a 64-byte cookie reply to <paramref name="message"/>, sent back to <paramref name="source"/>.</summary>
    public bool CreateReply(ReadOnlySpan<byte> message, Endpoint source, Span<byte> reply)
    {
        Span<byte> cookie = stackalloc byte[Messages.MacSize];
        if (!TryMakeCookie(source, cookie))
        {
            return false;
        }

        Messages.WriteHeader(reply, MessageType.CookieReply);
        // The receiver of the reply is the sender index of the message it answers; both sit at offset 4.
        message.Slice(Messages.InitiationSenderOffset, 4).CopyTo(reply[Messages.CookieReceiverOffset..]);
        Span<byte> nonce = reply.Slice(Messages.CookieNonceOffset, ChaChaPoly.XNonceSize);
        RandomNumberGenerator.Fill(nonce);
        ReadOnlySpan<byte> mac1 = message.Slice(Messages.Mac1Offset(message.Length), Messages.MacSize);
        lock (_sync)
        {
            ChaChaPoly.XSeal(_cookieKey, nonce, cookie, mac1, reply.Slice(Messages.CookieEncryptedOffset, Messages.CookieEncryptedSize));
        }

        CryptographicOperations.ZeroMemory(cookie);
        return true;
    }

    private bool TryMakeCookie(Endpoint source, Span<byte> cookie)
    {
        Span<byte> input = stackalloc byte[18];
        int length = source.WriteAddress(input);
        BinaryPrimitives.WriteUInt16BigEndian(input[length..], source.Port);
        lock (_sync)
        {
            if (!_hasKey)
            {
                return false;
            }

            long now = _time.GetTimestamp();
            if (!_secretValid || _time.GetElapsedTime(_secretCreated, now) >= Protocol.CookieRefreshTime)
            {
                RandomNumberGenerator.Fill(_secret);
                _secretCreated = now;
                _secretValid = true;
            }

            Blake2s.Mac(_secret, input[..(length + 2)], cookie);
        }

        return true;
    }
}
