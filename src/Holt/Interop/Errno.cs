namespace Holt.Interop;

/// <summary>The Linux errno values Holt tells apart (asm-generic/errno-base.h, asm-generic/errno.h).</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int ENOTDIR = 20;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int ELOOP = 40;
    public const int EBADFD = 77;
    public const int EMSGSIZE = 90;
    public const int EPROTONOSUPPORT = 93;
    public const int EAFNOSUPPORT = 97;
    public const int EADDRINUSE = 98;
    public const int EADDRNOTAVAIL = 99;
    public const int ENETDOWN = 100;
    public const int ENETUNREACH = 101;
    public const int ENOBUFS = 105;
    public const int EHOSTUNREACH = 113;

    /// <summary>"Address already in use (EADDRINUSE)": strerror's text and the symbol, for one-line messages.</summary>
    public static string Describe(int errno)
    {
        string? symbol = errno switch
        {
            EPERM => nameof(EPERM),
            ENOENT => nameof(ENOENT),
            EIO => nameof(EIO),
            EACCES => nameof(EACCES),
            EBUSY => nameof(EBUSY),
            EINVAL => nameof(EINVAL),
            EBADFD => nameof(EBADFD),
            EAFNOSUPPORT => nameof(EAFNOSUPPORT),
            EADDRINUSE => nameof(EADDRINUSE),
            EADDRNOTAVAIL => nameof(EADDRNOTAVAIL),
            ENOBUFS => nameof(ENOBUFS),
            _ => null,
        };
        string text = Libc.Describe(errno);
        return symbol is null ? $"{text} (errno {errno})" : $"{text} ({symbol})";
    }
}
