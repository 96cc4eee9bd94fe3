using System.Buffers;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Holt.WireGuard.Device;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;

namespace Holt.Uapi;

/// <summary>
/// Reads the lines of a <c>set=1</c> request (https://www.wireguard.com/xplatform/#configuration-protocol) into one
/// <see cref="DeviceUpdate"/>, which the caller applies once, atomically. wireguard-go applies each line as it reads
/// it, so a bad line leaves the lines before it applied; Holt validates everything first and applies nothing if
/// any line is wrong.
/// </summary>
/// <remarks>
/// Holt is also stricter than wireguard-go where one update cannot express what a line-by-line reading would do
/// and no tool writes it anyway: a key repeated within a section, a peer's section repeated, and
/// <c>replace_allowed_ips</c> after that section's <c>allowed_ip</c> lines are refused with EINVAL. Lines in the
/// section of a peer being removed, or of the device's own key, are checked and then have no effect, as in
/// wireguard-go.
/// </remarks>
internal sealed class SetRequestParser : IDisposable
{
    /// <summary>Longer than any line the protocol has (an IPv6 endpoint with a zone is under 100 bytes).</summary>
    public const int MaxLineLength = 4096;

    private static readonly SearchValues<char> s_keyNameChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz_");

    private readonly List<PeerUpdate> _peers = [];
    private readonly HashSet<PublicKey> _sections = [];
    private readonly List<SecretKey> _secrets = [];
    private PeerSection? _peer;
    private SeenKeys _deviceSeen;
    private PrivateKey? _privateKey;
    private bool _removePrivateKey;
    private ushort? _listenPort;
    private uint? _firewallMark;
    private bool _replacePeers;

    // The "set=1" line is line 1, so the numbers match what the client wrote.
    private int _line = 1;

    /// <summary>The first problem found; once set, later lines are only counted.</summary>
    public UapiError? Error { get; private set; }

    /// <summary>Peer sections read so far.</summary>
    public int PeerSections => _sections.Count;

    /// <summary>allowed_ip lines read so far, over all sections.</summary>
    public long AllowedIpLines { get; private set; }

