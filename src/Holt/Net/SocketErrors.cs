using System.Net.Sockets;
using Holt.Interop;

namespace Holt.Net;

/// <summary>
/// Socket failures as <see cref="SocketException"/>, the type the engine turns into a configuration error. On Linux
/// its <see cref="System.Runtime.InteropServices.ExternalException.ErrorCode"/> (and NativeErrorCode) is the errno
/// again, e.g. 98 for <see cref="SocketError.AddressAlreadyInUse"/>, which the control socket answers negated.
/// </summary>
internal static class SocketErrors
{
    public static SocketException Create(int errno, string context) =>
        new((int)ToSocketError(errno), $"{Errno.Describe(errno)} {context}");

    /// <summary>The <see cref="SocketError"/> that .NET maps back to <paramref name="errno"/> on Linux.</summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        Errno.EADDRINUSE => SocketError.AddressAlreadyInUse,
        Errno.EADDRNOTAVAIL => SocketError.AddressNotAvailable,
        Errno.EACCES or Errno.EPERM => SocketError.AccessDenied,
        Errno.EAFNOSUPPORT => SocketError.AddressFamilyNotSupported,
        Errno.EPROTONOSUPPORT => SocketError.ProtocolNotSupported,
        Errno.EMFILE or Errno.ENFILE => SocketError.TooManyOpenSockets,
        Errno.ENOBUFS or Errno.ENOMEM => SocketError.NoBufferSpaceAvailable,
        Errno.EINVAL => SocketError.InvalidArgument,
        Errno.ENETDOWN => SocketError.NetworkDown,
        Errno.ENETUNREACH => SocketError.NetworkUnreachable,
        Errno.EHOSTUNREACH => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };
}
