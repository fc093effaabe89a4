using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace LossGen;

/// <summary>How <see cref="Losses.TotalVariation(ReadOnlySpan{float}, int, int, int, TotalVariationNorm, Reduction)"/> weighs a difference between neighbouring pixels.</summary>
public enum TotalVariationNorm
{
    /// <summary>
    /// The square of the difference, (x[i+1, j] − x[i, j])² + (x[i, j+1] − x[i, j])²: smooth everywhere (the form of
    /// the seed and of most style-transfer code). Penalizes edges strongly, so it blurs them.
    /// </summary>
    Squared,

    /// <summary>
    /// The absolute difference, |x[i+1, j] − x[i, j]| + |x[i, j+1] − x[i, j]|: the anisotropic total variation of
    /// TensorFlow's <c>tf.image.total_variation</c>, torchmetrics and kornia. Keeps edges; the gradient at a zero
    /// difference is 0.
    /// </summary>
    L1,
}

public static partial class Losses
{
    // ------------------------------------------------------------------ double

    /// <summary>
    /// Total variation of a batch of images <c>[N, C, H, W]</c>: the sum over every channel of each image of the
    /// (squared or absolute) differences between vertically and horizontally neighbouring pixels, reduced over images.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Formula.</b> For image n: <c>TV_n = Σ_c Σ_{i &lt; H−1, j} f(x[n,c,i+1,j] − x[n,c,i,j]) + Σ_c Σ_{i, j &lt; W−1}
    /// f(x[n,c,i,j+1] − x[n,c,i,j])</c>, with <c>f(d) = d²</c> for <see cref="TotalVariationNorm.Squared"/> (the default)
    /// and <c>f(d) = |d|</c> for <see cref="TotalVariationNorm.L1"/>. Pixels on the border simply have fewer
    /// neighbours (no padding); a 1×1 image has TV 0, a 1×W image only horizontal terms, an H×1 image only vertical ones.
    /// The gradient of the L1 form at a zero difference is 0 (the subgradient PyTorch's <c>abs</c> uses).
    /// </para>
    /// <para>
    /// <b>Reduction.</b> <see cref="Reduction.Mean"/> is the mean of <c>TV_n</c> over the N images (torchmetrics'
    /// <c>reduction='mean'</c>), <see cref="Reduction.Sum"/> their sum (TensorFlow's recommended
    /// <c>reduce_sum(tf.image.total_variation(images))</c>, torchmetrics' default). It is not divided by the number of
    /// pixels: for a per-pixel average divide by <c>C·H·W</c> yourself. Sums are accumulated in double in a fixed lane
    /// layout, so the result is the same bits at every vector width. No images: NaN for Mean, 0 for Sum.
    /// </para>
    /// <para>
    /// <b>PyTorch and Keras.</b> Neither ships a total variation loss. With <see cref="TotalVariationNorm.L1"/> the
    /// per-image values equal TensorFlow's <c>tf.image.total_variation</c> (which takes channels-last
    /// <c>[N, H, W, C]</c>; the value does not depend on the layout) and torchmetrics/kornia's <c>total_variation</c>.
    /// The squared form is the usual style-transfer regularizer; some implementations average each direction's
    /// differences instead of summing them, which divides by their counts.
    /// </para>
    /// <para><b>Cost.</b> One pass over the images, vectorized along rows; no allocation (Half images go through three
    /// float rows per thread).</para>
    /// </remarks>
    /// <param name="images">Pixel values, row-major <c>[N, C, H, W]</c>; N = length / (C·H·W).</param>
    /// <param name="channels">C, channels per image (at least 1).</param>
    /// <param name="height">H, the image height (at least 1).</param>
    /// <param name="width">W, the image width (at least 1).</param>
    /// <param name="norm">Squared (default) or absolute differences.</param>
    /// <param name="reduction">Mean or sum of the per-image values.</param>
    /// <returns>The reduced total variation.</returns>
    /// <exception cref="ArgumentException"><paramref name="images"/> is not a whole number of <c>[C, H, W]</c> images.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="channels"/>, <paramref name="height"/> or <paramref name="width"/> below 1, or an unknown
    /// <paramref name="norm"/> or <paramref name="reduction"/>.
    /// </exception>
    public static double TotalVariation(ReadOnlySpan<double> images, [Positive] int channels, [Positive] int height, [Positive] int width,
        TotalVariationNorm norm = TotalVariationNorm.Squared, Reduction reduction = Reduction.Mean)
        => TotalVariationCore<double, double>(images, default, false, default, false, channels, height, width, norm, reduction);

