using System.Net;
using Holt.WireGuard.Crypto;
using Holt.WireGuard.Keys;

namespace Holt.WireGuard.Device;

/// <summary>Configuration: one atomic entry point, <see cref="Apply"/>, in the control protocol's terms.</summary>
public sealed partial class WireGuardDevice
{
    private volatile byte[] _identityInitialHash = new byte[32];

    /// <summary>
    /// Applies <paramref name="update"/> as one change. Only the socket settings can fail (the port is taken, the
    /// mark is refused); they are changed first and undone on failure, so a failure leaves everything as it was.
    /// </summary>
    /// <exception cref="DeviceConfigurationException">
    /// The port could not be bound or the mark could not be set; nothing was changed.
    /// </exception>
    public void Apply(DeviceUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_configSync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ChangeSocketSettings(update.ListenPort, update.FirewallMark);

            if (update.RemovePrivateKey)
            {
                SetPrivateKey(null);
            }
            else if (update.PrivateKey is not null)
            {
                SetPrivateKey(update.PrivateKey);
            }

            if (update.ReplacePeers)
            {
                foreach (Peer peer in _peers.Values)
                {
                    RemovePeer(peer);
                }
            }

            foreach (PeerUpdate change in update.Peers)
            {
                ApplyPeer(change);
            }
        }
    }

    /// <summary>
    /// Copies the private key into <paramref name="destination"/> (32 bytes) for the control socket's <c>get</c>,
    /// so the secret never becomes a string or an object the caller must remember to zero. False if none is set.
    /// </summary>
    public bool TryCopyPrivateKey(Span<byte> destination)
    {
        if (destination.Length < 32)
        {
            throw new ArgumentException("A private key is 32 bytes.", nameof(destination));
        }

        // Under the configuration lock, so a concurrent Apply cannot dispose the key mid-copy.
        lock (_configSync)
        {
            PrivateKey? key = _privateKey;
            if (_disposed || key is null)
            {
                return false;
            }

            key.Span.CopyTo(destination);
            return true;
        }
    }

    private void ChangeSocketSettings(ushort? port, uint? mark)
    {
        uint previousMark = _fwmark;
        bool markChanges = mark is uint m && m != previousMark;
        if (markChanges)
        {
            // Set before the port: a rebind below then carries the new mark, and a refusal here has changed nothing.
            if (_isUp)
            {
                SetMarkOrThrow(mark!.Value);
            }

            _fwmark = mark!.Value;
        }

        if (port is ushort p)
        {
            try
            {
                ChangeListenPort(p);
            }
            catch (DeviceConfigurationException) when (markChanges)
            {
                _fwmark = previousMark;
                if (_isUp)
                {
                    SetMarkOrThrow(previousMark);
                }

                throw;
            }
        }
    }

    private void SetMarkOrThrow(uint mark)
    {
        try
        {
            _bind.SetMark(mark);
        }
        catch (Exception e) when (e is InvalidOperationException or System.Net.Sockets.SocketException or IOException or UnauthorizedAccessException)
        {
            throw new DeviceConfigurationException($"cannot set fwmark {mark}: {e.Message}", e);
        }
    }

    private void ChangeListenPort(ushort port)
    {
        if (!_isUp)
        {
            _configuredPort = port;
            return;
        }

        if (port != 0 && port == _listenPort)
        {
            _configuredPort = port;
            return;
        }

        ushort previous = _listenPort;
        CloseBind();
        try
        {
            OpenBind(port);
            _configuredPort = port;
        }
        catch (Exception e) when (e is InvalidOperationException or System.Net.Sockets.SocketException or IOException)
        {
            OpenBind(previous);
            throw new DeviceConfigurationException($"cannot listen on port {port}: {e.Message}", e);
        }
    }

    private void SetPrivateKey(PrivateKey? key)
    {
        PrivateKey? current = Volatile.Read(ref _privateKey);
        if (key is null ? current is null : key.SecretEquals(current))
        {
            return;
        }

        PrivateKey? copy = key is null ? null : PrivateKey.FromBytes(key.Span);
        byte[] initialHash = new byte[32];
        if (copy is not null)
        {
            Blake2s.Hash(Handshake.IdentifierHash, copy.PublicKey.Span, initialHash);
        }

        _identityInitialHash = initialHash;
        Volatile.Write(ref _privateKey, copy);
        CookieChecker.SetLocalKey(copy?.PublicKey);
        Log.Identity(copy?.PublicKey);

        // A peer cannot have our own public key.
        if (copy is not null && _peers.TryGetValue(copy.PublicKey, out Peer? self))
        {
            RemovePeer(self);
        }

        foreach (Peer peer in _peers.Values)
        {
            lock (peer.Handshake.Sync)
            {
                peer.Handshake.Precompute(copy, peer.PublicKey);
            }

            peer.ExpireCurrentKeypairs();
        }

        current?.Dispose();
    }

    private void ApplyPeer(PeerUpdate change)
    {
        _peers.TryGetValue(change.PublicKey, out Peer? peer);
        if (change.Remove)
        {
            if (peer is not null)
            {
                RemovePeer(peer);
            }

            return;
        }

        if (peer is null)
        {
            if (change.UpdateOnly || change.PublicKey == PublicKey)
            {
                return;
            }

            peer = AddPeer(change.PublicKey);
        }

        if (change.RemovePresharedKey)
        {
            peer.SetPresharedKey(null);
        }
        else if (change.PresharedKey is not null)
        {
            peer.SetPresharedKey(change.PresharedKey);
        }

        if (change.Endpoint is { } endpoint)
        {
            peer.SetEndpoint(endpoint);
        }

        if (change.ReplaceAllowedIps || change.AllowedIps.Count > 0)
        {
            Routes.Update(peer, change.AllowedIps, change.ReplaceAllowedIps);
        }

        // After the additions: a prefix both added and then removed in one request ends up held by nobody, as it
        // would if the lines were applied one by one.
        foreach (IPNetwork prefix in change.RemoveAllowedIps)
        {
            Routes.Remove(prefix, peer);
        }

        if (change.PersistentKeepaliveInterval is ushort interval)
        {
            ushort old = peer.PersistentKeepaliveInterval;
            peer.PersistentKeepaliveInterval = interval;
            if (old == 0 && interval > 0)
            {
                peer.OnPersistentKeepaliveConfigured();
            }
        }
    }

    private Peer AddPeer(PublicKey publicKey)
    {
        var peer = new Peer(this, publicKey, ++_peersAdded);
        lock (peer.Handshake.Sync)
        {
            peer.Handshake.Precompute(Volatile.Read(ref _privateKey), publicKey);
        }

        _peers[publicKey] = peer;
        Log.PeerCreated(peer);

        // Loops of removed peers have ended; forget them so peer churn does not grow the list.
        _workers.RemoveAll(task => task.IsCompleted);
        _workers.Add(Task.Run(() => PeerSendLoopAsync(peer)));
        _workers.Add(Task.Run(() => PeerReceiveLoopAsync(peer)));
        if (_isUp)
        {
            peer.StartTimers();
        }

        return peer;
    }

    private void RemovePeer(Peer peer)
    {
        _peers.TryRemove(peer.PublicKey, out _);
        Routes.RemoveAll(peer);
        peer.MarkRemoved();
        Log.PeerRemoved(peer);
    }
}
