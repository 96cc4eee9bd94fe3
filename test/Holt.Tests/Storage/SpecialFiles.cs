using Holt.Tests.Support;

namespace Holt.Tests.Storage;

/// <summary>
/// A test that makes a device node with mknod(1), which needs root (CAP_MKNOD). Without root it is skipped with
/// the reason, except when CI=true: CI runs as root, so there it runs.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MknodFactAttribute : FactAttribute
{
    public MknodFactAttribute()
    {
        if (!Zbar.IsCi && !SpecialFiles.IsRoot())
        {
            Skip = "needs root to make a character device with mknod";
        }
    }
}

/// <summary>Device nodes, FIFOs and links made with the real tools, and what stat(1) says a path is.</summary>
internal static class SpecialFiles
{
    /// <summary>A character device with /dev/null's numbers (1, 3), mode 0666 as /dev/null has.</summary>
    public static string MakeNullDevice(string directory, string name = "null")
    {
        string path = Path.Combine(directory, name);
        Run("/usr/bin/mknod", "-m", "666", path, "c", "1", "3");
        return path;
    }

    public static string MakeFifo(string directory, string name = "fifo")
    {
        string path = Path.Combine(directory, name);
        Run("/usr/bin/mkfifo", "-m", "600", path);
        return path;
    }

    /// <summary>stat(1)'s name for the file type, not following a link: "regular file", "fifo", "symbolic link", ...</summary>
    public static string TypeOf(string path) => Run("/usr/bin/stat", "-c", "%F", path).TrimEnd('\n');

    /// <summary>The mode bits as stat(1) prints them in octal ("600", "666").</summary>
    public static string ModeOf(string path) => Run("/usr/bin/stat", "-L", "-c", "%a", path).TrimEnd('\n');

    /// <summary>
    /// Starts a reader of the FIFO on a thread of its own: its open waits for a writer, then it reads to the end. A
    /// writer that replaced the FIFO instead leaves it waiting; it is a background thread, so that never holds up
    /// the test run.
    /// </summary>
    public static Task<byte[]> ReadFifo(string path)
    {
        var done = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = new Thread(() =>
        {
            try
            {
                done.SetResult(File.ReadAllBytes(path));
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
        };
        reader.Start();
        return done.Task;
    }

    public static bool IsRoot()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                string[] ids = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                return ids.Length > 2 && ids[2] == "0";
            }
        }

        return false;
    }

    private static string Run(string program, params string[] arguments)
    {
        (int code, string output, string error) = HoltProcess.RunProgram(program, null, null, arguments);
        Assert.True(code == 0, $"{program} {string.Join(' ', arguments)} failed: {error}");
        return output;
    }
}
