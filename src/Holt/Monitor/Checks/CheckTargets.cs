using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Holt.Config;

namespace Holt.Monitor.Checks;

/// <summary>The target texts of checks: <c>ADDRESS:PORT</c>, <c>[IPv6]:PORT</c>, and a bare address where a port has a default.</summary>
internal static class CheckTargets
{
    /// <summary>
    /// Reads <c>10.8.0.2:22</c>, <c>[fd00::2]:22</c>, or, when <paramref name="defaultPort"/> is given, a bare
    /// <c>10.8.0.2</c> or <c>fd00::2</c>. Addresses are strict IP literals (<see cref="AddressText"/>).
    /// </summary>
    public static bool TryEndPoint(string text, int? defaultPort, [NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        endPoint = null;
        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = text[1..close];
            string rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return false;
                }

                port = rest[1..];
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            int colon = text.IndexOf(':', StringComparison.Ordinal);
            host = text[..colon];
            port = text[(colon + 1)..];
        }
        else
        {
            host = text;
        }

        if (!AddressText.TryParse(host, out IPAddress? address))
        {
            return false;
        }

        int number;
        if (port is null)
        {
            if (defaultPort is not int fallback)
            {
                return false;
            }

            number = fallback;
        }
        else if (port.Length is 0 or > 5 || !port.All(char.IsAsciiDigit) ||
                 !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number is < 1 or > 65535)
        {
            return false;
        }

        endPoint = new IPEndPoint(address, number);
        return true;
    }

    /// <summary>An absolute http or https URL with a host and no user name or password in it.</summary>
    public static string? UrlProblem(string text, CheckType type)
    {
        string scheme = type == CheckType.Https ? "https" : "http";
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            return $"a {scheme} check's target must be an {scheme}:// URL";
        }

        if (uri.Scheme != scheme)
        {
            return $"a {scheme} check's target must be an {scheme}:// URL (for {uri.Scheme}:// use type = \"{uri.Scheme}\")";
        }

        if (uri.Host.Length == 0)
        {
            return "the URL has no host";
        }

        // Status output and logs show the target: a password in it would be shown to whoever reads them.
        return uri.UserInfo.Length > 0 ? "the URL must not carry a user name or password" : null;
    }
}
