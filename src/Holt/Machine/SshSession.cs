using System.Globalization;
using System.Net;

namespace Holt.Machine;

/// <summary>
/// The SSH session a command runs in, from SSH_CONNECTION ("client port server port"): the firewall lets its client
/// back in while an apply awaits confirmation, the guard never bans it, and a confirmation must not come from it
/// when it reached the server from outside the VPN.
/// </summary>
internal static class SshSession
{
    public const string VariableName = "SSH_CONNECTION";

    /// <summary>
    /// The session as "ADDRESS PORT" (the client's address, the server's port), for the state file; null outside
    /// SSH. SSH_CONNECTION comes from this process's environment, or else from its nearest ancestor that has it:
    /// sudo drops the variable, but the login shell it runs under still carries it.
    /// </summary>
    public static string? Current() => FromVariable(Variable());

    /// <summary>The current session's client address and the server port it reached, or null outside SSH.</summary>
    public static (IPAddress Client, int Port)? CurrentEndpoint() => Parse(Current());

    /// <summary>The current session's client address and the client's own port (as sshd logs them), or null outside SSH.</summary>
    public static (IPAddress Client, int ClientPort)? CurrentClient()
    {
        string[] parts = Variable()?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return parts.Length == 4 && IPAddress.TryParse(parts[0], out IPAddress? client) &&
            int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is >= 1 and <= 65535
            ? (Plain(client), port)
            : null;
    }

    /// <summary>The address this SSH session reached the server on (the third field of SSH_CONNECTION), or null.</summary>
    public static IPAddress? CurrentServerAddress()
    {
        string[] parts = Variable()?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return parts.Length == 4 && IPAddress.TryParse(parts[2], out IPAddress? server) ? Plain(server) : null;
    }

    /// <summary>SSH_CONNECTION here, or in the environment of the nearest ancestor process that has it.</summary>
    private static string? Variable()
    {
        if (Environment.GetEnvironmentVariable(VariableName) is string own)
        {
            return own;
        }

        int pid = Environment.ProcessId;
        for (int depth = 0; depth < 32 && pid > 1; depth++)
        {
            pid = ParentOf(pid);
            if (pid <= 1)
            {
                break;
            }

            if (EnvironmentOf(pid, VariableName) is string inherited)
            {
                return inherited;
            }
        }

        return null;
    }

    /// <summary>The parent of <paramref name="pid"/> from /proc/PID/stat (after the command name, which may hold spaces).</summary>
    private static int ParentOf(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int parent) ? parent : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return 0;
        }
    }

    private static string? EnvironmentOf(int pid, string name)
    {
        try
        {
            string prefix = name + "=";
            foreach (string entry in File.ReadAllText($"/proc/{pid}/environ").Split('\0'))
            {
                if (entry.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return entry[prefix.Length..];
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another user's process, or one that just ended.
        }

        return null;
    }

    internal static string? FromVariable(string? connection)
    {
        string[] parts = connection?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (parts.Length != 4 || !IPAddress.TryParse(parts[0], out IPAddress? client) ||
            !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            return null;
        }

        return $"{Plain(client)} {port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>"ADDRESS PORT" back into its parts; null for anything else.</summary>
    public static (IPAddress Client, int Port)? Parse(string? session)
    {
        string[] parts = session?.Split(' ') ?? [];
        return parts.Length == 2 && IPAddress.TryParse(parts[0], out IPAddress? client) &&
            int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            ? (client, port)
            : null;
    }

    /// <summary>
    /// The address as the packets carry it: an IPv4 client of a dual-stack sshd shows as ::ffff:a.b.c.d, and a
    /// link-local one comes with its zone (fe80::1%eth0), which nft cannot parse.
    /// </summary>
    private static IPAddress Plain(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0
            ? new IPAddress(address.GetAddressBytes())
            : address;
    }
}