    /// <summary>The total variation of <c>[N, C, H, W]</c> images and its gradient with respect to every pixel, in one pass.</summary>
    /// <remarks>
    /// The conventions are those of
    /// <see cref="TotalVariation(ReadOnlySpan{double}, int, int, int, TotalVariationNorm, Reduction)"/>. The gradient at a
    /// pixel gathers the four differences it takes part in: for the squared form
    /// <c>2(x − left) − 2(right − x) + 2(x − up) − 2(down − x)</c> (missing neighbours contribute nothing), for L1 the
    /// same with <c>sign</c> in place of <c>2·</c> and <c>sign(0) = 0</c>; times 1/N for Mean. Every pixel's gradient
    /// reads its neighbours, so <paramref name="imagesGradient"/> must not overlap <paramref name="images"/>.
    /// </remarks>
    /// <param name="images">Pixel values, row-major <c>[N, C, H, W]</c>.</param>
    /// <param name="imagesGradient">Receives d loss / d images, <c>[N, C, H, W]</c>.</param>
    /// <param name="channels">C, channels per image.</param>
    /// <param name="height">H, the image height.</param>
    /// <param name="width">W, the image width.</param>
    /// <param name="norm">Squared (default) or absolute differences.</param>
    /// <param name="reduction">Mean or sum of the per-image values.</param>
    /// <returns>The reduced total variation.</returns>
    /// <exception cref="ArgumentException">
    /// As for <c>TotalVariation</c>, or <paramref name="imagesGradient"/> not of the images' length or overlapping them.
    /// Nothing is written.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <c>TotalVariation</c>; nothing is written.</exception>
    public static double TotalVariationWithGradient(ReadOnlySpan<double> images, Span<double> imagesGradient, [Positive] int channels, [Positive] int height, [Positive] int width,
        TotalVariationNorm norm = TotalVariationNorm.Squared, Reduction reduction = Reduction.Mean)
        => TotalVariationCore<double, double>(images, imagesGradient, true, default, false, channels, height, width, norm, reduction);

    /// <summary>The total variation of each image, unreduced: <c>losses[n] = TV_n</c> (TensorFlow's <c>tf.image.total_variation</c> with L1).</summary>
    /// <remarks>The conventions are those of <see cref="TotalVariation(ReadOnlySpan{double}, int, int, int, TotalVariationNorm, Reduction)"/>.</remarks>
    /// <param name="images">Pixel values, row-major <c>[N, C, H, W]</c>.</param>
    /// <param name="losses">Receives the N per-image values.</param>
    /// <param name="channels">C, channels per image.</param>
    /// <param name="height">H, the image height.</param>
    /// <param name="width">W, the image width.</param>
    /// <param name="norm">Squared (default) or absolute differences.</param>
    /// <exception cref="ArgumentException">As for <c>TotalVariation</c>, or <paramref name="losses"/> not of length N; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <c>TotalVariation</c>; nothing is written.</exception>
    public static void TotalVariationElementwise(ReadOnlySpan<double> images, Span<double> losses, [Positive] int channels, [Positive] int height, [Positive] int width,
        TotalVariationNorm norm = TotalVariationNorm.Squared)
        => TotalVariationCore<double, double>(images, default, false, losses, true, channels, height, width, norm, Reduction.Sum);

    // ------------------------------------------------------------------ float

    /// <inheritdoc cref="TotalVariation(ReadOnlySpan{double}, int, int, int, TotalVariationNorm, Reduction)"/>
    /// <summary>Total variation of <c>[N, C, H, W]</c> images, single precision (sums finished in double, rounded once).</summary>
    public static float TotalVariation(ReadOnlySpan<float> images, [Positive] int channels, [Positive] int height, [Positive] int width,
        TotalVariationNorm norm = TotalVariationNorm.Squared, Reduction reduction = Reduction.Mean)
        => (float)TotalVariationCore<float, float>(images, default, false, default, false, channels, height, width, norm, reduction);

    /// <inheritdoc cref="TotalVariationWithGradient(ReadOnlySpan{double}, Span{double}, int, int, int, TotalVariationNorm, Reduction)"/>
    /// <summary>Total variation of <c>[N, C, H, W]</c> images and its gradient, single precision.</summary>
    public static float TotalVariationWithGradient(ReadOnlySpan<float> images, Span<float> imagesGradient, [Positive] int channels, [Positive] int height, [Positive] int width,
        TotalVariationNorm norm = TotalVariationNorm.Squared, Reduction reduction = Reduction.Mean)
        => (float)TotalVariationCore<float, float>(images, imagesGradient, true, default, false, channels, height, width, norm, reduction);

