using System.Net;
using System.Net.Sockets;

namespace Holt.Tests.Monitor.Checks;

/// <summary>A loopback port nothing listens on: one the kernel just gave out and took back.</summary>
internal static class ClosedPort
{
    public static int Find()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
