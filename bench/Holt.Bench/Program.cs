using BenchmarkDotNet.Running;

namespace Holt.Bench;

internal static class Program
{
    /// <example>dotnet run -c Release --project bench/Holt.Bench -- --filter '*Aead*' --job short</example>
    /// <example>dotnet run -c Release --project bench/Holt.Bench -- e2e</example>
    public static int Main(string[] args)
    {
        if (args is ["e2e", ..])
        {
            return EndToEnd.Run(args.AsSpan(1));
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create(args));
        return 0;
    }
}