    /// <inheritdoc cref="TotalVariationElementwise(ReadOnlySpan{double}, Span{double}, int, int, int, TotalVariationNorm)"/>
    /// <summary>The total variation of each image, single precision.</summary>
    public static void TotalVariationElementwise(ReadOnlySpan<float> images, Span<float> losses, [Positive] int channels, [Positive] int height, [Positive] int width,
        TotalVariationNorm norm = TotalVariationNorm.Squared)
        => TotalVariationCore<float, float>(images, default, false, losses, true, channels, height, width, norm, Reduction.Sum);

    // ------------------------------------------------------------------ Half

    /// <inheritdoc cref="TotalVariation(ReadOnlySpan{double}, int, int, int, TotalVariationNorm, Reduction)"/>
    /// <summary>
    /// Total variation of <c>[N, C, H, W]</c> images, half precision: computed in float on converted rows, the same
    /// bits as the float overload on the same values, rounded to Half once (a sum above 65504 is +∞: use float).
    /// </summary>
    public static Half TotalVariation(ReadOnlySpan<Half> images, [Positive] int channels, [Positive] int height, [Positive] int width,
        TotalVariationNorm norm = TotalVariationNorm.Squared, Reduction reduction = Reduction.Mean)
        => (Half)(float)TotalVariationCore<Half, float>(images, default, false, default, false, channels, height, width, norm, reduction);

    /// <inheritdoc cref="TotalVariationWithGradient(ReadOnlySpan{double}, Span{double}, int, int, int, TotalVariationNorm, Reduction)"/>
    /// <summary>Total variation of <c>[N, C, H, W]</c> images and its gradient, half precision (computed in float, each value rounded once).</summary>
    public static Half TotalVariationWithGradient(ReadOnlySpan<Half> images, Span<Half> imagesGradient, [Positive] int channels, [Positive] int height, [Positive] int width,
        TotalVariationNorm norm = TotalVariationNorm.Squared, Reduction reduction = Reduction.Mean)
        => (Half)(float)TotalVariationCore<Half, float>(images, imagesGradient, true, default, false, channels, height, width, norm, reduction);

    /// <inheritdoc cref="TotalVariationElementwise(ReadOnlySpan{double}, Span{double}, int, int, int, TotalVariationNorm)"/>
    /// <summary>The total variation of each image, half precision (computed in float, each rounded once).</summary>
    public static void TotalVariationElementwise(ReadOnlySpan<Half> images, Span<Half> losses, [Positive] int channels, [Positive] int height, [Positive] int width,
        TotalVariationNorm norm = TotalVariationNorm.Squared)
        => TotalVariationCore<Half, float>(images, default, false, losses, true, channels, height, width, norm, Reduction.Sum);

    // ------------------------------------------------------------------ engine entry

    /// <summary>Validates everything, then runs every row of every plane. Returns the reduced value in double.</summary>
    internal static unsafe double TotalVariationCore<TS, TC>(ReadOnlySpan<TS> images, Span<TS> gradient, bool wantGradient,
        Span<TS> losses, bool wantLosses, int channels, int height, int width, TotalVariationNorm norm, Reduction reduction)
        where TS : unmanaged
        where TC : unmanaged, IBinaryFloatingPointIeee754<TC>
    {
        Kernels.ReductionChecks.ThrowIfNotMeanOrSum(reduction);
        if (norm is not (TotalVariationNorm.Squared or TotalVariationNorm.L1))
            throw new ArgumentOutOfRangeException(nameof(norm), norm, "The norm must be TotalVariationNorm.Squared or TotalVariationNorm.L1.");
        (int count, int image, int plane) = ImageShape.Batch(images.Length, nameof(images), channels, height, width, nameof(channels));
        if (wantGradient)
        {
            if (gradient.Length != images.Length)
                throw new ArgumentException($"'imagesGradient' has {gradient.Length} elements, but 'images' has {images.Length}.", "imagesGradient");
            if (images.Overlaps(gradient))
                throw new ArgumentException("'imagesGradient' overlaps 'images': each pixel's gradient reads its neighbours, so it needs a buffer of its own.", "imagesGradient");
        }
        if (wantLosses && losses.Length != count)
            throw new ArgumentException($"'losses' has {losses.Length} elements, but 'images' holds {count} images: one value per image.", "losses");

        // ---- validated: compute. Each image's value on its own (the unit of parallel work), then added in image order.
        TC scale = reduction == Reduction.Sum || count == 0 ? TC.One : TC.CreateTruncating(1.0 / count);
        double[]? rented = null;
        Span<double> values = count <= 1024 ? stackalloc double[count] : (rented = System.Buffers.ArrayPool<double>.Shared.Rent(count));
        double sum = 0;
        try
        {
            fixed (TS* imagesPtr = images)
            fixed (TS* gradientPtr = gradient)
            fixed (double* valuesPtr = values)
            {
                var job = new TotalVariationImages<TS, TC>
                {
                    Images = imagesPtr, Gradient = wantGradient ? gradientPtr : null, Channels = channels, Height = height, Width = width,
                    Plane = plane, Squared = norm == TotalVariationNorm.Squared, Scale = scale, Values = valuesPtr,
                };
                int threads = (long)images.Length < LossParallelism.ParallelFrom(TotalVariationImages<TS, TC>.ParallelElements) ? 1 : LossParallelism.Threads;
                Kernels.ParallelChunks.Run(ref job, count, threads);
            }

            for (int n = 0; n < count; n++)
            {
                // Half: rounded through float, as every Half result (float to double is exact).
                if (wantLosses) losses[n] = SpanPieces.Round<TS>(values[n]);
                sum += values[n];
            }
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<double>.Shared.Return(rented);
        }

        return reduction == Reduction.Sum ? sum : count == 0 ? double.NaN : sum / count;
    }

