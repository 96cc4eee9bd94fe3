using System.Globalization;
using System.Net;
using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>What a correct sshd filter must make of one corpus line (see Guard/Corpus/README.md).</summary>
internal sealed record CorpusEvent(AuthKind Kind, IPAddress Address, string? User, string? Method);

/// <summary>One log line of a corpus file, its 1-based line number, and the event expected from it, if any.</summary>
internal sealed record CorpusLine(string File, int Number, string Text, CorpusEvent? Expected)
{
    public override string ToString() => $"{File}:{Number}";
}

/// <summary>Loads the sshd log corpus copied beside the test assembly.</summary>
internal static class Corpus
{
    public static readonly IReadOnlyList<string> Files = ["openssh-9.2-debian12.log", "openssh-versions.log", "openssh-variants.log"];

    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Guard", "Corpus");

    /// <summary>Every log line of every corpus file, comments and blank lines left out.</summary>
    public static IEnumerable<CorpusLine> All() => Files.SelectMany(Load);

    /// <summary>The log lines of one file with their expectations; an expectation for a missing line throws.</summary>
    public static IEnumerable<CorpusLine> Load(string file)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Directory, file));
        Dictionary<int, CorpusEvent> expected = LoadExpected(Path.Combine(Directory, Path.ChangeExtension(file, ".expected")));
        foreach (int number in expected.Keys)
        {
            if (number < 1 || number > lines.Length || IsComment(lines[number - 1]))
            {
                throw new InvalidDataException($"{file}: an event is expected from line {number}, which is not a log line");
            }
        }

        for (int i = 0; i < lines.Length; i++)
        {
            if (!IsComment(lines[i]))
            {
                yield return new CorpusLine(file, i + 1, lines[i], expected.GetValueOrDefault(i + 1));
            }
        }
    }

    private static bool IsComment(string line) => line.Length == 0 || line[0] == '#';

    private static Dictionary<int, CorpusEvent> LoadExpected(string path)
    {
        var result = new Dictionary<int, CorpusEvent>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (IsComment(line))
            {
                continue;
            }

            string[] f = line.Split('\t');
            if (f.Length != 5
                || !int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int number)
                || !Enum.TryParse(f[1], ignoreCase: false, out AuthKind kind)
                || !IPAddress.TryParse(f[2], out IPAddress? address)
                || !result.TryAdd(number, new CorpusEvent(kind, address, Dash(f[3]), Dash(f[4]))))
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not \"line<TAB>kind<TAB>address<TAB>user<TAB>method\" or a repeated line");
            }
        }

        return result;
    }

    private static string? Dash(string field) => field == "-" ? null : field;
}
