namespace Holt.Guard;

/// <summary>
/// One log line, split the way syslog writes it: when, which host, which program and pid, and the message. The
/// message is the only part a filter reads; everything an attacker can influence (a user name, a banner) is inside
/// it, never in the fields before it.
/// </summary>
/// <param name="Time">When it was logged; lines without a year (classic syslog) get one from the reader.</param>
/// <param name="Host">The host name field, or null (the journal).</param>
/// <param name="Program">The program name, for example <c>sshd</c> or <c>sshd-session</c>.</param>
/// <param name="Pid">The process id in brackets, or 0 when the line has none.</param>
/// <param name="Message">The text after <c>program[pid]: </c>.</param>
internal sealed record LogLine(DateTimeOffset Time, string? Host, string Program, int Pid, string Message);

/// <summary>
/// A <see cref="LogLine"/> whose message is a slice of the line read, so that a filter that keeps nothing of most
/// lines does not copy each one.
/// </summary>
internal readonly ref struct LogLineView
{
    public LogLineView(DateTimeOffset time, string? host, string program, int pid, ReadOnlySpan<char> message)
    {
        Time = time;
        Host = host;
        Program = program;
        Pid = pid;
        Message = message;
    }

    public DateTimeOffset Time { get; }

    public string? Host { get; }

    public string Program { get; }

    public int Pid { get; }

    public ReadOnlySpan<char> Message { get; }
}
