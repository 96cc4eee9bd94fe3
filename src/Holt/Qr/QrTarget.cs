using Holt.Storage;
using Holt.Text;

namespace Holt.Qr;

internal enum QrKind
{
    Terminal,
    Png,
    Svg,
}

/// <summary>One <c>--qr</c> value: <c>terminal</c>, <c>png:FILE</c> or <c>svg:FILE</c>.</summary>
internal sealed record QrTarget(QrKind Kind, string? Path)
{
    public static readonly QrTarget Terminal = new(QrKind.Terminal, null);

    public static IReadOnlyList<QrTarget> ParseAll(string[]? values) => (values ?? []).Select(Parse).ToList();

    private static QrTarget Parse(string value)
    {
        if (value == "terminal")
        {
            return Terminal;
        }

        int colon = value.IndexOf(':', StringComparison.Ordinal);
        string kind = colon > 0 ? value[..colon] : "";
        string path = colon > 0 ? value[(colon + 1)..] : "";
        QrTarget target = (kind, path.Length) switch
        {
            ("png", > 0) => new QrTarget(QrKind.Png, path),
            ("svg", > 0) => new QrTarget(QrKind.Svg, path),
            _ => throw new CommandException($"--qr: '{Printable.Of(value)}' is not terminal, png:FILE or svg:FILE"),
        };

        // Checked before peer add changes anything: a peer added and then reported as a failure would stay.
        try
        {
            _ = AtomicFile.Check(path);
            return target;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"--qr: cannot write {Printable.Of(path)}: {Printable.Of(e.Message)}", e);
        }
    }
}
