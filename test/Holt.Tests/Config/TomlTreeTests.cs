using Holt.Config;

namespace Holt.Tests.Config;

public sealed class TomlTreeTests
{
    private static TomlNode Get(TomlTable table, string key) => Assert.Single(table.Entries, e => e.Key == key).Value;

    private static string Name(TomlNode peer) => Assert.IsType<TomlValue>(Get(Assert.IsType<TomlTable>(peer), "name")).Text!;

    private static string Refused(string text) => Assert.Throws<ConfigException>(() => TomlTree.Parse(text, "holt.toml")).Message;

    [Fact]
    public void MorePeerTables_AfterOtherTables_ExtendTheSameList()
    {
        // A hand edit that appends a peer at the end of the file, after [firewall].
        TomlTable root = TomlTree.Parse("[gateway]\nport = 1\n\n[[peer]]\nname = \"a\"\n\n[[peer]]\nname = \"b\"\n\n[firewall]\nenabled = false\n\n[[peer]]\nname = \"c\"\n", "holt.toml");

        TomlArray peers = Assert.IsType<TomlArray>(Get(root, "peer"));
        Assert.Equal(["a", "b", "c"], peers.Items.Select(Name));
        Assert.Equal(4, peers.Line);
        Assert.Equal(13, peers.Items[2].Line);
        Assert.Equal(["gateway", "peer", "firewall"], root.Entries.Select(e => e.Key));
    }

    [Fact]
    public void ASubTableHeader_AfterItsParentWasClosed_AddsToTheParent()
    {
        TomlTable root = TomlTree.Parse(
            "[monitor]\ninterval = \"5s\"\n\n[[monitor.check]]\nname = \"one\"\n\n[firewall]\nenabled = true\n\n[[monitor.check]]\nname = \"two\"\n\n[monitor.extra]\nkey = 1\n", "holt.toml");

        TomlTable monitor = Assert.IsType<TomlTable>(Get(root, "monitor"));
        Assert.Equal("5s", Assert.IsType<TomlValue>(Get(monitor, "interval")).Text);
        Assert.Equal(["one", "two"], Assert.IsType<TomlArray>(Get(monitor, "check")).Items.Select(Name));
        Assert.Equal(1, Assert.IsType<TomlValue>(Get(Assert.IsType<TomlTable>(Get(monitor, "extra")), "key")).Number);
    }

    [Theory]
    [InlineData("[gateway]\nport = 1\n[firewall]\nenabled = true\n[gateway]\nmtu = 1400\n", "holt.toml:5: [gateway] appears twice (first on line 1)")]
    [InlineData("[gateway]\nports = [1]\nports = [2]\n", "holt.toml:3: 'ports' is set twice in the same table (first on line 2)")]
    [InlineData("[gateway]\nports = [1]\n[firewall]\nenabled = true\n[[gateway.ports]]\nx = 1\n", "holt.toml:5: 'ports' is set twice in the same table (first on line 2)")]
    [InlineData("a = { b = 1 }\n[a.c]\nd = 2\n", "holt.toml:2: [a] appears twice (first on line 1)")]
    [InlineData("[monitor]\n[monitor.x]\nk = 1\n[firewall]\n[monitor.x]\nk = 2\n", "holt.toml:5: [x] appears twice (first on line 2)")]
    public void WhatTomlForbids_IsStillRefusedAtItsLine(string text, string expected)
    {
        Assert.Equal(expected, Refused(text));
    }

    [Theory]
    [InlineData("[gateway]\nname = \"home\"\0\n", "holt.toml:2: not a text file (a NUL byte)")]
    [InlineData("[gateway]\n\n# note\u0007\n", "holt.toml:3: not a text file (control character 0x07, which TOML does not allow)")]
    [InlineData("[gateway]\nname = \"a\u007fb\"\n", "holt.toml:2: not a text file (control character 0x7F, which TOML does not allow)")]
    public void ControlCharacters_AreRefusedAtTheirLine_InHoltsWords(string text, string expected)
    {
        Assert.Equal(expected, Refused(text));
    }

    [Theory]
    [InlineData('[', ']')]
    [InlineData('{', '}')]
    public void NestingTooDeep_IsSaidForWhoeverEditsTheFile_NotAsTheParsersAdviceToAProgram(char open, char close)
    {
        string inner = open == '[' ? "1" : "a = 1";
        string text = "a = " + string.Concat(Enumerable.Repeat(open == '[' ? "[" : "{ b = ", 5000)) + inner + new string(close, 5000) + "\n";

        Assert.Equal("holt.toml:1: values are nested too deeply (more than 64 levels of arrays and tables)", Refused(text));
    }

    [Fact]
    public void TabsAndCrLf_AreStillText()
    {
        TomlTable root = TomlTree.Parse("[gateway]\r\n\tname = \"home\"\t# tab\r\n", "holt.toml");

        Assert.Equal("home", Assert.IsType<TomlValue>(Get(Assert.IsType<TomlTable>(Get(root, "gateway")), "name")).Text);
    }
}
