using System.Net;
using Holt.WireGuard.Keys;

namespace Holt.Monitor.Checks;

/// <summary>
/// A probe check: <see cref="HandshakeProbe"/> run from the monitor, so that two gateways watch each other's public
/// side. The target's name is resolved and the key files read at each run (a key rotated on disk is taken up
/// without a reload); the probe's blocking wait runs on a thread of its own and ends with the run's token.
/// </summary>
internal static class ProbeCheck
{
    public static async Task<CheckResult> RunAsync(CheckConfig check, TimeProvider time, CancellationToken token)
    {
        if (ProbeInputs.ParseTarget(check.Target, out string? problem) is not (string host, int port))
        {
            return CheckResult.Failed(time.GetUtcNow(), problem!);
        }

        if (!PublicKey.TryParse(check.ServerKey, out PublicKey server))
        {
            return CheckResult.Failed(time.GetUtcNow(), "server_key is not a WireGuard public key");
        }

        IPEndPoint target;
        PrivateKey? key = null;
        PresharedKey? psk = null;
        try
        {
            try
            {
                target = await ProbeInputs.ResolveAsync(host, port, token).ConfigureAwait(false);
                key = Read(check.KeyFile!, "key_file", ProbeInputs.ReadPrivateKey);
                psk = check.PskFile is string pskFile ? Read(pskFile, "psk_file", ProbeInputs.ReadPresharedKey) : null;
            }
            catch (ProbeInputException e)
            {
                return CheckResult.Failed(time.GetUtcNow(), e.Message);
            }
            catch (OperationCanceledException)
            {
                return CheckResult.Failed(time.GetUtcNow(), $"{check.Target} did not resolve within the timeout ({Config.DurationText.Format(check.Timeout)})");
            }

            ProbePing? ping = check.Ping is IPAddress to ? new ProbePing(check.Address!, to) : null;
            ProbeResult result = await Task.Factory.StartNew(
                () => HandshakeProbe.Run(target, key, server, psk, check.Timeout, ping, token),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).ConfigureAwait(false);
            return new CheckResult
            {
                Ok = result.Succeeded,
                Error = result.Succeeded ? null : result.Detail,
                Latency = result.Handshake,
                At = time.GetUtcNow(),
                Probe = new ProbeFigures(result.Outcome, result.Handshake, result.Ping),
            };
        }
        finally
        {
            key?.Dispose();
            psk?.Dispose();
        }
    }

    private static T Read<T>(string path, string key, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (ProbeInputException e)
        {
            throw new ProbeInputException($"{key}: {e.Message}", e);
        }
    }
}
