using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Holt.Gateway;
using Holt.Qr;
using Holt.Tests.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Qr;

/// <summary>
/// QR codes of client configs, read back with a real scanner (zbarimg). PNG is decoded as written. zbarimg cannot
/// read SVG here (its ImageMagick has no SVG delegate), so the SVG is parsed as XML, its path drawn onto a module
/// grid and that decoded; the terminal's half blocks are turned back into modules the same way.
/// </summary>
public sealed partial class QrCodeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-qr").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A dual-stack client config with DNS: about 350 characters, as a real one is.</summary>
    internal static string RealisticConfig()
    {
        var gateway = new GatewayConfig
        {
            Interface = "wg0",
            PrivateKey = TestKeys.GatewayPrivate,
            Endpoint = "vpn.example.com",
            Subnet = IPNetwork.Parse("10.8.0.0/24"),
            Address = IPAddress.Parse("10.8.0.1"),
            Subnet6 = IPNetwork.Parse("fd42:1::/64"),
            Address6 = IPAddress.Parse("fd42:1::1"),
            Dns = ["10.8.0.1"],
        };
        var peer = new PeerConfig
        {
            Name = "phone",
            PublicKey = TestKeys.PhonePublic,
            PrivateKey = TestKeys.PhonePrivate,
            PresharedKey = TestKeys.Psk2,
            Address = IPAddress.Parse("10.8.0.2"),
            Address6 = IPAddress.Parse("fd42:1::2"),
        };
        return ClientConfig.Render(gateway, peer, servesExposures: false);
    }

    [Fact]
    public void RealisticConfig_IsAboutThreeHundredFiftyCharacters()
    {
        Assert.InRange(RealisticConfig().Length, 320, 400);
    }

    [ZbarFact]
    public void ToPng_DecodesToTheConfig()
    {
        string config = RealisticConfig();
        string file = Path.Combine(_directory, "peer.png");
        byte[] png = QrCode.ToPng(config);
        File.WriteAllBytes(file, png);

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal(config, Zbar.Decode(file));
    }

    [ZbarFact]
    public void ToPng_LongerConfig_DecodesToTheConfig()
    {
        string config = RealisticConfig().Replace("AllowedIPs = ", "AllowedIPs = 192.168.0.0/16, 172.16.0.0/12, 10.0.0.0/8, fd00::/8, ", StringComparison.Ordinal);
        string file = Path.Combine(_directory, "long.png");
        File.WriteAllBytes(file, QrCode.ToPng(config, pixelsPerModule: 3));

        Assert.Equal(config, Zbar.Decode(file));
    }

    [ZbarFact]
    public void ToSvg_DrawnOntoAGrid_DecodesToTheConfig()
    {
        string config = RealisticConfig();

        bool[,] modules = SvgModules(QrCode.ToSvg(config));
        string file = Path.Combine(_directory, "svg.pgm");
        Zbar.WritePgm(file, modules, scale: 4);

        Assert.Equal(config, Zbar.Decode(file));
    }

    [ZbarFact]
    public void ToTerminal_HalfBlocksTurnedBackIntoModules_DecodeToTheConfig()
    {
        string config = RealisticConfig();

        bool[,] modules = TerminalModules(QrCode.ToTerminal(config), extraQuietZone: 2);
        string file = Path.Combine(_directory, "terminal.pgm");
        Zbar.WritePgm(file, modules, scale: 4);

        Assert.Equal(config, Zbar.Decode(file));
    }

    [Fact]
    public void ToTerminal_IsRowsOfHalfBlocksInsideALightBorder()
    {
        string[] lines = QrCode.ToTerminal(RealisticConfig()).Split('\n');

        Assert.Equal("", lines[^1]);
        string[] rows = lines[..^1];
        Assert.All(rows, row => Assert.Equal(rows[0].Length, row.Length));
        Assert.All(rows, row => Assert.Matches("^[█▀▄ ]+$", row));

        // Two light modules all round: the first text row and the first two columns are fully light.
        Assert.Matches("^█+$", rows[0]);
        Assert.All(rows, row => Assert.StartsWith("██", row, StringComparison.Ordinal));
        Assert.All(rows, row => Assert.EndsWith("██", row, StringComparison.Ordinal));

        // A QR code is 4k + 17 modules square; two quiet modules on each side.
        int size = rows[0].Length;
        Assert.Equal(0, (size - 4 - 17) % 4);
        Assert.Equal((size + 1) / 2, rows.Length);
    }

    [Fact]
    public void ToSvg_IsWellFormedAndHasTheSameModulesAsTheTerminalCode()
    {
        string config = RealisticConfig();

        bool[,] svg = SvgModules(QrCode.ToSvg(config));
        bool[,] terminal = TerminalModules(QrCode.ToTerminal(config), extraQuietZone: 2);

        // Both have a four-module quiet zone now; the terminal grid has one more (light) row when the size is odd.
        int size = svg.GetLength(0);
        Assert.Equal(size, svg.GetLength(1));
        Assert.Equal(size, terminal.GetLength(1));
        Assert.InRange(terminal.GetLength(0) - size, 0, 1);
        int dark = 0;
        for (int row = 0; row < size; row++)
        {
            for (int column = 0; column < size; column++)
            {
                Assert.True(svg[row, column] == terminal[row, column], $"module ({row}, {column}) differs");
                dark += svg[row, column] ? 1 : 0;
            }
        }

        Assert.InRange(dark, (size - 8) * (size - 8) / 4, (size - 8) * (size - 8) * 3 / 4);
    }

    /// <summary>
    /// The terminal code as a module grid (true = dark): '█' is two light modules, '▀' light over dark, '▄' dark
    /// over light, ' ' two dark ones; a light border of <paramref name="extraQuietZone"/> modules is added.
    /// </summary>
    internal static bool[,] TerminalModules(string text, int extraQuietZone)
    {
        string[] rows = text.TrimEnd('\n').Split('\n');
        int width = rows[0].Length + (2 * extraQuietZone);
        int height = (rows.Length * 2) + (2 * extraQuietZone);
        var dark = new bool[height, width];
        for (int row = 0; row < rows.Length; row++)
        {
            for (int column = 0; column < rows[row].Length; column++)
            {
                (bool top, bool bottom) = rows[row][column] switch
                {
                    '█' => (false, false),
                    '▀' => (false, true),
                    '▄' => (true, false),
                    ' ' => (true, true),
                    char other => throw new InvalidDataException($"unexpected '{other}' in the terminal code"),
                };
                dark[extraQuietZone + (2 * row), extraQuietZone + column] = top;
                dark[extraQuietZone + (2 * row) + 1, extraQuietZone + column] = bottom;
            }
        }

        return dark;
    }

    /// <summary>
    /// The SVG as a module grid: its viewBox gives the grid (one unit per module), and every subpath of the dark
    /// path (absolute M, relative or absolute h and v, z) is a polygon; a module is dark when its centre is inside
    /// an odd number of them. The white background rect must cover the whole view.
    /// </summary>
    internal static bool[,] SvgModules(string svgText)
    {
        XDocument document = XDocument.Parse(svgText);
        XNamespace svg = "http://www.w3.org/2000/svg";
        XElement root = document.Root!;
        Assert.Equal(svg + "svg", root.Name);
        int[] box = root.Attribute("viewBox")!.Value.Split(' ').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(0, box[0]);
        Assert.Equal(0, box[1]);
        Assert.Equal(box[2], box[3]);
        int size = box[2];

        XElement background = Assert.Single(root.Elements(svg + "rect"));
        Assert.Equal(size.ToString(CultureInfo.InvariantCulture), background.Attribute("width")!.Value);
        Assert.Equal("#FFF", background.Attribute("fill")!.Value, ignoreCase: true);
        XElement path = Assert.Single(root.Elements(svg + "path"));
        Assert.Equal("#000", path.Attribute("fill")!.Value, ignoreCase: true);

        var polygons = new List<List<(int X, int Y)>>();
        List<(int X, int Y)>? current = null;
        (int x, int y) = (0, 0);
        foreach (Match token in PathToken().Matches(path.Attribute("d")!.Value))
        {
            char command = token.Groups[1].Value[0];
            int[] numbers = token.Groups[2].Value.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            switch (command)
            {
                case 'M':
                    (x, y) = (numbers[0], numbers[1]);
                    current = [(x, y)];
                    polygons.Add(current);
                    continue;
                case 'h':
                    x += numbers[0];
                    break;
                case 'H':
                    x = numbers[0];
                    break;
                case 'v':
                    y += numbers[0];
                    break;
                case 'V':
                    y = numbers[0];
                    break;
                case 'z' or 'Z':
                    continue;
                default:
                    throw new InvalidDataException($"path command '{command}' is not drawn by this test");
            }

            current!.Add((x, y));
        }

        var dark = new bool[size, size];
        foreach (List<(int X, int Y)> polygon in polygons)
        {
            for (int row = 0; row < size; row++)
            {
                for (int column = 0; column < size; column++)
                {
                    if (Inside(polygon, column + 0.5, row + 0.5))
                    {
                        dark[row, column] = !dark[row, column];
                    }
                }
            }
        }

        return dark;
    }

    // Ray casting to the right: count the edges crossing the ray.
    private static bool Inside(List<(int X, int Y)> polygon, double x, double y)
    {
        bool inside = false;
        for (int i = 0, j = polygon.Count - 1; i < polygon.Count; j = i++)
        {
            (int xi, int yi) = polygon[i];
            (int xj, int yj) = polygon[j];
            if ((yi > y) != (yj > y) && x < xj + ((y - yj) * (xi - xj) / (yi - yj)))
            {
                inside = !inside;
            }
        }

        return inside;
    }

    [GeneratedRegex(@"([A-Za-z])([^A-Za-z]*)")]
    private static partial Regex PathToken();
}
