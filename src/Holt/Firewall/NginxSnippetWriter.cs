using System.Net;
using System.Text;
using Holt.Config;
using Holt.Gateway;

namespace Holt.Firewall;

/// <summary>
/// An nginx <c>location</c> block for WordPress: its admin pages (/wp-admin, wp-login.php, and xmlrpc.php, the
/// usual brute-force targets) answer only the VPN subnets and the firewall's allow_from; everyone else gets 403.
/// </summary>
internal static class NginxSnippetWriter
{
    public static string Write(HoltConfig config)
    {
        var text = new StringBuilder();
        text.Append("# Written by holt firewall nginx-snippet: WordPress's admin pages only through the VPN.\n");
        text.Append("# Put it inside the site's server block, before its `location ~ \\.php$` block (nginx uses the first\n");
        text.Append("# matching regular expression), and keep the PHP handling inside it as shown.\n");
        text.Append("location ~ ^/(wp-admin(/|$)|wp-login\\.php$|xmlrpc\\.php$) {\n");
        foreach (IPNetwork network in config.Gateway.VpnSubnets.Concat(config.Firewall.AllowFrom))
        {
            text.Append("    allow ").Append(network).Append(";\n");
        }

        text.Append("    deny all;\n\n");
        text.Append("    # The same PHP handling as the rest of the site, for example:\n");
        text.Append("    location ~ \\.php$ {\n");
        text.Append("        include snippets/fastcgi-php.conf;\n");
        text.Append("        fastcgi_pass unix:/run/php/php-fpm.sock;\n");
        text.Append("    }\n");
        text.Append("}\n");
        return text.ToString();
    }
}
