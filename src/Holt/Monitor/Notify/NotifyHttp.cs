using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Holt.Monitor.Notify;

/// <summary>
/// The HTTP side every web notifier shares: one client, no redirects (a 3xx is reported, never followed, so a
/// token never travels to another scheme or host), a deadline on the whole exchange, and at most
/// <see cref="MaxSnippetBytes"/> of an error's body read, so a server that sends a gigabyte or never ends its
/// answer costs a few kilobytes and the timeout. The timeout is real time: it bounds real sockets.
/// </summary>
internal sealed class NotifyHttp : IDisposable
{
    public const int MaxSnippetBytes = 4096;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _client;

    public NotifyHttp(TimeSpan? timeout = null)
    {
        Timeout = timeout ?? DefaultTimeout;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = Timeout,
            MaxResponseHeadersLength = 16,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        };

        // The deadline is ours (per request, covering the body too); the client's own stays out of the way.
        _client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("holt", typeof(NotifyHttp).Assembly.GetName().Version?.ToString(3) ?? "0"));
    }

    public TimeSpan Timeout { get; }

    /// <summary>
    /// POSTs <paramref name="content"/> to <paramref name="url"/>. Every error text is scrubbed of
    /// <paramref name="secrets"/> (a token, a webhook URL) before it leaves.
    /// </summary>
    public async Task<SendResult> PostAsync(Uri url, HttpContent content, string? bearer, IReadOnlyList<string?> secrets, CancellationToken cancel, Action<HttpRequestHeaders>? headers = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        headers?.Invoke(request.Headers);
        try
        {
            using HttpResponseMessage response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return SendResult.Delivered;
            }

            string snippet = await SnippetAsync(response, deadline.Token).ConfigureAwait(false);
            string reason = $"HTTP {status.ToString(CultureInfo.InvariantCulture)}";
            if (status is >= 300 and < 400)
            {
                reason += " (a redirect, not followed: correct the url)";
            }

            if (snippet.Length > 0)
            {
                reason += ": " + snippet;
            }

            reason = SecretText.Scrub(reason, secrets);
            return IsPermanent(status) ? SendResult.Refused(reason) : SendResult.Failed(reason);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return SendResult.Failed($"no complete answer within {Timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException e)
        {
            return SendResult.Failed(SecretText.Scrub(Describe(e), secrets));
        }
        catch (IOException e)
        {
            return SendResult.Failed(SecretText.Scrub("connection failed: " + e.Message, secrets));
        }
    }

    /// <summary>4xx but 408 (timeout) and 429 (too many requests) mean the request is wrong; so does a redirect.</summary>
    public static bool IsPermanent(int status) => status is >= 300 and < 500 and not 408 and not 429;

    public void Dispose() => _client.Dispose();

    private static string Describe(HttpRequestException e)
    {
        string what = e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "cannot resolve the host",
            HttpRequestError.ConnectionError => "cannot connect",
            HttpRequestError.SecureConnectionError => "TLS failed",
            HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError => "invalid HTTP answer",
            HttpRequestError.ResponseEnded => "the connection closed before an answer",
            HttpRequestError.ConfigurationLimitExceeded => "the answer's headers are too long",
            _ => "request failed",
        };
        string detail = e.InnerException is SocketException socket ? socket.Message : e.InnerException?.Message ?? e.Message;
        return $"{what}: {detail}";
    }

    /// <summary>The first bytes of an error's body as one printable line.</summary>
    private static async Task<string> SnippetAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        try
        {
            using Stream body = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
            byte[] buffer = new byte[MaxSnippetBytes];
            int total = 0;
            int read;
            while (total < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(total), cancel).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return Encoding.UTF8.GetString(buffer, 0, total);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            // The status says enough; a body that breaks or never comes adds nothing.
            return "";
        }
    }
}
