namespace Holt.Tests.Support;

/// <summary>Waiting for something another thread or the kernel does; a timeout fails, a success never waits long.</summary>
internal static class Wait
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static void Until(Func<bool> condition, string what)
    {
        long deadline = Environment.TickCount64 + (long)Timeout.TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"timed out waiting until {what}");
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>Starts <paramref name="action"/> on a thread of its own, for calls that block.</summary>
    public static Task<T> OnThread<T>(Func<T> action)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                completion.SetResult(action());
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
        })
        {
            IsBackground = true,
        };
        thread.Start();
        return completion.Task;
    }

    public static T Result<T>(Task<T> task, string what)
    {
        Assert.True(task.Wait(Timeout), $"timed out waiting for {what}");
        return task.Result;
    }
}
