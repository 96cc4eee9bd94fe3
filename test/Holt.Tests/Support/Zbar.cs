namespace Holt.Tests.Support;

/// <summary>
/// A test that reads QR codes back with zbar-tools' <c>zbarimg</c>. Without it the test is skipped with the reason,
/// except on CI (CI=true), which installs zbar-tools, so there it runs and fails.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ZbarFactAttribute : FactAttribute
{
    public ZbarFactAttribute()
    {
        if (!Zbar.IsCi && !File.Exists(Zbar.Path))
        {
            Skip = $"needs zbar-tools' zbarimg at {Zbar.Path} (apt-get install zbar-tools)";
        }
    }
}

internal static class Zbar
{
    public const string Path = "/usr/bin/zbarimg";

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The text of the one QR code in <paramref name="imageFile"/>. zbarimg --raw prints each symbol's data followed
    /// by a newline of its own; that one newline is taken off, and nothing else.
    /// </summary>
    public static string Decode(string imageFile)
    {
        Assert.True(File.Exists(Path), $"needs zbar-tools' zbarimg at {Path} (apt-get install zbar-tools)");
        (int code, string output, string error) = HoltProcess.RunProgram(Path, null, null, "--raw", "-q", imageFile);
        Assert.True(code == 0, $"zbarimg found no code in {imageFile} (exit {code}): {error}");
        Assert.EndsWith("\n", output, StringComparison.Ordinal);
        return output[..^1];
    }

    /// <summary>A binary PGM of a module grid (true = dark), <paramref name="scale"/> pixels per module.</summary>
    public static void WritePgm(string file, bool[,] dark, int scale)
    {
        int rows = dark.GetLength(0);
        int columns = dark.GetLength(1);
        using var stream = new FileStream(file, FileMode.Create, FileAccess.Write);
        stream.Write(System.Text.Encoding.ASCII.GetBytes($"P5\n{columns * scale} {rows * scale}\n255\n"));
        byte[] line = new byte[columns * scale];
        for (int row = 0; row < rows; row++)
        {
            for (int column = 0; column < columns; column++)
            {
                line.AsSpan(column * scale, scale).Fill(dark[row, column] ? (byte)0 : (byte)255);
            }

            for (int repeat = 0; repeat < scale; repeat++)
            {
                stream.Write(line);
            }
        }
    }
}
