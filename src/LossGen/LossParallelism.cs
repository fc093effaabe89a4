using System;

namespace LossGen;

/// <summary>
/// How many threads a loss may use for one call. Today only <see cref="Losses"/>' CTC spreads its samples over the
/// thread pool (for large batches); every other kernel runs on the calling thread.
/// </summary>
/// <remarks>
/// A training loop that already runs one loss per thread, or a server, wants this at 1. Parallel calls never block a
/// pool thread on work they queued: the calling thread can finish every sample alone, and helpers only take what is left.
/// </remarks>
public static class LossParallelism
{
    private static int s_maxDegree = -1;

    /// <summary>
    /// The most threads one call uses, the calling thread included: −1 (the default) for one per processor, 1 to run
    /// every call on the calling thread alone. Like <see cref="System.Threading.Tasks.ParallelOptions.MaxDegreeOfParallelism"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is 0 or below −1.</exception>
    public static int MaxDegreeOfParallelism
    {
        get => s_maxDegree;
        set
        {
            if (value is 0 or < -1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "MaxDegreeOfParallelism must be -1 (one thread per processor) or at least 1.");
            }

            s_maxDegree = value;
        }
    }

    /// <summary>The threads a call may use now: the setting, capped at the processor count.</summary>
    internal static int Threads => s_maxDegree == -1 ? Environment.ProcessorCount : Math.Min(s_maxDegree, Environment.ProcessorCount);
}
