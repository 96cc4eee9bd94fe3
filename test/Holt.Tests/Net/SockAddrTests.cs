using System.Net;
using System.Net.Sockets;
using Holt.Interop;
using Holt.Net;
using Holt.WireGuard.IO;

namespace Holt.Tests.Net;

public sealed class SockAddrTests
{
    [Theory]
    [InlineData("192.0.2.7:51820")]
    [InlineData("0.0.0.0:0")]
    [InlineData("255.255.255.255:65535")]
    [InlineData("[2001:db8::1]:51820")]
    [InlineData("[fe80::1%3]:1")]
    [InlineData("[::]:0")]
    public void WriteThenRead_GivesTheSameEndpoint(string text)
    {
        var endpoint = Endpoint.FromIPEndPoint(IPEndPoint.Parse(text));
        byte[] address = new byte[SockAddr.Size];

        int length = SockAddr.Write(endpoint, address);

        Assert.Equal(endpoint.IsIPv6 ? 28 : 16, length);
        Assert.True(SockAddr.TryRead(address.AsSpan(0, length), out Endpoint read));
        Assert.Equal(endpoint, read);
    }

    [Fact]
    public void Write_MatchesTheKernelLayoutAsDotNetWritesIt()
    {
        foreach (string text in new[] { "192.0.2.7:51820", "[2001:db8::1]:51820" })
        {
            var endPoint = IPEndPoint.Parse(text);
            System.Net.SocketAddress expected = endPoint.Serialize();
            byte[] address = new byte[SockAddr.Size];

            int length = SockAddr.Write(Endpoint.FromIPEndPoint(endPoint), address);

            Assert.Equal(expected.Size, length);
            Assert.Equal(expected.Buffer.Span[..length].ToArray(), address.AsSpan(0, length).ToArray());
        }
    }

    [Fact]
    public void Read_Ipv4MappedIpv6_IsNormalisedToIpv4()
    {
        var mapped = new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.9"), 4242);
        byte[] address = mapped.Serialize().Buffer.ToArray();

        Assert.True(SockAddr.TryRead(address, out Endpoint read));

        Assert.False(read.IsIPv6);
        Assert.Equal(Endpoint.FromIPEndPoint(IPEndPoint.Parse("192.0.2.9:4242")), read);
    }

    [Fact]
    public void Read_OtherFamiliesAndShortAddresses_AreRefused()
    {
        byte[] address = new byte[SockAddr.Size];
        BitConverter.TryWriteBytes(address, (ushort)Libc.AF_NETLINK);
        Assert.False(SockAddr.TryRead(address, out _));

        BitConverter.TryWriteBytes(address, (ushort)Libc.AF_INET6);
        Assert.False(SockAddr.TryRead(address.AsSpan(0, 16), out _));
        Assert.False(SockAddr.TryRead(address.AsSpan(0, 8), out _));
        Assert.False(SockAddr.TryRead([], out _));
    }

    [Fact]
    public void SocketErrors_CarryTheErrnoBack()
    {
        foreach (int errno in new[] { Errno.EADDRINUSE, Errno.EADDRNOTAVAIL, Errno.EACCES, Errno.EAFNOSUPPORT, Errno.EINVAL, Errno.ENETUNREACH })
        {
            SocketException e = SocketErrors.Create(errno, "for IPv4");
            Assert.Equal(errno, e.ErrorCode);
            Assert.EndsWith("for IPv4", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(SocketError.AddressAlreadyInUse, SocketErrors.Create(Errno.EADDRINUSE, "").SocketErrorCode);
    }

    [Fact]
    public unsafe void InteropStructs_HaveTheKernelSizes()
    {
        // x86-64 and arm64 Linux (LP64): struct msghdr 56, mmsghdr 64, iovec 16, ifreq 40, pollfd 8, sockaddr_nl 12.
        Assert.Equal(56, sizeof(Libc.MsgHdr));
        Assert.Equal(64, sizeof(Libc.MMsgHdr));
        Assert.Equal(16, sizeof(Libc.IoVec));
        Assert.Equal(40, sizeof(Libc.IfReq));
        Assert.Equal(8, sizeof(Libc.PollFd));
        Assert.Equal(12, sizeof(Libc.SockAddrNl));
    }
}
