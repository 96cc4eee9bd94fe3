using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;
using Perfolizer.Horology;

namespace Holt.Bench;

/// <summary>
/// Defaults for the 2-core machine the figures in bench/README.md come from, where other work shares the cores.
/// </summary>
internal static class BenchConfig
{
    public static IConfig Create(string[] args)
    {
        ManualConfig config = ManualConfig.Create(DefaultConfig.Instance)
            // Workstation, non-concurrent GC: a background GC thread would compete with the benchmark for one of
            // only two cores. A mutator applies to every job, including one picked with --job.
            .AddJob(new Job("NonConcurrentGc").WithGcServer(false).WithGcConcurrent(false).AsMutator())
            .AddColumn(new ThroughputColumn())
            .AddColumn(CategoriesColumn.Default)
            // Ratios compare each option with Holt's own within one operation (Seal, Open) and one size.
            .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)
            .WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared, MethodOrderPolicy.Declared))
            .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(TimeUnit.Nanosecond).WithRatioStyle(RatioStyle.Trend));

        // BenchmarkDotNet's own default job runs up to 100 iterations per case, which ties up a shared 2-core box
        // for a long time. Without --job, use a moderate one; a custom default job would override --job, so it is
        // only added when none was asked for.
        if (!args.Any(a => a is "--job" or "-j"))
        {
            config.AddJob(Job.Default.WithId("Holt").WithLaunchCount(1).WithWarmupCount(5).WithIterationCount(15).AsDefault());
        }

        return config;
    }
}
