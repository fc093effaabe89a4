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
    /// <see cref="Sum"/> over Half inputs: the same chunks, each converted to float <see cref="HalfChunkLength"/>
    /// elements at a time and run by the float loops, so the float path's bits on the widened values. The first
    /// <paramref name="inputCount"/> inputs are read, the first <paramref name="gradientCount"/> gradients written.
    /// </summary>
    private static unsafe double HalfSum<TKernel, TMode>(TKernel kernel, int inputCount,
        ReadOnlySpan<Half> x0, ReadOnlySpan<Half> x1, ReadOnlySpan<Half> x2, ReadOnlySpan<Half> x3,
        int gradientCount, Span<Half> g0, Span<Half> g1, Span<Half> g2, Span<Half> g3, float scale)
        where TKernel : struct, IElementwiseKernel<float>
        where TMode : struct, IMode
    {
        int n = x0.Length, chunks = ChunkCount(n);
        if (chunks == 0)
        {
            return 0;
        }

        fixed (Half* p0 = x0, p1 = x1, p2 = x2, p3 = x3)
        fixed (Half* q0 = g0, q1 = g1, q2 = g2, q3 = g3)
        {
            var job = new HalfSumJob<TKernel, TMode>
            {
                Kernel = kernel, X0 = p0, X1 = p1, X2 = p2, X3 = p3, G0 = q0, G1 = q1, G2 = q2, G3 = q3,
                Length = n, Scale = scale, InputCount = inputCount, GradientCount = gradientCount,
            };
            return ParallelChunks.Sum(in job, chunks, ThreadsFor<float, TKernel>(n));
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

    /// <summary>The Half operands of one call, pinned by the caller for the call.</summary>
    private unsafe struct HalfSumJob<TKernel, TMode> : IChunkSum
        where TKernel : struct, IElementwiseKernel<float>
        where TMode : struct, IMode
    {
        public TKernel Kernel;
        public Half* X0, X1, X2, X3, G0, G1, G2, G3;
        public int Length, InputCount, GradientCount;
        public float Scale;

        [SkipLocalsInit]
        public double Run(int chunk)
        {
            var buffers = default(HalfChunkBuffers);
            var totals = default(DoubleLanes);
            ReadOnlySpan<Half> x0 = new(X0, Length), x1 = WholeOrNone(X1, InputCount > 1), x2 = WholeOrNone(X2, InputCount > 2), x3 = WholeOrNone(X3, InputCount > 3);
            Span<Half> g0 = WholeOrNone(G0, GradientCount > 0), g1 = WholeOrNone(G1, GradientCount > 1), g2 = WholeOrNone(G2, GradientCount > 2), g3 = WholeOrNone(G3, GradientCount > 3);
            int end = Math.Min(Length, (chunk + 1) * ChunkLength);
            for (int start = chunk * ChunkLength; start < end; start += HalfChunkLength)
            {
                int length = Math.Min(HalfChunkLength, end - start);
                var operands = buffers.LoadInputs(InputCount, x0, x1, x2, x3, start, length, withGradients: TMode.WithGradient);
                AccumulateRange<float, TKernel, TMode>(ref Kernel, in operands, (nuint)length, Scale, nonTemporal: false, ref totals);
                if (TMode.WithGradient)
                {
                    buffers.StoreGradients(GradientCount, g0, g1, g2, g3, start, length);
                }
            }

            return Total<float>(ref totals);
        }

        /// <summary>The whole span from <paramref name="start"/>, or none when the kernel does not use it.</summary>
        private readonly Span<Half> WholeOrNone(Half* start, bool used) => used ? new Span<Half>(start, Length) : default;
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
