using System.Net.Sockets;
using System.Text;

namespace Holt.Logging;

/// <summary>
/// A writer that sends each line of the daemon's log to the local syslog socket (<c>/dev/log</c>, which journald
/// and rsyslog both serve) as one datagram, "&lt;PRI&gt;TAG[PID]: MESSAGE", in facility daemon with the severity
/// the line's label gives. Nothing is kept when the socket does not take a line (a restarting syslog daemon): the
/// log must never hold the tunnel up.
/// </summary>
internal sealed class SyslogWriter : TextWriter
{
    private const int Facility = 3; // daemon
    private const int MaxDatagram = 8192;

    private readonly Socket _socket;
    private readonly string _tag;
    private readonly StringBuilder _line = new();

    private SyslogWriter(Socket socket, string tag)
    {
        _socket = socket;
        _tag = tag;
    }

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>A writer to the syslog socket at <paramref name="path"/>, or null when nothing listens there.</summary>
    public static SyslogWriter? TryOpen(string path, string tag)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return new SyslogWriter(socket, tag);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    public override void Write(char value)
    {
        if (value == '\n')
        {
            Send(_line.ToString());
            _line.Clear();
        }
        else if (value != '\r')
        {
            _line.Append(value);
        }
    }

    public override void Write(string? value)
    {
        foreach (char c in value ?? "")
        {
            Write(c);
        }
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write('\n');
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _socket.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The syslog severity of a line of <see cref="TextLogger"/>: its label says it.</summary>
    internal static int Severity(string line) =>
        line.StartsWith("ERROR:", StringComparison.Ordinal) ? 3
        : line.StartsWith("WARN:", StringComparison.Ordinal) ? 4
        : line.StartsWith("DEBUG:", StringComparison.Ordinal) ? 7
        : 6;

    private void Send(string line)
    {
        if (line.Length == 0)
        {
            return;
        }

        string datagram = $"<{(Facility * 8) + Severity(line)}>{_tag}[{Environment.ProcessId}]: {line}";
        byte[] bytes = Encoding.UTF8.GetBytes(datagram);
        try
        {
            _ = _socket.Send(bytes.AsSpan(0, Math.Min(bytes.Length, MaxDatagram)));
        }
        catch (SocketException)
        {
            // The syslog daemon is restarting or gone; this line is lost, the next may get through.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
