using Holt.WireGuard.IO.Memory;

namespace Holt.WireGuard.Tests.IO;

public class MemoryPacketDeviceTests
{
    // Only a bound on how long a broken fixture may hang a test run; nothing asserts on elapsed time.
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void Inject_ThenRead_CopiesPacketAtOffset()
    {
        using var device = new MemoryPacketDevice();
        device.Inject([1, 2, 3]);

        byte[][] buffers = [new byte[100]];
        int[] sizes = new int[1];
        int count = device.Read(buffers, sizes, 16);

        Assert.Equal(1, count);
        Assert.Equal(3, sizes[0]);
        Assert.Equal(new byte[] { 1, 2, 3 }, buffers[0][16..19]);
        Assert.Equal(0, device.PendingInbound);
    }

    [Fact]
    public void Read_MorePacketsThanBuffers_ReturnsBatchesInOrder()
    {
        using var device = new MemoryPacketDevice();
        for (byte i = 0; i < 5; i++)
        {
            device.Inject([i, i]);
        }

        byte[][] buffers = [new byte[10], new byte[10], new byte[10]];
        int[] sizes = new int[3];

        Assert.Equal(3, device.Read(buffers, sizes, 0));
        Assert.Equal([0, 1, 2], buffers.Select(b => (int)b[0]));
        Assert.Equal(2, device.Read(buffers, sizes, 0));
        Assert.Equal([3, 4], buffers[..2].Select(b => (int)b[0]));
        Assert.Equal([2, 2], sizes[..2]);
    }

    [Fact]
    public void Read_PacketLargerThanBuffer_IsDroppedAndCounted()
    {
        using var device = new MemoryPacketDevice();
        device.Inject(new byte[200]);
        device.Inject([7]);

        byte[][] buffers = [new byte[100]];
        int[] sizes = new int[1];

        // The oversize packet alone must not end the read with 0, which would mean "closed".
        Assert.Equal(1, device.Read(buffers, sizes, 0));
        Assert.Equal(7, buffers[0][0]);
        Assert.Equal(1, device.OversizeDrops);
    }

    [Fact]
    public void Read_OffsetLeavesTooLittleRoom_DropsPacket()
    {
        using var device = new MemoryPacketDevice();
        device.Inject(new byte[90]);
        device.Inject(new byte[80]);

        byte[][] buffers = [new byte[100]];
        int[] sizes = new int[1];

        Assert.Equal(1, device.Read(buffers, sizes, 16));
        Assert.Equal(80, sizes[0]);
        Assert.Equal(1, device.OversizeDrops);
    }

    [Fact]
    public void Write_ThenTake_ReturnsCopiesInOrder()
    {
        using var device = new MemoryPacketDevice();
        byte[][] buffers = [[0, 0, 1, 2], [0, 0, 3, 4, 5]];

        device.Write(buffers, [2, 3], 2);
        buffers[0][2] = 99;

        Assert.Equal(2, device.WrittenCount);
        Assert.True(device.TryTake(out byte[] first));
        Assert.Equal(new byte[] { 1, 2 }, first);
        Assert.Equal(new byte[] { 3, 4, 5 }, device.Take(s_patience));
        Assert.False(device.TryTake(out _));
    }

