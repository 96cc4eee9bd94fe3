using System.CommandLine;
using System.Net;
using Holt.Config;
using Holt.Monitor;
using Holt.Text;
using Holt.WireGuard.Keys;

namespace Holt.Cli;

/// <summary><c>holt probe</c>: a real handshake with a WireGuard endpoint, from outside, as a peer of its own.</summary>
internal static class ProbeCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("HOST:PORT") { Description = "The WireGuard endpoint to probe: an address or name, and its UDP port." };
        var peerKey = new Option<string>("--peer-key") { Description = "A file with the probe peer's private key (a peer the server knows).", Required = true };
        var serverKey = new Option<string>("--server-key") { Description = "The server's public key.", Required = true };
        var psk = new Option<string?>("--psk") { Description = "A file with the pre-shared key the server has for the probe peer." };
        var timeout = new Option<string>("--timeout") { Description = "How long to wait for the answers (default 5s).", DefaultValueFactory = _ => "5s" };
        var ping = new Option<string?>("--ping") { Description = "Also ping this address through the session (the data plane), from --address." };
        var address = new Option<string?>("--address") { Description = "The probe peer's VPN address, the ping's source (needed with --ping)." };
        var command = new Command(
            "probe",
            """
            Prove a WireGuard endpoint from outside with a real handshake: an open UDP port proves nothing, as WireGuard
            answers nothing it cannot authenticate. Prints the handshake's round trip, or what failed: no answer (a port a
            firewall drops and a wrong server key look the same), refused (ICMP port unreachable: nothing listens, or a
            firewall rejects), unreachable, a cookie reply (the server is under load), or an answer that is not a valid
            response. Exit code 1 when it failed.
            Example: holt probe vpn.example.com:51820 --peer-key probe.key --server-key SERVERPUB= --ping 10.8.0.1 --address 10.8.0.9
            """)
        {
            target, peerKey, serverKey, psk, timeout, ping, address,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            IPEndPoint endpoint = Resolve(result.GetValue(target)!);
            PrivateKey key = ReadKey(result.GetValue(peerKey)!, "--peer-key", ProbeInputs.ReadPrivateKey);
            if (!PublicKey.TryParse(result.GetValue(serverKey), out PublicKey server))
            {
                throw new CommandException("--server-key must be a WireGuard public key (44 characters of base64)");
            }

            PresharedKey? preshared = result.GetValue(psk) is string pskFile ? ReadKey(pskFile, "--psk", ProbeInputs.ReadPresharedKey) : null;
            if (!DurationText.TryParse(result.GetValue(timeout), "smh", out TimeSpan wait) || wait > TimeSpan.FromMinutes(5))
            {
                throw new CommandException($"--timeout must be a duration such as 5s or 1m, at most 5m, not '{Printable.Of(result.GetValue(timeout) ?? "")}'");
            }

            ProbePing? echo = Ping(result.GetValue(ping), result.GetValue(address));
            ProbeResult probe = HandshakeProbe.Run(endpoint, key, server, preshared, wait, echo);
            Console.Out.Write((probe.Succeeded ? "" : "probe failed: ") + probe.Detail + "\n");
            return probe.Succeeded ? 0 : 1;
        }));
        return command;
    }

    private static IPEndPoint Resolve(string text)
    {
        if (ProbeInputs.ParseTarget(text, out string? problem) is not (string host, int port))
        {
            throw new CommandException(problem!);
        }

        try
        {
            return ProbeInputs.ResolveAsync(host, port, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (ProbeInputException e)
        {
            throw new CommandException(e.Message, e);
        }
    }

    private static ProbePing? Ping(string? target, string? source)
    {
        if (target is null)
        {
            return source is null ? null : throw new CommandException("--address is the ping's source: give --ping too");
        }

        if (!IPAddress.TryParse(target, out IPAddress? to))
        {
            throw new CommandException($"--ping must be an IP address, not '{Printable.Of(target)}'");
        }

        if (source is null || !IPAddress.TryParse(source, out IPAddress? from))
        {
            throw new CommandException("--ping needs --address, the probe peer's VPN address, as the ping's source");
        }

        return from.AddressFamily == to.AddressFamily
            ? new ProbePing(from, to)
            : throw new CommandException("--ping and --address must both be IPv4 or both IPv6");
    }

    /// <summary>Reads a key file for <paramref name="option"/>; every failure is one line naming the option and the file.</summary>
    private static T ReadKey<T>(string path, string option, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (ProbeInputException e)
        {
            throw new CommandException($"{option}: {e.Message}", e);
        }
    }
}
