using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Holt.Gateway;
using Holt.Text;
using Holt.WireGuard.Keys;

namespace Holt.Monitor;

/// <summary>
/// What a probe starts from, shared by <c>holt probe</c> and the <c>probe</c> check: the endpoint's <c>HOST:PORT</c>
/// (a name resolved when the probe runs, as a peer's endpoint is) and the keys read from their files. Errors are one
/// line each and never hold a key.
/// </summary>
internal static class ProbeInputs
{
    /// <summary>The largest key file read: a key is 44 characters; a device or FIFO given instead is cut off here.</summary>
    public const int MaxKeyFile = 4096;

    /// <summary>Splits <c>HOST:PORT</c> into host (brackets removed) and port; null and a one-line problem otherwise.</summary>
    public static (string Host, int Port)? ParseTarget(string text, out string? problem)
    {
        if (EndpointText.TryParse(text, out string host, out int? port) is string bad)
        {
            problem = bad;
            return null;
        }

        if (port is not int number)
        {
            problem = $"'{Printable.Of(text)}' has no port: give HOST:PORT";
            return null;
        }

        problem = null;
        return (host.Trim('[', ']'), number);
    }

    /// <summary>The endpoint of <paramref name="host"/>: the address itself, or the name's first IPv4 address (else its first).</summary>
    /// <exception cref="ProbeInputException">The name does not resolve.</exception>
    public static async Task<IPEndPoint> ResolveAsync(string host, int port, CancellationToken cancel)
    {
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            return new IPEndPoint(literal, port);
        }

        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(host, cancel).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new ProbeInputException($"cannot resolve {Printable.Of(host)}: {e.Message}", e);
        }

        IPAddress chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new ProbeInputException($"{Printable.Of(host)} has no address");
        return new IPEndPoint(chosen, port);
    }

    /// <exception cref="ProbeInputException">The file cannot be read or holds no private key.</exception>
    public static PrivateKey ReadPrivateKey(string path) => ReadKey(path, "a WireGuard private key", text => PrivateKey.Parse(text));

    /// <exception cref="ProbeInputException">The file cannot be read or holds no pre-shared key.</exception>
    public static PresharedKey ReadPresharedKey(string path) => ReadKey(path, "a pre-shared key", text => PresharedKey.Parse(text));

    /// <summary>
    /// Reads a key file with a bounded read (a FIFO or /dev/zero must not fill memory) and parses it; the bytes
    /// read are wiped. Every failure names the file, never what it holds.
    /// </summary>
    private static T ReadKey<T>(string path, string what, Func<string, T> parse)
    {
        byte[] buffer = new byte[MaxKeyFile + 1];
        try
        {
            int read;
            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
                read = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ProbeInputException($"cannot read {path}: {e.Message}", e);
            }

            if (read > MaxKeyFile)
            {
                throw new ProbeInputException($"{path} is too large to be a key file");
            }

            try
            {
                return parse(Encoding.UTF8.GetString(buffer, 0, read).Trim());
            }
            catch (FormatException)
            {
                throw new ProbeInputException($"{path} does not hold {what} (44 characters of base64)");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }
}

/// <summary>A probe's input that cannot be used: a name that does not resolve, a key file that cannot be read.</summary>
internal sealed class ProbeInputException : Exception
{
    public ProbeInputException()
    {
    }

    public ProbeInputException(string message)
        : base(message)
    {
    }

    public ProbeInputException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
