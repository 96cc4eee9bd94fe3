using System.Text;
using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary>holt genkey, pubkey and genpsk against the real wg: the same bytes out, the same inputs accepted.</summary>
public class KeyCommandTests
{
    private const string Wg = "/usr/bin/wg";

    [Fact]
    public void Pubkey_OfWgKeys_IsByteForByteWgs()
    {
        RequireWg();
        for (int i = 0; i < 10; i++)
        {
            byte[] key = Encoding.ASCII.GetBytes(Program(Wg, null, "genkey").Output);

            var holt = Program(HoltProcess.ExecutablePath, key, "pubkey");
            var wg = Program(Wg, key, "pubkey");

            Assert.Equal(0, holt.ExitCode);
            Assert.Equal(wg.Output, holt.Output);
        }
    }

    [Fact]
    public void Genkey_PrintsAClampedKeyThatWgAccepts()
    {
        RequireWg();
        var seen = new HashSet<string>();
        for (int i = 0; i < 10; i++)
        {
            var generated = Program(HoltProcess.ExecutablePath, null, "genkey");
            Assert.Equal(0, generated.ExitCode);
            Assert.Matches("^[A-Za-z0-9+/]{43}=\n$", generated.Output);
            Assert.True(seen.Add(generated.Output), "genkey printed the same key twice");

            byte[] raw = Convert.FromBase64String(generated.Output.TrimEnd('\n'));
            Assert.Equal(0, raw[0] & 7);
            Assert.Equal(0x40, raw[31] & 0xC0);

            byte[] input = Encoding.ASCII.GetBytes(generated.Output);
            Assert.Equal(Program(Wg, input, "pubkey").Output, Program(HoltProcess.ExecutablePath, input, "pubkey").Output);
        }
    }

    [Fact]
    public void Genpsk_PrintsFreshKeys()
    {
        var first = Program(HoltProcess.ExecutablePath, null, "genpsk");
        var second = Program(HoltProcess.ExecutablePath, null, "genpsk");

        Assert.Equal(0, first.ExitCode);
        Assert.Matches("^[A-Za-z0-9+/]{43}=\n$", first.Output);
        Assert.NotEqual(first.Output, second.Output);
        Assert.Equal(32, Convert.FromBase64String(first.Output.TrimEnd('\n')).Length);
    }

    public static TheoryData<string> EdgeInputs => new()
    {
        "KFTVLuj8iiUTtzznY7pdGhiSvj+RanQX/KhHU+riNXE=",
        "KFTVLuj8iiUTtzznY7pdGhiSvj+RanQX/KhHU+riNXE=\n",
        "KFTVLuj8iiUTtzznY7pdGhiSvj+RanQX/KhHU+riNXE=\n\n  \t\n",
        "KFTVLuj8iiUTtzznY7pdGhiSvj+RanQX/KhHU+riNXE=\0",
        "KFTVLuj8iiUTtzznY7pdGhiSvj+RanQX/KhHU+riNXE=x",
        "KFTVLuj8iiUTtzznY7pdGhiSvj+RanQX/KhHU+riNXE=\nsecond line",
        " KFTVLuj8iiUTtzznY7pdGhiSvj+RanQX/KhHU+riNXE=",
        "KFTVLuj8iiUTtzznY7pdGhiSvj+RanQX/KhHU+riNX=",
        "KFTVLuj8iiUTtzznY7pdGhiSvj+RanQX/KhHU+riNXF=",
        "KFTVLuj8iiUTtzznY7pdGhiSvj+RanQX/KhHU+riNXEA",
        "KFTVLuj8iiUTtzznY7pdGhiSvj-RanQX/KhHU+riNXE=",
        "",
        "\n",
        "short",
    };

    [Theory]
    [MemberData(nameof(EdgeInputs))]
    public void Pubkey_AcceptsAndRefusesWhatWgDoes(string text)
    {
        RequireWg();
        byte[] input = Encoding.ASCII.GetBytes(text);

        var holt = Program(HoltProcess.ExecutablePath, input, "pubkey");
        var wg = Program(Wg, input, "pubkey");

        Assert.Equal(wg.ExitCode == 0, holt.ExitCode == 0);
        Assert.Equal(wg.Output, holt.Output);
        if (holt.ExitCode != 0)
        {
            Assert.Equal(1, holt.ExitCode);
            Assert.Single(holt.Error.TrimEnd('\n').Split('\n'));
            Assert.StartsWith("holt: ", holt.Error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0xA0)]
    [InlineData(0x85)]
    [InlineData(0x1C)]
    public void Pubkey_TrailingByteOutsideCWhitespace_IsRefused_AsWgRefusesIt(int trailing)
    {
        RequireWg();
        byte[] input = [.. Encoding.ASCII.GetBytes("KFTVLuj8iiUTtzznY7pdGhiSvj+RanQX/KhHU+riNXE="), (byte)trailing];

        var holt = Program(HoltProcess.ExecutablePath, input, "pubkey");
        var wg = Program(Wg, input, "pubkey");

        Assert.NotEqual(0, wg.ExitCode);
        Assert.Equal(1, holt.ExitCode);
        Assert.Equal(string.Empty, holt.Output);
    }

    [Fact]
    public void Genkey_IntoAFileOthersCanRead_Warns()
    {
        string directory = Directory.CreateTempSubdirectory("holt-keys").FullName;
        try
        {
            string open = Path.Combine(directory, "open.key");
            string closed = Path.Combine(directory, "closed.key");
            var loose = Program("/bin/sh", null, "-c", $"umask 022; exec '{HoltProcess.ExecutablePath}' genkey > '{open}'");
            var tight = Program("/bin/sh", null, "-c", $"umask 077; exec '{HoltProcess.ExecutablePath}' genkey > '{closed}'");

            Assert.Equal(0, loose.ExitCode);
            Assert.Contains("can be read by others", loose.Error, StringComparison.Ordinal);
            Assert.Equal(0, tight.ExitCode);
            Assert.Equal(string.Empty, tight.Error);
            Assert.Matches("^[A-Za-z0-9+/]{43}=\n$", File.ReadAllText(closed));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (int ExitCode, string Output, string Error) Program(string program, byte[]? input, params string[] arguments) =>
        HoltProcess.RunProgram(program, input, null, arguments);

    private static void RequireWg()
    {
        if (!File.Exists(Wg))
        {
            // CI installs wireguard-tools; elsewhere say what is missing rather than pass without comparing.
            Assert.Fail($"{Wg} is missing: apt-get install wireguard-tools");
        }
    }
}
