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
    internal const string DarkOnLight = "\u001b[38;5;16;48;5;231m";
    internal const string Reset = "\u001b[0m";

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
    public void ToTerminal_HalfBlocksTurnedBackIntoModules_DecodeWithOnlyTheirOwnQuietZone()
    {
        string config = RealisticConfig();

        bool[,] modules = TerminalModules(QrCode.ToTerminal(config));
        string file = Path.Combine(_directory, "terminal.pgm");
        Zbar.WritePgm(file, modules, scale: 4);

        Assert.Equal(config, Zbar.Decode(file));
    }

    [ZbarFact]
    public void ToTerminal_ALongExposedPeersConfig_Decodes()
    {
        string config = RealisticConfig().Replace("AllowedIPs = ", "AllowedIPs = 192.168.0.0/16, 172.16.0.0/12, 10.0.0.0/8, fd00::/8, ", StringComparison.Ordinal) +
            "# The gateway forwards public ports to this peer: replies to those clients go back through the tunnel.\nTable = off\n" +
            "PostUp = ip -4 route add default dev %i table 51821\nPostUp = ip -4 rule add from 10.8.0.2 lookup 51821\n";

        bool[,] modules = TerminalModules(QrCode.ToTerminal(config));
        string file = Path.Combine(_directory, "long-terminal.pgm");
        Zbar.WritePgm(file, modules, scale: 3);

        Assert.Equal(config, Zbar.Decode(file));
        Assert.Equal(modules.GetLength(1), QrCode.TerminalColumns(config));
    }

    [Fact]
    public void ToTerminal_IsBlackOnWhiteHalfBlocks_ResetAtEachLineEnd_InsideAFourModuleQuietZone()
    {
        string text = QrCode.ToTerminal(RealisticConfig());
        string[] lines = text.Split('\n');

        Assert.Equal("", lines[^1]);
        string[] rows = lines[..^1];
        Assert.All(rows, row => Assert.StartsWith(DarkOnLight, row, StringComparison.Ordinal));
        Assert.All(rows, row => Assert.EndsWith(Reset, row, StringComparison.Ordinal));
        string[] cells = rows.Select(row => row[DarkOnLight.Length..^Reset.Length]).ToArray();
        Assert.All(cells, row => Assert.Equal(cells[0].Length, row.Length));
        Assert.All(cells, row => Assert.Matches("^[█▀▄ ]+$", row));
        Assert.Equal(QrCode.TerminalColumns(RealisticConfig()), cells[0].Length);

        // A QR code is 4k + 17 modules square, with four light modules all round: two light text rows above,
        // four light columns each side, and at least four light module rows below (five, the size being odd).
        int size = cells[0].Length;
        Assert.Equal(0, (size - 8 - 17) % 4);
        Assert.Equal((size + 1) / 2, cells.Length);
        Assert.Matches("^ +$", cells[0]);
        Assert.Matches("^ +$", cells[1]);
        Assert.Matches("^ +$", cells[^1]);
        Assert.Matches("^ +$", cells[^2]);
        Assert.All(cells, row => Assert.StartsWith("    ", row, StringComparison.Ordinal));
        Assert.All(cells, row => Assert.EndsWith("    ", row, StringComparison.Ordinal));

        // The finder pattern starts right at the quiet zone: module (4, 4) is dark, the top half of row 2's fifth cell.
        Assert.Contains(cells[2][4], "█▀");
    }

    [ZbarFact]
    public void ToPng_HasAFourModuleQuietZone_AndTheSvgsModules()
    {
        string config = RealisticConfig();

        bool[,] png = PngModules(QrCode.ToPng(config, pixelsPerModule: 8), pixelsPerModule: 8);
        bool[,] svg = SvgModules(QrCode.ToSvg(config));

        AssertFourModuleQuietZone(png);
        AssertFourModuleQuietZone(svg);
        Assert.Equal(svg.GetLength(0), png.GetLength(0));
        for (int row = 0; row < svg.GetLength(0); row++)
        {
            for (int column = 0; column < svg.GetLength(1); column++)
            {
                Assert.True(svg[row, column] == png[row, column], $"module ({row}, {column}) differs");
            }
        }

        // Nothing but the PNG's own quiet zone around it, and zbar reads it.
        string file = Path.Combine(_directory, "bare.pgm");
        Zbar.WritePgm(file, png, scale: 4);
        Assert.Equal(config, Zbar.Decode(file));
    }

    [Fact]
    public void ToSvg_IsWellFormedAndHasTheSameModulesAsTheTerminalCode()
    {
        string config = RealisticConfig();

        bool[,] svg = SvgModules(QrCode.ToSvg(config));
        bool[,] terminal = TerminalModules(QrCode.ToTerminal(config));

        // Both have a four-module quiet zone; the terminal grid has one more (light) row when the size is odd.
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
        AssertFourModuleQuietZone(terminal);
    }

    /// <summary>Rows and columns 0-3 and the last four are light, and module (4, 4), the finder's corner, is dark.</summary>
    private static void AssertFourModuleQuietZone(bool[,] modules)
    {
        int size = modules.GetLength(1);
        for (int i = 0; i < size; i++)
        {
            for (int edge = 0; edge < 4; edge++)
            {
                Assert.False(modules[edge, i], $"module ({edge}, {i}) is dark");
                Assert.False(modules[size - 1 - edge, i], $"module ({size - 1 - edge}, {i}) is dark");
                Assert.False(modules[i, edge], $"module ({i}, {edge}) is dark");
                Assert.False(modules[i, size - 1 - edge], $"module ({i}, {size - 1 - edge}) is dark");
            }
        }

        Assert.True(modules[4, 4]);
    }

    /// <summary>
    /// The terminal code as a module grid (true = dark). Each line must be the black-on-white escape, half blocks, and
    /// the reset; '█' is two dark modules, '▀' dark over light, '▄' light over dark, ' ' two light ones. Nothing
    /// is added around it: the code's own quiet zone is all there is.
    /// </summary>
    internal static bool[,] TerminalModules(string text)
    {
        string[] rows = text.TrimEnd('\n').Split('\n')
            .Select(row => row.StartsWith(DarkOnLight, StringComparison.Ordinal) && row.EndsWith(Reset, StringComparison.Ordinal)
                ? row[DarkOnLight.Length..^Reset.Length]
                : throw new InvalidDataException($"a terminal line is not coloured and reset: '{row}'"))
            .ToArray();
        var dark = new bool[rows.Length * 2, rows[0].Length];
        for (int row = 0; row < rows.Length; row++)
        {
            for (int column = 0; column < rows[row].Length; column++)
            {
                (bool top, bool bottom) = rows[row][column] switch
                {
                    '█' => (true, true),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    ' ' => (false, false),
                    char other => throw new InvalidDataException($"unexpected '{other}' in the terminal code"),
                };
                dark[2 * row, column] = top;
                dark[(2 * row) + 1, column] = bottom;
            }
        }

        return dark;
    }

    /// <summary>
    /// A PNG as QRCoder writes it (greyscale, one bit per pixel, not interlaced) turned into a module grid: the
    /// pixel at the centre of each module, 0 being black. Its five row filters are undone as PNG specifies.
    /// </summary>
    internal static bool[,] PngModules(byte[] png, int pixelsPerModule)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a], png[..8]);
        int width = 0, height = 0;
        var compressed = new MemoryStream();
        for (int at = 8; at < png.Length;)
        {
            int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            ReadOnlySpan<byte> data = png.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data);
                height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal([1, 0, 0, 0, 0], data[8..13].ToArray());
            }
            else if (type == "IDAT")
            {
                compressed.Write(data);
            }

            at += 12 + length;
        }

        Assert.Equal(width, height);
        Assert.Equal(0, width % pixelsPerModule);
        compressed.Position = 0;
        var raw = new MemoryStream();
        using (var inflate = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionMode.Decompress))
        {
            inflate.CopyTo(raw);
        }

        int stride = (width + 7) / 8;
        byte[] bytes = raw.ToArray();
        var pixels = new byte[height][];
        byte[] previous = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            byte filter = bytes[y * (stride + 1)];
            byte[] line = bytes.AsSpan((y * (stride + 1)) + 1, stride).ToArray();
            for (int x = 0; x < stride; x++)
            {
                int left = x > 0 ? line[x - 1] : 0, up = previous[x], upLeft = x > 0 ? previous[x - 1] : 0;
                line[x] = (byte)(line[x] + filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"PNG filter {filter}"),
                });
            }

            pixels[y] = line;
            previous = line;
        }

        int size = width / pixelsPerModule;
        var dark = new bool[size, size];
        for (int row = 0; row < size; row++)
        {
            for (int column = 0; column < size; column++)
            {
                int x = (column * pixelsPerModule) + (pixelsPerModule / 2), y = (row * pixelsPerModule) + (pixelsPerModule / 2);
                dark[row, column] = (pixels[y][x / 8] & (0x80 >> (x % 8))) == 0;
            }
        }

        return dark;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
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
