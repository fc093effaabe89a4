using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LossGen.Kernels;

namespace LossGen;

/// <summary>Non-generic knobs of the pixelwise cross-entropy engine.</summary>
internal static class PixelwiseCrossEntropyEngine
{

    /// <summary>Pixels per tile of the Half path: a multiple of every vector width, so tiles keep the canonical lanes.</summary>
    public const int HalfTile = 256;
}

/// <summary>
/// A batch of images in chunks of whole Half tiles: the unit of the sum and of parallel work. Each chunk's lanes are
/// summed on their own (as one image's used to be) and the chunks' sums are added in order, so the loss has the same
/// bits on 1, 2 or 64 threads; the chunks depend on the shape alone.
/// </summary>
internal static unsafe class PixelChunks<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Logits per chunk, about: 3,072 pixels of 21 classes.</summary>
    private const int ChunkElements = 1 << 16;

    /// <summary>The fewest logits spread over threads: an exp each, as the elementwise engine's compute-bound kernels.</summary>
    private const int ParallelElements = 1 << 16;

    /// <summary>Pixels per chunk for <paramref name="classes"/> classes: a whole number of Half tiles (so of every lane count and width).</summary>
    public static int PixelsPerChunk(int classes)
        => Math.Max(1, ChunkElements / Math.Max(classes, 1) / PixelwiseCrossEntropyEngine.HalfTile) * PixelwiseCrossEntropyEngine.HalfTile;

    /// <summary>
    /// Runs every pixel of <paramref name="images"/> images, image n's block being <paramref name="first"/> moved by n
    /// images, and returns the canonical sum of their losses.
    /// </summary>
    public static double Sum(in PixelBlock<T> first, int images, long image, int pixels)
    {
        int perChunk = PixelsPerChunk(first.Classes);
        int tiles = (int)(((long)pixels + perChunk - 1) / perChunk);
        int chunks = images * tiles;
        if (chunks == 0)
        {
            return 0;
        }

        var job = new PixelJob { First = first, Image = image, Pixels = pixels, PerChunk = perChunk, Tiles = tiles };
        int threads = (long)images * image < LossParallelism.ParallelFrom(ParallelElements) ? 1 : LossParallelism.Threads;
        return ParallelChunks.Sum(in job, chunks, threads);
    }

    /// <summary>Chunk c: tile c mod tiles of image c / tiles, its lanes summed.</summary>
    private struct PixelJob : IChunkSum
    {
        public PixelBlock<T> First;
        public long Image;
        public int Pixels, PerChunk, Tiles;

        public readonly double Run(int chunk)
        {
            int n = chunk / Tiles, t0 = (chunk % Tiles) * PerChunk;
            long pixel = ((long)n * Pixels) + t0, logit = (n * Image) + t0;
            PixelBlock<T> block = First;
            block.Logits = First.Logits + logit;
            block.Gradient = First.Gradient == null ? null : First.Gradient + logit;
            block.Losses = First.Losses == null ? null : First.Losses + pixel;
            block.Labels = First.Labels + pixel;
            double* totals = stackalloc double[16];
            new Span<double>(totals, 16).Clear();
            PixelwiseCrossEntropyEngine<T>.Run(in block, Math.Min(PerChunk, Pixels - t0), totals);
            return PixelwiseCrossEntropyEngine<T>.Finish(totals);
        }
    }
}

/// <summary>
/// One run of pixels: an image of a <c>[N, C, H, W]</c> batch, or a tile of one converted to float. Raw pointers into
/// pinned or caller memory, valid for the call only.
/// </summary>
internal unsafe struct PixelBlock<T>
    where T : unmanaged
{
    public T* Logits;      // class c of pixel j at Logits[c * Stride + j]
    public T* Gradient;    // the same layout, or null
    public T* Losses;      // pixel j at Losses[j], or null
    public int* Labels;    // pixel j at Labels[j]
    public long Stride;    // elements from one class to the next: H·W, or the Half tile's width
    public int Classes;
    public int IgnoreIndex;
    public T Scale;        // the reduction's gradient factor
    public T* ClassWeights; // w[c] for c in [0, C), or null: no weights and no smoothing (the plain loop)
    public T Smoothing;    // ε, PyTorch's label_smoothing (0 with weights alone)
    public T WeightSum;    // Σ_c w[c]
}

