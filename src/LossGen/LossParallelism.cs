using System;

namespace LossGen;

/// <summary>
/// How many threads a loss may use for one call. Large inputs are cut into chunks whose boundaries depend on their
/// shape alone, and the chunks' sums are added in order: a loss has the same bits on any number of threads. CTC
/// spreads its samples the same way.
/// </summary>
/// <remarks>
/// A training loop that already runs one loss per thread, or a server, wants this at 1 (globally, or for one thread
/// with <see cref="Limit"/>). Parallel calls never block a pool thread on work they queued: the calling thread can
/// finish every chunk alone, and helpers only take what is left.
/// </remarks>
public static class LossParallelism
{
    private static int s_maxDegree = -1;

    /// <summary>This thread's cap from <see cref="Limit"/>; 0 for none.</summary>
    [ThreadStatic] private static int t_limit;

    /// <summary>Tests: this thread's calls use exactly this many threads, past the processor count too; 0 for the setting.</summary>
    [ThreadStatic] internal static int ThreadsForTests;

    /// <summary>Tests: every kernel kind spreads inputs from this length on (this thread's calls); 0 for the measured thresholds.</summary>
    [ThreadStatic] internal static int ParallelLengthForTests;

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

    /// <summary>
    /// Caps the threads of the calls the current thread makes until the returned scope is disposed, below
    /// <see cref="MaxDegreeOfParallelism"/>: <c>using (LossParallelism.Limit(1)) { … }</c> runs those calls on this
    /// thread alone, the rest of the process unchanged. Scopes nest; the innermost applies.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDegreeOfParallelism"/> is below 1.</exception>
    public static Scope Limit(int maxDegreeOfParallelism)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        var scope = new Scope(t_limit);
        t_limit = maxDegreeOfParallelism;
        return scope;
    }

    /// <summary>The threads a call may use now: the settings, capped at the processor count.</summary>
    internal static int Threads
    {
        get
        {
            if (ThreadsForTests > 0)
            {
                return ThreadsForTests;
            }

            int threads = s_maxDegree == -1 ? Environment.ProcessorCount : Math.Min(s_maxDegree, Environment.ProcessorCount);
            return t_limit > 0 ? Math.Min(threads, t_limit) : threads;
        }
    }

    /// <summary>The shortest input a kernel kind spreads over threads: its measured threshold, or the tests' own.</summary>
    internal static int ParallelFrom(int measured) => ParallelLengthForTests > 0 ? ParallelLengthForTests : measured;

    /// <summary>The scope of a <see cref="Limit"/>: disposing it puts back the cap it replaced.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly int _previous;

        internal Scope(int previous) => _previous = previous;

        /// <summary>Puts back the cap this scope replaced.</summary>
        public void Dispose() => t_limit = _previous;
    }
}
