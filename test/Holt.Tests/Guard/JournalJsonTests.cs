using Holt.Guard;

namespace Holt.Tests.Guard;

/// <summary>
/// Entries written by hand after journalctl's -o json output (systemd 252, Debian 12) as
/// https://systemd.io/JOURNAL_EXPORT_FORMATS/ describes it: every value a string, bytes as arrays of numbers.
/// </summary>
public sealed class JournalJsonTests
{
    internal const string SshdFailedPassword =
        """{"__CURSOR":"s=6f0b1c8e2d4a4f3a9c1e5b7d2a3c4e5f;i=1a2b;b=0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a;m=2f1e0d;t=63a1b2c3d4e5f;x=9a8b7c6d5e4f3a2b","__REALTIME_TIMESTAMP":"1795487972123456","__MONOTONIC_TIMESTAMP":"3087885","_BOOT_ID":"0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a","PRIORITY":"6","SYSLOG_FACILITY":"4","_UID":"0","_GID":"0","_CAP_EFFECTIVE":"1ffffffffff","_SELINUX_CONTEXT":"unconfined\n","_MACHINE_ID":"5c1e8a3f0b2d4c6e8a0b2c4d6e8f0a1b","_HOSTNAME":"gw","_TRANSPORT":"syslog","SYSLOG_IDENTIFIER":"sshd","SYSLOG_PID":"29765","_PID":"29765","_COMM":"sshd","_EXE":"/usr/sbin/sshd","_CMDLINE":"sshd: alice [priv]","_SYSTEMD_CGROUP":"/system.slice/ssh.service","_SYSTEMD_UNIT":"ssh.service","_SYSTEMD_SLICE":"system.slice","_SYSTEMD_INVOCATION_ID":"7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b","SYSLOG_TIMESTAMP":"Nov 24 02:39:32 ","MESSAGE":"Failed password for alice from 192.0.2.11 port 48765 ssh2","_SOURCE_REALTIME_TIMESTAMP":"1795487972123401"}""";

