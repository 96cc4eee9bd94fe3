using Holt.Audit;

namespace Holt.Tests.Audit;

/// <summary>A fixed report of a small machine, for the tests of what keeps and shows it.</summary>
internal static class AuditReports
{
    public static readonly DateTimeOffset Time = new(2026, 3, 14, 9, 26, 53, 589, TimeSpan.Zero);

    /// <summary>One critical finding, two warnings, one note; sshd checked, docker not (with its reason).</summary>
    public static AuditReport Sample(DateTimeOffset? time = null, string host = "gw1")
    {
        Finding[] findings =
        [
            Make("sshd.password-authentication", Severity.Critical, "sshd accepts passwords", "passwordauthentication yes", fixable: true, safe: true),
            Make("sshd.x11-forwarding", Severity.Warning, "sshd forwards X11", "x11forwarding yes", fixable: true, safe: true),
            Make("sshd.max-auth-tries", Severity.Warning, "sshd allows 6 tries per connection", "maxauthtries 6\n(from /etc/ssh/sshd_config)", fixable: false, safe: false),
            Make("sshd.root-login-keys", Severity.Info, "root may log in with a key", "permitrootlogin without-password <keys> & \"quotes\"", fixable: false, safe: false),
        ];
        return new AuditReport
        {
            Time = time ?? Time,
            Host = host,
            Areas =
            [
                new AreaResult { Area = "sshd", Checked = true },
                new AreaResult { Area = "docker", Checked = false, Note = "docker is not installed" },
            ],
            Findings = findings,
            Score = AuditScore.Of(findings),
            Critical = 1,
            Warnings = 2,
            Info = 1,
            Summary = AuditScore.Summary(AuditScore.Of(findings), 1, 2, 1, 1),
        };
    }

    private static Finding Make(string id, Severity severity, string title, string evidence, bool fixable, bool safe) => new()
    {
        Id = id,
        Severity = severity,
        Area = "sshd",
        Title = title,
        Evidence = evidence,
        Why = "why " + id,
        Fix = "fix " + id,
        Fixable = fixable,
        Safe = safe,
    };
}
