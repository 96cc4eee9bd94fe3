using System.Collections;
using System.Text;
using QRCoder;

namespace Holt.Qr;

/// <summary>
/// QR codes of client configs, for the official apps' "scan from QR code": in the terminal (two module rows per
/// text line, with half-block characters), as PNG and as SVG. Encoding is QRCoder's, in byte mode at error
/// correction level L, the smallest code; a config is a few hundred ASCII characters.
/// </summary>
internal static class QrCode
{
    // The terminal code keeps a two-module quiet zone; scanners read it, and it saves screen space.
    private const int TerminalQuietZone = 2;

    public static string ToTerminal(string text)
    {
        using QRCodeData data = Encode(text);
        List<BitArray> matrix = data.ModuleMatrix;
        int border = 4 - TerminalQuietZone;
        int size = matrix.Count - (2 * border);
        var output = new StringBuilder();

        // Light modules are drawn and dark ones left blank, which reads right on the usual dark terminal; scanners
        // also accept the inverse on a light one.
        for (int row = 0; row < size; row += 2)
        {
            for (int column = 0; column < size; column++)
            {
                bool top = !IsDark(matrix, border + row, border + column);
                bool bottom = row + 1 >= size || !IsDark(matrix, border + row + 1, border + column);
                output.Append((top, bottom) switch
                {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    _ => ' ',
                });
            }

            output.Append('\n');
        }

        return output.ToString();
    }

    public static byte[] ToPng(string text, int pixelsPerModule = 8)
    {
        using QRCodeData data = Encode(text);
        using var png = new PngByteQRCode(data);
        return png.GetGraphic(pixelsPerModule);
    }

    public static string ToSvg(string text, int pixelsPerModule = 8)
    {
        using QRCodeData data = Encode(text);
        using var svg = new SvgQRCode(data);
        return svg.GetGraphic(pixelsPerModule);
    }

    private static bool IsDark(List<BitArray> matrix, int row, int column) => matrix[row][column];

    private static QRCodeData Encode(string text) =>
        QRCodeGenerator.GenerateQrCode(Encoding.ASCII.GetBytes(text), QRCodeGenerator.ECCLevel.L);
}
