using System.Buffers.Text;
using System.Security.Cryptography;

namespace Holt.Dashboard;

/// <summary>
/// The browser sessions a login link opens, in the daemon's memory only: a restart ends them all (another
/// <c>holt dashboard link</c> opens a new one). The cookie carries a random identifier; the table keeps its SHA-256,
/// so not even a dump of the daemon's memory holds a cookie that works. Bounded: the oldest session gives way to
/// a new one beyond <see cref="MaxSessions"/>.
/// </summary>
internal sealed class DashboardSessions(TimeProvider time)
{
    public const int MaxSessions = 32;

    /// <summary>A session ends this long after it opened, however busy.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    /// <summary>A session unused this long ends.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(2);

    private readonly Lock _sync = new();
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Opens a session; the result is the cookie's value.</summary>
    public string Open()
    {
        string cookie = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        DateTimeOffset now = time.GetUtcNow();
        lock (_sync)
        {
            Expire(now);
            while (_sessions.Count >= MaxSessions)
            {
                _ = _sessions.Remove(_sessions.MinBy(s => s.Value.LastSeen).Key);
            }

            _sessions[Key(cookie)] = new Session(now, now);
        }

        return cookie;
    }

    /// <summary>The session's key (never the cookie) when <paramref name="cookie"/> is a live session; its idle clock restarts.</summary>
    public string? Find(string? cookie)
    {
        if (cookie is null || cookie.Length != LoginLinks.TokenLength)
        {
            return null;
        }

        string key = Key(cookie);
        DateTimeOffset now = time.GetUtcNow();
        lock (_sync)
        {
            if (!_sessions.TryGetValue(key, out Session? session))
            {
                return null;
            }

            if (Ended(session, now))
            {
                _ = _sessions.Remove(key);
                return null;
            }

            session.LastSeen = now;
            return key;
        }
    }

    /// <summary>Ends the session of <paramref name="cookie"/>, if there is one.</summary>
    public void Close(string? cookie)
    {
        if (cookie is null)
        {
            return;
        }

        lock (_sync)
        {
            _ = _sessions.Remove(Key(cookie));
        }
    }

    private void Expire(DateTimeOffset now)
    {
        foreach (string key in _sessions.Where(s => Ended(s.Value, now)).Select(s => s.Key).ToList())
        {
            _ = _sessions.Remove(key);
        }
    }

    private static bool Ended(Session session, DateTimeOffset now) =>
        now - session.Created >= Lifetime || now - session.LastSeen >= IdleTimeout || now < session.Created;

    private static string Key(string cookie) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(cookie)));

    private sealed class Session(DateTimeOffset created, DateTimeOffset lastSeen)
    {
        public DateTimeOffset Created { get; } = created;

        public DateTimeOffset LastSeen { get; set; } = lastSeen;
    }
}
