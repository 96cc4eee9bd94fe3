using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Holt.Monitor.Checks;

/// <summary>
/// An icmp check: <see cref="CheckConfig.Count"/> echo requests (RFC 792, RFC 4443) from a raw socket, which needs
/// root. Replies are ours when they come from the target with our identifier and a sequence number we sent. With a
/// <see cref="CheckConfig.Size"/>, the socket sets IP_MTU_DISCOVER to IP_PMTUDISC_DO (IPV6_MTU_DISCOVER for IPv6),
/// so the kernel sends every packet whole with Don't Fragment and never fragments it: a path that silently drops
/// packets of that size (an MTU black hole) loses every one, where a small ping passes.
/// </summary>
/// <remarks>
/// Echo request and reply: type (8) | code (8) | checksum (16) | identifier (16) | sequence (16) | data.
/// IPv4 echo request 8, reply 0; ICMPv6 request 128, reply 129. An IPv4 raw socket receives the IP header too; an
/// ICMPv6 one does not, and the kernel fills in the ICMPv6 checksum itself.
/// </remarks>
internal static class IcmpCheck
{
    private const int IcmpHeader = 8;
    private const int Ipv4Header = 20;
    private const int Ipv6Header = 40;

    /// <summary>The data a ping carries without a size: 56 bytes, as ping(8) sends.</summary>
    private const int DefaultData = 56;

    // linux/in.h and linux/in6.h.
    private const int SolIp = 0;
    private const int IpMtuDiscover = 10;
    private const int SolIpv6 = 41;
    private const int Ipv6MtuDiscover = 23;
    private const int PmtuDiscDo = 2;

    public static async Task<CheckResult> RunAsync(CheckConfig check, TimeProvider time, CancellationToken token)
    {
        if (!IPAddress.TryParse(check.Target, out IPAddress? target))
        {
            return CheckResult.Failed(time.GetUtcNow(), $"'{check.Target}' is not an IP address");
        }

        bool v6 = target.AddressFamily == AddressFamily.InterNetworkV6;
        Socket socket;
        try
        {
            socket = new Socket(target.AddressFamily, SocketType.Raw, v6 ? ProtocolType.IcmpV6 : ProtocolType.Icmp);
        }
        catch (SocketException e)
        {
            return CheckResult.Failed(time.GetUtcNow(), $"an icmp check needs root (a raw socket): {CheckExecutor.Reason(e)}");
        }

        using (socket)
        {
            // .NET receives from a socket only once it is bound; a raw socket's port is no port at all.
            socket.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
            if (check.Size is not null)
            {
                socket.SetRawSocketOption(v6 ? SolIpv6 : SolIp, v6 ? Ipv6MtuDiscover : IpMtuDiscover, BitConverter.GetBytes(PmtuDiscDo));
            }

            int data = check.Size is int size ? size - (v6 ? Ipv6Header : Ipv4Header) - IcmpHeader : DefaultData;
            var ping = new IcmpPinging(check.Count, (ushort)RandomNumberGenerator.GetInt32(1, ushort.MaxValue + 1), v6, target, time);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(token);
            Task receiving = ping.ReceiveAsync(socket, done.Token);

            // Spread the requests over the first half of the timeout, at most a second apart as ping(8) does.
            TimeSpan gap = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, check.Timeout.Ticks / 2 / check.Count));
            try
            {
                for (int sequence = 0; sequence < check.Count; sequence++)
                {
                    if (sequence > 0)
                    {
                        await Task.Delay(gap, time, token).ConfigureAwait(false);
                    }

                    await ping.SendAsync(socket, sequence, data, token).ConfigureAwait(false);
                }

                await receiving.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The timeout: what did not come back is lost.
            }

            await done.CancelAsync().ConfigureAwait(false);
            await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return ping.Result(check, time.GetUtcNow(), check.Size);
        }
    }

    /// <summary>The internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit words.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> bytes)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < bytes.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]);
        }

        if (i < bytes.Length)
        {
            sum += (uint)(bytes[i] << 8);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>An echo request with <paramref name="data"/> bytes of data; the checksum is filled in for IPv4.</summary>
    public static byte[] EchoRequest(bool v6, ushort identifier, ushort sequence, int data)
    {
        byte[] packet = new byte[IcmpHeader + Math.Max(0, data)];
        packet[0] = v6 ? (byte)128 : (byte)8;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), identifier);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), sequence);
        for (int i = IcmpHeader; i < packet.Length; i++)
        {
            packet[i] = (byte)i;
        }

        if (!v6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), Checksum(packet));
        }

        return packet;
    }
}
