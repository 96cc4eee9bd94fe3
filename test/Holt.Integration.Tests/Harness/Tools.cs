namespace Holt.Integration.Tests.Harness;

/// <summary>Absolute paths of the programs the tests drive, so PATH quirks of the test host do not matter.</summary>
internal static class Tools
{
    public static string Ip => Requirements.Find("ip");

    /// <summary>The holt under test: see <see cref="HoltExecutable"/>.</summary>
    public static string Holt => HoltExecutable.Path;

    public static string Zbarimg => Requirements.Find("zbarimg");

    public static string Sshd => Requirements.Find("sshd");

    public static string Ssh => Requirements.Find("ssh");

    public static string Sshpass => Requirements.Find("sshpass");

    public static string Rsyslogd => Requirements.Find("rsyslogd");

    public static string SshKeygen => Requirements.Find("ssh-keygen");

    /// <summary>Debian's ssh-audit, which rates the algorithms a server offers.</summary>
    public static string SshAudit => Requirements.Find("ssh-audit");

    public static string Curl => Requirements.Find("curl");

    /// <summary>fail2ban's filter tester, with Debian's fail2ban filters (never its server: CI starts no service).</summary>
    public static string Fail2banRegex => Requirements.Find("fail2ban-regex");

    /// <summary>Debian's Prometheus server and its promtool, to scrape Holt's /metrics as a real Prometheus does.</summary>
    public static string Prometheus => Requirements.Find("prometheus");

    public static string Promtool => Requirements.Find("promtool");

    /// <summary>Debian's python3 (for http.server and small probes), not a per-user shim that PATH may put first.</summary>
    public static string Python3 => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : Requirements.Find("python3");

    public static string Ss => Requirements.Find("ss");

    public static string Wg => Requirements.Find("wg");

    public static string WgQuick => Requirements.Find("wg-quick");

    public static string WireGuardGo => Requirements.Find("wireguard-go");

    public static string Iperf3 => Requirements.Find("iperf3");

    public static string Ping => Requirements.Find("ping");

    public static string Nft => Requirements.Find("nft");

    public static string Unshare => Requirements.Find("unshare");

    public static string Sh => Requirements.Find("sh");

    public static string Bash => Requirements.Find("bash");

    /// <summary>Debian's chromium and the chromium-driver built with it, for the dashboard's browser tests.</summary>
    public static string Chromium => Requirements.Find("chromium");

    public static string Chromedriver => Requirements.Find("chromedriver");
}
