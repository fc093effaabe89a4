using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LossGen.Kernels;

/// <summary>
/// Large inputs in chunks: the unit of the sum and of parallel work. Chunk boundaries depend on the length alone, each
/// chunk's canonical lanes are summed on their own (as one whole input used to be) and the chunks' sums are added in
/// order, so a result has the same bits on 1, 2 or 64 threads, and at every width.
/// </summary>
public static partial class ElementwiseEngine
{
    /// <summary>
    /// Elements per chunk: 16 blocks of floats, 32 of doubles (64 or 128 KiB per array), some 10 to 100 µs of work. An
    /// input this long or shorter is one chunk, summed exactly as before chunks existed. Short chunks keep short the
    /// wait at a call's end for a helper's last chunk.
    /// </summary>
    internal const int ChunkLength = 1 << 14;

    /// <summary>
    /// The shortest input spread over threads, for kernels of a few arithmetic operations (memory-bound) and for the
    /// others: where one thread takes some 50 to 100 µs (2-core AMD EPYC, float: MSE over 2^18 elements 45 µs, BCE with
    /// logits over 2^16 80 µs). Called back to back, two threads already won at 2^17 (MSE 23 → 14 µs); but with the pool's
    /// threads asleep, as between a training step's losses (calls 2 ms apart), they gained nothing on BCE over 2^17 and
    /// 2^18 (160 and 310 µs): the helper woke too late to take a chunk. Larger calls gain either way.
    /// </summary>
    private const int MemoryBoundParallelLength = 1 << 18;

    /// <inheritdoc cref="MemoryBoundParallelLength"/>
    private const int ComputeBoundParallelLength = 1 << 16;

    /// <summary>The threads a call over <paramref name="n"/> elements uses: one below the kernel kind's threshold.</summary>
    private static int ThreadsFor<T, TKernel>(int n)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
        => n < LossParallelism.ParallelFrom(TKernel.IsMemoryBound ? MemoryBoundParallelLength : ComputeBoundParallelLength) ? 1 : LossParallelism.Threads;

    private static int ChunkCount(int n) => (int)(((long)n + ChunkLength - 1) / ChunkLength);

