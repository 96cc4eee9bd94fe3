using System.Text;
using Holt.Interop;

namespace Holt.Tun;

/// <summary>Interface names as the kernel accepts them (dev_valid_name), written into a struct ifreq.</summary>
internal static class InterfaceName
{
    /// <summary>Why <paramref name="name"/> cannot name an interface, or null if it can.</summary>
    public static string? Validate(string name)
    {
        if (name.Length == 0)
        {
            return "the name is empty";
        }

        if (name is "." or "..")
        {
            return "'.' and '..' are not names";
        }

        foreach (char c in name)
        {
            // '%' would make the kernel pick a number (wg%d); Holt creates exactly the interface it was asked for.
            if (c is '/' or ':' or '%' or '\0' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return "it may not contain '/', ':', '%', whitespace or control characters";
            }
        }

        if (Encoding.UTF8.GetByteCount(name) > Libc.IFNAMSIZ - 1)
        {
            return $"it is longer than {Libc.IFNAMSIZ - 1} bytes";
        }

        return null;
    }

    public static unsafe void Write(string name, ref Libc.IfReq request)
    {
        fixed (byte* destination = request.Name)
        {
            var span = new Span<byte>(destination, Libc.IFNAMSIZ);
            span.Clear();
            Encoding.UTF8.GetBytes(name, span[..(Libc.IFNAMSIZ - 1)]);
        }
    }

    public static unsafe string Read(in Libc.IfReq request)
    {
        fixed (byte* source = request.Name)
        {
            var span = new ReadOnlySpan<byte>(source, Libc.IFNAMSIZ);
            int end = span.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
        }
    }
}