    /// <summary>Takes one line, as ASCII bytes without its newline.</summary>
    public void Add(ReadOnlySpan<byte> line)
    {
        if (line.Length > MaxLineLength)
        {
            _line++;
            Fail(UapiErrno.MessageTooLong, "line too long");
            return;
        }

        Span<char> chars = stackalloc char[line.Length];
        try
        {
            if (Ascii.ToUtf16(line, chars, out _) != OperationStatus.Done)
            {
                _line++;
                Fail(UapiErrno.Invalid, "invalid characters");
                return;
            }

            Add(chars);
        }
        finally
        {
            // The line may have held a key.
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(chars));
        }
    }

    /// <summary>Takes one line without its newline.</summary>
    public void Add(ReadOnlySpan<char> line)
    {
        _line++;
        if (Error is not null)
        {
            return;
        }

        if (line.ContainsAnyInRange('\0', '\x1f') || line.Contains('\x7f') || line.ContainsAnyExceptInRange('\0', '\x7f'))
        {
            Fail(UapiErrno.Invalid, "invalid characters");
            return;
        }

        int equals = line.IndexOf('=');
        if (equals < 0)
        {
            // wireguard-go's IpcErrorProtocol for a line it cannot split.
            Fail(UapiErrno.Protocol, "line is not key=value");
            return;
        }

        ReadOnlySpan<char> key = line[..equals];
        ReadOnlySpan<char> value = line[(equals + 1)..];
        if (key.SequenceEqual("public_key"))
        {
            StartPeer(value);
        }
        else if (_peer is null)
        {
            AddDeviceLine(key, value);
        }
        else
        {
            AddPeerLine(_peer, key, value);
        }
    }

    /// <summary>Records a problem found outside the lines (the connection's size limits).</summary>
    public void Fail(UapiError error) => Error ??= error;

    /// <summary>The whole request as one update. The keys in it stay owned by this parser.</summary>
    public DeviceUpdate Build()
    {
        if (Error is not null)
        {
            throw new InvalidOperationException("The request was refused: " + Error);
        }

        EndPeer();
        return new DeviceUpdate
        {
            PrivateKey = _privateKey,
            RemovePrivateKey = _removePrivateKey,
            ListenPort = _listenPort,
            FirewallMark = _firewallMark,
            ReplacePeers = _replacePeers,
            Peers = _peers,
        };
    }

    public void Dispose()
    {
        foreach (SecretKey key in _secrets)
        {
            key.Dispose();
        }

        _secrets.Clear();
    }

    private void AddDeviceLine(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        switch (key)
        {
            case "private_key":
                if (Seen(ref _deviceSeen, SeenKeys.PrivateKey, key))
                {
                    if (!UapiValues.TryParseSecret(value, UapiValues.PrivateKeyFromHex, out _privateKey, out _removePrivateKey))
                    {
                        Fail(UapiErrno.Invalid, "invalid private_key");
                    }
                    else if (_privateKey is not null)
                    {
                        _secrets.Add(_privateKey);
                    }
                }

                break;
            case "listen_port":
                if (Seen(ref _deviceSeen, SeenKeys.ListenPort, key) && Number(value, ushort.MaxValue, key, out uint port))
                {
                    _listenPort = (ushort)port;
                }

                break;
            case "fwmark":
                if (Seen(ref _deviceSeen, SeenKeys.FirewallMark, key) && Number(value, uint.MaxValue, key, out uint mark))
                {
                    _firewallMark = mark;
                }

                break;
            case "replace_peers":
                _replacePeers = Seen(ref _deviceSeen, SeenKeys.ReplacePeers, key) && Flag(value, key);
                break;
            case "remove" or "update_only" or "preshared_key" or "endpoint" or "persistent_keepalive_interval"
                or "replace_allowed_ips" or "allowed_ip" or "protocol_version":
                Fail(UapiErrno.Invalid, $"{key.ToString()} before any public_key");
                break;
            default:
                Fail(UapiErrno.Invalid, $"unknown device key {Describe(key)}");
                break;
        }
    }

    private void StartPeer(ReadOnlySpan<char> value)
    {
        EndPeer();
        if (!PublicKey.TryParseHex(value, out PublicKey publicKey))
        {
            Fail(UapiErrno.Invalid, "invalid public_key");
            return;
        }

        if (!_sections.Add(publicKey))
        {
            Fail(UapiErrno.Invalid, "second section for the same public_key");
            return;
        }

        _peer = new PeerSection(publicKey);
    }

    private void EndPeer()
    {
        if (_peer is not null)
        {
            _peers.Add(_peer.ToUpdate());
            AllowedIpLines += _peer.AllowedIpLines;
            _peer = null;
        }
    }

    private void AddPeerLine(PeerSection peer, ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        SeenKeys seen = peer.Seen;
        switch (key)
        {
            case "remove":
                peer.Remove = Seen(ref seen, SeenKeys.Remove, key) && Flag(value, key);
                break;
            case "update_only":
                peer.UpdateOnly = Seen(ref seen, SeenKeys.UpdateOnly, key) && Flag(value, key);
                break;
            case "preshared_key":
                if (Seen(ref seen, SeenKeys.PresharedKey, key))
                {
                    if (!UapiValues.TryParseSecret(value, PresharedKey.ParseHex, out PresharedKey? psk, out bool removePsk))
                    {
                        Fail(UapiErrno.Invalid, "invalid preshared_key");
                    }
                    else
                    {
                        peer.PresharedKey = psk;
                        peer.RemovePresharedKey = removePsk;
                        if (psk is not null)
                        {
                            _secrets.Add(psk);
                        }
                    }
                }

                break;
            case "endpoint":
                if (Seen(ref seen, SeenKeys.Endpoint, key))
                {
                    if (UapiValues.TryParseEndpoint(value, out Endpoint endpoint))
                    {
                        peer.Endpoint = endpoint;
                    }
                    else
                    {
                        Fail(UapiErrno.Invalid, "invalid endpoint");
                    }
                }

                break;
            case "persistent_keepalive_interval":
                if (Seen(ref seen, SeenKeys.PersistentKeepalive, key) && Number(value, ushort.MaxValue, key, out uint interval))
                {
                    peer.PersistentKeepaliveInterval = (ushort)interval;
                }

                break;
            case "replace_allowed_ips":
                if ((seen & SeenKeys.AllowedIp) != 0)
                {
                    Fail(UapiErrno.Invalid, "replace_allowed_ips after allowed_ip");
                }
                else
                {
                    peer.ReplaceAllowedIps = Seen(ref seen, SeenKeys.ReplaceAllowedIps, key) && Flag(value, key);
                }

                break;
            case "allowed_ip":
                seen |= SeenKeys.AllowedIp;
                AddAllowedIp(peer, value);
                break;
            case "protocol_version":
                // Only version 1 exists; a client may say so, as get does.
                if (Seen(ref seen, SeenKeys.ProtocolVersion, key) && !value.SequenceEqual("1"))
                {
                    Fail(UapiErrno.Invalid, "unsupported protocol_version");
                }

                break;
            case "private_key" or "listen_port" or "fwmark" or "replace_peers":
                Fail(UapiErrno.Invalid, $"device key {key.ToString()} after public_key");
                break;
            default:
                Fail(UapiErrno.Invalid, $"unknown peer key {Describe(key)}");
                break;
        }

        peer.Seen = seen;
    }

    private void AddAllowedIp(PeerSection peer, ReadOnlySpan<char> value)
    {
        // "-prefix" removes, as wireguard-go and recent wireguard-tools have it.
        bool remove = value.StartsWith('-');
        if (!UapiValues.TryParsePrefix(remove ? value[1..] : value, out IPNetwork prefix))
        {
            Fail(UapiErrno.Invalid, "invalid allowed_ip");
        }
        else if (remove)
        {
            peer.RemoveAllowedIp(prefix);
        }
        else
        {
            peer.AddAllowedIp(prefix);
        }
    }

    private bool Seen(ref SeenKeys seen, SeenKeys key, ReadOnlySpan<char> name)
    {
        if ((seen & key) != 0)
        {
            Fail(UapiErrno.Invalid, $"{name.ToString()} given twice in one section");
            return false;
        }

        seen |= key;
        return true;
    }

    private bool Number(ReadOnlySpan<char> value, uint max, ReadOnlySpan<char> name, out uint number)
    {
        if (UapiValues.TryParseUInt(value, max, out number))
        {
            return true;
        }

        Fail(UapiErrno.Invalid, $"invalid {name.ToString()}");
        return false;
    }

    private bool Flag(ReadOnlySpan<char> value, ReadOnlySpan<char> name)
    {
        if (UapiValues.IsTrue(value))
        {
            return true;
        }

        Fail(UapiErrno.Invalid, $"invalid {name.ToString()}");
        return false;
    }

    /// <summary>A key name for the log, only if it looks like one: a garbled line must not leak a value.</summary>
    private static string Describe(ReadOnlySpan<char> key) =>
        key.Length is > 0 and <= 40 && !key.ContainsAnyExcept(s_keyNameChars) ? key.ToString() : "(unprintable)";

    private void Fail(int errno, string reason) => Error ??= new UapiError(errno, reason, _line);
}