    /// <summary>
    /// The canonical sum of the losses of elements [0, n), and in a mode with gradients the gradients times
    /// <paramref name="scale"/> written: chunk by chunk, on as many threads as pay.
    /// </summary>
    private static unsafe double Sum<T, TKernel, TMode>(ref TKernel kernel, in Operands<T> o, int n, T scale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
        where TMode : struct, IMode
    {
        // Decided from the whole call, so that every chunk of a large one streams its gradients past the cache.
        bool nonTemporal = TMode.WithGradient && TKernel.GradientCount > 0 && (long)n * sizeof(T) > NonTemporalByteThreshold;
        int chunks = ChunkCount(n);
        double sum;
        if (chunks <= 1)
        {
            sum = ChunkSum<T, TKernel, TMode>(ref kernel, in o, (nuint)n, scale, nonTemporal);
        }
        else
        {
            fixed (T* x0 = &o.X0, x1 = &o.X1, x2 = &o.X2, x3 = &o.X3)
            fixed (T* g0 = &o.G0, g1 = &o.G1, g2 = &o.G2, g3 = &o.G3)
            {
                var job = new SumJob<T, TKernel, TMode>
                {
                    Kernel = kernel, X0 = x0, X1 = x1, X2 = x2, X3 = x3, G0 = g0, G1 = g1, G2 = g2, G3 = g3,
                    Length = n, Scale = scale, NonTemporal = nonTemporal,
                };
                sum = ParallelChunks.Sum(in job, chunks, ThreadsFor<T, TKernel>(n));
            }
        }

        if (nonTemporal)
        {
            // Non-temporal stores are weakly ordered: every one of this thread's is visible before the call returns
            // (a helper fences its own before it reports its chunks done). Once per call: once per chunk cost MSE
            // over 2^24 floats 5–7%.
            ParallelChunks.StoreFence();
        }

        return sum;
    }

    /// <summary>One chunk's loss: its canonical lanes, summed pairwise.</summary>
    private static double ChunkSum<T, TKernel, TMode>(ref TKernel kernel, in Operands<T> o, nuint length, T scale, bool nonTemporal)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
        where TMode : struct, IMode
    {
        var totals = default(DoubleLanes);
        AccumulateRange<T, TKernel, TMode>(ref kernel, in o, length, scale, nonTemporal, ref totals);
        return Total<T>(ref totals);
    }

    /// <summary>
    /// The losses of elements [0, n) written to <paramref name="losses"/> (and the gradients, in a mode with them),
    /// chunk by chunk on as many threads as pay.
    /// </summary>
    private static unsafe void MapAll<T, TKernel, TMode>(ref TKernel kernel, in Operands<T> o, Span<T> losses, int n, T scale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
        where TMode : struct, IMode
    {
        int threads = ThreadsFor<T, TKernel>(n);
        if (threads <= 1)
        {
            MapRange<T, TKernel, TMode>(ref kernel, in o, ref MemoryMarshal.GetReference(losses), (nuint)n, scale);
            return;
        }

        fixed (T* x0 = &o.X0, x1 = &o.X1, x2 = &o.X2, x3 = &o.X3)
        fixed (T* g0 = &o.G0, g1 = &o.G1, g2 = &o.G2, g3 = &o.G3)
        fixed (T* l = losses)
        {
            var job = new MapJob<T, TKernel, TMode>
            {
                Kernel = kernel, X0 = x0, X1 = x1, X2 = x2, X3 = x3, G0 = g0, G1 = g1, G2 = g2, G3 = g3,
                Length = n, Scale = scale, Losses = l,
            };
            ParallelChunks.Run(ref job, ChunkCount(n), threads);
        }
    }

    /// <summary>
    /// The sum of Half chunks as the float path sums its chunks: <paramref name="totals"/> (the lanes of every Half
    /// chunk so far) folded into <paramref name="sum"/> at each chunk's end, <paramref name="end"/> being where the
    /// elements added so far end.
    /// </summary>
    private static void FoldAtChunkEnd<T>(ref DoubleLanes totals, ref double sum, int end, int n)
    {
        if (end % ChunkLength == 0 || end == n)
        {
            double chunk = Total<T>(ref totals);
            sum = end <= ChunkLength ? chunk : sum + chunk;
            totals = default;
        }
    }

    /// <summary>The pointers of one call's operands, pinned by the caller for the call.</summary>
    private unsafe struct SumJob<T, TKernel, TMode> : IChunkSum
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
        where TMode : struct, IMode
    {
        public TKernel Kernel;
        public T* X0, X1, X2, X3, G0, G1, G2, G3;
        public int Length;
        public T Scale;
        public bool NonTemporal;

        public double Run(int chunk)
        {
            int start = chunk * ChunkLength;
            var o = Operands<T>.At(X0, X1, X2, X3, G0, G1, G2, G3, start);
            return ChunkSum<T, TKernel, TMode>(ref Kernel, in o, (nuint)Math.Min(ChunkLength, Length - start), Scale, NonTemporal);
        }
    }

    /// <inheritdoc cref="SumJob{T, TKernel, TMode}"/>
    private unsafe struct MapJob<T, TKernel, TMode> : IChunkJob
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
        where TMode : struct, IMode
    {
        public TKernel Kernel;
        public T* X0, X1, X2, X3, G0, G1, G2, G3;
        public int Length;
        public T Scale;
        public T* Losses;

        public void Run(int chunk)
        {
            int start = chunk * ChunkLength;
            var o = Operands<T>.At(X0, X1, X2, X3, G0, G1, G2, G3, start);
            MapRange<T, TKernel, TMode>(ref Kernel, in o, ref Losses[start], (nuint)Math.Min(ChunkLength, Length - start), Scale);
        }
    }
}
