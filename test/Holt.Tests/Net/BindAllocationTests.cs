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

        Exchange(ns, 2_000);
        Assert.Equal(0, Exchange(ns, 2_000));
    }

    /// <summary>
    /// Sends <paramref name="count"/> full-size datagrams in batches of 128 from one bind to another, receiving on a
    /// thread of its own, and returns the bytes both threads allocated.
    /// </summary>
    private static long Exchange(NetNs ns, int count)
    {
        const int Batch = 128;
        const int Size = 1452;
        using var sender = new LinuxUdpBind();
        using var receiver = new LinuxUdpBind();
        ns.Run(() => sender.Open(0, out _));
        DatagramReceiver receive = ns.Run(() => receiver.Open(0, out _))[0];
        var destination = Endpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, receiver.Port));

        byte[][] receiveBuffers = Pinned.Buffers(Batch, 65536);
        int[] receiveSizes = new int[Batch];
        var sources = new Endpoint[Batch];
        int received = 0;
        long receiverAllocated = 0;
        var receiving = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            int n;
            while ((n = receive(receiveBuffers, receiveSizes, sources)) > 0)
            {
                Volatile.Write(ref received, received + n);
            }

            receiverAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        receiving.Start();

        byte[][] sendBuffers = Pinned.Buffers(Batch, Size);
        int[] sendSizes = [.. Enumerable.Repeat(Size, Batch)];
        long senderAllocated = 0;
        var sending = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int sent = 0; sent < count; sent += Batch)
            {
                int size = Math.Min(Batch, count - sent);
                sender.Send(sendBuffers.AsSpan(0, size), sendSizes.AsSpan(0, size), 0, destination);
            }

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
        return senderAllocated + receiverAllocated;
    }
}
