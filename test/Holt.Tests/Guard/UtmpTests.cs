using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Holt.Guard;
using Xunit.Abstractions;

namespace Holt.Tests.Guard;

public sealed class UtmpTests
{
    private static readonly DateTimeOffset s_time = new(2026, 11, 24, 2, 39, 32, TimeSpan.Zero);

    private readonly ITestOutputHelper _output;

    public UtmpTests(ITestOutputHelper output) => _output = output;

    /// <summary>Lays out a record byte by byte at glibc's offsets, independently of the reader's constants.</summary>
    internal static byte[] Record(
        short type = 7,
        int pid = 4242,
        string line = "pts/0",
        string id = "ts/0",
        string user = "alice",
        string host = "",
        DateTimeOffset? time = null,
        int microseconds = 0,
        byte[]? address = null)
    {
        byte[] r = new byte[384];
        BinaryPrimitives.WriteInt16LittleEndian(r.AsSpan(0), type);
        BinaryPrimitives.WriteInt32LittleEndian(r.AsSpan(4), pid);
        Encoding.UTF8.GetBytes(line).CopyTo(r, 8);
        Encoding.UTF8.GetBytes(id).CopyTo(r, 40);
        Encoding.UTF8.GetBytes(user).CopyTo(r, 44);
        Encoding.UTF8.GetBytes(host).CopyTo(r, 76);
        BinaryPrimitives.WriteInt32LittleEndian(r.AsSpan(336), 0);
        BinaryPrimitives.WriteInt32LittleEndian(r.AsSpan(340), (int)(time ?? s_time).ToUnixTimeSeconds());
        BinaryPrimitives.WriteInt32LittleEndian(r.AsSpan(344), microseconds);
        address?.CopyTo(r, 348);
        return r;
    }

    private static List<UtmpRecord> ReadAll(params byte[][] records) =>
        [.. Utmp.Read(new MemoryStream(records.SelectMany(r => r).ToArray()))];

    [Fact]
    public void Btmp_Ipv4InFirstWord_IsTheEventAddress()
    {
        byte[] r = Record(type: 6, line: "ssh:notty", id: "", user: "nosuchuser", host: "192.0.2.10", address: [192, 0, 2, 10]);

        UtmpRecord record = Assert.Single(ReadAll(r));
        AuthEvent? e = Utmp.ToFailedEvent(record);

        Assert.NotNull(e);
        Assert.Equal(AuthKind.Failed, e.Kind);
        Assert.Equal(IPAddress.Parse("192.0.2.10"), e.Address);
        Assert.Equal("nosuchuser", e.User);
        Assert.Null(e.Method);
        Assert.Equal("btmp", e.Source);
        Assert.Equal(s_time, e.Time);
    }

    [Fact]
    public void Btmp_Ipv6InAllFourWords_IsTheEventAddress()
    {
        byte[] v6 = IPAddress.Parse("2001:db8:5::11").GetAddressBytes();
        UtmpRecord record = Assert.Single(ReadAll(Record(type: 6, line: "ssh:notty", user: "oracle", host: "2001:db8:5::11", address: v6)));

        Assert.Equal(IPAddress.Parse("2001:db8:5::11"), record.Address);
        Assert.Equal(IPAddress.Parse("2001:db8:5::11"), Utmp.ToFailedEvent(record)!.Address);
    }

    [Fact]
    public void Btmp_V4MappedV6Address_BecomesIpv4()
    {
        byte[] mapped = IPAddress.Parse("::ffff:198.51.100.7").GetAddressBytes();
        UtmpRecord record = Assert.Single(ReadAll(Record(type: 6, user: "root", address: mapped)));

        Assert.Equal(IPAddress.Parse("198.51.100.7"), Utmp.ToFailedEvent(record)!.Address);
    }

    [Fact]
    public void Btmp_NoBinaryAddress_FallsBackToHostLiteral()
    {
        UtmpRecord v4 = Assert.Single(ReadAll(Record(type: 6, user: "root", host: "203.0.113.9")));
        UtmpRecord v6 = Assert.Single(ReadAll(Record(type: 6, user: "root", host: "2001:db8::9")));
        UtmpRecord scoped = Assert.Single(ReadAll(Record(type: 6, user: "root", host: "fe80::1%eth0")));

        Assert.Null(v4.Address);
        Assert.Equal(IPAddress.Parse("203.0.113.9"), Utmp.ToFailedEvent(v4)!.Address);
        Assert.Equal(IPAddress.Parse("2001:db8::9"), Utmp.ToFailedEvent(v6)!.Address);
        Assert.Equal(IPAddress.Parse("fe80::1"), Utmp.ToFailedEvent(scoped)!.Address);
    }

