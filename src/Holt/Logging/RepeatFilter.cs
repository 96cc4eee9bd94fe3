namespace Holt.Logging;

/// <summary>
/// Keeps a problem that recurs every round (a full disk under a loop that writes every second) from flooding the
/// log, and the syslog that may sit on the same full disk: each distinct problem is said once, then again only when
/// <paramref name="quiet"/> has passed since it was last said.
/// </summary>
internal sealed class RepeatFilter(TimeProvider time, TimeSpan quiet)
{
    /// <summary>More distinct problems than this at once are not a recurrence; the memory starts over.</summary>
    private const int Remembered = 64;

    private readonly Lock _sync = new();
    private readonly Dictionary<string, DateTimeOffset> _said = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="problem"/> is to be said now; if so, it counts as said.</summary>
    public bool ShouldSay(string problem)
    {
        DateTimeOffset now = time.GetUtcNow();
        lock (_sync)
        {
            if (_said.TryGetValue(problem, out DateTimeOffset last) && now - last < quiet)
            {
                return false;
            }

            if (_said.Count >= Remembered)
            {
                _said.Clear();
            }

            _said[problem] = now;
            return true;
        }
    }
}
