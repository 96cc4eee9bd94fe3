using System.Net;
using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;

namespace Holt.Audit;

/// <summary>
/// WordPress sites whose admin pages answer the whole internet. For each nginx server block and Apache virtual
/// host that serves WordPress (its document root holds wp-login.php or wp-config.php, or its configuration names
/// wp-admin or wordpress), the audit asks which part of the configuration answers /wp-admin/, /wp-admin/index.php,
/// /wp-login.php and /xmlrpc.php, and whether that part lets in only chosen addresses. One finding per site for
/// the login pages (<c>web.wp-exposed:SITE</c>, listing the paths) and one for xmlrpc.php
/// (<c>web.xmlrpc-open:SITE</c>), since both are fixed by one block per site. No web server, no findings.
/// </summary>
internal sealed partial class WebArea : IAuditArea
{
    private const string SnippetFile = "/etc/nginx/snippets/holt-wp-admin.conf";

    /// <summary>The requests judged: the admin directory itself and a PHP file in it (which a plain <c>location /wp-admin</c> loses to <c>location ~ \.php$</c>).</summary>
    private static readonly string[] s_adminPaths = ["/wp-admin/", "/wp-admin/index.php", "/wp-login.php"];

    private const string XmlRpcPath = "/xmlrpc.php";

    public string Name => "web";

    public IReadOnlyList<Finding> Check(AuditMachine machine)
    {
        var findings = new List<Finding>();
        CheckNginx(machine, findings);
        CheckApache(machine, findings);
        return findings;
    }

    private void CheckNginx(AuditMachine machine, List<Finding> findings)
    {
        IEnumerable<string> files = machine.List($"{NginxConfig.Prefix}/sites-enabled").Select(n => $"{NginxConfig.Prefix}/sites-enabled/{n}")
            .Concat(machine.List($"{NginxConfig.Prefix}/conf.d").Where(n => n.EndsWith(".conf", StringComparison.Ordinal)).Select(n => $"{NginxConfig.Prefix}/conf.d/{n}"));
        foreach (string file in files)
        {
            foreach (NginxDirective server in NginxConfig.Servers(NginxConfig.Read(machine, file)))
            {
                string? root = server.Block!.FirstOrDefault(d => d.Name == "root" && d.Arguments.Count == 1)?.Arguments[0] ??
                    NginxConfig.LocationFor(server, "/")?.Block?.FirstOrDefault(d => d.Name == "root" && d.Arguments.Count == 1)?.Arguments[0];
                if (!IsWordPress(machine, root, MentionsWordPress(server)))
                {
                    continue;
                }

                string site = server.Block!.FirstOrDefault(d => d.Name == "server_name")?.Arguments.FirstOrDefault(a => a is not ("_" or "")) ?? server.Where;
                List<string> open = s_adminPaths.Select(p => NginxOpen(server, p)).OfType<string>().ToList();
                string? xmlrpc = NginxOpen(server, XmlRpcPath);
                string fix =
                    $"holt firewall nginx-snippet > {SnippetFile}, then add include snippets/holt-wp-admin.conf; to the server block at {server.Where}, " +
                    "before its location ~ \\.php$ block, and nginx -t && systemctl reload nginx";
                Report(site, open, xmlrpc, fix, findings);
            }
        }
    }

    /// <summary>Why <paramref name="path"/> is open to everyone on this server, or null when only chosen addresses get it.</summary>
    private static string? NginxOpen(NginxDirective server, string path)
    {
        NginxDirective? location = NginxConfig.LocationFor(server, path);
        IReadOnlyList<NginxDirective> rules = location?.Block is IReadOnlyList<NginxDirective> block && HasAccessRules(block) ? block : server.Block!;
        if (Limited(rules))
        {
            return null;
        }

        return location is null
            ? $"{path}: answered by the server block at {server.Where}, which lets everyone in"
            : $"{path}: answered by location {string.Join(' ', location.Arguments)} at {location.Where}, which lets everyone in";
    }

    private static bool HasAccessRules(IReadOnlyList<NginxDirective> block) =>
        block.Any(d => d.Name is "allow" or "deny" || (d.Name == "return" && d.Arguments.Count > 0));

    /// <summary>
    /// Whether a block keeps everyone out but chosen addresses: <c>deny all</c> reached before any <c>allow all</c>
    /// (nginx checks them in order, the first match decides), or a <c>return</c> of 403, 404 or 444.
    /// </summary>
    private static bool Limited(IReadOnlyList<NginxDirective> block)
    {
        if (block.Any(d => d.Name == "return" && d.Arguments.Count > 0 && d.Arguments[0] is "403" or "404" or "444"))
        {
            return true;
        }

        foreach (NginxDirective rule in block.Where(d => d.Name is "allow" or "deny" && d.Arguments.Count == 1))
        {
            if (rule.Arguments[0] == "all")
            {
                return rule.Name == "deny";
            }
        }

        return false;
    }

    private static bool MentionsWordPress(NginxDirective directive) =>
        directive.Arguments.Any(Names) || (directive.Block ?? []).Any(MentionsWordPress);

    private static bool Names(string text) =>
        text.Contains("wp-admin", StringComparison.OrdinalIgnoreCase) || text.Contains("wp-login", StringComparison.OrdinalIgnoreCase) ||
        text.Contains("wordpress", StringComparison.OrdinalIgnoreCase);

    /// <summary>A WordPress site: its document root holds WordPress's files, or its configuration names them.</summary>
    private static bool IsWordPress(AuditMachine machine, string? root, bool mentioned)
    {
        if (mentioned)
        {
            return true;
        }

        if (root is null || !root.StartsWith('/'))
        {
            return false;
        }

        string directory = root.TrimEnd('/');
        return machine.StatusOf($"{directory}/wp-login.php", follow: true) is not null ||
            machine.StatusOf($"{directory}/wp-config.php", follow: true) is not null;
    }

    /// <summary>The findings for one site: its login pages open to everyone, and xmlrpc.php.</summary>
    private void Report(string site, List<string> open, string? xmlrpc, string fix, List<Finding> findings)
    {
        if (open.Count > 0)
        {
            findings.Add(Finding($"wp-exposed:{site}", Severity.Warning, $"WordPress's login and admin pages of {site} answer everyone",
                string.Join("\n", open),
                "wp-login.php and /wp-admin are where bots guess passwords all day; one weak or reused password, or one hole in a plugin's admin page, and the site is theirs. Limited to the VPN, they answer nobody else.",
                fix));
        }

        if (xmlrpc is not null)
        {
            findings.Add(Finding($"xmlrpc-open:{site}", Severity.Warning, $"WordPress's xmlrpc.php of {site} answers everyone",
                xmlrpc,
                "xmlrpc.php's system.multicall tries hundreds of passwords in one request, past login limits, and its pingbacks make the site a tool for attacks on others.",
                fix));
        }
    }

    /// <summary>The addresses the admin pages should answer: the VPN's subnets and the firewall's allow_from, as the nginx snippet writes them.</summary>
    private static List<IPNetwork> Allowed(AuditMachine machine)
    {
        // Without a holt.toml that reads, Holt's default subnet stands in.
        if (HoltToml.Load(machine).Config is HoltConfig config && config.Find<GatewayConfig>() is GatewayConfig gateway)
        {
            return gateway.VpnSubnets.Concat(config.Firewall.AllowFrom).ToList();
        }

        return [GatewayConfig.DefaultSubnet];
    }

    private Finding Finding(string check, Severity severity, string title, string evidence, string why, string fix) =>
        Audit.Finding.Create(Name, check, severity, title, evidence, why, fix);
}
