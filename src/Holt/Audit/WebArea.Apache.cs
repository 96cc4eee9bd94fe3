using System.Text;

namespace Holt.Audit;

internal sealed partial class WebArea
{
    private static readonly string[] s_apacheSections = ["Location", "LocationMatch", "Files", "FilesMatch", "Directory", "DirectoryMatch"];

    /// <summary>
    /// Apache's enabled sites, judged like nginx's: for each path, whether some section that covers it (in the
    /// virtual host, or outside any, in the sites and conf-enabled files) restricts it to chosen addresses. The
    /// merging of several sections is not reproduced: one restricting section counts, which an <c>Require all
    /// granted</c> in a later section could undo.
    /// </summary>
    private void CheckApache(AuditMachine machine, List<Finding> findings)
    {
        var global = new List<ApacheDirective>();
        var hosts = new List<ApacheDirective>();
        foreach (string file in machine.List($"{ApacheConfig.ServerRoot}/sites-enabled").Select(n => $"{ApacheConfig.ServerRoot}/sites-enabled/{n}")
            .Concat(machine.List($"{ApacheConfig.ServerRoot}/conf-enabled").Where(n => n.EndsWith(".conf", StringComparison.Ordinal)).Select(n => $"{ApacheConfig.ServerRoot}/conf-enabled/{n}")))
        {
            foreach (ApacheDirective directive in ApacheConfig.Read(machine, file))
            {
                (directive.Is("VirtualHost") ? hosts : global).Add(directive);
            }
        }

        foreach (ApacheDirective host in hosts)
        {
            IReadOnlyList<ApacheDirective> inside = host.Section ?? [];
            string? root = inside.FirstOrDefault(d => d.Is("DocumentRoot") && d.Arguments.Count == 1)?.Arguments[0];
            if (!IsWordPress(machine, root, inside.Any(MentionsWordPress)))
            {
                continue;
            }

            string site = inside.FirstOrDefault(d => d.Is("ServerName") && d.Arguments.Count >= 1)?.Arguments[0] ?? host.Where;
            List<ApacheDirective> sections = inside.Concat(global)
                .Where(d => d.Section is not null && s_apacheSections.Any(d.Is)).ToList();
            string? Open(string path) => sections.Any(s => ApacheConfig.Covers(s, path, root) && ApacheConfig.Restricts(s))
                ? null
                : $"{path}: no section of the virtual host at {host.Where} limits it with Require ip";
            List<string> open = s_adminPaths.Select(Open).OfType<string>().ToList();
            Report(site, open, Open(XmlRpcPath), ApacheFix(machine, host), findings);
        }
    }

    private static bool MentionsWordPress(ApacheDirective directive) =>
        directive.Arguments.Any(Names) || (directive.Section ?? []).Any(MentionsWordPress);

    /// <summary>The lines to add to the virtual host, with the VPN's subnets (10.8.0.0/24, Holt's default, without a holt.toml).</summary>
    private static string ApacheFix(AuditMachine machine, ApacheDirective host)
    {
        var text = new StringBuilder();
        text.Append($"add inside the virtual host at {host.Where}:\n");
        text.Append("<LocationMatch \"^/(wp-admin|wp-login\\.php|xmlrpc\\.php)\">\n");
        text.Append($"    Require ip {string.Join(' ', Allowed(machine))}\n");
        text.Append("</LocationMatch>\n");
        text.Append("then apachectl configtest && systemctl reload apache2");
        return text.ToString();
    }
}
