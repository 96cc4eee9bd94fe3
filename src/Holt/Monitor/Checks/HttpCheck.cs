using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Text;
using Holt.Config;

namespace Holt.Monitor.Checks;

/// <summary>
/// An http or https check: one GET on a fresh connection, no redirect followed, the status compared, and, when the
/// check has a <see cref="CheckConfig.Body"/>, at most <see cref="BodyLimit"/> bytes of the body searched for it as
/// UTF-8 bytes, so a body that is not valid UTF-8 is only a body without the text. Whatever the server does (never
/// answers, never ends its body, sends a gigabyte, sends garbage) the check ends within its timeout, holding at most
/// the headers' limit and <see cref="BodyLimit"/> bytes.
/// </summary>
internal static class HttpCheck
{
    public const int BodyLimit = 64 * 1024;

    /// <summary>SocketsHttpHandler's limit on the response headers, in KiB.</summary>
    private const int HeadersLimitKiB = 64;

    public static async Task<CheckResult> RunAsync(CheckConfig check, TimeProvider time, CancellationToken token)
    {
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxResponseHeadersLength = HeadersLimitKiB,
            MaxResponseDrainSize = 0,
            ConnectTimeout = check.Timeout,
            PooledConnectionLifetime = TimeSpan.Zero,
        };
        if (check.Insecure)
        {
            // insecure = true: whatever certificate the server shows (a home server's self-signed one) is taken.
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = static (_, certificate, _, _) => certificate is not null };
        }

        using var client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, check.Target);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("holt-monitor", null));
        request.Headers.ConnectionClose = true;
        long start = time.GetTimestamp();
        try
        {
            using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            TimeSpan latency = time.GetElapsedTime(start);
            int status = (int)response.StatusCode;
            bool statusOk = check.Status is int expected ? status == expected : status is >= 200 and < 400;
            if (!statusOk)
            {
                string wanted = check.Status is int want ? $"{want}" : "2xx or 3xx";
                return new CheckResult { Ok = false, At = time.GetUtcNow(), Latency = latency, HttpStatus = status, Error = $"HTTP {status}, not {wanted}" };
            }

            if (check.Body is string body)
            {
                string? problem = await FindInBody(response, Encoding.UTF8.GetBytes(body), check, token).ConfigureAwait(false);
                if (problem is not null)
                {
                    return new CheckResult { Ok = false, At = time.GetUtcNow(), Latency = latency, HttpStatus = status, Error = problem };
                }
            }

            return new CheckResult { Ok = true, At = time.GetUtcNow(), Latency = latency, HttpStatus = status };
        }
        catch (OperationCanceledException)
        {
            return CheckResult.Failed(time.GetUtcNow(), $"no answer from {Text.Printable.Of(check.Target)} within {DurationText.Format(check.Timeout)}");
        }
        catch (HttpRequestException e)
        {
            return CheckResult.Failed(time.GetUtcNow(), CheckExecutor.OneLine(e));
        }
    }

    /// <summary>Reads the body until it holds <paramref name="wanted"/>, ends, or reaches <see cref="BodyLimit"/>; null when found.</summary>
    private static async Task<string?> FindInBody(HttpResponseMessage response, byte[] wanted, CheckConfig check, CancellationToken token)
    {
        byte[] buffer = new byte[BodyLimit];
        int filled = 0;
        using Stream stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
        try
        {
            while (filled < buffer.Length)
            {
                int read = await stream.ReadAsync(buffer.AsMemory(filled), token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                // Only the new bytes, and the tail of the old that a match across the boundary could start in.
                int from = Math.Max(0, filled - wanted.Length + 1);
                filled += read;
                if (buffer.AsSpan(from, filled - from).IndexOf(wanted) >= 0)
                {
                    return null;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return $"the body did not contain \"{Text.Printable.Of(check.Body!)}\" in the {filled} bytes that came within {DurationText.Format(check.Timeout)}";
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return $"the body broke off after {filled} bytes without \"{Text.Printable.Of(check.Body!)}\": {CheckExecutor.OneLine(e)}";
        }

        return filled == buffer.Length
            ? $"the body's first {BodyLimit / 1024} KiB do not contain \"{Text.Printable.Of(check.Body!)}\""
            : $"the body ({filled} bytes) does not contain \"{Text.Printable.Of(check.Body!)}\"";
    }
}
