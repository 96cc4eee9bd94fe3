using System.Security.Cryptography;
using System.Text;
using Holt.WireGuard.Crypto;
using Holt.WireGuard.Keys;
using Holt.WireGuard.Noise;

namespace Holt.WireGuard.Device;

internal enum HandshakeStage
{
    Zeroed,
    InitiationCreated,
    InitiationConsumed,
    ResponseCreated,
    ResponseConsumed,
}

/// <summary>
/// A peer's handshake in progress (section 5.4): the Noise state, the ephemeral keys, the indices, and the
/// replay and flood guards for initiations (the greatest TAI64N seen and when the last initiation was consumed).
/// Guarded by <see cref="Sync"/>.
/// </summary>
internal sealed class Handshake
{
    public static readonly byte[] ConstructionHash = ComputeConstructionHash();
    public static readonly byte[] IdentifierHash = ComputeIdentifierHash();

    private readonly byte[] _localEphemeral = GC.AllocateArray<byte>(32, pinned: true);
    private readonly byte[] _remoteEphemeral = new byte[32];
    private readonly byte[] _staticStatic = GC.AllocateArray<byte>(32, pinned: true);
    private readonly byte[] _presharedKey = GC.AllocateArray<byte>(32, pinned: true);
    private readonly byte[] _latestTimestamp = new byte[Tai64N.Size];
    private SymmetricState _noise;

    public Lock Sync { get; } = new();

    public HandshakeStage Stage { get; set; }

    public uint LocalIndex { get; set; }

    public uint RemoteIndex { get; set; }

    /// <summary>HASH(HASH(Ci || Identifier) || peer's static): where an initiation to this peer starts.</summary>
    public byte[] InitialHashToPeer { get; } = new byte[32];

    public Span<byte> LocalEphemeral => _localEphemeral;

    public Span<byte> RemoteEphemeral => _remoteEphemeral;

    /// <summary>DH(our static, peer's static), precomputed whenever either key changes; zero if degenerate.</summary>
    public Span<byte> StaticStatic => _staticStatic;

    /// <summary>The PSK, all zeros when none is set (section 5.2).</summary>
    public Span<byte> PresharedKey => _presharedKey;

    public Span<byte> LatestTimestamp => _latestTimestamp;

    public bool HasConsumedInitiation { get; set; }

    public long LastInitiationConsumed { get; set; }

    public ref SymmetricState Noise => ref _noise;

    public void SetRemoteStatic(PublicKey remote) => Blake2s.Hash(IdentifierHash, remote.Span, InitialHashToPeer);

    /// <summary>Recomputes DH(our static, peer's static) after either key changed.</summary>
    public void Precompute(SecretKey? localPrivate, PublicKey remote)
    {
        if (localPrivate is null || !X25519.SharedSecret(localPrivate.Span, remote.Span, _staticStatic))
        {
            CryptographicOperations.ZeroMemory(_staticStatic);
        }
    }

    /// <summary>Forgets the handshake in progress. The timestamp and flood guards survive, as they must.</summary>
    public void Clear()
    {
        _noise.Clear();
        CryptographicOperations.ZeroMemory(_localEphemeral);
        CryptographicOperations.ZeroMemory(_remoteEphemeral);
        Stage = HandshakeStage.Zeroed;
    }

    /// <summary>Zeroes everything secret, for peer removal.</summary>
    public void Destroy()
    {
        Clear();
        CryptographicOperations.ZeroMemory(_staticStatic);
        CryptographicOperations.ZeroMemory(_presharedKey);
    }

    private static byte[] ComputeConstructionHash()
    {
        byte[] ci = new byte[32];
        Blake2s.Hash(Encoding.ASCII.GetBytes(Protocol.Construction), ci);
        return ci;
    }

    private static byte[] ComputeIdentifierHash()
    {
        byte[] hi = new byte[32];
        Blake2s.Hash(ConstructionHash, Encoding.ASCII.GetBytes(Protocol.Identifier), hi);
        return hi;
    }
}
