using Microsoft.Extensions.Logging;

namespace Holt.Hosting;

/// <summary>
/// One service of the daemon (the gateway, the firewall, the guard; later the monitor and the dashboard), run by
/// <see cref="ServiceHost"/>. The host calls these methods from its own thread only, one at a time, so a service
/// needs no locking between them; threads a service starts itself report their failures through
/// <see cref="ServiceContext.Fault"/>.
/// </summary>
/// <remarks>
/// <see cref="Stop"/> ends the service's activity and releases what it holds, but never takes down what protects
/// the machine (an nftables table, the interface): after a fault the host stops the service and starts it again,
/// and a window without the firewall would be a window open to everyone. Tearing those down at shutdown is the
/// business of whoever created them.
/// </remarks>
/// <typeparam name="TSettings">The service's own part of holt.toml, as the host hands it over.</typeparam>
internal interface IDaemonService<in TSettings>
{
    /// <summary>The name the log and the status use ("gateway", "firewall", "guard").</summary>
    string Name { get; }

    /// <summary>Starts the service; an exception means it did not start (and holds nothing).</summary>
    void Start(TSettings settings, ServiceContext context);

    /// <summary>The service's part of holt.toml may have changed: apply it. An exception is a fault.</summary>
    void Reload(TSettings settings);

    /// <summary>Stops the service; called once after every successful <see cref="Start"/>.</summary>
    void Stop();
}

/// <summary>What the host gives a service: the clock, the log, and a way to report a failure of its own threads.</summary>
internal sealed class ServiceContext(string name, TimeProvider time, ILogger logger, Action<string, Exception> fault)
{
    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = logger;

    /// <summary>
    /// Reports that the service failed on a thread of its own; the host logs it, stops the service and starts it
    /// again after a pause, while the other services (and the tunnel) run on.
    /// </summary>
    public void Fault(Exception error) => fault(name, error);
}
