using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Holt.WireGuard.Device;

/// <summary>How a <see cref="WireGuardDevice"/> runs. The defaults suit a real interface.</summary>
public sealed class DeviceOptions
{
    /// <summary>The clock for every timer and key age; tests pass a fake one to run in virtual time.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Threads that encrypt and decrypt in parallel.</summary>
    public int CryptoWorkers { get; init; } = Environment.ProcessorCount;

    /// <summary>Threads that process handshake messages.</summary>
    public int HandshakeWorkers { get; init; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Packet buffers in flight at once; past this, the readers wait.</summary>
    public int MaxPacketsInFlight { get; init; } = 4096;

    /// <summary>Queued handshake messages that put the device under load (section 5.3).</summary>
    public int UnderLoadQueueLength { get; init; } = Noise.Limits.UnderLoadQueueLength;
}
