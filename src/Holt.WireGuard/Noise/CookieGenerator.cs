using System.Security.Cryptography;
using System.Text;
using Holt.WireGuard.Crypto;
using Holt.WireGuard.Keys;

namespace Holt.WireGuard.Noise;

/// <summary>
/// The sending side of section 5.4.4 and 5.4.7, one per peer: adds mac1 (keyed by the peer's public key) and, while
/// a cookie from the peer is fresh, mac2 to outgoing handshake messages, and takes in cookie replies.
/// </summary>
internal sealed class CookieGenerator
{
    private readonly TimeProvider _time;
    private readonly Lock _sync = new();
    private readonly byte[] _mac1Key = new byte[32];
    private readonly byte[] _cookieKey = new byte[32];
    private readonly byte[] _cookie = new byte[Messages.MacSize];
    private readonly byte[] _lastMac1 = new byte[Messages.MacSize];
    private long _cookieReceived;
    private bool _hasCookie;
    private bool _hasLastMac1;

    public CookieGenerator(PublicKey remoteStatic, TimeProvider time)
    {
        _time = time;
        DeriveKeys(remoteStatic, _mac1Key, _cookieKey);
    }

    /// <summary>
    /// The two keys a static public key implies (section 5.4.4): HASH("mac1----" || key) for mac1 and
    /// HASH("cookie--" || key) for encrypting cookies. Both sides of the exchange derive them the same way.
    /// </summary>
    public static void DeriveKeys(PublicKey key, Span<byte> mac1Key, Span<byte> cookieKey)
    {
        Blake2s.Hash(Encoding.ASCII.GetBytes(Protocol.LabelMac1), key.Span, mac1Key);
        Blake2s.Hash(Encoding.ASCII.GetBytes(Protocol.LabelCookie), key.Span, cookieKey);
    }

    /// <summary>Fills in mac1 and mac2, the last 32 bytes of <paramref name="message"/>.</summary>
    public void AddMacs(Span<byte> message)
    {
        int mac1Offset = Messages.Mac1Offset(message.Length);
        int mac2Offset = Messages.Mac2Offset(message.Length);
        Span<byte> mac1 = message.Slice(mac1Offset, Messages.MacSize);
        Span<byte> mac2 = message.Slice(mac2Offset, Messages.MacSize);
        lock (_sync)
        {
            Blake2s.Mac(_mac1Key, message[..mac1Offset], mac1);
            mac1.CopyTo(_lastMac1);
            _hasLastMac1 = true;

            if (_hasCookie && _time.GetElapsedTime(_cookieReceived) < Limits.CookieUsableTime)
            {
                Blake2s.Mac(_cookie, message[..mac2Offset], mac2);
            }
            else
            {
                mac2.Clear();
            }
        }
    }

    /// <summary>
    /// Decrypts a cookie reply answering our last handshake message and keeps the cookie. False if it does not
    /// authenticate (wrong peer, or not an answer to our latest mac1).
    /// </summary>
    public bool ConsumeReply(ReadOnlySpan<byte> reply)
    {
        Span<byte> cookie = stackalloc byte[Messages.MacSize];
        lock (_sync)
        {
            if (!_hasLastMac1)
            {
                return false;
            }

            bool ok = ChaChaPoly.XOpen(
                _cookieKey,
                reply.Slice(Messages.CookieNonceOffset, ChaChaPoly.XNonceSize),
                reply.Slice(Messages.CookieEncryptedOffset, Messages.CookieEncryptedSize),
                _lastMac1,
                cookie);
            if (!ok)
            {
                return false;
            }

            cookie.CopyTo(_cookie);
            _cookieReceived = _time.GetTimestamp();
            _hasCookie = true;
            // One reply per message: the next reply must answer a newer mac1.
            _hasLastMac1 = false;
        }

        CryptographicOperations.ZeroMemory(cookie);
        return true;
    }
}
