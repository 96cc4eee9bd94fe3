using System.Runtime.InteropServices;
using Holt.Hosting;
using Holt.Interop;

namespace Holt.Tunnel;

/// <summary>
/// Makes SIGINT stop Holt even when it was started with SIGINT ignored, as a shell does for a background job
/// (<c>holt tunnel -f wg0 &amp;</c>, or a script started with nohup). wireguard-go stops on SIGINT either way, and a
/// drop-in must too. The .NET runtime keeps an inherited "ignore" for SIGINT and then never reports the signal,
/// and the choice is made before Main; so when SIGINT comes in ignored, Holt sets it back to the default and runs
/// itself again, once, in the same process (execv), where the runtime then handles it.
/// </summary>
internal static unsafe class InterruptSignal
{
    private const string DoneVariable = "HOLT_SIGINT_RESTORED";

    public static void RestoreIfIgnored(string[] args)
    {
        if (Environment.GetEnvironmentVariable(DoneVariable) is not null)
        {
            Environment.SetEnvironmentVariable(DoneVariable, null);
            return;
        }

        Libc.SigAction current;
        if (Libc.sigaction(Libc.SIGINT, null, &current) != 0 || current.Handler != Libc.SIG_IGN)
        {
            return;
        }

        IReadOnlyList<string>? self = Daemon.SelfCommand();
        if (self is null)
        {
            return;
        }

        var restored = default(Libc.SigAction);
        restored.Handler = Libc.SIG_DFL;
        if (Libc.sigaction(Libc.SIGINT, &restored, null) != 0)
        {
            return;
        }

        List<string> argv = [.. self, .. args];
        Environment.SetEnvironmentVariable(DoneVariable, "1");
        nint[] strings = [.. argv.Select(Marshal.StringToCoTaskMemUTF8)];
        nint* vector = stackalloc nint[strings.Length + 1];
        for (int i = 0; i < strings.Length; i++)
        {
            vector[i] = strings[i];
        }

        vector[strings.Length] = 0;
        _ = Libc.execv((byte*)vector[0], (byte**)vector);

        // execv returned: it failed. Carry on as we are, with SIGINT at its default (it ends the process).
        Environment.SetEnvironmentVariable(DoneVariable, null);
        foreach (nint s in strings)
        {
            Marshal.FreeCoTaskMem(s);
        }
    }
}