    [Theory]
    [InlineData("attacker.example.org")]
    [InlineData("10.1")]
    [InlineData("167772161")]
    [InlineData(":0")]
    [InlineData("")]
    public void Btmp_HostThatIsNotAnAddressLiteral_GivesNoAddress(string host)
    {
        UtmpRecord record = Assert.Single(ReadAll(Record(type: 6, user: "root", host: host)));

        AuthEvent? e = Utmp.ToFailedEvent(record);

        Assert.NotNull(e);
        Assert.Null(e.Address);
        Assert.Equal("root", e.User);
    }

    [Fact]
    public void Wtmp_SshSessionOnPts_IsAcceptedWithMethodWtmp()
    {
        UtmpRecord record = Assert.Single(ReadAll(Record(line: "pts/0", user: "alice", host: "192.0.2.10", microseconds: 42_887, address: [192, 0, 2, 10])));

        AuthEvent? e = Utmp.ToLoginEvent(record);

        Assert.NotNull(e);
        Assert.Equal(AuthKind.Accepted, e.Kind);
        Assert.Equal("alice", e.User);
        Assert.Equal("wtmp", e.Method);
        Assert.Equal("wtmp", e.Source);
        Assert.Equal(IPAddress.Parse("192.0.2.10"), e.Address);
        Assert.Equal(s_time.AddTicks(428_870), e.Time);
    }

    [Fact]
    public void Wtmp_SessionWithoutTerminal_IsAccepted()
    {
        UtmpRecord record = Assert.Single(ReadAll(Record(line: "ssh:notty", user: "bob", host: "2001:db8:5::11")));

        Assert.Equal(IPAddress.Parse("2001:db8:5::11"), Utmp.ToLoginEvent(record)!.Address);
    }

    [Theory]
    [InlineData((short)8, "pts/0", "alice", "192.0.2.10")] // DEAD_PROCESS: a logout
    [InlineData((short)7, "tty1", "alice", "")] // a console login
    [InlineData((short)7, "pts/3", "alice", "")] // a local terminal (no remote host)
    [InlineData((short)2, "~", "reboot", "6.1.0-13-amd64")] // BOOT_TIME
    [InlineData((short)7, "pts/0", "", "192.0.2.10")] // no user
    public void Wtmp_RecordThatIsNotAnSshLogin_GivesNoEvent(short type, string line, string user, string host)
    {
        UtmpRecord record = Assert.Single(ReadAll(Record(type: type, line: line, user: user, host: host)));

        Assert.Null(Utmp.ToLoginEvent(record));
    }

    [Fact]
    public void Read_UserFillingTheWholeField_IsReadWithoutTerminator()
    {
        string user = new('u', 32);

        UtmpRecord record = Assert.Single(ReadAll(Record(user: user, host: new string('h', 256))));

        Assert.Equal(user, record.User);
        Assert.Equal(256, record.Host.Length);
    }

    [Fact]
    public void Read_TruncatedLastRecord_IsIgnored()
    {
        byte[] data = [.. Record(user: "a"), .. Record(user: "b"), .. Record(user: "c").AsSpan(0, 200)];

        List<UtmpRecord> records = [.. Utmp.Read(new MemoryStream(data))];

        Assert.Equal(["a", "b"], records.Select(r => r.User));
    }

    [Fact]
    public void Read_ShortReads_StillAssembleWholeRecords()
    {
        byte[] data = [.. Record(user: "a"), .. Record(user: "b")];

        List<UtmpRecord> records = [.. Utmp.Read(new TrickleStream(data))];

        Assert.Equal(["a", "b"], records.Select(r => r.User));
    }

    [Fact]
    public void Read_DamagedRecordBetweenGoodOnes_IsSkipped()
    {
        byte[] badType = Record(user: "x");
        BinaryPrimitives.WriteInt16LittleEndian(badType, 77);
        byte[] badTime = Record(user: "y", microseconds: 2_000_000);
        byte[] control = Record(user: "z\nroot");

        List<UtmpRecord> records = ReadAll(Record(user: "a"), badType, badTime, control, Record(user: "b"));

        Assert.Equal(["a", "b"], records.Select(r => r.User));
    }

    [Fact]
    public void Read_RandomBytes_NeverThrows()
    {
        var random = new Random(6);
        for (int i = 0; i < 200; i++)
        {
            byte[] data = new byte[random.Next(0, 384 * 4)];
            random.NextBytes(data);
            if (i % 2 == 0)
            {
                // Half the runs keep a plausible type so the later checks, not the first, do the refusing.
                for (int offset = 0; offset + 2 <= data.Length; offset += 384)
                {
                    data[offset] = 7;
                    data[offset + 1] = 0;
                }
            }

            foreach (UtmpRecord record in Utmp.Read(new MemoryStream(data)))
            {
                _ = Utmp.ToFailedEvent(record);
                _ = Utmp.ToLoginEvent(record);
            }
        }
    }

