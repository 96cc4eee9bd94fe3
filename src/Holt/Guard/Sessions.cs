using System.Net;

namespace Holt.Guard;

/// <summary>Who is logged in over SSH now, from /run/utmp: an operator who mistypes a password in a second window must not lock out the first.</summary>
internal static class Sessions
{
    public const string UtmpPath = "/run/utmp";

    /// <summary>The client addresses of the login sessions in utmp (none where there is no utmp, as in a container).</summary>
    public static IReadOnlyList<IPAddress> LoggedIn()
    {
        var addresses = new HashSet<IPAddress>();
        try
        {
            using FileStream utmp = File.OpenRead(UtmpPath);
            foreach (UtmpRecord record in Utmp.Read(utmp))
            {
                if (Utmp.ToLoginEvent(record) is { Address: IPAddress address })
                {
                    _ = addresses.Add(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No utmp: no sessions to spare.
        }

        return [.. addresses];
    }
}
