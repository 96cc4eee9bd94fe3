using System.Diagnostics;
using Holt.Interop;
using Holt.Tests.Storage;
using Holt.Tests.Support;

namespace Holt.Tests.Cli;

/// <summary>
/// holt peer add interrupted by a signal, for real: the built executable, a signal sent with kill(2) at chosen
/// moments. Whatever the moment, no temporary file (each holds private keys) is left beside holt.toml, and the peer
/// is either absent or present with its client config printed; an interrupt during the edit waits for it and then
/// ends holt with the shell's exit code for the signal.
/// </summary>
public sealed class PeerAddInterruptTests : IDisposable
{
    private const int SIGHUP = 1;

    private readonly string _directory = Directory.CreateTempSubdirectory("holt-interrupt").FullName;
    private readonly string _interface = "hit" + Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, string> _environment;

    public PeerAddInterruptTests()
    {
        _environment = new Dictionary<string, string>
        {
            ["HOLT_CONFIG"] = ConfigPath,
            ["HOLT_STATE_DIR"] = Path.Combine(_directory, "state"),
        };
    }

    private string ConfigPath => Path.Combine(_directory, "etc", "holt.toml");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public unsafe void InterruptedWhilePrintingTheConfig_FinishesPrintingItThenExits130()
    {
        Init();

        // holt's standard output is a FIFO the test has filled: the file is saved and applied, and holt is stuck
        // printing the config, when SIGINT comes. The test holds it open for reading and writing, so the shell's
        // open for writing does not wait, and reads it all afterwards.
        string fifo = SpecialFiles.MakeFifo(_directory, "stdout");
        using SafeFdHandle pipe = Libc.open(fifo, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        Assert.False(pipe.IsInvalid);
        int filled = 0;
        byte* filler = stackalloc byte[4096];
        new Span<byte>(filler, 4096).Fill((byte)'#');
        nint count;
        while ((count = Libc.write(pipe.Fd, filler, 4096)) > 0 || (count < 0 && Libc.LastErrno == Errno.EINTR))
        {
            filled += (int)Math.Max(count, 0);
        }

        using Process holt = Start("/bin/sh", "-c", "exec \"$0\" peer add phone > \"$1\"", HoltProcess.ExecutablePath, fifo);
        string? added = holt.StandardError.ReadLine();
        Assert.StartsWith("Added peer 'phone' with 10.8.0.2", added, StringComparison.Ordinal);
        Assert.Equal(0, Libc.kill(holt.Id, Libc.SIGINT));

        // Only once holt says it deferred the signal is the pipe drained (else it could finish before the signal).
        Assert.Equal("holt: SIGINT received; finishing the edit first, then stopping", holt.StandardError.ReadLine());
        var output = new MemoryStream();
        byte[] buffer = new byte[8192];
        var waited = Stopwatch.StartNew();
        bool exited = false;
        while (!exited)
        {
            // Exited is checked before the last read, so what holt wrote before exiting is all read.
            exited = holt.HasExited;
            fixed (byte* start = buffer)
            {
                while ((count = Libc.read(pipe.Fd, start, (nuint)buffer.Length)) > 0 || (count < 0 && Libc.LastErrno == Errno.EINTR))
                {
                    output.Write(buffer, 0, (int)Math.Max(count, 0));
                }
            }

            var poll = new Libc.PollFd { Fd = pipe.Fd, Events = Libc.POLLIN };
            _ = Libc.poll(&poll, 1, 100);
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "holt did not exit after the interrupt");
        }

        string rest = holt.StandardError.ReadToEnd();
        Assert.Equal(130, holt.ExitCode);
        Assert.Equal("", rest);
        string printed = System.Text.Encoding.UTF8.GetString(output.ToArray()[filled..]);
        Assert.Equal(ConfigOf("phone"), printed);
        AssertNoTemporaryFiles();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(15)]
    [InlineData(SIGHUP)]
    public void SignalledAsItsTemporaryFileAppears_LeavesNoTemporaryFileAndNoPeerWithoutItsConfig(int signal)
    {
        Init();

        (int code, string output, string error) = SignalAsATemporaryFileAppears(signal, "peer", "add", "phone");

        AssertConsistent("phone", code, output, error);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(15)]
    [InlineData(SIGHUP)]
    public void Init_SignalledAsItsTemporaryFileAppears_WritesTheWholeFileOrNoneAndNoTemporaryFile(int signal)
    {
        // No edit deferral here: the file write's own holds the signal until the rename, then lets it end holt.
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);

