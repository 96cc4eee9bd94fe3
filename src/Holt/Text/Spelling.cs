namespace Holt.Text;

/// <summary>
/// What an operator probably meant by a mistyped word: the closest of a few known words, or none when nothing is
/// close enough to be worth saying (a wrong guess costs more than no guess).
/// </summary>
internal static class Spelling
{
    /// <summary>At most this many words are offered for one typo; more would be a list, not a suggestion.</summary>
    private const int MaxSuggestions = 3;

    /// <summary>
    /// The optimal string alignment distance (Damerau-Levenshtein restricted so that no substring is edited twice):
    /// insertions, deletions, substitutions and swaps of two adjacent characters each count one. The restriction
    /// only matters for words far apart ("ca" to "abc" is 3, not 2), which are never suggested anyway.
    /// </summary>
    public static int Distance(string a, string b)
    {
        // Three rows of the full matrix: a swap looks two rows back.
        var before = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int best = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    best = Math.Min(best, before[j - 2] + 1);
                }

                current[j] = best;
            }

            (before, previous, current) = (previous, current, before);
        }

        return previous[b.Length];
    }

    /// <summary>
    /// The candidates <paramref name="typed"/> is probably a typo of, best first: those fewest edits away (one edit
    /// for a word of 3 or 4 characters, two from 5; a shorter word must match exactly), else those it begins (at
    /// least 2 characters). Case is ignored; leading dashes are compared as the rest of the word is, since an
    /// option's name is what an operator mistypes, not its dashes ("-expires" still finds "--expires").
    /// </summary>
    public static IReadOnlyList<string> Suggestions(string typed, IEnumerable<string> candidates)
    {
        string word = Core(typed);
        int allowed = word.Length switch { <= 2 => 0, <= 4 => 1, _ => 2 };
        var near = new List<(string Candidate, int Distance)>();
        var prefixed = new List<string>();
        foreach (string candidate in candidates.Distinct(StringComparer.Ordinal))
        {
            string core = Core(candidate);
            int distance = Distance(word, core);
            if (distance <= allowed)
            {
                near.Add((candidate, distance));
            }
            else if (word.Length >= 2 && core.StartsWith(word, StringComparison.Ordinal))
            {
                prefixed.Add(candidate);
            }
        }

        if (near.Count > 0)
        {
            int closest = near.Min(n => n.Distance);
            return [.. near.Where(n => n.Distance == closest).Select(n => n.Candidate).Order(StringComparer.Ordinal).Take(MaxSuggestions)];
        }

        return prefixed.Count <= MaxSuggestions ? [.. prefixed.Order(StringComparer.Ordinal)] : [];
    }

    private static string Core(string word) => word.TrimStart('-').ToLowerInvariant();
}
