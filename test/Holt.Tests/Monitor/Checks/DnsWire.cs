using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Holt.Tests.Monitor.Checks;

/// <summary>Responses built byte by byte, as a resolver would send them, and a resolver on loopback that sends them.</summary>
internal static class DnsWire
{
    /// <summary>
    /// The response to <paramref name="query"/>: its id and question, the given RCODE and flags, and one record per
    /// address, each named by a pointer to the question's name (offset 12).
    /// </summary>
    public static byte[] Response(byte[] query, int rcode = 0, bool truncated = false, params IPAddress[] addresses)
    {
        var bytes = new List<byte>(query[..2]) { (byte)(0x81 | (truncated ? 0x02 : 0)), (byte)(0x80 | rcode), 0, 1 };
        bytes.AddRange(U16(addresses.Length));
        bytes.AddRange([0, 0, 0, 0]);
        bytes.AddRange(query[12..]);
        foreach (IPAddress address in addresses)
        {
            bytes.AddRange([0xC0, 0x0C]);
            bytes.AddRange(U16(address.AddressFamily == AddressFamily.InterNetwork ? 1 : 28));
            bytes.AddRange([0, 1, 0, 0, 0x0E, 0x10]);
            byte[] data = address.GetAddressBytes();
            bytes.AddRange(U16(data.Length));
            bytes.AddRange(data);
        }

        return [.. bytes];
    }

    public static byte[] U16(int value)
    {
        byte[] bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value);
        return bytes;
    }
}

/// <summary>A UDP "resolver" on 127.0.0.1 that answers each query with whatever datagrams the test makes of it.</summary>
internal sealed class FakeResolver : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Thread _thread;

    public FakeResolver(Func<byte[], IEnumerable<byte[]>> answer)
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _thread = new Thread(() =>
        {
            byte[] buffer = new byte[1500];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                while (true)
                {
                    int length = _socket.ReceiveFrom(buffer, ref from);
                    Queries++;
                    foreach (byte[] datagram in answer(buffer[..length]))
                    {
                        _ = _socket.SendTo(datagram, from);
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Closed by Dispose.
            }
        })
        {
            IsBackground = true,
        };
        _thread.Start();
    }

    public int Queries { get; private set; }

    public string Target => ((IPEndPoint)_socket.LocalEndPoint!).ToString();

    public void Dispose()
    {
        _socket.Dispose();
        _thread.Join();
    }
}
