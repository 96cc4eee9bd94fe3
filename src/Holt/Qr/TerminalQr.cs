namespace Holt.Qr;

/// <summary>
/// The QR code on a terminal, drawn only where it can be scanned: a terminal narrower than the code wraps each
/// line, and what it shows then is no code at all.
/// </summary>
internal static partial class TerminalQr
{
    /// <summary>
    /// Writes the code of <paramref name="text"/> to <paramref name="output"/>, after <paramref name="before"/>; or, when
    /// <paramref name="terminalColumns"/> is known and too few, one line on <paramref name="error"/> saying how wide
    /// the terminal must be and how to get the code as a file instead. Returns whether the code was written.
    /// </summary>
    public static bool Write(string text, int? terminalColumns, string before, TextWriter output, TextWriter error)
    {
        int needed = QrCode.TerminalColumns(text);
        if (terminalColumns is int columns && columns < needed)
        {
            error.WriteLine($"holt: the QR code needs a terminal at least {needed} columns wide (this one has {columns}); widen it, or write the code to a file with --qr png:FILE");
            return false;
        }

        output.Write(before + QrCode.ToTerminal(text));
        return true;
    }
}
