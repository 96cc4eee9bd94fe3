using System.Net;
using System.Net.NetworkInformation;

namespace Holt.Machine;

/// <summary>One address configured on one of this machine's interfaces, with its prefix.</summary>
internal sealed record LocalAddress(string Interface, IPAddress Address, int PrefixLength)
{
    /// <summary>The network the address belongs to (host bits cleared).</summary>
    public IPNetwork Network => new(Mask(Address, PrefixLength), PrefixLength);

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xff << (8 - keep));
        }

        return new IPAddress(bytes);
    }
}

/// <summary>The addresses of this machine's network interfaces, as the kernel has them now.</summary>
internal static class LocalAddresses
{
    /// <summary>Every address on every interface (loopback included), link-local zones dropped.</summary>
    public static IReadOnlyList<LocalAddress> All()
    {
        var addresses = new List<LocalAddress>();
        try
        {
            foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (UnicastIPAddressInformation unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    IPAddress address = unicast.Address;
                    if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0)
                    {
                        address = new IPAddress(address.GetAddressBytes());
                    }

                    addresses.Add(new LocalAddress(nic.Name, address, unicast.PrefixLength));
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Nothing to list (no /proc/net in a strange container): no addresses known.
        }

        return addresses;
    }

    /// <summary>
    /// Whether <paramref name="address"/> is private (RFC 1918, shared CGNAT space, unique local IPv6) or otherwise
    /// not reachable from the internet (loopback, link-local): a cloud VM behind 1:1 NAT sees only such an address.
    /// </summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.IsIPv6LinkLocal || address.IsIPv6UniqueLocal || address.IsIPv6SiteLocal)
        {
            return true;
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return false;
        }

        byte[] b = address.GetAddressBytes();
        return b[0] == 10 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) || (b[0] == 192 && b[1] == 168) ||
            (b[0] == 100 && b[1] >= 64 && b[1] <= 127) || (b[0] == 169 && b[1] == 254);
    }
}
