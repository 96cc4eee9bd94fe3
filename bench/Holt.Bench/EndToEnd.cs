using System.Diagnostics;
using System.Globalization;
using Holt.WireGuard.Device;

namespace Holt.Bench;

/// <summary>
/// The <c>e2e</c> mode: IPv4/UDP packets from A's tunnel address to B's, injected into A's in-memory TUN, encrypted,
/// carried over the in-memory network, decrypted and written to B's TUN, every engine thread running as it does
/// on a real interface. Prints packets per second, megabits per second of tunneled IP packets, and bytes
/// allocated per packet by the whole process (every thread, the senders included) while the packets flowed.
/// </summary>
/// <example>dotnet run -c Release --project bench/Holt.Bench -- e2e --packets 500000</example>
internal static class EndToEnd
{
    private const int WarmupPackets = 50_000;
    private const int WarmupPasses = 2;
    private const int DefaultPackets = 500_000;

    // One packet in flight at a time is latency-bound, so fewer packets make a run of similar length.
    private const int OneAtATimePackets = 20_000;

    // A run ends when every packet has arrived, or when none has arrived for this long (some were lost).
    private static readonly TimeSpan s_stallLimit = TimeSpan.FromSeconds(1);

    public static int Run(ReadOnlySpan<string> args)
    {
        int packets = DefaultPackets;
        bool traceAllocations = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--packets" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out packets) && packets > 0:
                    i++;
                    break;
                case "--trace-allocations":
                    traceAllocations = true;
                    break;
                default:
                    Console.Error.WriteLine($"e2e: unknown argument '{args[i]}'; usage: e2e [--packets N] [--trace-allocations]");
                    return 2;
            }
        }

        using var pair = new DevicePair(TimeProvider.System, mtu: 1420);
        var delivery = new Delivery();
        pair.TunB.QueueWrites = false;
        pair.TunB.OnWrite = delivery.OnWrite;
        pair.Up();
        if (Measure(pair, delivery, Ipv4Packet.Udp4(DevicePair.TunnelA, DevicePair.TunnelB, 64), 1, 1).Delivered != 1)
        {
            Console.Error.WriteLine("e2e: no session: the first packet did not get through");
            return 1;
        }

        Case[] cases = [new(64, 1), new(64, 2), new(1420, 1), new(1420, 2), new(64, 0), new(1420, 0)];
        Console.WriteLine(
            $"{packets:N0} packets per run ({OneAtATimePackets:N0} one at a time); every case warmed up first, " +
            $"{WarmupPasses} x {WarmupPackets:N0}; TUN MTU 1420; {Environment.ProcessorCount} cores");
        Console.WriteLine();

        // Every case before any is measured, so the packet pools have grown to what the heaviest case needs: an
        // element the pool creates later is 65 KB that the figures would count as garbage.
        for (int pass = 0; pass < WarmupPasses; pass++)
        {
            foreach (Case c in cases)
            {
                Run(pair, delivery, c, c.OneAtATime ? WarmupPackets / 10 : WarmupPackets);
            }
        }

        Console.WriteLine("| Packet (B) | Senders | Delivered | Lost | Time (s) | Packets/s | Mbit/s | Allocated (B) | Allocated B/packet | Gen0 GCs |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        using AllocationSampler? sampler = traceAllocations ? new AllocationSampler() : null;
        foreach (Case c in cases)
        {
            Result r = Run(pair, delivery, c, c.OneAtATime ? OneAtATimePackets : packets);
            double packetsPerSecond = r.Delivered / r.Seconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c.Size} | {(c.OneAtATime ? "1, one packet at a time" : c.Senders)} | {r.Delivered:N0} | {r.Sent - r.Delivered:N0} | " +
                $"{r.Seconds:F2} | {packetsPerSecond:N0} | {packetsPerSecond * c.Size * 8 / 1e6:N0} | {r.AllocatedBytes:N0} | " +
                $"{(double)r.AllocatedBytes / r.Sent:F3} | {r.Gen0Collections} |"));
        }

        Console.WriteLine();
        Console.WriteLine("Totals over every run, warm-up included:");
        Console.WriteLine($"Lost in the network (B's socket queue full): {pair.Network.Dropped:N0}");
        Console.WriteLine($"Dropped by A: {DropsOf(pair.A)}");
        Console.WriteLine($"Dropped by B: {DropsOf(pair.B)}");
        sampler?.Print(Console.Out);
        return 0;
    }

    private static Result Run(DevicePair pair, Delivery delivery, Case c, int count)
    {
        byte[] packet = Ipv4Packet.Udp4(DevicePair.TunnelA, DevicePair.TunnelB, c.Size);
        return c.OneAtATime ? MeasureOneAtATime(pair, delivery, packet, count) : Measure(pair, delivery, packet, c.Senders, count);
    }

    /// <summary>
    /// Pushes <paramref name="count"/> copies of <paramref name="packet"/> into A's TUN from
    /// <paramref name="senders"/> threads at once and waits for them at B's TUN.
    /// </summary>
    private static Result Measure(DevicePair pair, Delivery delivery, byte[] packet, int senders, int count)
    {
        int perSender = count / senders;
        int sent = perSender * senders;
        using var go = new ManualResetEventSlim();
        var threads = new Thread[senders];
        for (int i = 0; i < senders; i++)
        {
            threads[i] = new Thread(() =>
            {
                go.Wait();
                for (int n = 0; n < perSender; n++)
                {
                    pair.TunA.Inject(packet);
                }
            })
            { IsBackground = true, Name = "e2e-sender" };
            threads[i].Start();
        }

        // Everything that allocates for the run (threads, the event) happens before the first reading.
        long first = delivery.Expect(sent);
        int gen0 = GC.CollectionCount(0);
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        go.Set();
        long seen = first;
        while (!delivery.Done.Wait(s_stallLimit))
        {
            long now = delivery.Count;
            if (now == seen)
            {
                break;
            }

            seen = now;
        }

        long allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
        int gen0After = GC.CollectionCount(0);
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return new Result(
            sent, delivery.Count - first, Stopwatch.GetElapsedTime(start, delivery.LastTimestamp).TotalSeconds,
            allocatedAfter - allocated, gen0After - gen0);
    }

    /// <summary>
    /// Sends <paramref name="count"/> packets, each only after the one before has reached B's TUN: light traffic,
    /// where every stage of the engine goes idle between packets.
    /// </summary>
    private static Result MeasureOneAtATime(DevicePair pair, Delivery delivery, byte[] packet, int count)
    {
        long first = delivery.Count;
        int gen0 = GC.CollectionCount(0);
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            delivery.Expect(1);
            pair.TunA.Inject(packet);
            delivery.Done.Wait(s_stallLimit);
        }

        long allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
        int gen0After = GC.CollectionCount(0);
        return new Result(
            count, delivery.Count - first, Stopwatch.GetElapsedTime(start, delivery.LastTimestamp).TotalSeconds,
            allocatedAfter - allocated, gen0After - gen0);
    }

    /// <summary>Drops by reason, the device's own and its peers', warm-up runs included.</summary>
    private static string DropsOf(WireGuardDevice device)
    {
        var drops = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (PacketCounters counters in device.Peers.Select(p => p.Counters).Append(device.Counters))
        {
            foreach ((DropReason reason, long n) in counters.DropsByReason())
            {
                drops[reason.ToString()] = drops.GetValueOrDefault(reason.ToString()) + n;
            }
        }

        return drops.Count == 0 ? "none" : string.Join(", ", drops.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Key} {d.Value:N0}")));
    }

    /// <summary>A packet size and how many threads send at once; no senders means one packet at a time.</summary>
    private readonly record struct Case(int Size, int Senders)
    {
        public bool OneAtATime => Senders == 0;
    }

    private readonly record struct Result(int Sent, long Delivered, double Seconds, long AllocatedBytes, int Gen0Collections);

    /// <summary>Counts what B's TUN receives, without keeping it, and signals when a run's last packet is in.</summary>
    private sealed class Delivery
    {
        private long _count;
        private long _target = long.MaxValue;
        private long _lastTimestamp;

        public ManualResetEventSlim Done { get; } = new();

        public long Count => Interlocked.Read(ref _count);

        public long LastTimestamp => Interlocked.Read(ref _lastTimestamp);

        /// <summary>Arms the signal for <paramref name="packets"/> more; returns the count so far.</summary>
        public long Expect(int packets)
        {
            Done.Reset();
            long now = Count;
            Interlocked.Exchange(ref _target, now + packets);
            return now;
        }

        public void OnWrite(ReadOnlySpan<byte> packet)
        {
            Interlocked.Exchange(ref _lastTimestamp, Stopwatch.GetTimestamp());
            if (Interlocked.Increment(ref _count) == Interlocked.Read(ref _target))
            {
                Done.Set();
            }
        }
    }
}
