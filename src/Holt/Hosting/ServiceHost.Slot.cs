using Holt.Config;

namespace Holt.Hosting;

internal sealed partial class ServiceHost
{
    /// <summary>A service in the host: whether it runs, and when it starts again after a fault.</summary>
    private abstract class Slot(string name, bool critical)
    {
        // The fields State() reads: the monitor's thread asks while the host's thread changes them.
        private readonly Lock _sync = new();
        private TimeSpan _delay = FirstRestartDelay;
        private DateTimeOffset _startedAt;
        private int _restarts;
        private DateTimeOffset? _lastFault;

        public string Name { get; } = name;

        public bool Critical { get; } = critical;

        public bool Running { get; private set; }

        /// <summary>When a stopped service starts again; null while it runs or once the host stops.</summary>
        public DateTimeOffset? RestartAt { get; set; }

        public void Start(HoltConfig? config, ServiceContext context)
        {
            StartService(config, context);
            lock (_sync)
            {
                Running = true;
                _restarts += RestartAt is null ? 0 : 1;
                RestartAt = null;
                _startedAt = context.Time.GetUtcNow();
            }
        }

        public void Reload(HoltConfig? config) => ReloadService(config);

        public void Stop()
        {
            bool running;
            lock (_sync)
            {
                running = Running;
                Running = false;
            }

            if (running)
            {
                StopService();
            }
        }

        /// <summary>The pause before the next start: the first again after a healthy run, else double the last.</summary>
        public TimeSpan NextDelay(DateTimeOffset now)
        {
            if (_lastFault is null || now - _startedAt >= StableAfter)
            {
                _delay = FirstRestartDelay;
            }
            else
            {
                _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, MaxRestartDelay.Ticks));
            }

            return _delay;
        }

        public void Failed(DateTimeOffset now, TimeSpan delay)
        {
            lock (_sync)
            {
                Running = false;
                _lastFault = now;
                _startedAt = now;
                RestartAt = now + delay;
            }
        }

        public ServiceState State()
        {
            lock (_sync)
            {
                return new(Name, Running, _restarts, _lastFault);
            }
        }

        protected abstract void StartService(HoltConfig? config, ServiceContext context);

        protected abstract void ReloadService(HoltConfig? config);

        protected abstract void StopService();
    }

    private sealed class Slot<TSettings>(IDaemonService<TSettings> service, Func<HoltConfig?, TSettings> settingsOf, bool critical)
        : Slot(service.Name, critical)
    {
        protected override void StartService(HoltConfig? config, ServiceContext context) => service.Start(settingsOf(config), context);

        protected override void ReloadService(HoltConfig? config) => service.Reload(settingsOf(config));

        protected override void StopService() => service.Stop();
    }
}
