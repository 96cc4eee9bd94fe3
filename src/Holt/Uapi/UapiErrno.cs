namespace Holt.Uapi;

/// <summary>
/// The Linux errno values a control-socket reply carries, negated on the wire (<c>errno=-22</c>). The choices follow
/// wireguard-go's <c>ipc</c> package, so <c>wg</c> prints the same message for the same mistake; where Holt answers
/// something wireguard-go never meets (its own size limits), the kernel's netlink answer is used instead.
/// </summary>
internal static class UapiErrno
{
    /// <summary>EIO: the request could not be read (a connection cut mid-request).</summary>
    public const int IOError = 5;

    /// <summary>EINVAL: an unknown key, a key in the wrong section, a value out of range or malformed.</summary>
    public const int Invalid = 22;

    /// <summary>ENOANO: wireguard-go's "unknown" error, for a failure that is none of the others.</summary>
    public const int Unknown = 55;

    /// <summary>EPROTO: a line that is not <c>key=value</c>, or an incomplete request.</summary>
    public const int Protocol = 71;

    /// <summary>
    /// EMSGSIZE: a line or a whole request over Holt's limits. wireguard-go has no request limit and answers EIO
    /// when a line overflows its 64 KiB buffer; the kernel answers EMSGSIZE to a netlink message too big to take,
    /// which names the actual problem, so Holt does the same.
    /// </summary>
    public const int MessageTooLong = 90;

    /// <summary>EADDRINUSE: the listen port could not be bound. wireguard-go answers this for any bind failure.</summary>
    public const int AddressInUse = 98;
}

/// <summary>Why a request was refused: the errno to answer, and a reason to log that never contains a value.</summary>
internal readonly record struct UapiError(int Errno, string Reason, int Line)
{
    public override string ToString() => Line > 0 ? $"{Reason} on line {Line}" : Reason;
}