    [Fact]
    public void Take_NothingWritten_ReturnsNullAfterTimeout()
    {
        using var device = new MemoryPacketDevice();

        Assert.Null(device.Take(TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public async Task TakeAsync_CompletesWhenEngineWrites()
    {
        using var device = new MemoryPacketDevice();
        using var cancel = new CancellationTokenSource(s_patience);
        Task<byte[]> taking = device.TakeAsync(cancel.Token);

        device.Write([new byte[] { 42 }], [1], 0);

        Assert.Equal(new byte[] { 42 }, await taking);
    }

    [Fact]
    public void Write_QueueWritesOff_OnlyCallsHook()
    {
        using var device = new MemoryPacketDevice { QueueWrites = false };
        int bytesSeen = 0;
        device.OnWrite = packet => bytesSeen += packet.Length;

        device.Write([new byte[10], new byte[20]], [10, 5], 0);

        Assert.Equal(15, bytesSeen);
        Assert.Equal(2, device.WrittenCount);
        Assert.False(device.TryTake(out _));
    }

    [Fact]
    public void Close_UnblocksBlockedRead()
    {
        using var device = new MemoryPacketDevice();
        int result = -1;
        var reader = new Thread(() => result = device.Read([new byte[100]], new int[1], 0)) { IsBackground = true };
        reader.Start();

        // Close once the thread is really parked in the wait, which is the case worth testing.
        SpinWait.SpinUntil(() => (reader.ThreadState & ThreadState.WaitSleepJoin) != 0, s_patience);
        device.Close();

        Assert.True(reader.Join(s_patience), "Read did not return after Close");
        Assert.Equal(0, result);
    }

    [Fact]
    public void Close_DiscardsQueuedPacketsAndLaterWrites()
    {
        using var device = new MemoryPacketDevice();
        device.Inject([1]);
        device.Close();
        device.Inject([2]);
        device.Write([new byte[] { 3 }], [1], 0);

        Assert.Equal(0, device.Read([new byte[10]], new int[1], 0));
        Assert.False(device.TryInject([4]));
        Assert.False(device.TryTake(out _));
    }

    [Fact]
    public void Inject_QueueFull_WaitsForEngineToRead()
    {
        using var device = new MemoryPacketDevice(capacity: 2);
        device.Inject([1]);
        device.Inject([2]);
        Assert.False(device.TryInject([3]));

        var injector = new Thread(() => device.Inject([3]));
        injector.Start();

        byte[][] buffers = [new byte[10], new byte[10], new byte[10]];
        int[] sizes = new int[3];
        int read = device.Read(buffers, sizes, 0);
        Assert.True(injector.Join(s_patience), "Inject stayed blocked after a read made room");
        while (read < 3)
        {
            read += device.Read(buffers.AsSpan(read), sizes.AsSpan(read), 0);
        }

        Assert.Equal([1, 2, 3], buffers.Select(b => (int)b[0]));
    }

    [Fact]
    public void ConcurrentInjectorsAndReaders_DeliverEveryPacketOnce()
    {
        const int injectors = 3;
        const int perInjector = 20_000;
        using var device = new MemoryPacketDevice(capacity: 256);
        var seen = new int[injectors * perInjector];
        int received = 0;

        Thread[] readers = [.. Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            byte[][] buffers = [.. Enumerable.Range(0, 8).Select(_ => new byte[64])];
            int[] sizes = new int[buffers.Length];
            int count;
            while ((count = device.Read(buffers, sizes, 0)) > 0)
            {
                for (int i = 0; i < count; i++)
                {
                    Interlocked.Increment(ref seen[BitConverter.ToInt32(buffers[i])]);
                }

                Interlocked.Add(ref received, count);
            }
        }))];
        Thread[] writers = [.. Enumerable.Range(0, injectors).Select(w => new Thread(() =>
        {
            for (int i = 0; i < perInjector; i++)
            {
                device.Inject(BitConverter.GetBytes((w * perInjector) + i));
            }
        }))];

        foreach (Thread thread in readers.Concat(writers))
        {
            thread.Start();
        }

        Assert.All(writers, w => Assert.True(w.Join(s_patience)));
        SpinWait.SpinUntil(() => Volatile.Read(ref received) == seen.Length, s_patience);
        device.Close();
        Assert.All(readers, r => Assert.True(r.Join(s_patience)));

        Assert.Equal(seen.Length, received);
        Assert.All(seen, n => Assert.Equal(1, n));
    }

    [Fact]
    public void SteadyState_InjectReadWrite_DoesNotAllocate()
    {
        using var device = new MemoryPacketDevice { QueueWrites = false };
        int written = 0;
        device.OnWrite = _ => written++;
        byte[] packet = new byte[1400];
        byte[][] buffers = [new byte[1500]];
        int[] sizes = new int[1];

        void RoundTrip(int times)
        {
            for (int i = 0; i < times; i++)
            {
                device.Inject(packet);
                device.Read(buffers, sizes, 16);
                device.Write(buffers, sizes, 16);
            }
        }

        // Warm up first, so the pool and queue have grown to what the loop needs. Then take the least of three
        // rounds: a one-off on this thread (the JIT tiering a method up under load) is not steady state, but an
        // allocation per packet shows in every round.
        RoundTrip(1000);
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            RoundTrip(10_000);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(31_000, written);
        Assert.True(least < 1024, $"{least} bytes allocated over 10000 packets in the best of three rounds");
    }
}
