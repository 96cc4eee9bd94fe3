using System.Diagnostics;
using System.Globalization;
using System.Net;
using Holt.Net;
using Holt.Tests.Support;
using Holt.WireGuard.IO;
using Xunit.Abstractions;

namespace Holt.Tests.Net;

/// <summary>
/// The bind's packet path allocates nothing in steady state, batched sends (UDP GSO on this kernel) and receives
/// alike. Its figures, datagrams per second, are a benchmark: bench/Holt.BindBench.
/// </summary>
public sealed class BindAllocationTests : IClassFixture<NetNsFixture>
{
    private readonly NetNsFixture _fixture;
    private readonly ITestOutputHelper _output;

    public BindAllocationTests(NetNsFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public void SteadyState_SendAndReceive_AllocateNothing()
    {
        if (_fixture.GetOrSkip(_output) is not NetNs ns)
        {
            return;
        }

        Measure(ns, 2_000, 128, 1452);
        Run run = Measure(ns, 2_000, 128, 1452);

        Assert.Equal(0, run.AllocatedBytes);
    }

    private static Run Measure(NetNs ns, int count, int batch, int datagramSize)
    {
        using var sender = new LinuxUdpBind();
        using var receiver = new LinuxUdpBind();
        ns.Run(() => sender.Open(0, out _));
        DatagramReceiver receive = ns.Run(() => receiver.Open(0, out _))[0];
        var destination = Endpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, receiver.Port));

        byte[][] receiveBuffers = Pinned.Buffers(batch, 65536);
        int[] receiveSizes = new int[batch];
        var sources = new Endpoint[batch];
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

        byte[][] sendBuffers = Pinned.Buffers(batch, datagramSize);
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

    private readonly record struct Run(double SendRate, int Received, double ReceiveRate, double PerReceive, long AllocatedBytes);
}