/// <summary>
/// Softmax cross-entropy over a strided class axis, vectorized along the contiguous pixel axis: each lane is a pixel
/// and runs max, Σ exp and the gradient over the classes on its own, so a pixel's loss and gradient are the same bits
/// at every width (the <see cref="ISimd{TVec, T}"/> guarantee; the tail pixels run the same code on
/// <see cref="ScalarSimd{T}"/>). Pixel j's loss is added in double into lane j mod L (L = 64 bytes of
/// <typeparamref name="T"/>), so the reduction does not depend on the width either.
/// </summary>
internal static unsafe class PixelwiseCrossEntropyEngine<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The canonical lanes: one Vector512 of <typeparamref name="T"/>.</summary>
    public static int LaneCount
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 64 / Unsafe.SizeOf<T>();
    }

    /// <summary>Runs pixels [0, <paramref name="count"/>) of a block; pixel j's loss is added into <c>totals[j mod L]</c>.</summary>
    public static void Run(in PixelBlock<T> block, int count, double* totals)
    {
        if (block.ClassWeights != null)
        {
            RunWeighted(in block, count, totals);
            return;
        }

        int bits = VectorPaths.MaxBits;
        int j = 0;
        if (Vector512.IsHardwareAccelerated && bits >= 512)
            j = Pixels<Vector512<T>, Simd512<T>>(in block, 0, count, totals);
        else if (Vector256.IsHardwareAccelerated && bits >= 256)
            j = Pixels<Vector256<T>, Simd256<T>>(in block, 0, count, totals);
        else if (Vector128.IsHardwareAccelerated && bits >= 128)
            j = Pixels<Vector128<T>, Simd128<T>>(in block, 0, count, totals);
        Pixels<T, ScalarSimd<T>>(in block, j, count, totals);
    }

    /// <summary><see cref="Run"/> with class weights or label smoothing: <see cref="WeightedPixels{TV, TL}"/> at every width.</summary>
    private static void RunWeighted(in PixelBlock<T> block, int count, double* totals)
    {
        int bits = VectorPaths.MaxBits;
        int j = 0;
        if (Vector512.IsHardwareAccelerated && bits >= 512)
            j = WeightedPixels<Vector512<T>, Simd512<T>>(in block, 0, count, totals);
        else if (Vector256.IsHardwareAccelerated && bits >= 256)
            j = WeightedPixels<Vector256<T>, Simd256<T>>(in block, 0, count, totals);
        else if (Vector128.IsHardwareAccelerated && bits >= 128)
            j = WeightedPixels<Vector128<T>, Simd128<T>>(in block, 0, count, totals);
        WeightedPixels<T, ScalarSimd<T>>(in block, j, count, totals);
    }

    /// <summary>Sums the lanes pairwise in a fixed order.</summary>
    public static double Finish(double* totals)
    {
        for (int half = LaneCount / 2; half >= 1; half /= 2)
        {
            for (int k = 0; k < half; k++) totals[k] += totals[k + half];
        }
        return totals[0];
    }

    /// <summary>
    /// Whole vectors of pixels from <paramref name="from"/> (a multiple of the width, so lanes line up with the
    /// canonical ones) while they fit; returns the first pixel not done.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int Pixels<TV, TL>(in PixelBlock<T> b, int from, int count, double* totals)
        where TV : struct
        where TL : struct, ISimd<TV, T>
    {
        int w = TL.Count;
        int laneMask = LaneCount - 1;
        T* labelLanes = stackalloc T[16];
        T* lossLanes = stackalloc T[16];
        int classes = b.Classes;
        long stride = b.Stride;
        bool wantGradient = b.Gradient != null;
        TV zero = TL.Constant(0.0), one = TL.Constant(1.0), minusOne = TL.Constant(-1.0);
        TV scale = TL.Create(b.Scale);
        int j = from;
        for (; j + w <= count; j += w)
        {
            // Labels as lanes of T (exact: class indices are far below 2^24); an ignored pixel gets -1, no class.
            for (int k = 0; k < w; k++)
            {
                int label = b.Labels[j + k];
                labelLanes[k] = label == b.IgnoreIndex ? T.NegativeOne : T.CreateTruncating(label);
            }
            TV labels = TL.LoadUnsafe(ref labelLanes[0], 0);
            TV ignored = TL.Equals(labels, minusOne);
            T* x = b.Logits + j;

            // Pass 1: the largest logit of each pixel.
            TV max = TL.LoadUnsafe(ref x[0], 0);
            for (int c = 1; c < classes; c++) max = TL.Max(max, TL.LoadUnsafe(ref x[c * stride], 0));

            // Pass 2: Σ e^(x - max), the label's logit, and e^(x - max) parked in the gradient for pass 3. Each x is read
            // before its gradient is written, so the gradient may be the logits themselves.
            TV sum = zero, picked = zero;
            T* g = wantGradient ? b.Gradient + j : null;
            for (int c = 0; c < classes; c++)
            {
                TV xc = TL.LoadUnsafe(ref x[c * stride], 0);
                TV e = TL.ExpInlined(TL.Subtract(xc, max));
                sum = TL.Add(sum, e);
                picked = TL.Select(TL.Equals(TL.Create(T.CreateTruncating(c)), labels), xc, picked);
                if (wantGradient) TL.StoreUnsafe(e, ref g[c * stride], 0);
            }

            // loss = log Σ e^(x - max) + (max - x[label]): exactly log Σ when the label is the largest logit.
            TV loss = TL.Select(ignored, zero, TL.Add(TL.Log(sum), TL.Subtract(max, picked)));
            if (b.Losses != null) TL.StoreUnsafe(loss, ref b.Losses[j], 0);
            TL.StoreUnsafe(loss, ref lossLanes[0], 0);
            int lane = j & laneMask;
            for (int k = 0; k < w; k++) totals[lane + k] += double.CreateTruncating(lossLanes[k]);

            if (wantGradient)
            {
                // Pass 3: (softmax - one-hot) · scale, 0 for an ignored pixel.
                TV inverse = TL.Divide(one, sum);
                for (int c = 0; c < classes; c++)
                {
                    TV e = TL.LoadUnsafe(ref g[c * stride], 0);
                    TV hot = TL.Select(TL.Equals(TL.Create(T.CreateTruncating(c)), labels), one, zero);
                    TV gc = TL.Multiply(TL.Subtract(TL.Multiply(e, inverse), hot), scale);
                    TL.StoreUnsafe(TL.Select(ignored, zero, gc), ref g[c * stride], 0);
                }
            }
        }
        return j;
    }

    /// <summary>
    /// <see cref="Pixels{TV, TL}"/> with a weight per class and label smoothing ε, as PyTorch's
    /// <c>cross_entropy(weight, label_smoothing)</c>: with L = log Σ_c e^(x_c),
    /// <c>loss = (1 − ε)·w[y]·(L − x_y) + ε/C·Σ_c w[c]·(L − x_c)</c>, each L − x_c taken as log Σ e^(x − max) + (max − x_c),
    /// and the gradient <c>softmax_c·((1 − ε)·w[y] + ε/C·Σw) − (1 − ε)·w[y]·[c = y] − ε/C·w[c]</c>. The smoothing sum is
    /// left out when ε is 0, so a class masked with −∞ stays harmless there (its ε·∞ would be NaN).
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int WeightedPixels<TV, TL>(in PixelBlock<T> b, int from, int count, double* totals)
        where TV : struct
        where TL : struct, ISimd<TV, T>
    {
        int w = TL.Count;
        int laneMask = LaneCount - 1;
        T* labelLanes = stackalloc T[16];
        T* weightLanes = stackalloc T[16];
        T* lossLanes = stackalloc T[16];
        int classes = b.Classes;
        long stride = b.Stride;
        bool wantGradient = b.Gradient != null;
        bool smoothing = b.Smoothing != T.Zero;
        T* weights = b.ClassWeights;
        TV zero = TL.Constant(0.0), one = TL.Constant(1.0), minusOne = TL.Constant(-1.0);
        TV scale = TL.Create(b.Scale);
        TV kept = TL.Create(T.One - b.Smoothing), spread = TL.Create(b.Smoothing / T.CreateTruncating(classes)), weightSum = TL.Create(b.WeightSum);
        int j = from;
        for (; j + w <= count; j += w)
        {
            // Labels as lanes of T, and each pixel's weight w[y]; an ignored pixel gets label −1 and weight 0.
            for (int k = 0; k < w; k++)
            {
                int label = b.Labels[j + k];
                bool ignore = label == b.IgnoreIndex;
                labelLanes[k] = ignore ? T.NegativeOne : T.CreateTruncating(label);
                weightLanes[k] = ignore ? T.Zero : weights[label];
            }
            TV labels = TL.LoadUnsafe(ref labelLanes[0], 0);
            TV ignored = TL.Equals(labels, minusOne);
            TV labelWeight = TL.Multiply(kept, TL.LoadUnsafe(ref weightLanes[0], 0));
            T* x = b.Logits + j;

            TV max = TL.LoadUnsafe(ref x[0], 0);
            for (int c = 1; c < classes; c++) max = TL.Max(max, TL.LoadUnsafe(ref x[c * stride], 0));

            // Σ e^(x − max), the label's logit, Σ w[c]·(max − x_c) for the smoothing, e^(x − max) parked in the gradient.
            TV sum = zero, picked = zero, spreadTerms = zero;
            T* g = wantGradient ? b.Gradient + j : null;
            for (int c = 0; c < classes; c++)
            {
                TV xc = TL.LoadUnsafe(ref x[c * stride], 0);
                TV e = TL.ExpInlined(TL.Subtract(xc, max));
                sum = TL.Add(sum, e);
                picked = TL.Select(TL.Equals(TL.Create(T.CreateTruncating(c)), labels), xc, picked);
                if (smoothing) spreadTerms = TL.MultiplyAdd(TL.Create(weights[c]), TL.Subtract(max, xc), spreadTerms);
                if (wantGradient) TL.StoreUnsafe(e, ref g[c * stride], 0);
            }

            TV logSum = TL.Log(sum);
            TV loss = TL.Multiply(labelWeight, TL.Add(logSum, TL.Subtract(max, picked)));
            if (smoothing) loss = TL.MultiplyAdd(spread, TL.MultiplyAdd(weightSum, logSum, spreadTerms), loss);
            loss = TL.Select(ignored, zero, loss);
            if (b.Losses != null) TL.StoreUnsafe(loss, ref b.Losses[j], 0);
            TL.StoreUnsafe(loss, ref lossLanes[0], 0);
            int lane = j & laneMask;
            for (int k = 0; k < w; k++) totals[lane + k] += double.CreateTruncating(lossLanes[k]);

            if (wantGradient)
            {
                // softmax·A − (1 − ε)·w[y]·[c = y] − ε/C·w[c], A = (1 − ε)·w[y] + ε/C·Σw; times the scale, 0 if ignored.
                TV inverse = TL.Divide(one, sum);
                TV a = smoothing ? TL.MultiplyAdd(spread, weightSum, labelWeight) : labelWeight;
                for (int c = 0; c < classes; c++)
                {
                    TV e = TL.LoadUnsafe(ref g[c * stride], 0);
                    TV hot = TL.Select(TL.Equals(TL.Create(T.CreateTruncating(c)), labels), labelWeight, zero);
                    if (smoothing) hot = TL.MultiplyAdd(spread, TL.Create(weights[c]), hot);
                    TV gc = TL.Multiply(TL.Subtract(TL.Multiply(TL.Multiply(e, inverse), a), hot), scale);
                    TL.StoreUnsafe(TL.Select(ignored, zero, gc), ref g[c * stride], 0);
                }
            }
        }
        return j;
    }
}
