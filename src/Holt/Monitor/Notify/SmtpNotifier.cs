using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Holt.Monitor.Notify;

/// <summary>
/// Mail through an SMTP server, one message per alert: connect (TLS at once, or STARTTLS), EHLO, AUTH when a user
/// name is set, MAIL FROM, RCPT TO for each address, DATA, QUIT; all under one deadline.
/// </summary>
internal sealed class SmtpNotifier(NotifierConfig config, TimeSpan? timeout = null) : INotifier
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly TimeSpan _timeout = timeout ?? DefaultTimeout;

    public NotifierConfig Config { get; } = config;

    public int MaxBatch => 1;

    public async Task<SendResult> SendAsync(IReadOnlyList<AlertMessage> messages, DateTimeOffset now, CancellationToken cancel)
    {
        string? password = SecretText.Resolve(Config.Password, Config.PasswordFile, "password_file", out string? error);
        if (error is not null)
        {
            return SendResult.Failed(error);
        }

        string?[] secrets = password is null ? [] : [password, Base64(password), Base64("\0" + Config.Username + "\0" + password)];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(_timeout);
        try
        {
            await ConverseAsync(MailText.Compose(Config, messages[0], now, LocalName()), password, deadline.Token).ConfigureAwait(false);
            return SendResult.Delivered;
        }
        catch (SmtpFailure e)
        {
            string reason = SecretText.Scrub(e.Message, secrets);
            return e.Permanent ? SendResult.Refused(reason) : SendResult.Failed(reason);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return SendResult.Failed($"no complete answer from {Config.Host}:{Config.Port} within {_timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s");
        }
        catch (SocketException e)
        {
            return SendResult.Failed(SecretText.Scrub($"cannot connect to {Config.Host}:{Config.Port}: {e.Message}", secrets));
        }
        catch (AuthenticationException e)
        {
            return SendResult.Failed(SecretText.Scrub($"TLS with {Config.Host} failed: {e.Message}", secrets));
        }
        catch (IOException e)
        {
            return SendResult.Failed(SecretText.Scrub($"the connection to {Config.Host}:{Config.Port} failed: {e.Message}", secrets));
        }
    }

    private async Task ConverseAsync(string data, string? password, CancellationToken cancel)
    {
        // A dual-mode socket: the host's name may resolve to IPv6 or IPv4 addresses, tried in turn.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        Stream stream;
        try
        {
            await socket.ConnectAsync(Config.Host!, Config.Port, cancel).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        if (Config.Tls == SmtpTls.Implicit)
        {
            stream = await SmtpSession.TlsAsync(stream, Config.Host!, cancel).ConfigureAwait(false);
        }

        var smtp = new SmtpSession(stream);
        try
        {
            _ = await smtp.ExpectAsync(2, "greeting", cancel).ConfigureAwait(false);
            List<string> capabilities = await EhloAsync(smtp, cancel).ConfigureAwait(false);
            if (Config.Tls == SmtpTls.StartTls)
            {
                if (!capabilities.Any(c => c.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase)))
                {
                    throw new SmtpFailure($"{Config.Host} does not offer STARTTLS (set tls = \"implicit\" for port 465)", permanent: true);
                }

                await smtp.SendAsync("STARTTLS", cancel).ConfigureAwait(false);
                _ = await smtp.ExpectAsync(2, "STARTTLS", cancel).ConfigureAwait(false);
                await smtp.StartTlsAsync(Config.Host!, cancel).ConfigureAwait(false);
                capabilities = await EhloAsync(smtp, cancel).ConfigureAwait(false);
            }

            if (Config.Username is string username)
            {
                await AuthenticateAsync(smtp, capabilities, username, password!, cancel).ConfigureAwait(false);
            }

            await smtp.SendAsync($"MAIL FROM:<{Config.From}>", cancel).ConfigureAwait(false);
            _ = await smtp.ExpectAsync(2, "MAIL FROM", cancel).ConfigureAwait(false);
            foreach (string to in Config.To)
            {
                await smtp.SendAsync($"RCPT TO:<{to}>", cancel).ConfigureAwait(false);
                _ = await smtp.ExpectAsync(2, $"RCPT TO:<{to}>", cancel).ConfigureAwait(false);
            }

            await smtp.SendAsync("DATA", cancel).ConfigureAwait(false);
            _ = await smtp.ExpectAsync(3, "DATA", cancel).ConfigureAwait(false);
            await smtp.WriteAsync(MailText.DotStuff(data) + ".\r\n", cancel).ConfigureAwait(false);
            _ = await smtp.ExpectAsync(2, "the message", cancel).ConfigureAwait(false);

            // The message is taken; a server that then drops the connection instead of saying goodbye changes nothing.
            try
            {
                await smtp.SendAsync("QUIT", cancel).ConfigureAwait(false);
                _ = await smtp.ExpectAsync(2, "QUIT", cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SmtpFailure or IOException)
            {
            }
        }
        finally
        {
            await smtp.DisposeStreamAsync().ConfigureAwait(false);
        }
    }

    private static async Task<List<string>> EhloAsync(SmtpSession smtp, CancellationToken cancel)
    {
        await smtp.SendAsync("EHLO " + LocalName(), cancel).ConfigureAwait(false);
        (_, List<string> lines) = await smtp.ExpectAsync(2, "EHLO", cancel).ConfigureAwait(false);
        return lines.Skip(1).ToList();
    }

    private static async Task AuthenticateAsync(SmtpSession smtp, List<string> capabilities, string username, string password, CancellationToken cancel)
    {
        string[] mechanisms = capabilities
            .Where(c => c.StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase) || c.StartsWith("AUTH=", StringComparison.OrdinalIgnoreCase))
            .SelectMany(c => c[5..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(m => m.ToUpperInvariant())
            .ToArray();
        if (mechanisms.Contains("PLAIN"))
        {
            await smtp.SendAsync("AUTH PLAIN " + Base64("\0" + username + "\0" + password), cancel).ConfigureAwait(false);
            _ = await smtp.ExpectAsync(2, "AUTH PLAIN", cancel).ConfigureAwait(false);
        }
        else if (mechanisms.Contains("LOGIN"))
        {
            await smtp.SendAsync("AUTH LOGIN", cancel).ConfigureAwait(false);
            _ = await smtp.ExpectAsync(3, "AUTH LOGIN", cancel).ConfigureAwait(false);
            await smtp.SendAsync(Base64(username), cancel).ConfigureAwait(false);
            _ = await smtp.ExpectAsync(3, "AUTH LOGIN (user name)", cancel).ConfigureAwait(false);
            await smtp.SendAsync(Base64(password), cancel).ConfigureAwait(false);
            _ = await smtp.ExpectAsync(2, "AUTH LOGIN (password)", cancel).ConfigureAwait(false);
        }
        else
        {
            throw new SmtpFailure("the server offers neither AUTH PLAIN nor AUTH LOGIN", permanent: true);
        }
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>This host's name as EHLO and Message-ID use it: a domain's characters only.</summary>
    public static string LocalName()
    {
        string name;
        try
        {
            name = Dns.GetHostName();
        }
        catch (SocketException)
        {
            name = "";
        }

        return name.Length is > 0 and <= 253 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.') ? name : "localhost";
    }
}
