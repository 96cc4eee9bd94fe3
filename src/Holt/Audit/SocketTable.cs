using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using Holt.Firewall;

namespace Holt.Audit;

/// <summary>A socket that waits for the network: a TCP socket in LISTEN, or a bound UDP socket with no peer.</summary>
internal sealed record ListeningSocket(Protocol Protocol, IPAddress Address, int Port, long Inode)
{
    /// <summary>As <c>ss</c> writes it: <c>0.0.0.0:8080</c>, <c>[::]:8080</c>.</summary>
    public string Endpoint => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}

/// <summary>A process that holds a socket open.</summary>
internal sealed record SocketOwner(int Pid, string Name);

/// <summary>
/// The listening sockets of the audit's network namespace, from <c>/proc/net/tcp</c>, <c>tcp6</c>, <c>udp</c> and
/// <c>udp6</c>, and the processes that hold them, from each process's <c>/proc/PID/fd</c> links
/// (<c>socket:[INODE]</c>). The tables write addresses as the kernel stores them: each 32-bit word of an address
/// in the machine's byte order (little-endian on x86 and arm64), the port big-endian; all in hexadecimal.
/// </summary>
internal static class SocketTable
{
    /// <summary>Sockets considered at most, so a machine with a million sockets cannot make the audit hold them all.</summary>
    public const int MaxSockets = 65536;

    private const string TcpListen = "0A";

    /// <summary>The listening sockets, and whether there were more than <paramref name="max"/> (the rest are not listed).</summary>
    public static (IReadOnlyList<ListeningSocket> Sockets, bool Capped) Read(AuditMachine machine, int max = MaxSockets)
    {
        var sockets = new List<ListeningSocket>();
        foreach ((string file, Protocol protocol) in new[] { ("tcp", Protocol.Tcp), ("tcp6", Protocol.Tcp), ("udp", Protocol.Udp), ("udp6", Protocol.Udp) })
        {
            foreach (string line in machine.ReadLines("/proc/net/" + file).Skip(1))
            {
                if (Parse(line, protocol) is ListeningSocket socket)
                {
                    if (sockets.Count == max)
                    {
                        return (sockets, true);
                    }

                    sockets.Add(socket);
                }
            }
        }

        return (sockets, false);
    }

    /// <summary>One line of a /proc/net table, when it is a listening socket; null for anything else (a header, a connection, a damaged line).</summary>
    public static ListeningSocket? Parse(string line, Protocol protocol)
    {
        string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 10 || Endpoint(fields[1]) is not (IPAddress address, int port) || Endpoint(fields[2]) is not (_, int remotePort)
            || !long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out long inode) || port == 0)
        {
            return null;
        }

        bool listening = protocol == Protocol.Tcp ? fields[3] == TcpListen : remotePort == 0;
        return listening ? new ListeningSocket(protocol, address, port, inode) : null;
    }

    /// <summary><c>0100007F:1F90</c> is 127.0.0.1:8080.</summary>
    public static (IPAddress Address, int Port)? Endpoint(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            return null;
        }

        string hex = text[..colon];
        if (hex.Length is not (8 or 32))
        {
            return null;
        }

        byte[] bytes = new byte[hex.Length / 2];
        for (int word = 0; word < hex.Length / 8; word++)
        {
            if (!uint.TryParse(hex.AsSpan(word * 8, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint value))
            {
                return null;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(word * 4, 4), value);
        }

        return (new IPAddress(bytes), port);
    }

    /// <summary>
    /// The processes holding each of <paramref name="inodes"/>. Every process's descriptors are read once; a process
    /// that exits meanwhile, or whose descriptors this user may not read, is passed over.
    /// </summary>
    public static Dictionary<long, List<SocketOwner>> Owners(AuditMachine machine, IReadOnlySet<long> inodes)
    {
        var owners = new Dictionary<long, List<SocketOwner>>();
        foreach (string entry in machine.List("/proc"))
        {
            if (!int.TryParse(entry, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            IReadOnlyList<string> descriptors;
            try
            {
                descriptors = machine.List($"/proc/{pid}/fd");
            }
            catch (AuditAreaException)
            {
                continue;
            }

            string? name = null;
            foreach (string descriptor in descriptors)
            {
                if (machine.ReadLink($"/proc/{pid}/fd/{descriptor}") is not string target || Inode(target) is not long inode || !inodes.Contains(inode))
                {
                    continue;
                }

                name ??= Comm(machine, pid);
                if (!owners.TryGetValue(inode, out List<SocketOwner>? list))
                {
                    list = [];
                    owners[inode] = list;
                }

                if (!list.Any(o => o.Pid == pid))
                {
                    list.Add(new SocketOwner(pid, name));
                }
            }
        }

        return owners;
    }

    /// <summary><c>socket:[12345]</c> is socket 12345.</summary>
    public static long? Inode(string linkTarget) =>
        linkTarget.StartsWith("socket:[", StringComparison.Ordinal) && linkTarget.EndsWith(']')
            && long.TryParse(linkTarget.AsSpan(8, linkTarget.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out long inode)
            ? inode
            : null;

    private static string Comm(AuditMachine machine, int pid)
    {
        try
        {
            return machine.ReadText($"/proc/{pid}/comm")?.Trim() is { Length: > 0 } name ? name : "?";
        }
        catch (AuditAreaException)
        {
            return "?";
        }
    }
}
