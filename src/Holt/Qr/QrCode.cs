using System.Collections;
using System.Text;
using QRCoder;

namespace Holt.Qr;

/// <summary>
/// QR codes of client configs, for the official apps' "scan from QR code": in the terminal (two module rows per
/// text line, with half-block characters), as PNG and as SVG. Encoding is QRCoder's, in byte mode at error
/// correction level L, the smallest code; a config is a few hundred ASCII characters. Every rendering keeps the
/// four-module quiet zone of ISO/IEC 18004 (QRCoder's module matrix includes it), which scanners rely on to find
/// the code.
/// </summary>
internal static class QrCode
{
    /// <summary>
    /// Black text on a white background, from the 256-colour palette: its entries 16 and 231 are pure black and
    /// white in every terminal, whereas the first sixteen colours are what themes redefine (a light theme may make
    /// "black" its light background). Without colours the code would take the theme's, and read only on a dark one.
    /// </summary>
    private const string DarkOnLight = "\u001b[38;5;16;48;5;231m";

    // Reset before each newline, so the background never spreads to the rest of a line or of the screen.
    private const string Reset = "\u001b[0m";

    /// <summary>The code in half blocks, dark modules drawn in black on white, each line coloured and then reset.</summary>
    public static string ToTerminal(string text)
    {
        using QRCodeData data = Encode(text);
        List<BitArray> matrix = data.ModuleMatrix;
        int size = matrix.Count;
        var output = new StringBuilder();
        for (int row = 0; row < size; row += 2)
        {
            output.Append(DarkOnLight);
            for (int column = 0; column < size; column++)
            {
                bool top = IsDark(matrix, row, column);
                bool bottom = row + 1 < size && IsDark(matrix, row + 1, column);
                output.Append((top, bottom) switch
                {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    _ => ' ',
                });
            }

            output.Append(Reset).Append('\n');
        }

        return output.ToString();
    }

    /// <summary>How many terminal columns <see cref="ToTerminal"/> takes: one per module, quiet zone included.</summary>
    public static int TerminalColumns(string text)
    {
        using QRCodeData data = Encode(text);
        return data.ModuleMatrix.Count;
    }

    public static byte[] ToPng(string text, int pixelsPerModule = 8)
    {
        using QRCodeData data = Encode(text);
        using var png = new PngByteQRCode(data);
        return png.GetGraphic(pixelsPerModule, drawQuietZones: true);
    }

    public static string ToSvg(string text, int pixelsPerModule = 8)
    {
        using QRCodeData data = Encode(text);
        using var svg = new SvgQRCode(data);

        // This overload draws the quiet zone too (its viewBox is the whole module matrix).
        return svg.GetGraphic(pixelsPerModule);
    }

    private static bool IsDark(List<BitArray> matrix, int row, int column) => matrix[row][column];

    private static QRCodeData Encode(string text) =>
        QRCodeGenerator.GenerateQrCode(Encoding.ASCII.GetBytes(text), QRCodeGenerator.ECCLevel.L);
}
