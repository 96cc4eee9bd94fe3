namespace Holt.WireGuard.Noise;

/// <summary>
/// The sliding window of received transport counters (whitepaper section 5.4.6, RFC 6479 style bitmap).
/// It tracks <see cref="Limits.ReplayWindowSize"/> counters behind the highest one accepted; anything older, seen
/// before, or at or past REJECT-AFTER-MESSAGES is refused. Not thread-safe: each peer validates counters in its own
/// ordered receive stage, after the packet has authenticated.
/// </summary>
internal sealed class ReplayWindow
{
    private const int BitsPerWord = 64;
    private const int TotalBits = Limits.ReplayWindowSize + BitsPerWord;
    private const int WordCount = TotalBits / BitsPerWord;

    private readonly ulong[] _bitmap = new ulong[WordCount];

    /// <summary>One past the highest counter accepted so far (0 before any).</summary>
    private ulong _next;

    public ReplayWindow()
    {
        // The bitmap must wrap on a power of two so word indices can be masked.
        System.Diagnostics.Debug.Assert((WordCount & (WordCount - 1)) == 0);
    }

    public void Reset()
    {
        Array.Clear(_bitmap);
        _next = 0;
    }

    /// <summary>Accepts <paramref name="counter"/> once if it is new and inside the window.</summary>
    public bool Validate(ulong counter)
    {
        if (counter >= Protocol.RejectAfterMessages || _next > Protocol.RejectAfterMessages)
        {
            return false;
        }

        ulong position = counter + 1;
        if (position + Limits.ReplayWindowSize < _next)
        {
            return false;
        }

        ulong word = position / BitsPerWord;
        if (position > _next)
        {
            // Clear every word that the window slides over, at most the whole bitmap.
            ulong currentWord = _next / BitsPerWord;
            ulong toClear = Math.Min(word - currentWord, WordCount);
            for (ulong i = 1; i <= toClear; i++)
            {
                _bitmap[(int)((currentWord + i) & (WordCount - 1))] = 0;
            }

            _next = position;
        }

        int index = (int)(word & (WordCount - 1));
        ulong bit = 1UL << (int)(position % BitsPerWord);
        if ((_bitmap[index] & bit) != 0)
        {
            return false;
        }

        _bitmap[index] |= bit;
        return true;
    }
}
