using System.Net;
using Holt.Audit;
using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Tests.Gateway;
using Holt.Tests.Support;

namespace Holt.Tests.Audit;

public sealed class WebAreaTests : IDisposable
{
    private const string Php = "    location ~ \\.php$ {\n        include snippets/fastcgi-php.conf;\n        fastcgi_pass unix:/run/php/php-fpm.sock;\n    }\n";

    private readonly AuditTree _tree = new();

    public WebAreaTests()
    {
        _tree.Write("/var/www/blog/wp-login.php", "<?php\n");
        _tree.Write("/var/www/blog/xmlrpc.php", "<?php\n");
        _tree.Write("/var/www/static/index.html", "<p>hi</p>\n");
    }

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void NoWebServer_GivesNothing()
    {
        Assert.Empty(Check());
    }

    [Fact]
    public void AnNginxWordPressSite_OpenToAll_GivesItsLoginPagesAndXmlRpc()
    {
        Site("server {\n    listen 443 ssl;\n    server_name blog.example.com www.blog.example.com;\n    root /var/www/blog;\n" +
            "    location / {\n        try_files $uri $uri/ /index.php?$args;\n    }\n" + Php + "}\n");

        List<Finding> findings = Check();

        Assert.Equal([("web.wp-exposed:blog.example.com", Severity.Warning), ("web.xmlrpc-open:blog.example.com", Severity.Warning)],
            findings.Select(f => (f.Id, f.Severity)).Order());
        Finding exposed = findings.Single(f => f.Id.StartsWith("web.wp-exposed", StringComparison.Ordinal));
        Assert.Contains("/wp-login.php: answered by location ~ \\.php$ at /etc/nginx/sites-enabled/blog:8", exposed.Evidence, StringComparison.Ordinal);
        Assert.StartsWith("holt firewall nginx-snippet > /etc/nginx/snippets/holt-wp-admin.conf", exposed.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void TheHoltSnippet_IncludedBeforeThePhpBlock_ClosesEverything_AndAfterIt_Does_Not()
    {
        HoltConfig config = HoltConfig.Empty.WithGateway(Gateway());
        _tree.Write("/etc/nginx/snippets/holt-wp-admin.conf", NginxSnippetWriter.Write(config));
        string head = "server {\n    server_name blog.example.com;\n    root /var/www/blog;\n";

        Site(head + "    include snippets/holt-wp-admin.conf;\n" + Php + "}\n");
        Assert.Empty(Check());

        Site(head + Php + "    include snippets/holt-wp-admin.conf;\n}\n");
        Assert.Equal(["web.wp-exposed:blog.example.com", "web.xmlrpc-open:blog.example.com"], Check().Select(f => f.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void APlainWpAdminPrefix_LosesItsPhpFilesToThePhpBlock()
    {
        Site("server {\n    server_name blog.example.com;\n    root /var/www/blog;\n" +
            "    location /wp-admin {\n        allow 10.8.0.0/24;\n        deny all;\n    }\n" +
            "    location = /wp-login.php {\n        allow 10.8.0.0/24;\n        deny all;\n    }\n" +
            "    location = /xmlrpc.php {\n        return 444;\n    }\n" + Php + "}\n");

        Finding finding = Assert.Single(Check());

        Assert.Equal("web.wp-exposed:blog.example.com", finding.Id);
        Assert.Equal("/wp-admin/index.php: answered by location ~ \\.php$ at /etc/nginx/sites-enabled/blog:15, which lets everyone in", finding.Evidence);
    }

    [Fact]
    public void APrefixThatStopsTheRegexSearch_Protects()
    {
        Site("server {\n    server_name blog.example.com;\n    root /var/www/blog;\n" +
            "    location ^~ /wp-admin {\n        allow 10.8.0.0/24;\n        deny all;\n    }\n" +
            "    location ~ ^/(wp-login|xmlrpc)\\.php$ {\n        allow 10.8.0.0/24;\n        allow 192.0.2.7;\n        deny all;\n    }\n" + Php + "}\n");

        Assert.Empty(Check());
    }

    [Fact]
    public void AllowAllBeforeDenyAll_LetsEveryoneIn()
    {
        Site("server {\n    server_name blog.example.com;\n    root /var/www/blog;\n" +
            "    location ~ ^/(wp-admin|wp-login\\.php|xmlrpc\\.php) {\n        allow all;\n        deny all;\n    }\n}\n");

        Assert.Equal(2, Check().Count);
    }

    [Fact]
    public void AWholeSiteLimitedToTheVpn_IsFine()
    {
        Site("server {\n    server_name blog.example.com;\n    root /var/www/blog;\n    allow 10.8.0.0/24;\n    deny all;\n" + Php + "}\n");

        Assert.Empty(Check());
    }

    [Fact]
    public void ASiteThatIsNotWordPress_IsNotJudged_ButOneThatNamesItIs()
    {
        Site("server {\n    server_name static.example.com;\n    root /var/www/static;\n" + Php + "}\n");
        Assert.Empty(Check());

        Site("server {\n    server_name _;\n    root /srv/elsewhere;\n    location /wordpress/ {\n        try_files $uri /wordpress/index.php;\n    }\n}\n");
        Assert.Equal(["web.wp-exposed:/etc/nginx/sites-enabled/blog:1", "web.xmlrpc-open:/etc/nginx/sites-enabled/blog:1"],
            Check().Select(f => f.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AnApacheWordPressHost_OpenToAll_IsAWarning_WithTheVpnSubnetInItsFix()
    {
        _tree.Write("/etc/holt/holt.toml", TestConfig.WriteGateway(Gateway() with { Subnet = IPNetwork.Parse("10.77.0.0/24"), Address = IPAddress.Parse("10.77.0.1") }));
        ApacheSite("<VirtualHost *:443>\n    ServerName blog.example.com\n    DocumentRoot /var/www/blog\n    <Directory /var/www/blog>\n        Require all granted\n    </Directory>\n</VirtualHost>\n");

        List<Finding> findings = Check();

        Assert.Equal(["web.wp-exposed:blog.example.com", "web.xmlrpc-open:blog.example.com"], findings.Select(f => f.Id).Order(StringComparer.Ordinal));
        Assert.Contains("Require ip 10.77.0.0/24", findings[0].Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void AnApacheHost_WithRequireIpSections_IsFine()
    {
        ApacheSite("<VirtualHost *:443>\n    ServerName blog.example.com\n    DocumentRoot /var/www/blog\n" +
            "    <Location /wp-admin>\n        Require ip 10.8.0.0/24\n    </Location>\n" +
            "    <FilesMatch \"^(wp-login|xmlrpc)\\.php$\">\n        <RequireAny>\n            Require ip 10.8.0.0/24\n        </RequireAny>\n    </FilesMatch>\n" +
            "</VirtualHost>\n");

        Assert.Empty(Check());
    }

    [Fact]
    public void AnApacheSection_ThatAlsoGrantsAll_DoesNotProtect()
    {
        ApacheSite("<VirtualHost *:80>\n    DocumentRoot /var/www/blog\n" +
            "    <Files xmlrpc.php>\n        Require ip 10.8.0.0/24\n        Require all granted\n    </Files>\n" +
            "    <LocationMatch \"^/(wp-admin|wp-login\\.php)\">\n        Require ip 10.8.0.0/24\n    </LocationMatch>\n" +
            "</VirtualHost>\n");

        Assert.Equal(["web.xmlrpc-open:/etc/apache2/sites-enabled/blog.conf:1"], Check().Select(f => f.Id));
    }

    private List<Finding> Check() => new WebArea().Check(_tree.Machine(_tree.Store)).ToList();

    private void Site(string text) => _tree.Write("/etc/nginx/sites-enabled/blog", text);

    private void ApacheSite(string text) => _tree.Write("/etc/apache2/sites-enabled/blog.conf", text);

    private static GatewayConfig Gateway() => new()
    {
        Interface = "wg0",
        PrivateKey = TestKeys.GatewayPrivate,
        Endpoint = "vpn.example.com",
        Subnet = GatewayConfig.DefaultSubnet,
        Address = IPAddress.Parse("10.8.0.1"),
    };
}
