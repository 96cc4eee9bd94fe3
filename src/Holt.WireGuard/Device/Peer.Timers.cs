using System.Security.Cryptography;
using Holt.WireGuard.Noise;

namespace Holt.WireGuard.Device;

/// <summary>
/// The timers of section 6, per peer, all on the device's <see cref="TimeProvider"/>. Event methods named
/// <c>On…</c> are called from the packet path; each arms or cancels timers the way section 6 describes.
/// </summary>
public sealed partial class Peer
{
    private PeerTimer _retransmitHandshake = null!;
    private PeerTimer _sendKeepalive = null!;
    private PeerTimer _newHandshake = null!;
    private PeerTimer _zeroKeyMaterial = null!;
    private PeerTimer _persistentKeepalive = null!;
    private int _timerHandshakeAttempts;
    private volatile bool _needAnotherKeepalive;
    private volatile bool _timersEnabled;
    private long _lastSentInitiation;

    /// <summary>Initiations sent in the current attempt to reach the peer (reset by every new attempt).</summary>
    internal int TimerHandshakeAttempts => Volatile.Read(ref _timerHandshakeAttempts);

    /// <summary>Timestamp of the last initiation sent; 0 if none since the last reset.</summary>
    internal long LastSentInitiation
    {
        get => Interlocked.Read(ref _lastSentInitiation);
        set => Interlocked.Exchange(ref _lastSentInitiation, value);
    }

    internal void StartTimers() => _timersEnabled = true;

    internal void StopTimers()
    {
        _timersEnabled = false;
        _retransmitHandshake.Delete();
        _sendKeepalive.Delete();
        _newHandshake.Delete();
        _zeroKeyMaterial.Delete();
        _persistentKeepalive.Delete();
    }

    internal void ResetHandshakeAttempts() => Volatile.Write(ref _timerHandshakeAttempts, 0);

    /// <summary>A data packet (not a keepalive) was sent: expect an answer within Keepalive-Timeout + Rekey-Timeout.</summary>
    internal void OnDataSent()
    {
        if (_timersEnabled && !_newHandshake.IsPending)
        {
            _newHandshake.Modify(Protocol.KeepaliveTimeout + Protocol.RekeyTimeout + Jitter());
        }
    }

    /// <summary>A data packet was received: answer with a keepalive if nothing else is sent within Keepalive-Timeout.</summary>
    internal void OnDataReceived()
    {
        if (!_timersEnabled)
        {
            return;
        }

        if (!_sendKeepalive.IsPending)
        {
            _sendKeepalive.Modify(Protocol.KeepaliveTimeout);
        }
        else
        {
            _needAnotherKeepalive = true;
        }
    }

    /// <summary>Any authenticated packet (data, keepalive or handshake) was sent.</summary>
    internal void OnAnyAuthenticatedPacketSent() => _sendKeepalive.Delete();

    /// <summary>Any authenticated packet was received: the peer is alive.</summary>
    internal void OnAnyAuthenticatedPacketReceived() => _newHandshake.Delete();

    /// <summary>Any authenticated packet went either way: restart the persistent keepalive interval.</summary>
    internal void OnAnyAuthenticatedPacketTraversal()
    {
        ushort interval = PersistentKeepaliveInterval;
        if (_timersEnabled && interval > 0)
        {
            _persistentKeepalive.Modify(TimeSpan.FromSeconds(interval));
        }
    }

    internal void OnHandshakeInitiated()
    {
        if (_timersEnabled)
        {
            _retransmitHandshake.Modify(Protocol.RekeyTimeout + Jitter());
        }
    }

    internal void OnHandshakeComplete()
    {
        _retransmitHandshake.Delete();
        ResetHandshakeAttempts();
        MarkHandshakeComplete();
    }