    [Fact]
    public void RealBtmp_WrittenBySshd92_GivesEveryFailure()
    {
        using FileStream btmp = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Guard", "Corpus", "btmp-openssh-9.2"));

        List<AuthEvent> events = [.. Utmp.ReadFailures(btmp)];

        Assert.Equal(16, events.Count);
        Assert.All(events, e => Assert.Equal(AuthKind.Failed, e.Kind));
        Assert.Equal(new AuthEvent(s_time, AuthKind.Failed, IPAddress.Parse("192.0.2.10"), "nosuchuser", null, "btmp"), events[0]);
        Assert.Contains(events, e => e.User == "oracle" && e.Address!.Equals(IPAddress.Parse("2001:db8:5::11")));
        // A user name that imitates sshd's message text does not change the address sshd recorded.
        Assert.Contains(events, e => e.User == "root from 203.0.113.9 port 22" && e.Address!.Equals(IPAddress.Parse("192.0.2.10")));
    }

    [Fact]
    public void RealWtmp_WrittenBySshd92_GivesTheFourLogins()
    {
        using FileStream wtmp = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Guard", "Corpus", "wtmp-openssh-9.2"));

        List<AuthEvent> events = [.. Utmp.ReadLogins(wtmp)];

        Assert.Equal(
            ["alice 192.0.2.10", "alice 2001:db8:5::11", "bob 192.0.2.11", "bob 2001:db8:5::11"],
            events.Select(e => $"{e.User} {e.Address}"));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 2, 40, 24, TimeSpan.Zero).AddTicks(428_870), events[0].Time);
    }

    [Fact]
    public void Last_ReadingTheSameSyntheticFile_ShowsTheSameUserHostAndTime()
    {
        if (FindTool("last") is not string last)
        {
            _output.WriteLine("SKIPPED: util-linux last is not installed");
            return;
        }

        DateTimeOffset t = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);
        byte[][] records =
        [
            Record(line: "pts/0", user: "alice", host: "192.0.2.10", time: t, address: [192, 0, 2, 10]),
            Record(line: "pts/1", user: "bob", host: "2001:db8::7", time: t.AddMinutes(1), address: IPAddress.Parse("2001:db8::7").GetAddressBytes()),
            Record(line: "pts/2", user: "carol", host: "198.51.100.7", time: t.AddMinutes(2)),
        ];
        string file = Path.Combine(Path.GetTempPath(), $"holt-wtmp-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(file, records.SelectMany(r => r).ToArray());
            List<UtmpRecord> parsed;
            using (FileStream stream = File.OpenRead(file))
            {
                parsed = [.. Utmp.Read(stream)];
            }

            List<(string User, string Line, string Host, DateTimeOffset Time)> shown = RunLast(last, file);

            Assert.Equal(3, shown.Count);
            foreach (UtmpRecord record in parsed)
            {
                Assert.Contains((record.User, record.Line, record.Host, record.Time), shown);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Lastb_ReadingTheRealBtmp_AgreesWithTheReader()
    {
        if (FindTool("lastb") is not string lastb)
        {
            _output.WriteLine("SKIPPED: util-linux lastb is not installed");
            return;
        }

        string file = Path.Combine(AppContext.BaseDirectory, "Guard", "Corpus", "btmp-openssh-9.2");
        using FileStream stream = File.OpenRead(file);
        List<UtmpRecord> parsed = [.. Utmp.Read(stream)];

        List<(string User, string Line, string Host, DateTimeOffset Time)> shown = RunLast(lastb, file);

        Assert.Equal(parsed.Count, shown.Count);
        foreach (UtmpRecord record in parsed)
        {
            Assert.Contains((record.User, record.Line, record.Host, record.Time), shown);
        }
    }

    /// <summary>
    /// Runs last/lastb with full-width fields and ISO times. Its columns are padded with spaces and user names may
    /// hold spaces, so a line is split from the right: the ISO time, the host, the terminal; the rest is the user.
    /// </summary>
    private static List<(string User, string Line, string Host, DateTimeOffset Time)> RunLast(string tool, string file)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { "-f", file, "-w", "--time-format", "iso" })
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var result = new List<(string, string, string, DateTimeOffset)>();
        foreach (string raw in output.Split('\n'))
        {
            string[] words = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int timeIndex = Array.FindIndex(words, w => w.Length >= 19 && w[4] == '-' && w[10] == 'T');
            if (timeIndex < 3 || raw.Contains(" begins ", StringComparison.Ordinal))
            {
                continue;
            }

            var time = DateTimeOffset.Parse(words[timeIndex], CultureInfo.InvariantCulture);
            result.Add((string.Join(' ', words[..(timeIndex - 2)]), words[timeIndex - 2], words[timeIndex - 1], time));
        }

        return result;
    }

    private static string? FindTool(string name) =>
        new[] { "/usr/bin/", "/bin/" }.Select(d => d + name).FirstOrDefault(File.Exists);

    /// <summary>A stream that hands out at most 7 bytes per read, as a pipe may.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 7));
    }
}
