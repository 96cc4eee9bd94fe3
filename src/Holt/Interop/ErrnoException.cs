namespace Holt.Interop;

/// <summary>
/// A system call failed in a way the operator must hear about (a TUN that cannot be created, a netlink socket
/// that cannot be opened). The message is one line naming the object at fault; <see cref="Errno"/> keeps the cause.
/// </summary>
internal sealed class ErrnoException : IOException
{
    public ErrnoException(string message, int errno)
        : base(message)
    {
        Errno = errno;
    }

    public ErrnoException()
    {
    }

    public ErrnoException(string message)
        : base(message)
    {
    }

    public ErrnoException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The errno of the failed call, positive.</summary>
    public int Errno { get; }
}
