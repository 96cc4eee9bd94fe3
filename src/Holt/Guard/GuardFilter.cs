using System.Net;

namespace Holt.Guard;

/// <summary>A failure a filter found in a line: the address to count against, and when it happened.</summary>
/// <param name="Address">The client's address, read from where the server writes it, never from attacker text.</param>
/// <param name="Time">The line's own time, or the time it was read when the line carries none.</param>
internal readonly record struct Failure(IPAddress Address, DateTimeOffset Time);

/// <summary>
/// A filter turns the lines of one kind of log into failures. Filters may keep state between lines (sshd ties a
/// connection's lines together by pid), so one instance serves one source, fed in log order.
/// </summary>
internal interface IGuardFilter
{
    /// <summary>The filter's name, as a jail's <c>filter</c> key and <c>holt guard test --filter</c> spell it.</summary>
    string Name { get; }

    /// <summary>
    /// The failure one raw line of a log file reports, or null. <paramref name="now"/> is when the line was read: it
    /// supplies the year of classic syslog timestamps and the time of lines that carry none.
    /// </summary>
    Failure? MatchLine(string line, DateTimeOffset now);

    /// <summary>The failure a journal entry reports, or null (filters of logs that never reach the journal).</summary>
    Failure? MatchEntry(LogLine entry);
}
