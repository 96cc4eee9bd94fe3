using Holt.Text;

namespace Holt.Tests.Text;

public sealed class SpellingTests
{
    [Theory]
    [InlineData("", "", 0)]
    [InlineData("list", "list", 0)]
    [InlineData("", "list", 4)]
    [InlineData("list", "", 4)]
    [InlineData("lst", "list", 1)]
    [InlineData("lisst", "list", 1)]
    [InlineData("lizt", "list", 1)]
    [InlineData("stauts", "status", 1)]
    [InlineData("ab", "ba", 1)]
    [InlineData("expire", "expires", 1)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("ca", "abc", 3)]
    public void Distance_CountsInsertionsDeletionsSubstitutionsAndSwaps(string a, string b, int expected)
    {
        Assert.Equal(expected, Spelling.Distance(a, b));
        Assert.Equal(expected, Spelling.Distance(b, a));
    }

    [Fact]
    public void Distance_RandomWords_MatchesTheWholeMatrix()
    {
        var random = new Random(20240611);
        for (int round = 0; round < 2000; round++)
        {
            string a = Word(random);
            string b = Word(random);

            Assert.True(Reference(a, b) == Spelling.Distance(a, b), $"'{a}' to '{b}'");
        }
    }

    [Theory]
    [InlineData("lst", "list")]
    [InlineData("stauts", "status")]
    [InlineData("--expire", "--expires")]
    [InlineData("-expires", "--expires")]
    [InlineData("--Expires", "--expires")]
    [InlineData("dwn", "down")]
    [InlineData("mon", "monitor")]
    public void Suggestions_CloseWord_IsSuggested(string typed, string expected)
    {
        string[] known = ["list", "status", "--expires", "--ip", "down", "monitor", "add", "show"];

        Assert.Equal([expected], Spelling.Suggestions(typed, known));
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("ls")]
    [InlineData("x")]
    [InlineData("--qq")]
    [InlineData("lisp-machine")]
    public void Suggestions_NothingClose_IsNone(string typed)
    {
        string[] known = ["list", "status", "--expires", "--ip", "--qr", "down", "monitor", "add", "show"];

        Assert.Empty(Spelling.Suggestions(typed, known));
    }

    [Fact]
    public void Suggestions_EquallyClose_AreAllOfferedInOrder()
    {
        Assert.Equal(["add", "odd"], Spelling.Suggestions("udd", ["odd", "list", "add"]));
    }

    [Fact]
    public void Suggestions_CloserWord_WinsOverFartherOnes()
    {
        Assert.Equal(["status"], Spelling.Suggestions("statuss", ["status", "stats"]));
    }

    [Fact]
    public void Suggestions_ManyPrefixMatches_AreNone()
    {
        Assert.Empty(Spelling.Suggestions("de", ["delete", "deny", "describe", "detach"]));
        Assert.Equal(["deny", "detach"], Spelling.Suggestions("de", ["deny", "detach", "up"]));
    }

    private static string Word(Random random)
    {
        // A small alphabet makes swaps and repeats common.
        char[] word = new char[random.Next(0, 7)];
        for (int i = 0; i < word.Length; i++)
        {
            word[i] = "abc-"[random.Next(4)];
        }

        return new string(word);
    }

    /// <summary>The whole (m+1)×(n+1) matrix, as the definition reads: slow, and too plain to be wrong.</summary>
    private static int Reference(string a, string b)
    {
        int[,] d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            for (int j = 0; j <= b.Length; j++)
            {
                if (i == 0 || j == 0)
                {
                    d[i, j] = i + j;
                    continue;
                }

                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
