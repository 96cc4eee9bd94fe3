using Holt.Storage;

namespace Holt.Tests.Storage;

/// <summary>
/// A writer killed with -9 between creating its temporary copy and renaming it leaves the copy (perhaps holding
/// private keys) beside the file; the next write of that file deletes it, and never a live writer's.
/// </summary>
public sealed class AbandonedTemporaryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-abandoned").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Write_DeletesTheCopiesOfDeadWriters_AndKeepsTheLiveOnesAndOthers()
    {
        int dead = DeadPid();
        string abandoned = Beside($".holt.toml.{dead}.0123456789abcdef0123456789abcdef.tmp");
        string live = Beside(".holt.toml.1.0123456789abcdef0123456789abcdef.tmp");
        string otherFile = Beside($".state.json.{dead}.0123456789abcdef0123456789abcdef.tmp");
        string unrelated = Beside($".holt.toml.{dead}.tmp.bak");
        foreach (string path in new[] { abandoned, live, otherFile, unrelated })
        {
            File.WriteAllText(path, "private_key = \"...\"\n");
        }

        AtomicFile.WriteAllText(Beside("holt.toml"), "[gateway]\n");

        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(otherFile));
        Assert.True(File.Exists(unrelated));
        Assert.Equal("[gateway]\n", File.ReadAllText(Beside("holt.toml")));
    }

    private string Beside(string name) => Path.Combine(_directory, name);

    private static int DeadPid()
    {
        for (int pid = 4_000_000; ; pid--)
        {
            if (!Directory.Exists($"/proc/{pid}"))
            {
                return pid;
            }
        }
    }
}
