using BenchmarkDotNet.Attributes;
using Holt.WireGuard.Device;
using Holt.WireGuard.Noise;

namespace Holt.Bench;

/// <summary>
/// Handshakes between two devices through the engine's own Noise code, without queues or sockets. The devices
/// run on a <see cref="SteppingClock"/> (one second per read) so that back-to-back initiations pass the
/// responder's replay and flood guards. <see cref="Handshake"/> is one whole handshake; the other two are its
/// costliest parts.
/// </summary>
[MemoryDiagnoser]
public class HandshakeBenchmarks
{
    private readonly byte[] _initiation = new byte[Messages.InitiationSize];
    private readonly byte[] _response = new byte[Messages.ResponseSize];
    private DevicePair _pair = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pair = new DevicePair(new SteppingClock(TimeSpan.FromSeconds(1)), mtu: 1420);
        for (int i = 0; i < 3; i++)
        {
            if (!_pair.Handshake())
            {
                throw new InvalidOperationException($"handshake {i + 1} between the two devices failed");
            }
        }

        if (!_pair.A.CreateInitiation(_pair.PeerAtA, _initiation))
        {
            throw new InvalidOperationException("A could not create an initiation");
        }

        for (int i = 0; i < 3; i++)
        {
            if (!ConsumeInitiationCreateResponse())
            {
                throw new InvalidOperationException($"B refused the same initiation on pass {i + 1}");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _pair.Dispose();

    /// <summary>Initiation, response and both sessions: four messages' work on two devices.</summary>
    [Benchmark]
    public bool Handshake() => _pair.Handshake();

    /// <summary>
    /// The initiator's first step: an ephemeral key pair, one DH (the static-static one is precomputed), the
    /// encrypted static key and timestamp, the macs.
    /// </summary>
    [Benchmark]
    public bool CreateInitiation() => _pair.A.CreateInitiation(_pair.PeerAtA, _initiation);

    /// <summary>
    /// The responder's work on an initiation: mac1 check, consumption and the response. One initiation serves
    /// every call: B's record of the latest timestamp from A is cleared first, as a fresh initiation would pass
    /// that check anyway; the check itself still runs.
    /// </summary>
    [Benchmark]
    public bool ConsumeInitiationCreateResponse()
    {
        Handshake hs = _pair.PeerAtB.Handshake;
        lock (hs.Sync)
        {
            hs.LatestTimestamp.Clear();
        }

        return _pair.B.CookieChecker.CheckMac1(_initiation)
            && _pair.B.ConsumeInitiation(_initiation) == _pair.PeerAtB
            && _pair.B.CreateResponse(_pair.PeerAtB, _response);
    }
}
