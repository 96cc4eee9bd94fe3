using System.Text;
using System.Text.Json;
using Holt.WireGuard.Crypto;
using Holt.WireGuard.Noise;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Noise;

/// <summary>The cacophony Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s vector, run through the engine's Noise core.</summary>
public sealed class NoiseVectorTests
{
    private sealed record Vector(
        string ProtocolName, byte[] Prologue, byte[] Psk, byte[] InitStatic, byte[] InitEphemeral,
        byte[] RespStatic, byte[] RespEphemeral, byte[] HandshakeHash, (byte[] Payload, byte[] Ciphertext)[] Messages);

    private static Vector Load()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(TestVectors.PathOf("noise-ikpsk2-25519-chachapoly-blake2s.json")));
        JsonElement root = doc.RootElement;
        byte[] H(string name) => TestVectors.Hex(root.GetProperty(name).GetString()!);
        var messages = root.GetProperty("messages").EnumerateArray()
            .Select(m => (TestVectors.Hex(m.GetProperty("payload").GetString()!), TestVectors.Hex(m.GetProperty("ciphertext").GetString()!)))
            .ToArray();
        Assert.Equal(H("init_prologue"), H("resp_prologue"));
        return new Vector(
            root.GetProperty("protocol_name").GetString()!, H("init_prologue"),
            TestVectors.Hex(root.GetProperty("init_psks")[0].GetString()!),
            H("init_static"), H("init_ephemeral"), H("resp_static"), H("resp_ephemeral"), H("handshake_hash"), messages);
    }

    private static byte[] Public(byte[] privateKey)
    {
        byte[] pub = new byte[32];
        X25519.DerivePublicKey(privateKey, pub);
        return pub;
    }

    private static byte[] Dh(byte[] privateKey, byte[] publicKey)
    {
        byte[] shared = new byte[32];
        Assert.True(X25519.SharedSecret(privateKey, publicKey, shared));
        return shared;
    }

    [Fact]
    public void IKpsk2Vector_ReproducesEveryCiphertextAndTheHandshakeHash()
    {
        Vector v = Load();
        Assert.Equal(Protocol.Construction, v.ProtocolName);
        byte[] name = Encoding.ASCII.GetBytes(v.ProtocolName);
        byte[] initStaticPublic = Public(v.InitStatic);
        byte[] respStaticPublic = Public(v.RespStatic);

        var initiator = default(SymmetricState);
        var responder = default(SymmetricState);
        NoiseIKpsk2.Initialize(ref initiator, name, v.Prologue, respStaticPublic);
        NoiseIKpsk2.Initialize(ref responder, name, v.Prologue, respStaticPublic);

        // Message 0: initiator -> responder.
        (byte[] payload0, byte[] expected0) = v.Messages[0];
        byte[] message0 = new byte[NoiseIKpsk2.Message1Length(payload0.Length)];
        Assert.True(NoiseIKpsk2.WriteMessage1(ref initiator, initStaticPublic, v.InitEphemeral, respStaticPublic, Dh(v.InitStatic, respStaticPublic), payload0, message0));
        Assert.Equal(Convert.ToHexStringLower(expected0), Convert.ToHexStringLower(message0));

        byte[] remoteEphemeral = new byte[32];
        byte[] remoteStatic = new byte[32];
        Assert.True(NoiseIKpsk2.ReadMessage1Static(ref responder, v.RespStatic, message0, remoteEphemeral, remoteStatic));
        Assert.Equal(initStaticPublic, remoteStatic);
        byte[] read0 = new byte[payload0.Length];
        Assert.True(NoiseIKpsk2.ReadMessage1Payload(ref responder, Dh(v.RespStatic, remoteStatic), message0, read0));
        Assert.Equal(payload0, read0);

        // Message 1: responder -> initiator.
        (byte[] payload1, byte[] expected1) = v.Messages[1];
        byte[] message1 = new byte[NoiseIKpsk2.Message2Length(payload1.Length)];
        Assert.True(NoiseIKpsk2.WriteMessage2(ref responder, v.RespEphemeral, remoteEphemeral, remoteStatic, v.Psk, payload1, message1));
        Assert.Equal(Convert.ToHexStringLower(expected1), Convert.ToHexStringLower(message1));

        byte[] read1 = new byte[payload1.Length];
        Assert.True(NoiseIKpsk2.ReadMessage2(ref initiator, v.InitStatic, v.InitEphemeral, v.Psk, message1, read1));
        Assert.Equal(payload1, read1);

        Assert.Equal(Convert.ToHexStringLower(v.HandshakeHash), Convert.ToHexStringLower(initiator.Hash.ToArray()));
        Assert.Equal(Convert.ToHexStringLower(v.HandshakeHash), Convert.ToHexStringLower(responder.Hash.ToArray()));

        // Transport: messages alternate directions with nonces 0, 0, 1, 1.
        byte[] i2r = new byte[32], r2i = new byte[32], i2rResp = new byte[32], r2iResp = new byte[32];
        initiator.Split(i2r, r2i);
        responder.Split(i2rResp, r2iResp);
        Assert.Equal(i2r, i2rResp);
        Assert.Equal(r2i, r2iResp);
        for (int i = 2; i < v.Messages.Length; i++)
        {
            (byte[] payload, byte[] expected) = v.Messages[i];
            bool fromInitiator = i % 2 == 0;
            ulong nonce = (ulong)((i - 2) / 2);
            byte[] sealedMessage = new byte[payload.Length + ChaChaPoly.TagSize];
            ChaChaPoly.Seal(fromInitiator ? i2r : r2i, nonce, payload, default, sealedMessage);
            Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(sealedMessage));

            byte[] opened = new byte[payload.Length];
            Assert.True(ChaChaPoly.Open(fromInitiator ? i2r : r2i, nonce, expected, default, opened));
            Assert.Equal(payload, opened);
        }
    }

    [Fact]
    public void IKpsk2Vector_TamperedMessage1_FailsToAuthenticate()
    {
        Vector v = Load();
        byte[] name = Encoding.ASCII.GetBytes(v.ProtocolName);
        byte[] respStaticPublic = Public(v.RespStatic);
        byte[] message0 = (byte[])v.Messages[0].Ciphertext.Clone();
        message0[40] ^= 1;

        var responder = default(SymmetricState);
        NoiseIKpsk2.Initialize(ref responder, name, v.Prologue, respStaticPublic);
        Assert.False(NoiseIKpsk2.ReadMessage1Static(ref responder, v.RespStatic, message0, new byte[32], new byte[32]));
    }
}
