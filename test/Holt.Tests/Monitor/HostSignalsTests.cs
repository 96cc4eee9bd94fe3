using Holt.Monitor;

namespace Holt.Tests.Monitor;

/// <summary>The host's signals from /proc text as the kernel writes it, and from a /proc of the test's own.</summary>
public sealed class HostSignalsTests : IDisposable
{
    private readonly string _proc = Directory.CreateTempSubdirectory("holt-proc").FullName;

    public void Dispose() => Directory.Delete(_proc, recursive: true);

    [Fact]
    public void Cpu_IsBusyOverTotal_IdleAndIowaitNotBusy()
    {
        Assert.Equal((300UL, 1000UL), HostSignals.ParseCpu("cpu  100 50 150 600 100 0 0 0 0 0\ncpu0 1 2 3 4\n"));
        Assert.Null(HostSignals.ParseCpu("cpu0 1 2 3 4\n"));
        Assert.Null(HostSignals.ParseCpu("cpu  1 x 3 4\n"));
        Assert.Null(HostSignals.ParseCpu(null));
    }

    [Fact]
    public void Memory_IsWhatIsNotAvailable()
    {
        Assert.Equal(25.0, HostSignals.ParseMemoryUsed("MemTotal:       1000 kB\nMemFree:  10 kB\nMemAvailable:    750 kB\n"));
        Assert.Null(HostSignals.ParseMemoryUsed("MemTotal:       1000 kB\n"));
        Assert.Null(HostSignals.ParseMemoryUsed("MemTotal: 0 kB\nMemAvailable: 0 kB\n"));
    }

    [Fact]
    public void Load_AndUdpReceiveBufferErrors_AreRead()
    {
        Assert.Equal((2.84, 3.36, 3.02), HostSignals.ParseLoad("2.84 3.36 3.02 3/158 25947\n"));
        Assert.Equal((null, null, null), HostSignals.ParseLoad("garbage"));
        string snmp =
            "Icmp: InMsgs InErrors\nIcmp: 1 2\n" +
            "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
            "Udp: 85 0 0 87 42 0 0 0 0\n" +
            "UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\nUdpLite: 0 0 0 0 7 0\n";
        Assert.Equal(42, HostSignals.ParseUdpReceiveBufferErrors(snmp));
        Assert.Null(HostSignals.ParseUdpReceiveBufferErrors("Udp: InDatagrams\nTcp: 1\n"));
    }

    [Fact]
    public void Sample_ReadsEveryFigure_CpuFromTheSecondLookOn_AndLeavesOutWhatIsMissing()
    {
        Write("stat", "cpu  100 0 100 800 0 0 0 0 0 0\n");
        Write("meminfo", "MemTotal: 2000 kB\nMemAvailable: 500 kB\n");
        Write("loadavg", "0.50 0.25 0.10 1/100 99\n");
        var signals = new HostSignals(_proc, _proc);

        HostView first = signals.Sample();
        Write("stat", "cpu  150 0 150 900 0 0 0 0 0 0\n");
        HostView second = signals.Sample();

        Write("stat", "cpu  151 0 150 905 0 0 0 0 0 0\n");
        HostView third = signals.Sample();

        Assert.Null(first.CpuPercent);
        Assert.Equal(50.0, second.CpuPercent);
        Assert.Equal(50.0, third.CpuPercent);
        Assert.Equal(75.0, second.MemoryUsedPercent);
        Assert.Equal(0.5, second.Load1);
        Assert.Null(second.UdpReceiveBufferErrors);
        Assert.NotNull(second.StateDiskFreeBytes);
        Assert.InRange(second.StateDiskFreePercent!.Value, 0, 100);
    }

    [Fact]
    public void Sample_OfAMissingStateDirectory_LeavesTheDiskOut()
    {
        HostView view = new HostSignals(Path.Combine(_proc, "missing"), _proc).Sample();

        Assert.Null(view.StateDiskFreeBytes);
        Assert.Null(view.CpuPercent);
    }

    [Fact]
    public void Parsers_TakeAnyText_WithoutThrowing()
    {
        var random = new Random(20261205);
        string[] pieces = ["cpu:", "cpu ", "cpu0 ", "Udp: ", "MemTotal:", "MemAvailable:", "RcvbufErrors", "18446744073709551615 ", "-1 ", "1e9 ", "NaN ", " ", "\n", "\0", "kB", "9"];
        for (int i = 0; i < 5000; i++)
        {
            string text = string.Concat(Enumerable.Range(0, random.Next(0, 40)).Select(_ => pieces[random.Next(pieces.Length)]));
            _ = HostSignals.ParseCpu(text);
            _ = HostSignals.ParseMemoryUsed(text);
            _ = HostSignals.ParseLoad(text);
            _ = HostSignals.ParseUdpReceiveBufferErrors(text);
            _ = HostSignals.ParseInterfaceBytes(text, "cpu");
        }
    }

    [Fact]
    public void InterfaceBytes_AreTheFirstReceiveAndSendFields_OfTheInterfacesOwnLine()
    {
        Directory.CreateDirectory(Path.Combine(_proc, "net"));
        Write("net/dev", """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
            wg0x0: 5000 50 0 0 0 0 0 0 7000 70 0 0 0 0 0 0
               wg0: 18446744073709551615      12    0    0    0     0          0         0     3456      34    0    0    0     0       0          0
            """);
        var signals = new HostSignals(_proc, _proc);

        Assert.Equal((18446744073709551615UL, 3456UL), signals.InterfaceBytes("wg0"));
        Assert.Equal((5000UL, 7000UL), signals.InterfaceBytes("wg0x0"));
        Assert.Null(signals.InterfaceBytes("wg1"));
        Assert.Null(HostSignals.ParseInterfaceBytes("wg0: 1 2 3\n", "wg0"));
        Assert.Null(HostSignals.ParseInterfaceBytes("wg0: x 2 3 4 5 6 7 8 9\n", "wg0"));
    }

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(_proc, name), text);
}
