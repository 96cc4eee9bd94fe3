using Holt.Audit;

namespace Holt.Tests.Audit;

/// <summary>The web servers' and APT's configuration readers: their grammar's corners, and input no server would accept.</summary>
public sealed class ConfigParserTests : IDisposable
{
    private readonly AuditTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Nginx_BlocksNest_QuotesHoldBraces_AndCommentsEndAtTheLine()
    {
        List<NginxDirective> directives = NginxConfig.Parse(
            "# a comment { not a block\nhttp {\n  server {\n    server_name \"a b;{}\" c; # trailing\n    location ~ \\.php$ { deny all; }\n  }\n}\n", "f");

        NginxDirective server = Assert.Single(NginxConfig.Servers(directives));
        Assert.Equal(["a b;{}", "c"], server.Block!.Single(d => d.Name == "server_name").Arguments);
        NginxDirective location = server.Block!.Single(d => d.Name == "location");
        Assert.Equal(["~", "\\.php$"], location.Arguments);
        Assert.Equal(5, location.Line);
    }

    [Fact]
    public void Nginx_IncludesAGlobOneLevelDeep_AndSkipsWhatIsNotAFile()
    {
        _tree.Write("/etc/nginx/snippets/a.conf", "allow 10.8.0.0/24;\ninclude other/deeper.conf;\n");
        _tree.Write("/etc/nginx/snippets/b.conf", "deny all;\n");
        _tree.Write("/etc/nginx/other/deeper.conf", "return 403;\n");
        _tree.Folder("/etc/nginx/snippets/dir.conf");
        _tree.Write("/etc/nginx/sites-enabled/site", "server {\n  include snippets/*.conf;\n  include /;\n}\n");

        NginxDirective server = Assert.Single(NginxConfig.Servers(NginxConfig.Read(_tree.Machine(), "/etc/nginx/sites-enabled/site")));

        Assert.Equal(["include", "allow", "include", "deny", "include"], server.Block!.Select(d => d.Name));
    }

    [Fact]
    public void Apache_SectionsNest_LinesContinue_AndNamesIgnoreCase()
    {
        List<ApacheDirective> directives = ApacheConfig.Parse(
            "<virtualhost *:80>\n  ServerName \\\n    blog.example.com\n  <FILES \"wp-login.php\">\n    require IP 10.8.0.0/24\n  </FILES>\n</virtualhost>\n", "f");

        ApacheDirective host = Assert.Single(directives);
        Assert.True(host.Is("VirtualHost"));
        Assert.Equal(["blog.example.com"], host.Section!.Single(d => d.Is("ServerName")).Arguments);
        ApacheDirective files = host.Section!.Single(d => d.Is("Files"));
        Assert.True(ApacheConfig.Covers(files, "/wp-login.php", "/var/www"));
        Assert.False(ApacheConfig.Covers(files, "/xmlrpc.php", "/var/www"));
        Assert.True(ApacheConfig.Restricts(files));
    }

    [Fact]
    public void Apt_NestedScopes_QuotedSemicolons_AndComments()
    {
        var settings = new Dictionary<string, AptConfig.Setting>(StringComparer.Ordinal);
        AptConfig.Parse("/* block\ncomment */ APT {\n  Periodic { Enable \"1\"; };\n  Other \"a;b\"; // no\n};\n#clear APT::X;\nDpkg::Options { \"--force-confdef\"; };\n", "f", settings);

        Assert.Equal(new AptConfig.Setting("1", "f:3"), settings["apt::periodic::enable"]);
        Assert.Equal("a;b", settings["apt::other"].Value);
        Assert.False(settings.ContainsKey("apt::x"));
    }

    [Theory]
    [InlineData("20auto-upgrades", true)]
    [InlineData("50unattended-upgrades", true)]
    [InlineData("99local.conf", true)]
    [InlineData("50unattended-upgrades.ucf-dist", false)]
    [InlineData("20auto-upgrades.dpkg-old", false)]
    [InlineData("with space", false)]
    public void Apt_ReadsOnlyTheFileNamesAptReads(string name, bool read)
    {
        Assert.Equal(read, AptConfig.IsRead(name));
    }

    [Fact]
    public void EveryParser_TakesRandomInput_WithoutThrowing()
    {
        var random = new Random(16);
        const string Alphabet = "{};\"'#/*\\<>~ \n\tabcxyz:=^$.-_0123456789";
        for (int i = 0; i < 3000; i++)
        {
            char[] text = new char[random.Next(0, 200)];
            for (int j = 0; j < text.Length; j++)
            {
                text[j] = Alphabet[random.Next(Alphabet.Length)];
            }

            string input = new(text);
            List<NginxDirective> nginx = NginxConfig.Parse(input, "f");
            foreach (NginxDirective server in NginxConfig.Servers(nginx))
            {
                _ = NginxConfig.LocationFor(server, "/wp-admin/index.php");
            }

            foreach (ApacheDirective section in ApacheConfig.Parse(input, "f").Where(d => d.Section is not null))
            {
                _ = ApacheConfig.Covers(section, "/wp-login.php", "/var/www") && ApacheConfig.Restricts(section);
            }

            AptConfig.Parse(input, "f", new Dictionary<string, AptConfig.Setting>(StringComparer.Ordinal));
        }
    }
}