        (int code, _, string error) = SignalAsATemporaryFileAppears(signal, "init", "--endpoint", "vpn.example.com", "--interface", _interface);

        AssertNoTemporaryFiles();
        Assert.True(code is 0 || code == 128 + signal, $"exit {code}: {error}");
        (int loaded, _, string loadError) = HoltProcess.Run(_environment, "peer", "list");
        Assert.True(loaded == 0, loadError);
    }

    [Fact]
    public void InterruptedAtManyMoments_NeverLeavesATemporaryFileOrAPeerWithoutItsConfig()
    {
        Init();

        // How long an uninterrupted add takes here, to spread the interrupts over the whole of one and beyond:
        // before the edit starts, during it, and after it is done.
        var clock = Stopwatch.StartNew();
        (int first, _, string firstError) = Finish(Start(HoltProcess.ExecutablePath, "peer", "add", "calibration"));
        Assert.True(first == 0, firstError);
        TimeSpan whole = clock.Elapsed;

        const int Moments = 30;
        for (int i = 0; i < Moments; i++)
        {
            string name = $"p{i}";
            Process holt = Start(HoltProcess.ExecutablePath, "peer", "add", name);
            Thread.Sleep(whole * 1.5 * i / Moments);
            _ = Libc.kill(holt.Id, Libc.SIGINT);
            (int code, string output, string error) = Finish(holt);
            AssertConsistent(name, code, output, error);
        }
    }

    /// <summary>
    /// Runs holt and sends it <paramref name="signal"/> as soon as a temporary file appears beside holt.toml: before
    /// it is renamed, or shortly after.
    /// </summary>
    private (int Code, string Output, string Error) SignalAsATemporaryFileAppears(int signal, params string[] arguments)
    {
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(ConfigPath)!, "*.tmp");
        using var sent = new ManualResetEventSlim();
        var gate = new Lock();
        Process? holt = null;
        watcher.Created += (_, _) =>
        {
            lock (gate)
            {
                if (!sent.IsSet)
                {
                    _ = Libc.kill(holt!.Id, signal);
                    sent.Set();
                }
            }
        };
        watcher.EnableRaisingEvents = true;

        // Only holt makes temporary files there, so no event comes before holt is known.
        lock (gate)
        {
            holt = Start(HoltProcess.ExecutablePath, arguments);
        }

        (int code, string output, string error) = Finish(holt);

        // The watcher may report the file after holt has exited; the signal then found nothing to stop.
        Assert.True(sent.Wait(TimeSpan.FromSeconds(30)), "no temporary file appeared");
        return (code, output, error);
    }

    /// <summary>No temporary file; the peer absent, or present with its config printed; exit 0, or 130 after the signal.</summary>
    private void AssertConsistent(string name, int code, string output, string error)
    {
        AssertNoTemporaryFiles();
        (int found, string config, _) = HoltProcess.Run(_environment, "peer", "config", name);
        if (found == 0)
        {
            Assert.True(output == config, $"peer {name} was saved but its config was not printed (exit {code}): {error}");
        }
        else
        {
            Assert.Equal("", output);
        }

        Assert.True(code is 0 or 129 or 130 or 143, $"exit {code}: {error}");
    }

    private void AssertNoTemporaryFiles() =>
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(ConfigPath)!, "*.tmp"));

    private string ConfigOf(string name)
    {
        (int code, string config, string error) = HoltProcess.Run(_environment, "peer", "config", name);
        Assert.True(code == 0, error);
        return config;
    }

    private Process Start(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = program == HoltProcess.ExecutablePath,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string key, string value) in _environment)
        {
            start.Environment[key] = value;
        }

        return Process.Start(start)!;
    }

    private static (int Code, string Output, string Error) Finish(Process holt)
    {
        using (holt)
        {
            Task<string> output = holt.StandardOutput.ReadToEndAsync();
            Task<string> error = holt.StandardError.ReadToEndAsync();
            Assert.True(holt.WaitForExit(TimeSpan.FromSeconds(30)), "holt did not exit");
            return (holt.ExitCode, output.Result, error.Result);
        }
    }

    private void Init()
    {
        (int code, _, string error) = HoltProcess.Run(_environment, "init", "--endpoint", "vpn.example.com", "--interface", _interface);
        Assert.True(code == 0, error);
    }
}