    [Fact]
    public void Parse_SshdSyslogEntry_GivesLineAndCursor()
    {
        JournalEntry? entry = JournalJson.Parse(SshdFailedPassword);

        Assert.NotNull(entry);
        Assert.Equal("s=6f0b1c8e2d4a4f3a9c1e5b7d2a3c4e5f;i=1a2b;b=0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a;m=2f1e0d;t=63a1b2c3d4e5f;x=9a8b7c6d5e4f3a2b", entry.Cursor);
        LogLine line = entry.Line;
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795487972).AddTicks(1_234_560), line.Time);
        Assert.Equal("gw", line.Host);
        Assert.Equal("sshd", line.Program);
        Assert.Equal(29765, line.Pid);
        Assert.Equal("Failed password for alice from 192.0.2.11 port 48765 ssh2", line.Message);
    }

    [Fact]
    public void Parse_SshdSession_KeepsItsProgramName()
    {
        const string json = """{"__CURSOR":"c1","__REALTIME_TIMESTAMP":"1795487972000000","_HOSTNAME":"gw","SYSLOG_IDENTIFIER":"sshd-session","_PID":"812","_COMM":"sshd-session","MESSAGE":"Invalid user oracle from 2001:db8:5::11 port 43341"}""";

        LogLine line = JournalJson.Parse(json)!.Line;

        Assert.Equal("sshd-session", line.Program);
        Assert.Equal(812, line.Pid);
    }

    [Fact]
    public void Parse_MessageAsByteArray_IsDecodedAsUtf8()
    {
        // "Invalid user jürgen from 192.0.2.7 port 22\t" holds a tab, so journalctl prints it as bytes.
        byte[] text = "Invalid user jürgen from 192.0.2.7 port 22\t"u8.ToArray();
        string json = $$"""{"__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":"sshd","_PID":"5","MESSAGE":[{{string.Join(',', text)}}]}""";

        LogLine line = JournalJson.Parse(json)!.Line;

        Assert.Equal("Invalid user jürgen from 192.0.2.7 port 22\t", line.Message);
    }

    [Fact]
    public void Parse_MessageWithInvalidUtf8_GetsReplacementCharacters()
    {
        // 0xff and a lone continuation byte 0x80 cannot be UTF-8.
        const string json = """{"__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":"sshd","_PID":"5","MESSAGE":[73,110,118,97,108,105,100,32,117,115,101,114,32,255,128,32,102,114,111,109,32,49,46,50,46,51,46,52]}""";

        LogLine line = JournalJson.Parse(json)!.Line;

        Assert.Equal("Invalid user \uFFFD\uFFFD from 1.2.3.4", line.Message);
    }

    [Fact]
    public void Parse_FieldWithSeveralValues_TakesTheFirst()
    {
        const string json = """{"__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":["sshd","sshd-session"],"_PID":"5","MESSAGE":[[65,66],"CD"]}""";

        LogLine line = JournalJson.Parse(json)!.Line;

        Assert.Equal("sshd", line.Program);
        Assert.Equal("AB", line.Message);
    }

    [Fact]
    public void Parse_NoSyslogIdentifier_FallsBackToComm()
    {
        const string json = """{"__REALTIME_TIMESTAMP":"1795487972000000","_COMM":"sshd","_PID":"77","MESSAGE":"Server listening on :: port 22."}""";

        Assert.Equal("sshd", JournalJson.Parse(json)!.Line.Program);
    }

    [Fact]
    public void Parse_NoPidButSyslogPid_UsesSyslogPid()
    {
        const string json = """{"__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":"sshd","SYSLOG_PID":"4321","MESSAGE":"x"}""";

        Assert.Equal(4321, JournalJson.Parse(json)!.Line.Pid);
    }

    [Fact]
    public void Parse_NoPidAtAll_IsZero()
    {
        const string json = """{"__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"x"}""";

        JournalEntry entry = JournalJson.Parse(json)!;

        Assert.Equal(0, entry.Line.Pid);
        Assert.Null(entry.Line.Host);
        Assert.Null(entry.Cursor);
    }

    [Theory]
    [InlineData("""{"SYSLOG_IDENTIFIER":"sshd","_PID":"5","MESSAGE":"no time"}""")]
    [InlineData("""{"__REALTIME_TIMESTAMP":"soon","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"bad time"}""")]
    [InlineData("""{"__REALTIME_TIMESTAMP":"-5","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"negative time"}""")]
    [InlineData("""{"__REALTIME_TIMESTAMP":"99999999999999999999","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"overflow"}""")]
    [InlineData("""{"__REALTIME_TIMESTAMP":"1795487972000000","_PID":"5","MESSAGE":"no program"}""")]
    [InlineData("""{"__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":"sshd","_PID":"5"}""")]
    [InlineData("""{"__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":"sshd","_PID":"5","MESSAGE":null}""")]
    [InlineData("""{"__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":"sshd","MESSAGE":[1,2,300]}""")]
    [InlineData("""{"__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"cut off""")]
    [InlineData("""["not","an","object"]""")]
    [InlineData("-- No entries --")]
    [InlineData("")]
    public void Parse_EntryMissingWhatALineNeeds_IsNull(string json)
    {
        Assert.Null(JournalJson.Parse(json));
    }

    [Fact]
    public void Parse_UnknownFieldsOfEveryShape_AreSkipped()
    {
        const string json = """{"X":{"a":[1,{"b":2}]},"Y":[[1],[2]],"Z":true,"__REALTIME_TIMESTAMP":"1795487972000000","SYSLOG_IDENTIFIER":"sshd","_PID":"9","MESSAGE":"ok"}""";

        Assert.Equal("ok", JournalJson.Parse(json)!.Line.Message);
    }

    [Fact]
    public void Parse_RandomMutationsOfARealEntry_NeverThrow()
    {
        var random = new Random(6);
        byte[] original = System.Text.Encoding.UTF8.GetBytes(SshdFailedPassword);
        for (int i = 0; i < 2000; i++)
        {
            byte[] mutated = (byte[])original.Clone();
            for (int j = random.Next(1, 8); j > 0; j--)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            _ = JournalJson.Parse(mutated.AsSpan(0, random.Next(mutated.Length + 1)));
        }
    }
}
