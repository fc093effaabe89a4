using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LossGen.Kernels;

/// <summary>
/// The loops behind every generated elementwise loss: width dispatch, unrolled accumulators, the
/// tail, the reduction and the Half path. Written and tested once; generated code supplies only an
/// <see cref="IElementwiseKernel{T}"/>. Infrastructure for generated code.
/// </summary>
/// <remarks>
/// <para>One answer at every width: element <c>i</c> always adds into lane <c>i mod L</c> of a
/// canonical 256-byte lane set (L = 64 floats or 32 doubles), whatever the hardware width: a
/// Vector512 path keeps 4 accumulators, Vector256 8, Vector128 16, and the scalar path and the tail
/// add into the same lanes one element at a time. Every 16·L elements (a block) the lanes are added
/// into running totals in <see cref="double"/>, and at the end the totals are summed pairwise in a
/// fixed order. Since the kernels themselves give identical bits at every width, so does the loss.</para>
/// <para>Accuracy: a float lane sums only 16 values before it is widened, so the mean of 2^24
/// floats is right to about 1e-7 relative, where a plain float loop is off by percents.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class ElementwiseEngine
{
    private const int LaneBytes = 256;
    private const int ValuesPerLanePerBlock = 16;

    /// <summary>
    /// Gradient spans longer than this many bytes are written with non-temporal stores (see
    /// <see cref="AccumulateBlocksNonTemporal"/>); tests lower it. They pay only when the call's arrays would not
    /// stay in the last-level cache anyway. MSE forward+backward in float, called repeatedly on the same arrays, on
    /// the build machine (32 MiB L3), non-temporal against ordinary stores: 0.75 to 0.82 the speed at 1 to 4 MiB per
    /// array, 0.80 to 1.27 (a wash) at 6 to 14 MiB, 1.02 to 1.48 at 16 to 32 MiB, 1.11 to 1.30 at 64 MiB. Hence 16 MiB,
    /// where TensorPrimitives switches at 256 KiB (native memcpy's threshold, which would lose here).
    /// </summary>
    internal static int NonTemporalByteThreshold { get; set; } = 16 << 20;

    /// <summary>Non-temporal stores write whole cache lines; the gradients are peeled to this alignment.</summary>
    private const int CacheLineBytes = 64;

    /// <summary>Elements per Half chunk: one float block, so chunks keep the canonical lane layout.</summary>
    private const int HalfChunkLength = LaneBytes / sizeof(float) * ValuesPerLanePerBlock;


    /// <summary>The loss of every element, reduced.</summary>
    public static T Reduce<T, TKernel>(TKernel kernel, ReadOnlySpan<T> x0, ReadOnlySpan<T> x1, ReadOnlySpan<T> x2, ReadOnlySpan<T> x3, Reduction reduction)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
    {
        int n = ValidateInputs<T, TKernel>(x0.Length, x1.Length, x2.Length, x3.Length, reduction);
        var operands = new Operands<T>(x0, x1, x2, x3, default, default, default, default);
        return T.CreateTruncating(Finish(Sum<T, TKernel, LossOnly>(ref kernel, in operands, n, T.Zero), n, reduction));
    }

    /// <summary>The reduced loss, and its gradient with respect to each non-target input in one pass.</summary>
    public static T ReduceWithGradient<T, TKernel>(
        TKernel kernel,
        ReadOnlySpan<T> x0, ReadOnlySpan<T> x1, ReadOnlySpan<T> x2, ReadOnlySpan<T> x3,
        Span<T> g0, Span<T> g1, Span<T> g2, Span<T> g3,
        Reduction reduction)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
    {
        int n = ValidateInputs<T, TKernel>(x0.Length, x1.Length, x2.Length, x3.Length, reduction);
        ValidateOutputs<T, TKernel>(n, g0.Length, g1.Length, g2.Length, g3.Length);
        var operands = new Operands<T>(x0, x1, x2, x3, g0, g1, g2, g3);
        return T.CreateTruncating(Finish(Sum<T, TKernel, LossAndGradient>(ref kernel, in operands, n, GradientScale<T>(n, reduction)), n, reduction));
    }

    /// <summary>The loss of every element, unreduced.</summary>
    public static void Map<T, TKernel>(TKernel kernel, ReadOnlySpan<T> x0, ReadOnlySpan<T> x1, ReadOnlySpan<T> x2, ReadOnlySpan<T> x3, Span<T> losses)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
    {
        int n = ValidateInputs<T, TKernel>(x0.Length, x1.Length, x2.Length, x3.Length, Reduction.Sum);
        ValidateLossesLength(n, losses.Length);
        var operands = new Operands<T>(x0, x1, x2, x3, default, default, default, default);
        MapAll<T, TKernel, LossOnly>(ref kernel, in operands, losses, n, T.Zero);
    }

    /// <summary>
    /// The loss of every element and its gradients, unreduced, in one pass: gradient element i is the derivative of loss
    /// i (no division by the count), what masks, sample weights and custom reductions start from.
    /// </summary>
    public static void MapWithGradient<T, TKernel>(
        TKernel kernel,
        ReadOnlySpan<T> x0, ReadOnlySpan<T> x1, ReadOnlySpan<T> x2, ReadOnlySpan<T> x3,
        Span<T> losses, Span<T> g0, Span<T> g1, Span<T> g2, Span<T> g3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
    {
        int n = ValidateInputs<T, TKernel>(x0.Length, x1.Length, x2.Length, x3.Length, Reduction.Sum);
        ValidateLossesLength(n, losses.Length);
        ValidateOutputs<T, TKernel>(n, g0.Length, g1.Length, g2.Length, g3.Length);
        var operands = new Operands<T>(x0, x1, x2, x3, g0, g1, g2, g3);
        MapAll<T, TKernel, LossAndGradient>(ref kernel, in operands, losses, n, T.One);
    }

    /// <summary><see cref="Reduce{T, TKernel}"/> for Half inputs, computed in float.</summary>
    [SkipLocalsInit]
    public static Half ReduceHalf<TKernel>(TKernel kernel, ReadOnlySpan<Half> x0, ReadOnlySpan<Half> x1, ReadOnlySpan<Half> x2, ReadOnlySpan<Half> x3, Reduction reduction)
        where TKernel : struct, IElementwiseKernel<float>
    {
        int n = ValidateInputs<float, TKernel>(x0.Length, x1.Length, x2.Length, x3.Length, reduction);
        double sum = HalfSum<TKernel, LossOnly>(kernel, TKernel.InputCount, x0, x1, x2, x3, 0, default, default, default, default, 0f);
        return (Half)(float)Finish(sum, n, reduction);
    }

    /// <summary><see cref="ReduceWithGradient{T, TKernel}"/> for Half inputs, computed in float.</summary>
    [SkipLocalsInit]
    public static Half ReduceWithGradientHalf<TKernel>(
        TKernel kernel,
        ReadOnlySpan<Half> x0, ReadOnlySpan<Half> x1, ReadOnlySpan<Half> x2, ReadOnlySpan<Half> x3,
        Span<Half> g0, Span<Half> g1, Span<Half> g2, Span<Half> g3,
        Reduction reduction)
        where TKernel : struct, IElementwiseKernel<float>
    {
        int n = ValidateInputs<float, TKernel>(x0.Length, x1.Length, x2.Length, x3.Length, reduction);
        ValidateOutputs<float, TKernel>(n, g0.Length, g1.Length, g2.Length, g3.Length);
        float scale = GradientScale<float>(n, reduction);
        double sum = HalfSum<TKernel, LossAndGradient>(kernel, TKernel.InputCount, x0, x1, x2, x3, TKernel.GradientCount, g0, g1, g2, g3, scale);
        return (Half)(float)Finish(sum, n, reduction);
    }

    /// <summary><see cref="Map{T, TKernel}"/> for Half inputs, computed in float.</summary>
    [SkipLocalsInit]
    public static void MapHalf<TKernel>(TKernel kernel, ReadOnlySpan<Half> x0, ReadOnlySpan<Half> x1, ReadOnlySpan<Half> x2, ReadOnlySpan<Half> x3, Span<Half> losses)
        where TKernel : struct, IElementwiseKernel<float>
    {
        int n = ValidateInputs<float, TKernel>(x0.Length, x1.Length, x2.Length, x3.Length, Reduction.Sum);
        ValidateLossesLength(n, losses.Length);
        var buffers = default(HalfChunkBuffers);
        for (int start = 0; start < n; start += HalfChunkLength)
        {
            int length = Math.Min(HalfChunkLength, n - start);
            var operands = buffers.LoadInputs(TKernel.InputCount, x0, x1, x2, x3, start, length, withGradients: true);
            MapRange<float, TKernel, LossOnly>(ref kernel, in operands, ref operands.G0, (nuint)length, 0f);
            buffers.StoreGradients(1, losses, default, default, default, start, length);
        }
    }

    /// <summary><see cref="MapWithGradient{T, TKernel}"/> for Half inputs, computed in float.</summary>
    [SkipLocalsInit]
    public static void MapWithGradientHalf<TKernel>(
        TKernel kernel,
        ReadOnlySpan<Half> x0, ReadOnlySpan<Half> x1, ReadOnlySpan<Half> x2, ReadOnlySpan<Half> x3,
        Span<Half> losses, Span<Half> g0, Span<Half> g1, Span<Half> g2, Span<Half> g3)
        where TKernel : struct, IElementwiseKernel<float>
    {
        int n = ValidateInputs<float, TKernel>(x0.Length, x1.Length, x2.Length, x3.Length, Reduction.Sum);
        ValidateLossesLength(n, losses.Length);
        ValidateOutputs<float, TKernel>(n, g0.Length, g1.Length, g2.Length, g3.Length);
        var buffers = default(HalfChunkBuffers);
        var chunkLosses = default(FloatChunk);
        for (int start = 0; start < n; start += HalfChunkLength)
        {
            int length = Math.Min(HalfChunkLength, n - start);
            var operands = buffers.LoadInputs(TKernel.InputCount, x0, x1, x2, x3, start, length, withGradients: true);
            MapRange<float, TKernel, LossAndGradient>(ref kernel, in operands, ref chunkLosses[0], (nuint)length, 1f);
            buffers.StoreGradients(TKernel.GradientCount, g0, g1, g2, g3, start, length);
            TensorPrimitives.ConvertToHalf(((ReadOnlySpan<float>)chunkLosses)[..length], losses.Slice(start, length));
        }
    }

    /// <summary>The most statements a kernel may have to be unrolled 16 times (the 128-bit memory-bound loop).</summary>
    private const int MaxStatementsUnrolled16 = 3;

    private static int LaneCount<T>() => LaneBytes / Unsafe.SizeOf<T>();

    /// <summary>
    /// Adds the loss of elements [0, n) into the canonical lanes and flushes them into
    /// <paramref name="totals"/>. n may end mid-block only on the last call for an input.
    /// </summary>
    private static void AccumulateRange<T, TKernel, TMode>(ref TKernel kernel, in Operands<T> operands, nuint n, T scale, bool nonTemporal, ref DoubleLanes totals)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
        where TMode : struct, IMode
    {
        var storage = default(PaddedLanes<T>);
        ref Lanes<T> lanes = ref AlignedLanes(ref storage);
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated && VectorPaths.MaxBits >= 512 && !TKernel.IsMemoryBound)
        {
            i = AccumulateVectors<T, TKernel, TMode, Vector512<T>, Simd512<T>>(ref kernel, in operands, n, scale, nonTemporal, ref lanes, ref totals);
        }
        else if (Vector256.IsHardwareAccelerated && VectorPaths.MaxBits >= 256)
        {
            i = AccumulateVectors<T, TKernel, TMode, Vector256<T>, Simd256<T>>(ref kernel, in operands, n, scale, nonTemporal, ref lanes, ref totals);
        }
        else if (Vector128.IsHardwareAccelerated && VectorPaths.MaxBits >= 128)
        {
            i = AccumulateVectors<T, TKernel, TMode, Vector128<T>, Simd128<T>>(ref kernel, in operands, n, scale, nonTemporal, ref lanes, ref totals);
        }

        // The scalar path and the tail: element i adds into lane i mod L, exactly as the vector paths do.
        nuint laneCount = (nuint)LaneCount<T>();
        nuint blockLength = laneCount * ValuesPerLanePerBlock;
        for (; i < n; i++)
        {
            ref T lane = ref lanes[(int)(i % laneCount)];
            lane += Step<T, TKernel, TMode, T, ScalarSimd<T>>(ref kernel, in operands, i, scale);
            if ((i + 1) % blockLength == 0)
            {
                Flush(ref lanes, ref totals);
            }
        }

        Flush(ref lanes, ref totals);
    }

    /// <summary>
    /// The vector loop: each vector of Count elements adds into its own Count canonical lanes
    /// (element i into lane i mod L), and each whole block is flushed to the totals. Returns the
    /// first element not processed; the lanes then hold the partial last block.
    /// </summary>
    /// <remarks>
    /// The lanes are the accumulators, in memory: one kernel call per iteration, not one per
    /// accumulator. Unrolling 4 to 16 copies of a kernel with exp and log in it overran the JIT's
    /// inlining budget, and the copies it gave up on ran as calls, an order of magnitude slower. The
    /// load and store of a lane hit L1 and overlap with the next vector's work. The loop is never
    /// inlined into its caller, for the same reason: with dynamic PGO the tier-1 caller inlined it and
    /// ran out of budget again, 40% slower than the first optimized version.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static nuint AccumulateVectors<T, TKernel, TMode, TVec, TSimd>(ref TKernel kernel, in Operands<T> operands, nuint n, T scale, bool nonTemporal, ref Lanes<T> lanes, ref DoubleLanes totals)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
        where TMode : struct, IMode
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        // A local copy, as in AccumulateVectorsUnrolled.
        Operands<T> o = operands;
        // Unrolled once per register accumulator: 8 copies of the kernel at 256 bits (memory-bound kernels stop there),
        // 16 at 128 bits. At 128 bits only the smallest kernels fit the JIT's inlining budget 16 times: the copies it
        // gave up on ran as calls (64,000 floats, AMD EPYC, 128-bit path: Huber 102 µs unrolled, 35 µs with the lanes
        // in memory; MSE, 3 statements, 18 µs unrolled and 23 µs not), so larger ones keep their lanes in memory.
        if (TKernel.IsMemoryBound && (TSimd.Count * Unsafe.SizeOf<T>() >= 32 || TKernel.StatementCount <= MaxStatementsUnrolled16))
        {
            nuint start = nonTemporal
                ? AccumulateBlocksNonTemporal<T, TKernel, TVec, TSimd>(ref kernel, in o, n, scale, ref lanes, ref totals)
                : 0;
            return AccumulateVectorsUnrolled<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, start, n, scale, ref lanes, ref totals);
        }

        nuint c = (nuint)TSimd.Count;
        nuint laneCount = (nuint)LaneCount<T>();
        nuint blockLength = laneCount * ValuesPerLanePerBlock;
        TVec s = TSimd.Create(scale);
        ref T l = ref lanes[0];
        nuint groupsEnd = n - n % laneCount;
        nuint i = 0;
        while (i < groupsEnd)
        {
            nuint blockEnd = Math.Min(groupsEnd, i + blockLength);
            for (; i < blockEnd; i += c)
            {
                nuint lane = i % laneCount;
                TSimd.StoreUnsafe(TSimd.Add(TSimd.LoadUnsafe(in l, lane), Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i, s)), ref l, lane);
            }

            // A whole block goes to the totals now; a partial last block stays in the lanes for the tail.
            if (i % blockLength == 0)
            {
                Flush(ref lanes, ref totals);
            }
        }

        return i;
    }

    /// <summary>
    /// The vector loop of a memory-bound kernel, from <paramref name="i"/> (a block boundary): L/Count register
    /// accumulators (4 for Vector512 up to 16 for Vector128) cover the canonical lanes, and the kernel is unrolled
    /// once per accumulator; each whole block is flushed to the totals. Same lanes, same order, same bits as
    /// <see cref="AccumulateVectors"/>. A kernel of a few arithmetic operations stays well inside the inlining
    /// budget even unrolled 16 times, and at memory speed the lanes' loads and stores of the other loop cost it 5 to 10%.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static nuint AccumulateVectorsUnrolled<T, TKernel, TMode, TVec, TSimd>(ref TKernel kernel, in Operands<T> operands, nuint i, nuint n, T scale, ref Lanes<T> lanes, ref DoubleLanes totals)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
        where TMode : struct, IMode
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        // A local copy, so the loop keeps the arrays' addresses in registers: through the caller's struct, every
        // gradient store could have changed them, and the JIT reloaded all of them after each one.
        Operands<T> o = operands;
        nuint c = (nuint)TSimd.Count;
        nuint laneCount = (nuint)LaneCount<T>();
        nuint accumulators = laneCount / c;
        nuint blockLength = laneCount * ValuesPerLanePerBlock;
        TVec s = TSimd.Create(scale);
        nuint groupsEnd = n - n % laneCount;
        while (i < groupsEnd)
        {
            nuint blockEnd = Math.Min(groupsEnd, i + blockLength);
            TVec a0 = default, a1 = default, a2 = default, a3 = default;
            TVec a4 = default, a5 = default, a6 = default, a7 = default;
            TVec a8 = default, a9 = default, a10 = default, a11 = default;
            TVec a12 = default, a13 = default, a14 = default, a15 = default;
            for (; i < blockEnd; i += laneCount)
            {
                a0 = TSimd.Add(a0, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i, s));
                a1 = TSimd.Add(a1, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + c, s));
                a2 = TSimd.Add(a2, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 2 * c, s));
                a3 = TSimd.Add(a3, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 3 * c, s));
                if (accumulators > 4)
                {
                    a4 = TSimd.Add(a4, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 4 * c, s));
                    a5 = TSimd.Add(a5, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 5 * c, s));
                    a6 = TSimd.Add(a6, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 6 * c, s));
                    a7 = TSimd.Add(a7, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 7 * c, s));
                }

                if (accumulators > 8)
                {
                    a8 = TSimd.Add(a8, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 8 * c, s));
                    a9 = TSimd.Add(a9, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 9 * c, s));
                    a10 = TSimd.Add(a10, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 10 * c, s));
                    a11 = TSimd.Add(a11, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 11 * c, s));
                    a12 = TSimd.Add(a12, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 12 * c, s));
                    a13 = TSimd.Add(a13, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 13 * c, s));
                    a14 = TSimd.Add(a14, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 14 * c, s));
                    a15 = TSimd.Add(a15, Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i + 15 * c, s));
                }
            }

            ref T l = ref lanes[0];
            TSimd.StoreUnsafe(a0, ref l, 0);
            TSimd.StoreUnsafe(a1, ref l, c);
            TSimd.StoreUnsafe(a2, ref l, 2 * c);
            TSimd.StoreUnsafe(a3, ref l, 3 * c);
            if (accumulators > 4)
            {
                TSimd.StoreUnsafe(a4, ref l, 4 * c);
                TSimd.StoreUnsafe(a5, ref l, 5 * c);
                TSimd.StoreUnsafe(a6, ref l, 6 * c);
                TSimd.StoreUnsafe(a7, ref l, 7 * c);
            }

            if (accumulators > 8)
            {
                TSimd.StoreUnsafe(a8, ref l, 8 * c);
                TSimd.StoreUnsafe(a9, ref l, 9 * c);
                TSimd.StoreUnsafe(a10, ref l, 10 * c);
                TSimd.StoreUnsafe(a11, ref l, 11 * c);
                TSimd.StoreUnsafe(a12, ref l, 12 * c);
                TSimd.StoreUnsafe(a13, ref l, 13 * c);
                TSimd.StoreUnsafe(a14, ref l, 14 * c);
                TSimd.StoreUnsafe(a15, ref l, 15 * c);
            }

            // A whole block goes to the totals now; a partial last block stays in the lanes for the tail.
            if (i % blockLength == 0)
            {
                Flush(ref lanes, ref totals);
            }
        }

        return i;
    }

    /// <summary>
    /// The whole blocks of a memory-bound kernel with gradients, the gradients written with non-temporal stores.
    /// Returns the first element not processed: the end of the last whole block, or 0 when the gradient spans
    /// are not all at the same offset within a cache line (then the ordinary loop does everything).
    /// </summary>
    /// <remarks>
    /// <para>Why: an ordinary store to a line that is not in cache first reads the line (read-for-ownership), so the
    /// fused pass over two inputs and one gradient moves four arrays' worth of memory; with non-temporal stores it
    /// moves three (TensorPrimitives' Subtract, SumOfSquares and Multiply move six).</para>
    /// <para>Why two passes: non-temporal stores must be aligned and a gradient span may start anywhere, but which
    /// elements share a vector is fixed by the canonical lanes. So for each block, pass 1 accumulates the loss with the
    /// ordinary loop in <see cref="LossOnly"/> mode (the same bits: a generated kernel's Loss is the same statements
    /// as the loss its LossAndGradient returns), and pass 2 recomputes the gradients from L1, a cache line per
    /// iteration, in vectors aligned to the destination: every whole line read so far. The line across a block's end
    /// waits for the next block's pass 1, so only the first and last lines of the span take ordinary stores, one
    /// element at a time. Recomputing costs little next to memory: 2^24 floats took 4.7 to 5.1 ms in the same process
    /// as 5.9 to 6.3 ms with ordinary stores; a hand-written single pass with non-temporal stores, free of canonical
    /// lanes, took 3.9 to 4.1 ms.</para>
    /// <para>Aliasing: pass 2 reads each element's inputs just before storing its gradients, and only after pass 1
    /// read them; nothing reads the element afterwards. So a gradient may overwrite its own input.</para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe nuint AccumulateBlocksNonTemporal<T, TKernel, TVec, TSimd>(ref TKernel kernel, in Operands<T> o, nuint n, T scale, ref Lanes<T> lanes, ref DoubleLanes totals)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        // Pinned: the alignment is read once, from the addresses, and must hold for every store.
        fixed (T* p0 = &o.G0, p1 = &o.G1, p2 = &o.G2, p3 = &o.G3)
        {
            nuint offset = (nuint)p0 % CacheLineBytes;
            if (offset % (nuint)sizeof(T) != 0
                || (TKernel.GradientCount > 1 && (nuint)p1 % CacheLineBytes != offset)
                || (TKernel.GradientCount > 2 && (nuint)p2 % CacheLineBytes != offset)
                || (TKernel.GradientCount > 3 && (nuint)p3 % CacheLineBytes != offset))
            {
                return 0;
            }

            nuint c = (nuint)TSimd.Count;
            nuint blockLength = (nuint)LaneCount<T>() * ValuesPerLanePerBlock;
            nuint lineLength = CacheLineBytes / (nuint)sizeof(T);
            nuint head = (lineLength - offset / (nuint)sizeof(T)) % lineLength;
            TVec s = TSimd.Create(scale);
            nuint blocksEnd = n - n % blockLength;

            // A local copy: the JIT keeps its references in registers, where through `o` it reloaded them after
            // every store.
            Operands<T> local = o;
            nuint written = 0;
            for (nuint b = 0; b < blocksEnd; b += blockLength)
            {
                AccumulateVectorsUnrolled<T, TKernel, LossOnly, TVec, TSimd>(ref kernel, in o, b, b + blockLength, scale, ref lanes, ref totals);
                for (; written < head; written++)
                {
                    Step<T, TKernel, LossAndGradient, T, ScalarSimd<T>>(ref kernel, in local, written, scale);
                }

                // Every whole line read so far; the line across the block's end waits for the next block's pass 1.
                for (; written + lineLength <= b + blockLength; written += lineLength)
                {
                    Step<T, TKernel, NonTemporalGradient, TVec, TSimd>(ref kernel, in local, written, s);
                    if (lineLength > c)
                    {
                        Step<T, TKernel, NonTemporalGradient, TVec, TSimd>(ref kernel, in local, written + c, s);
                    }

                    if (lineLength > 2 * c)
                    {
                        Step<T, TKernel, NonTemporalGradient, TVec, TSimd>(ref kernel, in local, written + 2 * c, s);
                        Step<T, TKernel, NonTemporalGradient, TVec, TSimd>(ref kernel, in local, written + 3 * c, s);
                    }
                }
            }

            for (; written < blocksEnd; written++)
            {
                Step<T, TKernel, LossAndGradient, T, ScalarSimd<T>>(ref kernel, in local, written, scale);
            }

            return blocksEnd;
        }
    }

    /// <summary>
    /// Writes the loss of elements [0, n) into <paramref name="losses"/>; in a mode with gradients, also the gradients
    /// times <paramref name="scale"/>.
    /// </summary>
    private static void MapRange<T, TKernel, TMode>(ref TKernel kernel, in Operands<T> o, ref T losses, nuint n, T scale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
        where TMode : struct, IMode
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated && VectorPaths.MaxBits >= 512 && !TKernel.IsMemoryBound)
        {
            i = MapVectors<T, TKernel, TMode, Vector512<T>, Simd512<T>>(ref kernel, in o, ref losses, n, scale);
        }
        else if (Vector256.IsHardwareAccelerated && VectorPaths.MaxBits >= 256)
        {
            i = MapVectors<T, TKernel, TMode, Vector256<T>, Simd256<T>>(ref kernel, in o, ref losses, n, scale);
        }
        else if (Vector128.IsHardwareAccelerated && VectorPaths.MaxBits >= 128)
        {
            i = MapVectors<T, TKernel, TMode, Vector128<T>, Simd128<T>>(ref kernel, in o, ref losses, n, scale);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref losses, i) = Step<T, TKernel, TMode, T, ScalarSimd<T>>(ref kernel, in o, i, scale);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static nuint MapVectors<T, TKernel, TMode, TVec, TSimd>(ref TKernel kernel, in Operands<T> o, ref T losses, nuint n, T scale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
        where TMode : struct, IMode
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        // No overlapping last vector: the losses may alias an input, so no element is computed twice.
        nuint c = (nuint)TSimd.Count;
        nuint i = 0;
        TVec s = TSimd.Create(scale);
        for (; i + c <= n; i += c)
        {
            TSimd.StoreUnsafe(Step<T, TKernel, TMode, TVec, TSimd>(ref kernel, in o, i, s), ref losses, i);
        }

        return i;
    }

    /// <summary>Loads the inputs at element i, runs the kernel and, when asked, stores the scaled gradients.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Step<T, TKernel, TMode, TVec, TSimd>(ref TKernel kernel, in Operands<T> o, nuint i, TVec scale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
        where TMode : struct, IMode
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        TVec x0 = TSimd.LoadUnsafe(in o.X0, i);
        TVec x1 = TKernel.InputCount > 1 ? TSimd.LoadUnsafe(in o.X1, i) : default;
        TVec x2 = TKernel.InputCount > 2 ? TSimd.LoadUnsafe(in o.X2, i) : default;
        TVec x3 = TKernel.InputCount > 3 ? TSimd.LoadUnsafe(in o.X3, i) : default;
        if (!TMode.WithGradient)
        {
            return kernel.Loss<TVec, TSimd>(x0, x1, x2, x3);
        }

        TVec loss = kernel.LossAndGradient<TVec, TSimd>(x0, x1, x2, x3, out TVec g0, out TVec g1, out TVec g2, out TVec g3);
        if (TKernel.GradientCount > 0)
        {
            Store<T, TMode, TVec, TSimd>(TSimd.Multiply(g0, scale), ref o.G0, i);
        }

        if (TKernel.GradientCount > 1)
        {
            Store<T, TMode, TVec, TSimd>(TSimd.Multiply(g1, scale), ref o.G1, i);
        }

        if (TKernel.GradientCount > 2)
        {
            Store<T, TMode, TVec, TSimd>(TSimd.Multiply(g2, scale), ref o.G2, i);
        }

        if (TKernel.GradientCount > 3)
        {
            Store<T, TMode, TVec, TSimd>(TSimd.Multiply(g3, scale), ref o.G3, i);
        }

        return loss;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T, TMode, TVec, TSimd>(TVec value, ref T destination, nuint i)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TMode : struct, IMode
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        if (TMode.NonTemporal)
        {
            TSimd.StoreAlignedNonTemporal(value, ref destination, i);
        }
        else
        {
            TSimd.StoreUnsafe(value, ref destination, i);
        }
    }

    /// <summary>Adds the lanes into the double totals and clears them.</summary>
    /// <remarks>
    /// Runs once per block (1024 floats or 512 doubles), so it is vectorized too: as a scalar loop it
    /// added about 200 instructions per block to a kernel that needs about 400 for the block itself.
    /// Widening is exact and each total adds only its own lane, so this gives the scalar loop's bits.
    /// </remarks>
    private static void Flush<T>(ref Lanes<T> lanes, ref DoubleLanes totals)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref double t = ref totals[0];
        if (typeof(T) == typeof(float))
        {
            ref float l = ref Unsafe.As<T, float>(ref lanes[0]);
            for (nuint k = 0; k < (nuint)LaneCount<float>(); k += (nuint)Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref l, k);
                (Vector256.LoadUnsafe(ref t, k) + Vector256.WidenLower(v)).StoreUnsafe(ref t, k);
                (Vector256.LoadUnsafe(ref t, k + 4) + Vector256.WidenUpper(v)).StoreUnsafe(ref t, k + 4);
            }
        }
        else
        {
            ref double l = ref Unsafe.As<T, double>(ref lanes[0]);
            for (nuint k = 0; k < (nuint)LaneCount<double>(); k += (nuint)Vector256<double>.Count)
            {
                (Vector256.LoadUnsafe(ref t, k) + Vector256.LoadUnsafe(ref l, k)).StoreUnsafe(ref t, k);
            }
        }

        lanes = default;
    }

    /// <summary>Applies the reduction to the canonical sum.</summary>
    private static double Finish(double sum, int n, Reduction reduction)
        => reduction == Reduction.Sum ? sum : n == 0 ? double.NaN : sum / n;

    /// <summary>The lane totals summed pairwise in a fixed order.</summary>
    private static double Total<T>(ref DoubleLanes totals)
    {
        for (int width = LaneCount<T>() / 2; width >= 1; width /= 2)
        {
            for (int k = 0; k < width; k++)
            {
                totals[k] += totals[k + width];
            }
        }

        return totals[0];
    }

    private static T GradientScale<T>(int n, Reduction reduction)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => reduction == Reduction.Sum || n == 0 ? T.One : T.CreateTruncating(1.0 / n);

    private static int ValidateInputs<T, TKernel>(int length0, int length1, int length2, int length3, Reduction reduction)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
    {
        ReductionChecks.ThrowIfNotMeanOrSum(reduction);

        ReadOnlySpan<int> lengths = [length0, length1, length2, length3];
        for (int k = 1; k < TKernel.InputCount; k++)
        {
            if (lengths[k] != length0)
            {
                throw new ArgumentException(
                    $"Inputs must have the same length, but '{TKernel.InputName(0)}' has {length0} elements and '{TKernel.InputName(k)}' has {lengths[k]}.",
                    TKernel.InputName(k));
            }
        }

        return length0;
    }

    private static void ValidateOutputs<T, TKernel>(int n, int length0, int length1, int length2, int length3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
    {
        ReadOnlySpan<int> lengths = [length0, length1, length2, length3];
        for (int k = 0; k < TKernel.GradientCount; k++)
        {
            if (lengths[k] != n)
            {
                throw new ArgumentException(
                    $"The gradient '{TKernel.GradientName(k)}' has {lengths[k]} elements, but the inputs ('{TKernel.InputName(0)}') have {n}.",
                    TKernel.GradientName(k));
            }
        }
    }

    private static void ValidateLossesLength(int n, int lossesLength)
    {
        if (lossesLength != n)
        {
            throw new ArgumentException($"'losses' has {lossesLength} elements, but the inputs have {n}.", "losses");
        }
    }

    /// <summary>The spans of one call, as references, so the loops index them without bounds checks.</summary>
    private readonly ref struct Operands<T>
        where T : unmanaged
    {
        public readonly ref readonly T X0;
        public readonly ref readonly T X1;
        public readonly ref readonly T X2;
        public readonly ref readonly T X3;
        public readonly ref T G0;
        public readonly ref T G1;
        public readonly ref T G2;
        public readonly ref T G3;

        public Operands(ReadOnlySpan<T> x0, ReadOnlySpan<T> x1, ReadOnlySpan<T> x2, ReadOnlySpan<T> x3, Span<T> g0, Span<T> g1, Span<T> g2, Span<T> g3)
        {
            X0 = ref MemoryMarshal.GetReference(x0);
            X1 = ref MemoryMarshal.GetReference(x1);
            X2 = ref MemoryMarshal.GetReference(x2);
            X3 = ref MemoryMarshal.GetReference(x3);
            G0 = ref MemoryMarshal.GetReference(g0);
            G1 = ref MemoryMarshal.GetReference(g1);
            G2 = ref MemoryMarshal.GetReference(g2);
            G3 = ref MemoryMarshal.GetReference(g3);
        }

        private unsafe Operands(T* x0, T* x1, T* x2, T* x3, T* g0, T* g1, T* g2, T* g3)
        {
            X0 = ref *x0;
            X1 = ref *x1;
            X2 = ref *x2;
            X3 = ref *x3;
            G0 = ref *g0;
            G1 = ref *g1;
            G2 = ref *g2;
            G3 = ref *g3;
        }

        /// <summary>
        /// The operands of a chunk from element <paramref name="start"/> of pinned ones. An operand the kernel does not
        /// have is a null pointer, and its reference here a meaningless one that nothing reads.
        /// </summary>
        public static unsafe Operands<T> At(T* x0, T* x1, T* x2, T* x3, T* g0, T* g1, T* g2, T* g3, int start)
            => new(x0 + start, x1 + start, x2 + start, x3 + start, g0 + start, g1 + start, g2 + start, g3 + start);
    }

    [InlineArray(LaneBytes / sizeof(float))]
    private struct Lanes<T>
    {
        private T _lane;
    }

    /// <summary>Room for <see cref="Lanes{T}"/> at a 64-byte boundary: 64 bytes more than they need.</summary>
    [InlineArray((LaneBytes + 64) / sizeof(float))]
    private struct PaddedLanes<T>
    {
        private T _lane;
    }

    /// <summary>
    /// The lanes inside <paramref name="storage"/> (a local, which does not move) at its first 64-byte boundary. The
    /// transcendental loops read and write a lane vector per iteration: on the stack's 16-byte alignment, a process whose
    /// lanes straddled cache lines split every 512-bit access, and one in four 128-bit ones, and ran those kernels 30–40%
    /// slower than the next process (Poisson at 128 bits: 70 or 90–94 µs, the same build, run to run).
    /// </summary>
    private static ref Lanes<T> AlignedLanes<T>(ref PaddedLanes<T> storage)
    {
        ref byte start = ref Unsafe.As<PaddedLanes<T>, byte>(ref storage);
        return ref Unsafe.As<byte, Lanes<T>>(ref Unsafe.AddByteOffset(ref start, CacheLines.BytesToNext(ref start)));
    }

    [InlineArray(LaneBytes / sizeof(float))]
    private struct DoubleLanes
    {
        private double _lane;
    }

    [InlineArray(HalfChunkLength)]
    private struct FloatChunk
    {
        private float _element;
    }

    /// <summary>Float copies of one chunk of Half inputs and gradients; the engine's float loops run on them.</summary>
    private struct HalfChunkBuffers
    {
        private FloatChunk _x0, _x1, _x2, _x3, _g0, _g1, _g2, _g3;

        [UnscopedRef]
        public Operands<float> LoadInputs(int inputCount, ReadOnlySpan<Half> x0, ReadOnlySpan<Half> x1, ReadOnlySpan<Half> x2, ReadOnlySpan<Half> x3, int start, int length, bool withGradients)
        {
            Span<float> f0 = _x0[..length], f1 = _x1[..length], f2 = _x2[..length], f3 = _x3[..length];
            TensorPrimitives.ConvertToSingle(x0.Slice(start, length), f0);
            if (inputCount > 1)
            {
                TensorPrimitives.ConvertToSingle(x1.Slice(start, length), f1);
            }

            if (inputCount > 2)
            {
                TensorPrimitives.ConvertToSingle(x2.Slice(start, length), f2);
            }

            if (inputCount > 3)
            {
                TensorPrimitives.ConvertToSingle(x3.Slice(start, length), f3);
            }

            return withGradients
                ? new Operands<float>(f0, f1, f2, f3, _g0, _g1, _g2, _g3)
                : new Operands<float>(f0, f1, f2, f3, default, default, default, default);
        }

        public readonly void StoreGradients(int gradientCount, Span<Half> g0, Span<Half> g1, Span<Half> g2, Span<Half> g3, int start, int length)
        {
            ReadOnlySpan<float> f0 = _g0, f1 = _g1, f2 = _g2, f3 = _g3;
            if (gradientCount > 0)
            {
                TensorPrimitives.ConvertToHalf(f0[..length], g0.Slice(start, length));
            }

            if (gradientCount > 1)
            {
                TensorPrimitives.ConvertToHalf(f1[..length], g1.Slice(start, length));
            }

            if (gradientCount > 2)
            {
                TensorPrimitives.ConvertToHalf(f2[..length], g2.Slice(start, length));
            }

            if (gradientCount > 3)
            {
                TensorPrimitives.ConvertToHalf(f3[..length], g3.Slice(start, length));
            }
        }
    }
}
