using System.Security.Cryptography;
using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Tunnel;

/// <summary>
/// Issue #14's offloads end to end: Holt reads TCP superpackets from its TUN and cuts them into segments with
/// checksums of its own (TSO), sends runs of datagrams as UDP GSO messages, and merges received segments before
/// writing them (GRO). A file crosses the tunnel both ways, over IPv4 and IPv6, and must arrive whole; the
/// receiving kernel, which verifies every checksum of a segment it did not merge, must count no checksum error.
/// </summary>
public sealed class OffloadTests(ITestOutputHelper output)
{
    private const int FileBytes = 24 << 20;
    private const int Port = 5301;

    [RootTheory]
    [Pairs]
    public Task File_CrossesBothWays_Whole_WithNoChecksumErrors(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(first, second);
            string file = Path.Combine(lab.Directory, "payload.bin");
            byte[] payload = RandomNumberGenerator.GetBytes(FileBytes);
            await File.WriteAllBytesAsync(file, payload);
            string expected = Convert.ToHexString(SHA256.HashData(payload));

            await TransferAsync(lab, a, b, b.TunnelV4, file, Path.Combine(lab.Directory, "at-b.bin"), expected);
            await TransferAsync(lab, b, a, a.TunnelV6, file, Path.Combine(lab.Directory, "at-a.bin"), expected);

            foreach (Host host in new[] { a, b })
            {
                long errors = await TcpChecksumErrorsAsync(host);
                Assert.True(errors == 0, $"{host}'s kernel counted {errors} TCP segments with a bad checksum (Tcp InCsumErrors).");
            }
        });

    private static async Task TransferAsync(Lab lab, Host from, Host to, string address, string file, string received, string expected)
    {
        // The receiver writes what one connection brings, then exits; the sender streams the file and closes.
        BackgroundProcess receiver = lab.StartProcess(to.Namespace, "python3", "-c",
            "import socket, sys\n" +
            $"s = socket.socket(socket.AF_INET6 if ':' in '{address}' else socket.AF_INET, socket.SOCK_STREAM)\n" +
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n" +
            $"s.bind(('{address}', {Port}))\n" +
            "s.listen(1)\n" +
            "c, _ = s.accept()\n" +
            $"with open('{received}', 'wb') as f:\n" +
            "    while True:\n" +
            "        data = c.recv(1 << 20)\n" +
            "        if not data:\n" +
            "            break\n" +
            "        f.write(data)\n");
        await Poll.UntilAsync(
            async () => receiver.HasExited || (await to.Namespace.ExecAsync(Tools.Ss, "-Htln", $"sport = :{Port}")).Length > 0,
            TimeSpan.FromSeconds(20),
            () => $"the receiver in {to} did not listen on port {Port}.");

        await from.Namespace.ExecAsync("python3", "-c",
            "import socket\n" +
            $"s = socket.create_connection(('{address}', {Port}), timeout=60)\n" +
            $"with open('{file}', 'rb') as f:\n" +
            "    s.sendfile(f)\n" +
            "s.shutdown(socket.SHUT_WR)\n" +
            "s.recv(1)\n" +
            "s.close()\n");
        await Poll.UntilAsync(
            () => Task.FromResult(receiver.HasExited),
            TimeSpan.FromSeconds(60),
            () => $"the receiver in {to} did not finish. {receiver.Log()}");

        byte[] arrived = await File.ReadAllBytesAsync(received);
        lab.Log($"{from} -> {to} ({address}): {arrived.Length} bytes arrived");
        Assert.Equal(expected, Convert.ToHexString(SHA256.HashData(arrived)));
    }

    /// <summary>Tcp InCsumErrors from the namespace's /proc/net/snmp.</summary>
    private static async Task<long> TcpChecksumErrorsAsync(Host host)
    {
        string[] lines = (await host.Namespace.ExecAsync("cat", "/proc/net/snmp")).Split('\n');
        string[] names = lines.First(l => l.StartsWith("Tcp:", StringComparison.Ordinal)).Split(' ');
        string[] values = lines.Where(l => l.StartsWith("Tcp:", StringComparison.Ordinal)).Skip(1).First().Split(' ');
        return long.Parse(values[Array.IndexOf(names, "InCsumErrors")]);
    }
}
