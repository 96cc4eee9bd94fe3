using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Holt.Audit;

/// <summary>How an SSH session logged in, from sshd's "Accepted METHOD for USER from ADDRESS port PORT" line.</summary>
internal sealed record SessionLogin(string User, string Method, string Line)
{
    /// <summary>Whether the login used a password (password, or keyboard-interactive, which PAM answers with one).</summary>
    public bool WithPassword => Method == "password" || Method.StartsWith("keyboard-interactive", StringComparison.Ordinal);
}

/// <summary>
/// Finds the line sshd wrote when the current SSH session logged in, in the auth log (the end of it) or the
/// journal, so a fix that turns passwords off can refuse while the operator's own session used one.
/// </summary>
internal static partial class SshLogin
{
    /// <summary>How much of the end of a log is read: a session's login line is recent, and memory stays bounded.</summary>
    public const int TailBytes = 8 << 20;

    /// <summary>The session's login among <paramref name="lines"/> (the last one that matches), or null.</summary>
    public static SessionLogin? Find(IEnumerable<string> lines, IPAddress client, int clientPort)
    {
        SessionLogin? found = null;
        string address = client.ToString();
        string port = clientPort.ToString(CultureInfo.InvariantCulture);
        foreach (string line in lines)
        {
            if (!line.Contains(" port " + port, StringComparison.Ordinal))
            {
                continue;
            }

            Match match = AcceptedPattern().Match(line);
            if (match.Success && match.Groups["port"].Value == port && SameAddress(match.Groups["address"].Value, address))
            {
                found = new SessionLogin(match.Groups["user"].Value, match.Groups["method"].Value, line.Trim());
            }
        }

        return found;
    }

    /// <summary>The last <see cref="TailBytes"/> of a log file as lines, or none when it cannot be read.</summary>
    public static IReadOnlyList<string> Tail(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            long start = Math.Max(0, stream.Length - TailBytes);
            stream.Position = start;
            var buffer = new byte[stream.Length - start];
            stream.ReadExactly(buffer);
            List<string> lines = Encoding.UTF8.GetString(buffer).Split('\n').ToList();
            if (start > 0 && lines.Count > 0)
            {
                lines.RemoveAt(0);
            }

            return lines;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static bool SameAddress(string logged, string client) =>
        logged == client || (IPAddress.TryParse(logged, out IPAddress? parsed) && (parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed).ToString() == client);

    // sshd's auth2.c: "Accepted %s for %s%.100s from %.200s port %d ssh2"; the user name is the client's choice,
    // so the address and port are taken after the last " from ".
    [GeneratedRegex(@"Accepted (?<method>[a-z0-9/@.-]+) for (?<user>.+) from (?<address>[0-9a-fA-F:.]+) port (?<port>\d+)(?: ssh2)?(?::.*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex AcceptedPattern();
}
