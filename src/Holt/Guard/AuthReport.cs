using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Serialization;
using Holt.Text;

namespace Holt.Guard;

/// <summary>
/// The authentication summary of <c>holt report auth</c>: failed and invalid-user attempts, successful logins by
/// method, the busiest source addresses (with first and last seen), the most tried user names, successful logins
/// by user and address, and attempts per hour. Attempts are Failed and InvalidUser events.
/// </summary>
internal sealed class AuthReport
{
    private readonly Dictionary<IPAddress, SourceStats> _sources = [];
    private readonly Dictionary<string, long> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _methods = new(StringComparer.Ordinal);
    private readonly Dictionary<(string User, IPAddress Address), LoginStats> _logins = [];
    private readonly SortedDictionary<DateTimeOffset, long> _hours = [];

    public long Failed { get; private set; }

    public long InvalidUser { get; private set; }

    public long Accepted { get; private set; }

    public long Events { get; private set; }

    public void Add(AuthEvent e)
    {
        Events++;
        if (e.Kind == AuthKind.Accepted)
        {
            Accepted++;
            string method = e.Method ?? "unknown";
            _methods[method] = _methods.GetValueOrDefault(method) + 1;
            if (e.Address is not null)
            {
                var key = (e.User ?? "?", e.Address);
                LoginStats login = _logins.TryGetValue(key, out LoginStats? existing) ? existing : _logins[key] = new LoginStats(e.Time);
                login.Count++;
                login.Last = Max(login.Last, e.Time);
            }

            return;
        }

        if (e.Kind is not (AuthKind.Failed or AuthKind.InvalidUser))
        {
            return;
        }

        if (e.Kind == AuthKind.Failed)
        {
            Failed++;
        }
        else
        {
            InvalidUser++;
        }

        if (e.Address is not null)
        {
            SourceStats source = _sources.TryGetValue(e.Address, out SourceStats? known) ? known : _sources[e.Address] = new SourceStats(e.Time);
            source.Count++;
            source.First = e.Time < source.First ? e.Time : source.First;
            source.Last = Max(source.Last, e.Time);
        }

        if (e.User is not null)
        {
            _users[e.User] = _users.GetValueOrDefault(e.User) + 1;
        }

        var hour = new DateTimeOffset(e.Time.UtcDateTime.Year, e.Time.UtcDateTime.Month, e.Time.UtcDateTime.Day, e.Time.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);
        _hours[hour] = _hours.GetValueOrDefault(hour) + 1;
    }

    public AuthReportView View(int top) => new()
    {
        FailedAttempts = Failed,
        InvalidUserAttempts = InvalidUser,
        SuccessfulLogins = Accepted,
        LoginsByMethod = _methods.OrderByDescending(m => m.Value).ThenBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => new CountView(m.Key, m.Value)).ToList(),
        TopSources = _sources.OrderByDescending(s => s.Value.Count).ThenBy(s => s.Key.ToString(), StringComparer.Ordinal).Take(top)
            .Select(s => new SourceView(s.Key.ToString(), s.Value.Count, s.Value.First, s.Value.Last)).ToList(),
        TopUsers = _users.OrderByDescending(u => u.Value).ThenBy(u => u.Key, StringComparer.Ordinal).Take(top)
            .Select(u => new CountView(u.Key, u.Value)).ToList(),
        Logins = _logins.OrderByDescending(l => l.Value.Count).ThenBy(l => l.Key.User, StringComparer.Ordinal).Take(top)
            .Select(l => new LoginView(l.Key.User, l.Key.Address.ToString(), l.Value.Count, l.Value.Last)).ToList(),
        AttemptsPerHour = _hours.Select(h => new HourView(h.Key, h.Value)).ToList(),
    };

    public static string Render(AuthReportView view)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Failed attempts: {view.FailedAttempts}\n");
        text.Append(CultureInfo.InvariantCulture, $"Invalid-user attempts: {view.InvalidUserAttempts}\n");
        text.Append(CultureInfo.InvariantCulture, $"Successful logins: {view.SuccessfulLogins}");
        if (view.LoginsByMethod.Count > 0)
        {
            text.Append(" (").AppendJoin(", ", view.LoginsByMethod.Select(m => $"{m.Name} {m.Count}")).Append(')');
        }

        text.Append("\n\nTop source addresses\n");
        text.Append(Format.Table(["ADDRESS", "ATTEMPTS", "FIRST SEEN", "LAST SEEN"],
            view.TopSources.Select(s => (IReadOnlyList<string>)[s.Address, Number(s.Attempts), Time(s.FirstSeen), Time(s.LastSeen)])));
        // User names are the attacker's text: printed on one line and free of terminal control characters.
        text.Append("\nTop user names tried\n");
        text.Append(Format.Table(["USER", "ATTEMPTS"], view.TopUsers.Select(u => (IReadOnlyList<string>)[Printable.Of(u.Name), Number(u.Count)])));
        text.Append("\nSuccessful logins by user and address\n");
        text.Append(Format.Table(["USER", "ADDRESS", "LOGINS", "LAST"],
            view.Logins.Select(l => (IReadOnlyList<string>)[Printable.Of(l.User), l.Address, Number(l.Count), Time(l.Last)])));
        text.Append("\nAttempts per hour (UTC)\n");
        long peak = view.AttemptsPerHour.Count == 0 ? 1 : Math.Max(1, view.AttemptsPerHour.Max(h => h.Attempts));
        foreach (HourView hour in view.AttemptsPerHour)
        {
            int bar = (int)Math.Ceiling(40.0 * hour.Attempts / peak);
            text.Append(CultureInfo.InvariantCulture, $"{hour.Hour:yyyy-MM-dd HH}:00  {hour.Attempts,8}  {new string('#', bar)}\n");
        }

        return text.ToString();
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private sealed class SourceStats(DateTimeOffset first)
    {
        public long Count { get; set; }

        public DateTimeOffset First { get; set; } = first;

        public DateTimeOffset Last { get; set; } = first;
    }

    private sealed class LoginStats(DateTimeOffset first)
    {
        public long Count { get; set; }

        public DateTimeOffset Last { get; set; } = first;
    }
}

internal sealed record CountView(string Name, long Count);

internal sealed record SourceView(string Address, long Attempts, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);

internal sealed record LoginView(string User, string Address, long Count, DateTimeOffset Last);

internal sealed record HourView(DateTimeOffset Hour, long Attempts);

internal sealed record AuthReportView
{
    public long FailedAttempts { get; init; }

    public long InvalidUserAttempts { get; init; }

    public long SuccessfulLogins { get; init; }

    public IReadOnlyList<CountView> LoginsByMethod { get; init; } = [];

    public IReadOnlyList<SourceView> TopSources { get; init; } = [];

    public IReadOnlyList<CountView> TopUsers { get; init; } = [];

    public IReadOnlyList<LoginView> Logins { get; init; } = [];

    public IReadOnlyList<HourView> AttemptsPerHour { get; init; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(AuthReportView))]
internal sealed partial class ReportJson : JsonSerializerContext;
