using System.Globalization;
using System.Net.Security;
using System.Text;

namespace Holt.Monitor.Notify;

/// <summary>A reply the dialogue cannot go on from: a 4xx (try later), a 5xx (refused), or a broken exchange.</summary>
internal sealed class SmtpFailure : Exception
{
    public SmtpFailure(string message, bool permanent)
        : base(message)
    {
        Permanent = permanent;
    }

    public SmtpFailure()
        : this("SMTP failed", permanent: false)
    {
    }

    public SmtpFailure(string message)
        : this(message, permanent: false)
    {
    }

    public SmtpFailure(string message, Exception inner)
        : base(message, inner)
    {
    }

    public bool Permanent { get; }
}

/// <summary>
/// One SMTP conversation (RFC 5321) on a connected stream: replies read with bounds (a line, a multi-line reply),
/// commands written one at a time, STARTTLS (RFC 3207) and AUTH PLAIN or LOGIN (RFC 4616, 4954).
/// </summary>
internal sealed class SmtpSession(Stream stream)
{
    /// <summary>RFC 5321 allows 512 octets for a reply line; more than this is not SMTP.</summary>
    public const int MaxLine = 2048;

    /// <summary>More lines than this in one reply (EHLO's capabilities are a dozen) is not SMTP either.</summary>
    public const int MaxLines = 100;

    private readonly byte[] _buffer = new byte[4096];
    private Stream _stream = stream;
    private int _start;
    private int _end;

    /// <summary>
    /// Reads one reply: its code and its lines' texts. A reply in the wrong class (<paramref name="expected"/> is its
    /// first digit, such as 2) is an <see cref="SmtpFailure"/> naming <paramref name="step"/>.
    /// </summary>
    public async Task<(int Code, List<string> Lines)> ExpectAsync(int expected, string step, CancellationToken cancel)
    {
        var lines = new List<string>();
        int code;
        while (true)
        {
            string line = await ReadLineAsync(cancel).ConfigureAwait(false);
            if (line.Length < 3 || !line[..3].All(char.IsAsciiDigit) || (line.Length > 3 && line[3] is not ' ' and not '-'))
            {
                throw new SmtpFailure($"{step}: not an SMTP reply: \"{AlertText.Cut(AlertText.OneLine(line), 80)}\"", permanent: false);
            }

            code = int.Parse(line.AsSpan(0, 3), CultureInfo.InvariantCulture);
            lines.Add(line.Length > 4 ? line[4..] : "");
            if (line.Length == 3 || line[3] == ' ')
            {
                break;
            }

            if (lines.Count >= MaxLines)
            {
                throw new SmtpFailure($"{step}: a reply of more than {MaxLines} lines", permanent: false);
            }
        }

        if (code / 100 != expected)
        {
            string text = AlertText.Cut(AlertText.OneLine(string.Join(" ", lines)), 200);
            throw new SmtpFailure($"{step}: {code.ToString(CultureInfo.InvariantCulture)} {text}".TrimEnd(), permanent: code / 100 == 5);
        }

        return (code, lines);
    }

    /// <summary>Writes one command line.</summary>
    public Task SendAsync(string command, CancellationToken cancel) => WriteAsync(command + "\r\n", cancel);

    public async Task WriteAsync(string text, CancellationToken cancel)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        await _stream.WriteAsync(bytes, cancel).ConfigureAwait(false);
        await _stream.FlushAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// Turns the connection into TLS after the server's 220 to STARTTLS. Anything the server sent after that
    /// reply and before the handshake would be read as if it came through TLS (CVE-2011-0411's injection), so it
    /// is refused.
    /// </summary>
    public async Task StartTlsAsync(string host, CancellationToken cancel)
    {
        if (_start < _end)
        {
            throw new SmtpFailure("STARTTLS: the server sent data before the TLS handshake", permanent: false);
        }

        _stream = await TlsAsync(_stream, host, cancel).ConfigureAwait(false);
    }

    /// <summary>A client TLS stream over <paramref name="inner"/>, the server's certificate checked against <paramref name="host"/>.</summary>
    public static async Task<Stream> TlsAsync(Stream inner, string host, CancellationToken cancel)
    {
        var tls = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, cancel).ConfigureAwait(false);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask DisposeStreamAsync() => _stream.DisposeAsync();

    private async Task<string> ReadLineAsync(CancellationToken cancel)
    {
        var line = new StringBuilder();
        while (true)
        {
            int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            int stop = newline >= 0 ? newline : _end;
            if (line.Length + (stop - _start) > MaxLine)
            {
                throw new SmtpFailure($"a reply line longer than {MaxLine} bytes", permanent: false);
            }

            line.Append(Encoding.Latin1.GetString(_buffer, _start, stop - _start));
            if (newline >= 0)
            {
                _start = newline + 1;
                return line.ToString().TrimEnd('\r');
            }

            _start = 0;
            _end = await _stream.ReadAsync(_buffer, cancel).ConfigureAwait(false);
            if (_end == 0)
            {
                throw new SmtpFailure("the server closed the connection", permanent: false);
            }
        }
    }
}
