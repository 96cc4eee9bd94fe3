using System.Text.RegularExpressions;

namespace Holt.Tests.Architecture;

/// <summary>
/// The product reads the time through <see cref="TimeProvider"/>, as the engine does, so every timer of the daemon
/// (restarts, the file watch, expiry, the guard's polls) can be driven in virtual time. The wall clock itself is
/// named in no source file of src/Holt: <c>TimeProvider.System</c> is chosen at the edge, by the commands.
/// </summary>
public sealed partial class ClockTests
{
    [Fact]
    public void NoSourceFile_ReadsTheWallClockDirectly()
    {
        string source = Path.Combine(RepositoryRoot(), "src", "Holt");
        List<string> readers = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => WallClock().IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(source, l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        Assert.True(readers.Count == 0, "read the time through a TimeProvider instead:\n" + string.Join("\n", readers));
    }

    [Fact]
    public void ThePattern_FindsEachWayOfReadingTheClock()
    {
        Assert.Matches(WallClock(), "var now = DateTimeOffset.UtcNow;");
        Assert.Matches(WallClock(), "DateTime.Now.Hour");
        Assert.Matches(WallClock(), "DateTime.UtcNow + timeout");
        Assert.Matches(WallClock(), "x = System.DateTimeOffset.Now;");
        Assert.DoesNotMatch(WallClock(), "time.GetUtcNow()");
    }

    internal static string RepositoryRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "Holt.slnx")))
            {
                return directory;
            }
        }

        throw new InvalidOperationException("the repository root (Holt.slnx) is not above the test's directory");
    }

    [GeneratedRegex(@"\bDateTime(Offset)?\.(Utc)?Now\b")]
    private static partial Regex WallClock();
}
