using System.CommandLine;
using System.Text;
using Holt.WireGuard.Keys;

namespace Holt.Cli;

/// <summary>
/// <c>holt genkey</c>, <c>holt pubkey</c> and <c>holt genpsk</c>: the same bytes on standard output as
/// <c>wg genkey</c>, <c>wg pubkey</c> and <c>wg genpsk</c> print, one base64 key and a newline, so either tool's
/// keys feed the other's.
/// </summary>
internal static class KeyCommands
{
    // wg reads the 44 characters of a key and then allows only NUL and the C locale's whitespace (space, \t, \n,
    // \v, \f, \r) after it; this bounds what is read.
    private const int MaxInput = 64 * 1024;
    private const int Base64Length = 44;

    public static IEnumerable<Command> Create()
    {
        var genkey = new Command("genkey", "Print a new private key (base64), as wg genkey does.\nExample: umask 077; holt genkey > server.key");
        genkey.SetAction(_ => CommandRunner.Run(() =>
        {
            using PrivateKey key = PrivateKey.Generate();
            return WriteKey(key.ToBase64());
        }));

        var genpsk = new Command("genpsk", "Print a new pre-shared key (base64), as wg genpsk does.\nExample: umask 077; holt genpsk > peer.psk");
        genpsk.SetAction(_ => CommandRunner.Run(() =>
        {
            using PresharedKey key = PresharedKey.Generate();
            return WriteKey(key.ToBase64());
        }));

        var pubkey = new Command("pubkey", "Read a private key on standard input and print its public key, as wg pubkey does.\nExample: holt pubkey < server.key");
        pubkey.SetAction(_ => CommandRunner.Run(() =>
        {
            using PrivateKey key = ReadPrivateKey(Console.OpenStandardInput());
            Console.Out.Write(key.PublicKey.ToBase64() + "\n");
            Console.Out.Flush();
            return 0;
        }));

        return [genkey, pubkey, genpsk];
    }

    /// <summary>
    /// The private key on <paramref name="input"/>: exactly one base64 key, optionally followed by whitespace, as
    /// wg pubkey accepts it.
    /// </summary>
    internal static PrivateKey ReadPrivateKey(Stream input)
    {
        byte[] buffer = new byte[MaxInput + 1];
        int length = 0;
        int read;
        while (length < buffer.Length && (read = input.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
        }

        try
        {
            ReadOnlySpan<byte> text = buffer.AsSpan(0, length);
            if (text.Length < Base64Length)
            {
                throw new CommandException("the key on standard input is not the correct length or format");
            }

            foreach (byte b in text[Base64Length..])
            {
                if (b is not (0 or (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r'))
                {
                    throw new CommandException("characters follow the key on standard input");
                }
            }

            Span<char> chars = stackalloc char[Base64Length];
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)text[i];
            }

            try
            {
                return PrivateKey.Parse(chars);
            }
            catch (FormatException)
            {
                throw new CommandException("the key on standard input is not the correct length or format");
            }
            finally
            {
                chars.Clear();
            }
        }
        finally
        {
            Array.Clear(buffer);
        }
    }

    private static int WriteKey(string base64)
    {
        WarnIfOthersCanRead();
        using Stream output = Console.OpenStandardOutput();
        output.Write(Encoding.ASCII.GetBytes(base64 + "\n"));
        return 0;
    }

    /// <summary>A key written to a file that others can read is a secret given away; say so, as wg does.</summary>
    private static void WarnIfOthersCanRead()
    {
        try
        {
            var target = new FileInfo("/proc/self/fd/1");
            if (target.ResolveLinkTarget(returnFinalTarget: true) is FileInfo file && file.Exists &&
                (file.UnixFileMode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                Console.Error.WriteLine($"holt: warning: {file.FullName} can be read by others; set umask 077 before writing keys");
            }
        }
        catch (IOException)
        {
            // Standard output is no file we can look at (a pipe, a terminal): nothing to warn about.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
