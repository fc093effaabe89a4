using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading;

namespace LossGen.Kernels;

/// <summary>
/// One call's work, cut into chunks whose boundaries the caller fixed from the input's shape alone. Each chunk writes
/// only its own outputs (its gradients, its losses, its slot of partial sums), so which thread computes it never
/// changes a bit.
/// </summary>
internal interface IChunkJob
{
    /// <summary>Computes chunk <paramref name="chunk"/>.</summary>
    void Run(int chunk);
}

/// <summary>A job whose chunks each give a partial sum: the sums the engines add in chunk order.</summary>
internal interface IChunkSum
{
    /// <summary>Computes chunk <paramref name="chunk"/> and returns its sum.</summary>
    double Run(int chunk);
}

/// <summary>Runs <see cref="ChunkRun{TJob}"/> jobs, and sums of chunks in a fixed order.</summary>
internal static class ParallelChunks
{
    /// <summary>Tests hold helpers back with this (to run them late, or never); null queues them on the thread pool.</summary>
    internal static Action<IThreadPoolWorkItem>? QueueHelperForTests;

    /// <summary>
    /// Runs chunks 0 … <paramref name="chunkCount"/> − 1 of <paramref name="job"/> on up to <paramref name="threads"/>
    /// threads, the calling one included; on one thread, in order, on the calling thread alone.
    /// </summary>
    public static void Run<TJob>(ref TJob job, int chunkCount, int threads)
        where TJob : struct, IChunkJob
    {
        if (threads <= 1 || chunkCount <= 1)
        {
            for (int c = 0; c < chunkCount; c++)
            {
                job.Run(c);
            }

            return;
        }

        ChunkRun<TJob>.Run(in job, chunkCount, threads);
    }

    /// <summary>
    /// Runs chunks 0 … <paramref name="chunkCount"/> − 1 of <paramref name="job"/> as <see cref="Run"/> does and adds their
    /// sums in chunk order, whichever thread computed each: the same bits on any number of threads.
    /// </summary>
    [SkipLocalsInit]
    public static unsafe double Sum<TJob>(in TJob job, int chunkCount, int threads)
        where TJob : struct, IChunkSum
    {
        const int StackPartials = 1024;
        double[]? rented = null;
        Span<double> partials = chunkCount <= StackPartials ? stackalloc double[StackPartials] : (rented = ArrayPool<double>.Shared.Rent(chunkCount));
        try
        {
            fixed (double* p = partials)
            {
                var summed = new Summed<TJob> { Job = job, Partials = p };
                Run(ref summed, chunkCount, threads);
            }

            double sum = partials[0];
            for (int c = 1; c < chunkCount; c++)
            {
                sum += partials[c];
            }

            return sum;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<double>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Makes this thread's non-temporal stores visible to every thread before its later stores (x86's SFENCE).</summary>
    public static void StoreFence()
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            System.Runtime.Intrinsics.X86.Sse.StoreFence();
        }
    }

    /// <summary>A sum job as a chunk job: chunk c's sum goes to its own slot, pinned by <see cref="Sum"/> for the call.</summary>
    private unsafe struct Summed<TJob> : IChunkJob
        where TJob : struct, IChunkSum
    {
        public TJob Job;
        public double* Partials;

        public void Run(int chunk) => Partials[chunk] = Job.Run(chunk);
    }
}

/// <summary>
/// Spreads the chunks of one call over the thread pool without allocating: one reusable work item per calling thread
/// and job type, queued once per helper. The caller takes chunks itself until none is left, and then waits only for
/// chunks a helper has already started — never for a helper that has not run. A library called from ASP.NET,
/// <c>Parallel.For</c> or a data loader's tasks must not block a pool thread on work it queued: with every pool thread
/// busy in such callers, no queued helper would ever run (16 pool items × 5 CTC calls took 5.35 s against 0.08 s from
/// one thread).
/// </summary>
/// <remarks>
/// A helper that runs late, after its call returned, finds nothing to claim, or helps the next call of the same thread:
/// a chunk is claimed by compare-and-swap on <see cref="_next"/>, which stays at <see cref="Closed"/> between calls, so
/// a helper reads the job only after a claim, and the caller does not return (and reuse the job) while a claimed chunk
/// is unfinished.
/// </remarks>
internal sealed class ChunkRun<TJob> : IThreadPoolWorkItem
    where TJob : struct, IChunkJob
{
    /// <summary>The claim counter between calls: past any job, so a late helper claims nothing.</summary>
    private const int Closed = int.MaxValue;

    [ThreadStatic] private static ChunkRun<TJob>? t_current;

    private TJob _job;
    private int _size;
    private int _next = Closed;
    private int _finished;

    public static void Run(in TJob job, int chunkCount, int threads)
    {
        var run = t_current ??= new ChunkRun<TJob>();
        int helpers = Math.Min(threads, chunkCount) - 1;
        run._job = job;
        run._finished = 0;
        Volatile.Write(ref run._size, chunkCount);
        Volatile.Write(ref run._next, 0); // publishes the job to helpers: they read it only after a claim
        for (int k = 0; k < helpers; k++)
        {
            if (ParallelChunks.QueueHelperForTests is { } queue)
            {
                queue(run);
            }
            else
            {
                ThreadPool.UnsafeQueueUserWorkItem(run, preferLocal: false);
            }
        }

        run.TakeChunks();

        // Every chunk is claimed; wait for the ones a helper is computing (each is running: one chunk's time at most).
        // Never Thread.Sleep(1), SpinWait's default past 20 spins: a millisecond or more, for a chunk of ~100 µs.
        var spinner = default(SpinWait);
        while (Volatile.Read(ref run._finished) != run._size)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        Volatile.Write(ref run._next, Closed);
        run._job = default; // drops the job's references until the next call
    }

    void IThreadPoolWorkItem.Execute() => TakeChunks();

    /// <remarks>
    /// The chunks a thread computed are reported done together, once no chunk is left to claim (the caller waits for every
    /// chunk anyway), after a store fence: a chunk's non-temporal stores are weakly ordered, and the caller must see them
    /// when it sees the chunk done.
    /// </remarks>
    private void TakeChunks()
    {
        int done = 0;
        while (true)
        {
            int c = Volatile.Read(ref _next);
            if (c >= Volatile.Read(ref _size))
            {
                break; // all claimed, or Closed
            }

            if (Interlocked.CompareExchange(ref _next, c + 1, c) != c)
            {
                continue;
            }

            // A helper that read the counter during an earlier call can win a claim past this call's end: not a chunk.
            if (c >= Volatile.Read(ref _size))
            {
                break;
            }

            // A copy: the job's own state (a kernel's, a row's) is per thread.
            TJob job = _job;
            job.Run(c);
            done++;
        }

        if (done > 0)
        {
            ParallelChunks.StoreFence();
            Interlocked.Add(ref _finished, done);
        }
    }
}
