using System.Net;

namespace Holt.Audit;

/// <summary>One area of the audit: reads the machine, returns what it found.</summary>
internal interface IAuditArea
{
    /// <summary>The area's name, as <c>--only</c> takes it and finding IDs begin.</summary>
    string Name { get; }

    /// <summary>What the area found.</summary>
    /// <exception cref="AuditAreaException">The area could not be checked at all.</exception>
    IReadOnlyList<Finding> Check(AuditMachine machine);
}

/// <summary>Runs the areas and builds the report.</summary>
internal static class Auditor
{
    /// <summary>Every area, in the order the report shows them.</summary>
    public static IReadOnlyList<IAuditArea> Areas { get; } =
    [
        new SshdArea(),
        new ListenersArea(),
        new DockerArea(),
        new FirewallArea(),
        new WireGuardArea(),
        new AccountsArea(),
        new KernelArea(),
        new WebArea(),
    ];

    public static IReadOnlyList<string> AreaNames => Areas.Select(a => a.Name).ToList();

    /// <summary>
    /// Runs every area, or only <paramref name="only"/>. An area that cannot be checked is noted in the report; when
    /// it is the only one asked for, that is an error instead (one line).
    /// </summary>
    /// <exception cref="CommandException">An unknown area, or the only area asked for could not be checked.</exception>
    public static AuditReport Run(AuditMachine machine, IReadOnlyCollection<string>? only = null)
    {
        List<IAuditArea> chosen = Areas.ToList();
        if (only is { Count: > 0 })
        {
            foreach (string name in only)
            {
                if (!Areas.Any(a => a.Name == name))
                {
                    throw new CommandException($"unknown area '{name}'; the areas are {string.Join(", ", AreaNames)}");
                }
            }

            chosen = Areas.Where(a => only.Contains(a.Name)).ToList();
        }

        var areas = new List<AreaResult>();
        var findings = new List<Finding>();
        foreach (IAuditArea area in chosen)
        {
            try
            {
                findings.AddRange(area.Check(machine));
                areas.Add(new AreaResult { Area = area.Name, Checked = true });
            }
            catch (AuditAreaException e)
            {
                if (only is { Count: 1 })
                {
                    throw new CommandException($"{area.Name}: {e.Message}");
                }

                areas.Add(new AreaResult { Area = area.Name, Checked = false, Note = e.Message });
            }
        }

        // Worst first, then by area in report order, then by ID, so two runs on the same machine print the same.
        List<Finding> ordered = findings
            .OrderByDescending(f => f.Severity)
            .ThenBy(f => AreaNames.ToList().IndexOf(f.Area))
            .ThenBy(f => f.Id, StringComparer.Ordinal)
            .ToList();
        int critical = ordered.Count(f => f.Severity == Severity.Critical);
        int warnings = ordered.Count(f => f.Severity == Severity.Warning);
        int info = ordered.Count(f => f.Severity == Severity.Info);
        int score = AuditScore.Of(ordered);
        return new AuditReport
        {
            Time = machine.Now,
            Host = Dns.GetHostName(),
            Areas = areas,
            Findings = ordered,
            Score = score,
            Critical = critical,
            Warnings = warnings,
            Info = info,
            Summary = AuditScore.Summary(score, critical, warnings, info, areas.Count(a => !a.Checked)),
        };
    }
}
