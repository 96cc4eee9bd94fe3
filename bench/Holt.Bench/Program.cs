using BenchmarkDotNet.Running;

namespace Holt.Bench;

internal static class Program
{
    /// <example>dotnet run -c Release --project bench/Holt.Bench -- --filter '*Aead*' --job short</example>
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create(args));
}