    /// <summary>A new session was derived: its keys, and everything older, are zeroed after 3 × Reject-After-Time.</summary>
    internal void OnSessionDerived()
    {
        if (_timersEnabled)
        {
            _zeroKeyMaterial.Modify(Protocol.RejectAfterTime * 3);
        }
    }

    /// <summary>Persistent keepalive was switched on or changed: send one now, as wg does on configuration.</summary>
    internal void OnPersistentKeepaliveConfigured()
    {
        if (_timersEnabled && PersistentKeepaliveInterval > 0)
        {
            Device.SendKeepalive(this);
        }
    }

    private void InitializeTimers()
    {
        TimeProvider time = Device.Time;
        _retransmitHandshake = new PeerTimer(time, RetransmitHandshakeExpired);
        _sendKeepalive = new PeerTimer(time, SendKeepaliveExpired);
        _newHandshake = new PeerTimer(time, NewHandshakeExpired);
        _zeroKeyMaterial = new PeerTimer(time, ZeroKeyMaterialExpired);
        _persistentKeepalive = new PeerTimer(time, PersistentKeepaliveExpired);
    }

    private void RetransmitHandshakeExpired()
    {
        if (!_timersEnabled)
        {
            return;
        }

        int attempt = Interlocked.Increment(ref _timerHandshakeAttempts);
        if (attempt > Limits.MaxTimerHandshakes)
        {
            // Rekey-Attempt-Time has passed: give up, drop what waited, and let the keys expire.
            Device.Log.HandshakeGaveUp(this);
            _sendKeepalive.Delete();
            FlushStaged();
            if (!_zeroKeyMaterial.IsPending)
            {
                _zeroKeyMaterial.Modify(Protocol.RejectAfterTime * 3);
            }

            return;
        }

        Device.Log.Retry(this, attempt + 1);
        Device.SendHandshakeInitiation(this, isRetry: true);
    }

    private void SendKeepaliveExpired()
    {
        if (!_timersEnabled)
        {
            return;
        }

        Device.SendKeepalive(this);
        if (_needAnotherKeepalive)
        {
            _needAnotherKeepalive = false;
            _sendKeepalive.Modify(Protocol.KeepaliveTimeout);
        }
    }

    private void NewHandshakeExpired()
    {
        if (_timersEnabled)
        {
            // We sent data and heard nothing back for Keepalive-Timeout + Rekey-Timeout.
            Device.Log.StoppedHearing(this);
            Device.SendHandshakeInitiation(this, isRetry: false);
        }
    }

    private void ZeroKeyMaterialExpired()
    {
        if (_timersEnabled)
        {
            Device.Log.KeysZeroed(this);
            ClearSessions();
        }
    }

    private void PersistentKeepaliveExpired()
    {
        if (_timersEnabled && PersistentKeepaliveInterval > 0)
        {
            Device.SendKeepalive(this);
        }
    }

    private static TimeSpan Jitter() =>
        TimeSpan.FromTicks(RandomNumberGenerator.GetInt32((int)Limits.RekeyTimeoutJitterMax.Ticks));

    /// <summary>A one-shot timer that knows whether it is armed.</summary>
    private sealed class PeerTimer
    {
        private readonly ITimer _timer;
        private readonly Action _expired;
        private readonly Lock _sync = new();
        private bool _pending;

        public PeerTimer(TimeProvider time, Action expired)
        {
            _expired = expired;
            _timer = time.CreateTimer(static state => ((PeerTimer)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public bool IsPending => Volatile.Read(ref _pending);

        public void Modify(TimeSpan due)
        {
            lock (_sync)
            {
                _pending = true;
                _timer.Change(due, Timeout.InfiniteTimeSpan);
            }
        }

        public void Delete()
        {
            if (!Volatile.Read(ref _pending))
            {
                return;
            }

            lock (_sync)
            {
                _pending = false;
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }

        private void Fire()
        {
            lock (_sync)
            {
                if (!_pending)
                {
                    return;
                }

                _pending = false;
            }

            _expired();
        }
    }
}
