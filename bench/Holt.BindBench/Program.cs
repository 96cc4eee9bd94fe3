using System.Diagnostics;
using System.Globalization;
using System.Net;
using Holt.Net;
using Holt.WireGuard.IO;

namespace Holt.BindBench;

/// <summary>
/// Datagrams per second through Holt's UDP bind on the loopback: sendmmsg batches of 128 against one datagram per
/// call, each with and without UDP GSO, for a full transport message and a keepalive's size. Prints figures; run by
/// hand, never in CI:
/// <code>dotnet run -c Release --project bench/Holt.BindBench -- [datagrams]</code>
/// Sender and receiver run on threads of their own in this process; every datagram goes to 127.0.0.1.
/// </summary>
internal static class Program
{
    // A full-MTU WireGuard transport message (1420 of IP packet, 16 of header, 16 of tag), and a keepalive's size,
    // where the cost per system call shows most.
    private static readonly int[] s_sizes = [1452, 32];

    public static int Main(string[] args)
    {
        int count = 200_000;
        if (args.Length > 0 && (!int.TryParse(args[0], CultureInfo.InvariantCulture, out count) || count < 1_000))
        {
            Console.Error.WriteLine($"bindbench: the number of datagrams must be a whole number of at least 1000, got '{args[0]}'");
            return 2;
        }

        Console.WriteLine($"{count:N0} datagrams over IPv4 loopback, sender and receiver on threads of their own; {Environment.ProcessorCount} cores");
        foreach (bool segmentation in new[] { true, false })
        {
            // The bind reads the switch when it opens its sockets.
            Environment.SetEnvironmentVariable(UdpSocket.OffloadVariable, segmentation ? null : "off");
            foreach (int size in s_sizes)
            {
                foreach (int batch in new[] { 128, 1 })
                {
                    Run run = Measure(count, batch, size);
                    Console.WriteLine(
                        $"GSO {(segmentation ? "on " : "off")} {size,4} bytes, batch {batch,3}: sent {run.SendRate / 1e3,6:F0} k/s " +
                        $"({run.SendRate * size * 8 / 1e9:F2} Gbit/s), received {run.Received:N0} ({run.ReceiveRate / 1e3:F0} k/s, " +
                        $"{run.PerReceive:F1} per call), allocated {run.AllocatedBytes} bytes");
                }
            }
        }

        return 0;
    }

    private static Run Measure(int count, int batch, int datagramSize)
    {
        using var sender = new LinuxUdpBind();
        using var receiver = new LinuxUdpBind();
        sender.Open(0, out _);
        DatagramReceiver receive = receiver.Open(0, out _)[0];
        var destination = Endpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, receiver.Port));

        byte[][] receiveBuffers = Buffers(128, 65536);
        int[] receiveSizes = new int[128];
        var sources = new Endpoint[128];
        int received = 0;
        int calls = 0;
        long lastReceive = 0;
        long receiverAllocated = 0;
        var receiving = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            int n;
            while ((n = receive(receiveBuffers, receiveSizes, sources)) > 0)
            {
                Volatile.Write(ref received, received + n);
                calls++;
                lastReceive = Stopwatch.GetTimestamp();
            }

            receiverAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        receiving.Start();

        byte[][] sendBuffers = Buffers(batch, datagramSize);
        int[] sendSizes = [.. Enumerable.Repeat(datagramSize, batch)];
        long start = 0;
        long sendEnd = 0;
        long senderAllocated = 0;
        var sending = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            start = Stopwatch.GetTimestamp();
            for (int sent = 0; sent < count; sent += batch)
            {
                int size = Math.Min(batch, count - sent);
                sender.Send(sendBuffers.AsSpan(0, size), sendSizes.AsSpan(0, size), 0, destination);
            }

            sendEnd = Stopwatch.GetTimestamp();
            senderAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        sending.Start();
        sending.Join();

        // Loopback drops what the receiver's queue cannot hold; wait until all arrived or arrivals stop.
        int seen = -1;
        while (Volatile.Read(ref received) < count && Volatile.Read(ref received) != seen)
        {
            seen = Volatile.Read(ref received);
            Thread.Sleep(100);
        }

        receiver.Close();
        receiving.Join();
        double sendSeconds = Stopwatch.GetElapsedTime(start, sendEnd).TotalSeconds;
        double receiveSeconds = Stopwatch.GetElapsedTime(start, lastReceive).TotalSeconds;
        return new Run(count / sendSeconds, received, received / receiveSeconds, (double)received / Math.Max(1, calls), senderAllocated + receiverAllocated);
    }

    /// <summary>Buffers on the pinned object heap, as the engine's are: a batch hands the kernel all their addresses.</summary>
    private static byte[][] Buffers(int count, int size) =>
        [.. Enumerable.Range(0, count).Select(_ => GC.AllocateUninitializedArray<byte>(size, pinned: true))];

    private readonly record struct Run(double SendRate, int Received, double ReceiveRate, double PerReceive, long AllocatedBytes);
}
