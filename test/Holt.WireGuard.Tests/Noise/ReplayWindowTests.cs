using System.Globalization;
using Holt.WireGuard.Noise;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Noise;

public sealed class ReplayWindowTests
{
    private const ulong W = Limits.ReplayWindowSize;
    private const ulong R = Protocol.RejectAfterMessages;

    /// <summary>Evaluates the vector file's integer expressions over W and R, e.g. <c>4*(W+1)-(W-1)</c>.</summary>
    private static ulong Evaluate(string expression, ulong i = 0)
    {
        var parser = new ExpressionParser(expression.Replace(" ", "", StringComparison.Ordinal), i);
        ulong value = parser.ParseSum();
        Assert.True(parser.AtEnd, $"could not parse '{expression}'");
        return value;
    }

    [Fact]
    public void VectorFile_EveryCase()
    {
        string[] lines = File.ReadAllLines(TestVectors.PathOf("replay-window.txt"));
        var window = new ReplayWindow();
        int cases = 0;
        foreach (string raw in lines)
        {
            string line = raw.Trim();
            if (line == "# reset")
            {
                window = new ReplayWindow();
                continue;
            }

            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("for i = ", StringComparison.Ordinal))
            {
                // for i = A up to B: i expected   /   for i = A down to B: i expected
                string[] head = line["for i = ".Length..].Split(':');
                bool up = head[0].Contains(" up to ", StringComparison.Ordinal);
                string[] bounds = head[0].Split(up ? " up to " : " down to ");
                ulong from = Evaluate(bounds[0]), to = Evaluate(bounds[1]);
                string[] body = head[1].Trim().Split(' ');
                bool expected = bool.Parse(body[1]);
                for (ulong i = from; up ? i <= to : i >= to && i <= from; i = up ? i + 1 : i - 1)
                {
                    Assert.True(window.Validate(Evaluate(body[0], i)) == expected, $"line '{line}' at i={i}");
                    cases++;
                    if (!up && i == 0)
                    {
                        break;
                    }
                }

                continue;
            }

            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            ulong counter = Evaluate(parts[0]);
            bool want = bool.Parse(parts[1]);
            Assert.True(window.Validate(counter) == want, $"case '{line}' (counter {counter}) expected {want}");
            cases++;
        }

        Assert.True(cases > 30000, $"only {cases} cases ran");
    }

    [Fact]
    public void WindowSize_IsAtLeast2048()
    {
        var window = new ReplayWindow();
        Assert.True(window.Validate(5000));
        Assert.True(window.Validate(5000 - 2048));
        Assert.False(window.Validate(5000 - 2048));
    }

    [Fact]
    public void RandomOrder_MatchesSetReference()
    {
        var random = new Random(7);
        var window = new ReplayWindow();
        var seen = new HashSet<ulong>();
        ulong highest = 0;
        bool any = false;
        for (int n = 0; n < 200_000; n++)
        {
            ulong counter = (ulong)Math.Max(0, (long)highest + random.Next(-9000, 200));
            bool expected = !seen.Contains(counter) && (!any || counter + W >= highest);
            Assert.Equal(expected, window.Validate(counter));
            if (expected)
            {
                seen.Add(counter);
                any = true;
                highest = Math.Max(highest, counter);
            }
        }
    }

    private ref struct ExpressionParser(string text, ulong i)
    {
        private int _position;

        public readonly bool AtEnd => _position == text.Length;

        public ulong ParseSum()
        {
            ulong value = ParseProduct();
            while (_position < text.Length && (text[_position] == '+' || text[_position] == '-'))
            {
                char op = text[_position++];
                ulong right = ParseProduct();
                value = op == '+' ? value + right : value - right;
            }

            return value;
        }

        private ulong ParseProduct()
        {
            ulong value = ParseAtom();
            while (_position < text.Length && text[_position] == '*')
            {
                _position++;
                value *= ParseAtom();
            }

            return value;
        }

        private ulong ParseAtom()
        {
            char c = text[_position];
            if (c == '(')
            {
                _position++;
                ulong inner = ParseSum();
                _position++;
                return inner;
            }

            _position++;
            switch (c)
            {
                case 'W': return W;
                case 'R': return R;
                case 'i': return i;
            }

            int start = _position - 1;
            while (_position < text.Length && char.IsAsciiDigit(text[_position]))
            {
                _position++;
            }

            return ulong.Parse(text.AsSpan(start, _position - start), CultureInfo.InvariantCulture);
        }
    }
}
