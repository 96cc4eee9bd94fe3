using System.Text;
using Holt.WireGuard.Device;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Device;

/// <summary>
/// The packet pool follows the load: readers offer a window of buffers that grows with full reads and shrinks with
/// small ones, and the pool lets go of what went unused for a whole trim interval.
/// </summary>
public sealed class PacketPoolTests
{
    [Fact]
    public void ReadWindow_StartsSmall_DoublesWhenFull_HalvesWhenMostlyEmpty()
    {
        var window = new ReadWindow(128);
        Assert.Equal(ReadWindow.Minimum, window.Size);

        int[] expected = [16, 32, 64, 128, 128];
        foreach (int size in expected)
        {
            window.Update(window.Size);
            Assert.Equal(size, window.Size);
        }

        window.Update(33); // over a quarter: kept
        Assert.Equal(128, window.Size);
        window.Update(32);
        Assert.Equal(64, window.Size);
        for (int i = 0; i < 10; i++)
        {
            window.Update(1);
        }

        Assert.Equal(ReadWindow.Minimum, window.Size);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void ReadWindow_NeverExceedsItsMaximum(int maximum)
    {
        var window = new ReadWindow(maximum);
        Assert.Equal(maximum, window.Size);
        window.Update(maximum);
        Assert.Equal(maximum, window.Size);
        window.Update(0);
        Assert.Equal(maximum, window.Size);
    }

    [Fact]
    public void Trim_LetsGoOnlyOfWhatStayedFreeForAWholeInterval()
    {
        using var pool = new PacketPool(maxElements: 1000, batchCapacity: 4);
        var rented = new List<PacketElement>();
        for (int i = 0; i < 100; i++)
        {
            rented.Add(pool.Rent(CancellationToken.None)!);
        }

        Assert.Equal(100, pool.Live);
        rented.ForEach(pool.Return);
        Assert.Equal(100, pool.Free);

        // All 100 were in use during this interval: none goes.
        Assert.Equal(0, pool.Trim());

        // The next interval needs 30 at most; the 70 that stayed free go.
        for (int round = 0; round < 3; round++)
        {
            rented.Clear();
            for (int i = 0; i < 30; i++)
            {
                rented.Add(pool.Rent(CancellationToken.None)!);
            }

            rented.ForEach(pool.Return);
        }

        Assert.Equal(70, pool.Trim());
        Assert.Equal(30, pool.Live);
        Assert.Equal(30, pool.Free);

        // An idle interval lets the rest go; the pool still makes new elements when asked.
        Assert.Equal(30, pool.Trim());
        Assert.Equal(0, pool.Live);
        PacketElement again = pool.Rent(CancellationToken.None)!;
        Assert.Equal(1, pool.Live);
        pool.Return(again);
    }

    [Fact]
    public void IdleDevice_HoldsOnlyItsReadersSmallWindows_AndABurstIsLetGoAfterward()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);
        byte[] payload = Encoding.ASCII.GetBytes("x");

        a.SendTo(b, payload);
        Assert.NotNull(b.Receive());

        // Each device has two readers, its TUN's and its memory bind's one receiver, each holding a window.
        const int Readers = 2;
        const int Idle = Readers * ReadWindow.Minimum;
        Assert.InRange(SettledLive(a.Device.Pool), 1, Idle);

        const int Burst = 3000;
        for (int i = 0; i < Burst; i++)
        {
            a.SendTo(b, payload);
        }

        int received = 0;
        while (received < Burst && b.Receive(seconds: 5) is not null)
        {
            received++;
        }

        Assert.True(received > Burst / 2, $"only {received} of {Burst} packets arrived");
        int peak = Math.Max(a.Device.Pool.Live, b.Device.Pool.Live);

        // Light traffic afterwards shrinks the windows; two trims let the surplus go.
        for (int i = 0; i < 20; i++)
        {
            a.SendTo(b, payload);
            Assert.NotNull(b.Receive());
        }

        foreach (TestNode node in new[] { a, b })
        {
            Assert.InRange(SettledLive(node.Device.Pool), 1, Idle);
        }

        Assert.True(peak > Idle, $"the burst never needed more than {peak} elements; the test proves nothing");
    }

    /// <summary>
    /// The pool's size once trims have let the surplus go. A trim keeps as many as were free at the fewest since the
    /// last one, so an element that was briefly in flight during an interval (a reply still on its way back to the
    /// pool) keeps one more; the least of a few rounds is what the idle device holds.
    /// </summary>
    private static int SettledLive(PacketPool pool)
    {
        int least = int.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            pool.Trim();
            pool.Trim();
            least = Math.Min(least, pool.Live);
            Thread.Sleep(20);
        }

        return least;
    }
}
