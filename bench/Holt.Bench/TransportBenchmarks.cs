using BenchmarkDotNet.Attributes;
using Holt.WireGuard.Device;
using Holt.WireGuard.Noise;

namespace Holt.Bench;

/// <summary>
/// Transport data messages through the engine's own crypto stage (section 5.4.6): <c>Encrypt</c> pads, writes
/// the header and seals in place; <c>Decrypt</c> opens in place. One packet alone, or a batch of 128 as the
/// crypto workers get them; figures are per packet. The TUN MTU is 65535 so that a 16384-byte packet is padded
/// like the others, to a multiple of 16. Opening in place consumes the message, so each decryption first copies
/// the sealed messages back (<see cref="RestoreOne"/> and <see cref="RestoreBatch"/> time that copy alone).
/// </summary>
[MemoryDiagnoser]
public class TransportBenchmarks
{
    private const int BatchCount = 128;

    private readonly byte[][] _sealed = new byte[BatchCount][];
    private DevicePair _pair = null!;
    private Keypair _receiving = null!;
    private PacketBatch _plainOne = null!;
    private PacketBatch _plainBatch = null!;
    private PacketBatch _cipherOne = null!;
    private PacketBatch _cipherBatch = null!;
    private ulong _nextCounter;

    [Params(64, 1420, 16384)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pair = new DevicePair(TimeProvider.System, mtu: 65535);
        if (!_pair.Handshake())
        {
            throw new InvalidOperationException("the handshake between the two devices failed");
        }

        Keypair sending = _pair.PeerAtA.CurrentKeypair ?? throw new InvalidOperationException("A has no session");
        _receiving = _pair.PeerAtB.NextKeypair ?? throw new InvalidOperationException("B has no session");
        byte[] packet = Ipv4Packet.Udp4(DevicePair.TunnelA, DevicePair.TunnelB, Size);

        _plainOne = Rent(_pair.A, sending, 1);
        _plainBatch = Rent(_pair.A, sending, BatchCount);
        for (int i = 0; i < BatchCount; i++)
        {
            packet.CopyTo(_plainBatch.Elements[i].Buffer, Messages.TransportHeaderSize);
        }

        // Seal one batch for the decryption benchmarks to open again and again.
        EncryptBatch();
        for (int i = 0; i < BatchCount; i++)
        {
            PacketElement element = _plainBatch.Elements[i];
            _sealed[i] = element.Buffer.AsSpan(element.Offset, element.Length).ToArray();
        }

        _cipherOne = Rent(_pair.B, _receiving, 1);
        _cipherBatch = Rent(_pair.B, _receiving, BatchCount);
        DecryptBatch();
        DecryptOne();
        Verify(_cipherBatch, packet);
        Verify(_cipherOne, packet);
    }

    [GlobalCleanup]
    public void Cleanup() => _pair.Dispose();

    [Benchmark]
    [BenchmarkCategory("Encrypt")]
    public void EncryptOne()
    {
        Reset(_plainOne);
        _pair.A.Encrypt(_plainOne);
    }

    [Benchmark(OperationsPerInvoke = BatchCount)]
    [BenchmarkCategory("Encrypt")]
    public void EncryptBatch()
    {
        Reset(_plainBatch);
        _pair.A.Encrypt(_plainBatch);
    }

    [Benchmark]
    [BenchmarkCategory("Decrypt")]
    public void DecryptOne()
    {
        Restore(_cipherOne);
        _pair.B.Decrypt(_cipherOne);
    }

    [Benchmark(OperationsPerInvoke = BatchCount)]
    [BenchmarkCategory("Decrypt")]
    public void DecryptBatch()
    {
        Restore(_cipherBatch);
        _pair.B.Decrypt(_cipherBatch);
    }

    [Benchmark]
    [BenchmarkCategory("Decrypt")]
    public void RestoreOne() => Restore(_cipherOne);

    [Benchmark(OperationsPerInvoke = BatchCount)]
    [BenchmarkCategory("Decrypt")]
    public void RestoreBatch() => Restore(_cipherBatch);

    private static PacketBatch Rent(WireGuardDevice device, Keypair keypair, int count)
    {
        PacketBatch batch = device.Pool.RentBatch();
        batch.Peer = keypair.Peer;
        batch.Keypair = keypair;
        for (int i = 0; i < count; i++)
        {
            batch.Add(device.Pool.Rent(CancellationToken.None) ?? throw new InvalidOperationException("no packet buffer"));
        }

        return batch;
    }

    private static void Verify(PacketBatch batch, byte[] packet)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            PacketElement element = batch.Elements[i];
            if (!element.Ok || !element.Buffer.AsSpan(Messages.TransportHeaderSize, packet.Length).SequenceEqual(packet))
            {
                throw new InvalidOperationException($"packet {i} of {batch.Count} did not decrypt to what was sealed");
            }
        }
    }

    /// <summary>Lays the plain packets out as the TUN reader does: after room for the header, with fresh counters.</summary>
    private void Reset(PacketBatch batch)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            PacketElement element = batch.Elements[i];
            element.Offset = Messages.TransportHeaderSize;
            element.Length = Size;
            element.Counter = _nextCounter++;
        }
    }

    /// <summary>Puts the sealed messages back as the UDP reader does: at offset 0, with the counter read.</summary>
    private void Restore(PacketBatch batch)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            PacketElement element = batch.Elements[i];
            byte[] message = _sealed[i];
            message.CopyTo(element.Buffer, 0);
            element.Offset = 0;
            element.Length = message.Length;
            element.Counter = (ulong)i;
        }
    }
}
