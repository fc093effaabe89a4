using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LossGen.Kernels;

/// <summary>
/// Large batches in chunks of whole rows: the unit of the sum and of parallel work. How many rows a chunk holds depends
/// on the row length alone; each chunk adds its rows' losses in row order, and the chunks' sums are added in order, so a
/// result has the same bits on 1, 2 or 64 threads.
/// </summary>
public static partial class RowEngine
{
    /// <summary>Elements per chunk: as many whole rows as fit (at least one).</summary>
    internal const int ChunkElements = 1 << 14;

    /// <summary>
    /// The fewest elements spread over threads: row kernels make two or three passes and mostly an exp per element,
    /// as the elementwise engine's compute-bound kernels (softmax cross-entropy over [64, 1024] floats takes some 50 µs
    /// on one thread of the build machine).
    /// </summary>
    private const int ParallelElements = 1 << 16;

    /// <summary>The rows of one chunk for rows of <paramref name="rowLength"/>.</summary>
    internal static int RowsPerChunk(int rowLength) => Math.Max(1, ChunkElements / Math.Max(rowLength, 1));

    /// <summary>
    /// Runs rows [0, batch): returns the sum of their losses and, when given, writes each into <paramref name="losses"/>;
    /// chunk by chunk, on as many threads as pay.
    /// </summary>
    private static unsafe double Rows<T, TKernel, TMode>(ref TKernel kernel, RowOperands<T> o, int rowLength, int batch, T scale, Span<T> losses, ReadOnlySpan<T> weights = default)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TMode : struct, IMode
    {
        int rowsPerChunk = RowsPerChunk(rowLength);
        if (batch <= rowsPerChunk)
        {
            return ChunkRows<T, TKernel, TMode>(ref kernel, o, rowLength, batch, scale, losses, weights);
        }

        int chunks = (int)(((long)batch + rowsPerChunk - 1) / rowsPerChunk);
        int threads = (long)batch * rowLength < LossParallelism.ParallelFrom(ParallelElements) ? 1 : LossParallelism.Threads;
        fixed (T* x0 = o.X0, x1 = o.X1, x2 = o.X2, x3 = o.X3, v0 = o.Values0, v1 = o.Values1)
        fixed (int* l0 = o.Labels0, l1 = o.Labels1)
        fixed (T* g0 = o.G0, g1 = o.G1, g2 = o.G2, g3 = o.G3, l = losses, w = weights)
        {
            var job = new RowJob<T, TKernel, TMode>
            {
                Kernel = kernel,
                X0 = new(x0, o.X0.Length), X1 = new(x1, o.X1.Length), X2 = new(x2, o.X2.Length), X3 = new(x3, o.X3.Length),
                Values0 = new(v0, o.Values0.Length), Values1 = new(v1, o.Values1.Length),
                Labels0 = new(l0, o.Labels0.Length), Labels1 = new(l1, o.Labels1.Length),
                G0 = new(g0, o.G0.Length), G1 = new(g1, o.G1.Length), G2 = new(g2, o.G2.Length), G3 = new(g3, o.G3.Length),
                Losses = new(l, losses.Length), Weights = new(w, weights.Length),
                RowLength = rowLength, Batch = batch, RowsPerChunk = rowsPerChunk, Scale = scale,
            };
            return ParallelChunks.Sum(in job, chunks, threads);
        }
    }

    /// <summary>A pinned span: where it starts and how long it is.</summary>
    private readonly unsafe struct Pinned<TElement>(TElement* start, int length)
        where TElement : unmanaged
    {
        /// <summary>Elements [first·per, (first + count)·per), or the whole span when it is empty or shared by every row.</summary>
        public Span<TElement> Rows(int first, int count, int per, bool shared = false)
            => length == 0 || shared ? new Span<TElement>(start, length) : new Span<TElement>(start + ((long)first * per), count * per);
    }

    /// <summary>One call's operands, pinned by the caller for the call.</summary>
    private unsafe struct RowJob<T, TKernel, TMode> : IChunkSum
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TMode : struct, IMode
    {
        public TKernel Kernel;
        public Pinned<T> X0, X1, X2, X3, Values0, Values1, G0, G1, G2, G3, Losses, Weights;
        public Pinned<int> Labels0, Labels1;
        public int RowLength, Batch, RowsPerChunk;
        public T Scale;

        public double Run(int chunk)
        {
            int first = chunk * RowsPerChunk;
            int count = Math.Min(RowsPerChunk, Batch - first);
            int n = RowLength;
            var o = new RowOperands<T>
            {
                X0 = X0.Rows(first, count, n, TKernel.IsShared(0)),
                X1 = X1.Rows(first, count, n, TKernel.InputCount > 1 && TKernel.IsShared(1)),
                X2 = X2.Rows(first, count, n, TKernel.InputCount > 2 && TKernel.IsShared(2)),
                X3 = X3.Rows(first, count, n, TKernel.InputCount > 3 && TKernel.IsShared(3)),
                Labels0 = Labels0.Rows(first, count, 1), Labels1 = Labels1.Rows(first, count, 1),
                Values0 = Values0.Rows(first, count, 1), Values1 = Values1.Rows(first, count, 1),
                G0 = G0.Rows(first, count, n), G1 = G1.Rows(first, count, n), G2 = G2.Rows(first, count, n), G3 = G3.Rows(first, count, n),
            };
            return ChunkRows<T, TKernel, TMode>(ref Kernel, o, n, count, Scale, Losses.Rows(first, count, 1), Weights.Rows(first, count, 1));
        }
    }
}
