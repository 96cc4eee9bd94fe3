using Xunit.Sdk;

namespace Holt.Integration.Tests.Harness;

/// <summary>Waiting for a condition instead of sleeping: checks often, gives up only at a generous deadline.</summary>
internal static class Poll
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until the condition holds; fails the test with the message at the deadline.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failureMessage)
    {
        if (!await TryUntilAsync(condition, timeout))
        {
            throw new XunitException(failureMessage());
        }
    }

    /// <summary>Waits until the condition holds; false at the deadline.</summary>
    public static async Task<bool> TryUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(s_interval);
        }
    }
}
