using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace LossGen.Benchmarks;

/// <summary>
/// One job per vector width, so one run gives the whole matrix: the machine's widest vectors, AVX-512 off
/// (256-bit, as most x64 machines), and 128-bit with FMA kept (the stand-in for ARM64's NEON). Each job is its
/// own process, and BenchmarkDotNet's warm-up runs each past the JIT's lower tiers. Iterations of 0.25 s, not
/// BenchmarkDotNet's default 0.5 s, so the whole matrix takes about half as long.
/// </summary>
public sealed class WidthConfig : ManualConfig
{
    public WidthConfig()
    {
        // 5 warm-up iterations of ~0.25 s after the pilot: past tier-0 and OSR code. 11 measured, for a median.
        Job job = Job.Default.WithWarmupCount(5).WithIterationCount(11).WithIterationTime(TimeInterval.FromMilliseconds(250));
        AddJob(job.WithId("512-bit"));
        // DOTNET_EnableAVX512, not DOTNET_EnableAVX512F: .NET 10 ignores the older switch and runs 512-bit paths.
        AddJob(job.WithId("256-bit").WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableAVX512", "0")));
        AddJob(job.WithId("128-bit").WithEnvironmentVariables(new EnvironmentVariable("DOTNET_PreferredVectorBitWidth", "128")));
    }

    /// <summary>
    /// Holds LossGen to the calling thread, called first by every [GlobalSetup] of the width matrix: those tables compare
    /// kernels at each width against one-thread baselines. <see cref="ScalingBenchmarks"/> measures threads.
    /// </summary>
    public static void OneThread() => LossParallelism.MaxDegreeOfParallelism = 1;
}