    /// <summary>The images of one call, each a chunk of parallel work whose value goes to its own slot.</summary>
    private unsafe struct TotalVariationImages<TS, TC> : Kernels.IChunkJob
        where TS : unmanaged
        where TC : unmanaged, IBinaryFloatingPointIeee754<TC>
    {
        /// <summary>The fewest pixels spread over threads (whole images only: a single image stays on one thread).</summary>
        public const int ParallelElements = 1 << 17;

        public TS* Images, Gradient;
        public int Channels, Height, Width;
        public long Plane;
        public bool Squared;
        public TC Scale;
        public double* Values;

        public readonly void Run(int n)
        {
            TC* lanes = stackalloc TC[16];
            double* totals = stackalloc double[16];
            new Span<TC>(lanes, 16).Clear();
            new Span<double>(totals, 16).Clear();
            // The Half rows come from the scratch of the thread that runs this image.
            float* rows = typeof(TS) == typeof(TC) ? null : Kernels.Scratch<float>.Pointer(Kernels.ScratchSlot.TotalVariationHalfRows, 4L * Width);
            for (int c = 0; c < Channels; c++)
            {
                long offset = (((long)n * Channels) + c) * Plane;
                TS* gradientPlane = Gradient == null ? null : Gradient + offset;
                if (typeof(TS) == typeof(TC))
                {
                    TC* x = (TC*)Images + offset;
                    for (int i = 0; i < Height; i++)
                    {
                        TC* cur = x + ((long)i * Width);
                        TotalVariationEngine<TC>.Row(i > 0 ? cur - Width : null, cur, i < Height - 1 ? cur + Width : null,
                            gradientPlane == null ? null : (TC*)gradientPlane + ((long)i * Width), Width, Squared, Scale, lanes, totals);
                    }
                }
                else
                {
                    TotalVariationHalfPlane((Half*)Images + offset, (Half*)gradientPlane, rows, Height, Width, Squared,
                        float.CreateTruncating(Scale), (float*)lanes, totals);
                }
            }

            Values[n] = TotalVariationEngine<TC>.Finish(totals);
        }
    }

    /// <summary>One Half plane: rows converted to float into a ring of three as they are needed, the gradient converted back row by row.</summary>
    private static unsafe void TotalVariationHalfPlane(Half* plane, Half* gradient, float* rows, int height, int width, bool squared,
        float scale, float* lanes, double* totals)
    {
        float* gradientRow = rows + 3L * width;
        float* Slot(int i) => rows + (long)(i % 3) * width;
        TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(plane, width), new Span<float>(Slot(0), width));
        for (int i = 0; i < height; i++)
        {
            if (i + 1 < height)
                TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(plane + (long)(i + 1) * width, width), new Span<float>(Slot(i + 1), width));
            TotalVariationEngine<float>.Row(i > 0 ? Slot(i - 1) : null, Slot(i), i < height - 1 ? Slot(i + 1) : null,
                gradient != null ? gradientRow : null, width, squared, scale, lanes, totals);
            if (gradient != null)
                TensorPrimitives.ConvertToHalf(new ReadOnlySpan<float>(gradientRow, width), new Span<Half>(gradient + (long)i * width, width));
        }
    }
}
