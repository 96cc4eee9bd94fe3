using System.Text.RegularExpressions;
using Holt.Text;

namespace Holt.Tests.Text;

public sealed partial class FormatTableTests
{
    [Fact]
    public void Table_PadsColumnsToTheWidestCell()
    {
        string table = Format.Table(["NAME", "STATE", "RX"], [["laptop", "enabled", "1 B"], ["a", "disabled", "2 KiB"]]);

        Assert.Equal(
            "NAME    STATE     RX\n" +
            "laptop  enabled   1 B\n" +
            "a       disabled  2 KiB\n",
            table);
    }

    [Fact]
    public void Table_ColouredCells_LineUpAsPlainOnes()
    {
        string[][] plain = [["laptop", "enabled", "1 B"], ["a", "disabled", "2 KiB"], ["phone", "expired", "-"]];
        string[][] coloured =
        [
            ["laptop", Ansi.Paint("enabled", Ansi.Green), "1 B"],
            [Ansi.Paint("a", Ansi.Red), Ansi.Paint("disabled", Ansi.Yellow), "2 KiB"],
            ["phone", Ansi.Paint("expired", Ansi.Yellow), Ansi.Paint("-", Ansi.Red)],
        ];

        string table = Format.Table(["NAME", "STATE", "RX"], coloured);

        Assert.Contains("\e[32menabled\e[0m   1 B\n", table, StringComparison.Ordinal);
        Assert.Equal(Format.Table(["NAME", "STATE", "RX"], plain), Escapes().Replace(table, ""));
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("enabled", 7)]
    [InlineData("\e[32menabled\e[0m", 7)]
    [InlineData("\e[1;31mdown\e[0m (3m)", 9)]
    [InlineData("\e[", 0)]
    public void VisibleWidth_LeavesOutControlSequences(string text, int width)
    {
        Assert.Equal(width, Ansi.VisibleWidth(text));
    }

    [Fact]
    public void Paint_WrapsTextButNotNothing()
    {
        Assert.Equal("\e[31mholt:\e[0m", Ansi.Paint("holt:", Ansi.Red));
        Assert.Equal("", Ansi.Paint("", Ansi.Red));
    }

    [GeneratedRegex("\e\\[[0-9;]*m")]
    private static partial Regex Escapes();
}
