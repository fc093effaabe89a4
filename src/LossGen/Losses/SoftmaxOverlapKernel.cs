using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LossGen.Kernels;

namespace LossGen;

/// <summary>
/// One batch of <c>[N, C, P]</c> logits (P the voxels of an image) for the softmax overlap losses: raw pointers into pinned
/// or scratch memory, valid for the call only.
/// </summary>
internal unsafe struct OverlapBlock<T>
    where T : unmanaged
{
    public T* Logits;       // image n, class c, voxel j at Logits[(n·C + c)·P + j]
    public T* Gradient;     // the same layout: the gradient, or scratch for the e^(x − max) when there is none
    public int* Labels;     // image n, voxel j at Labels[n·P + j]
    public int Images;
    public int Classes;
    public int Voxels;
    public int IgnoreIndex;
}

/// <summary>
/// The statistics of the softmax overlap losses (Dice, Jaccard, Tversky, generalized Dice from logits) and their
/// gradient, vectorized along the contiguous voxel axis as the pixelwise cross-entropy is: each lane a voxel, its softmax
/// over the strided class axis computed on its own (the same bits at every width). Per class, the sums Σp, Σp·[y = c]
/// and Σ[y = c] over every voxel that counts go into canonical lanes, voxel j of an image into lane j mod L (L = 64 bytes
/// of <typeparamref name="T"/>), flushed into double totals every <see cref="FlushVoxels"/> voxels and at each image's
/// end, and the lanes summed in a fixed tree: the statistics, and so the loss, are the same bits at every width.
/// </summary>
internal static unsafe class SoftmaxOverlapEngine<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The canonical lanes: one Vector512 of <typeparamref name="T"/>.</summary>
    private static int LaneCount => 64 / Unsafe.SizeOf<T>();

    /// <summary>Voxels between two flushes of the float lanes into double: 64 values per lane.</summary>
    private static int FlushVoxels => 64 * LaneCount;

    /// <summary>
    /// Pass 1: the per-class sums into <paramref name="totals"/> (3·C·L doubles: Σp, then Σp·[y = c], then Σ[y = c],
    /// each C rows of L lanes). Each voxel's e^(x − max) is parked in the gradient (or scratch) for its p and for pass 2:
    /// one exp per logit, inlined.
    /// </summary>
    public static void Statistics(in OverlapBlock<T> b, double* totals, T* lanes)
    {
        int bits = VectorPaths.MaxBits;
        for (int n = 0; n < b.Images; n++)
        {
            for (int start = 0; start < b.Voxels; start += FlushVoxels)
            {
                int end = Math.Min(b.Voxels, start + FlushVoxels);
                int j = start;
                if (Vector512.IsHardwareAccelerated && bits >= 512)
                    j = StatisticsVectors<Vector512<T>, Simd512<T>>(in b, n, j, end, lanes);
                else if (Vector256.IsHardwareAccelerated && bits >= 256)
                    j = StatisticsVectors<Vector256<T>, Simd256<T>>(in b, n, j, end, lanes);
                else if (Vector128.IsHardwareAccelerated && bits >= 128)
                    j = StatisticsVectors<Vector128<T>, Simd128<T>>(in b, n, j, end, lanes);
                StatisticsVectors<T, ScalarSimd<T>>(in b, n, j, end, lanes);
                Flush(lanes, totals, 3 * b.Classes);
            }
        }
    }

    /// <summary>The L lanes of row <paramref name="row"/> of <paramref name="totals"/> summed as a fixed tree.</summary>
    public static double Total(double* totals, int row)
    {
        int count = LaneCount;
        Span<double> sums = stackalloc double[16];
        new ReadOnlySpan<double>(totals + ((long)row * count), count).CopyTo(sums);
        for (int half = count / 2; half >= 1; half /= 2)
        {
            for (int k = 0; k < half; k++) sums[k] += sums[k + half];
        }

        return sums[0];
    }

    /// <summary>
    /// Pass 2: with g_c = <paramref name="a"/>[c]·[y = c] + <paramref name="b"/>[c] the loss's derivative with respect to
    /// the voxel's softmax p_c, the gradient with respect to its logits, p_c·(g_c − Σ_k p_k·g_k); 0 for an ignored voxel.
    /// Reads the e^(x − max) that pass 1 parked in the gradient.
    /// </summary>
    public static void Gradient(in OverlapBlock<T> block, T* a, T* b)
    {
        int bits = VectorPaths.MaxBits;
        for (int n = 0; n < block.Images; n++)
        {
            int j = 0;
            if (Vector512.IsHardwareAccelerated && bits >= 512)
                j = GradientVectors<Vector512<T>, Simd512<T>>(in block, n, j, a, b);
            else if (Vector256.IsHardwareAccelerated && bits >= 256)
                j = GradientVectors<Vector256<T>, Simd256<T>>(in block, n, j, a, b);
            else if (Vector128.IsHardwareAccelerated && bits >= 128)
                j = GradientVectors<Vector128<T>, Simd128<T>>(in block, n, j, a, b);
            GradientVectors<T, ScalarSimd<T>>(in block, n, j, a, b);
        }
    }

    /// <summary>Adds the float lanes into the double totals, and clears them.</summary>
    private static void Flush(T* lanes, double* totals, int rows)
    {
        long count = (long)rows * LaneCount;
        for (long i = 0; i < count; i++)
        {
            totals[i] += double.CreateTruncating(lanes[i]);
            lanes[i] = T.Zero;
        }
    }

    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int StatisticsVectors<TV, TL>(in OverlapBlock<T> b, int n, int from, int end, T* lanes)
        where TV : struct
        where TL : struct, ISimd<TV, T>
    {
        int w = TL.Count, classes = b.Classes, laneCount = LaneCount;
        long stride = b.Voxels;
        T* labelLanes = stackalloc T[16];
        T* pickedLanes = stackalloc T[16];
        TV zero = TL.Constant(0.0), one = TL.Constant(1.0), minusOne = TL.Constant(-1.0);
        T* image = b.Logits + ((long)n * classes * stride);
        T* parked = b.Gradient + ((long)n * classes * stride);
        T* sumP = lanes, sumTp = lanes + ((long)classes * laneCount), sumG = lanes + (2L * classes * laneCount);
        int j = from;
        for (; j + w <= end; j += w)
        {
            for (int k = 0; k < w; k++)
            {
                int label = b.Labels[((long)n * stride) + j + k];
                labelLanes[k] = label == b.IgnoreIndex ? T.NegativeOne : T.CreateTruncating(label);
            }

            TV labels = TL.LoadUnsafe(ref labelLanes[0], 0);
            TV counted = TL.Not(TL.Equals(labels, minusOne));
            T* x = image + j;
            TV max = TL.LoadUnsafe(ref x[0], 0);
            for (int c = 1; c < classes; c++) max = TL.Max(max, TL.LoadUnsafe(ref x[c * stride], 0));
            TV sum = zero;
            for (int c = 0; c < classes; c++)
            {
                TV e = TL.ExpInlined(TL.Subtract(TL.LoadUnsafe(ref x[c * stride], 0), max));
                sum = TL.Add(sum, e);
                TL.StoreUnsafe(e, ref parked[(c * stride) + j], 0);
            }

            // p_c = e_c / Σe; an ignored voxel adds nothing. Σp_c goes into its lanes a vector at a time; of Σp·[y = c] and
            // Σ[y = c] only the labelled class's lane changes, so each voxel adds into that one lane alone (the others would
            // add +0, which changes no bit): two scalar additions per voxel instead of two vector ones per class.
            TV inverse = TL.Select(counted, TL.Divide(one, sum), zero);
            TV picked = zero;
            int lane = j % laneCount;
            for (int c = 0; c < classes; c++)
            {
                TV p = TL.Multiply(TL.LoadUnsafe(ref parked[(c * stride) + j], 0), inverse);
                picked = TL.Select(TL.Equals(TL.Create(T.CreateTruncating(c)), labels), p, picked);
                nuint row = (nuint)(((long)c * laneCount) + lane);
                TL.StoreUnsafe(TL.Add(TL.LoadUnsafe(ref sumP[0], row), p), ref sumP[0], row);
            }

            TL.StoreUnsafe(picked, ref pickedLanes[0], 0);
            for (int k = 0; k < w; k++)
            {
                int label = int.CreateTruncating(labelLanes[k]);
                if (label >= 0)
                {
                    long row = ((long)label * laneCount) + lane + k;
                    sumTp[row] += pickedLanes[k];
                    sumG[row] += T.One;
                }
            }
        }

        return j;
    }

    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int GradientVectors<TV, TL>(in OverlapBlock<T> block, int n, int from, T* a, T* b)
        where TV : struct
        where TL : struct, ISimd<TV, T>
    {
        int w = TL.Count, classes = block.Classes;
        long stride = block.Voxels;
        T* labelLanes = stackalloc T[16];
        TV zero = TL.Constant(0.0), one = TL.Constant(1.0), minusOne = TL.Constant(-1.0);
        T* g = block.Gradient + ((long)n * classes * stride);
        int j = from;
        for (; j + w <= block.Voxels; j += w)
        {
            for (int k = 0; k < w; k++)
            {
                int label = block.Labels[((long)n * stride) + j + k];
                labelLanes[k] = label == block.IgnoreIndex ? T.NegativeOne : T.CreateTruncating(label);
            }

            TV labels = TL.LoadUnsafe(ref labelLanes[0], 0);
            TV ignored = TL.Equals(labels, minusOne);
            TV sum = zero;
            for (int c = 0; c < classes; c++) sum = TL.Add(sum, TL.LoadUnsafe(ref g[(c * stride) + j], 0));
            TV inverse = TL.Divide(one, sum);

            // Σ_k p_k·g_k, then each class's p_c·(g_c − that).
            TV dot = zero;
            for (int c = 0; c < classes; c++)
            {
                TV p = TL.Multiply(TL.LoadUnsafe(ref g[(c * stride) + j], 0), inverse);
                TV gc = TL.Add(TL.Create(b[c]), TL.Select(TL.Equals(TL.Create(T.CreateTruncating(c)), labels), TL.Create(a[c]), zero));
                dot = TL.MultiplyAdd(p, gc, dot);
            }

            for (int c = 0; c < classes; c++)
            {
                TV p = TL.Multiply(TL.LoadUnsafe(ref g[(c * stride) + j], 0), inverse);
                TV gc = TL.Add(TL.Create(b[c]), TL.Select(TL.Equals(TL.Create(T.CreateTruncating(c)), labels), TL.Create(a[c]), zero));
                TL.StoreUnsafe(TL.Select(ignored, zero, TL.Multiply(p, TL.Subtract(gc, dot))), ref g[(c * stride) + j], 0);
            }
        }

        return j;
    }
}
