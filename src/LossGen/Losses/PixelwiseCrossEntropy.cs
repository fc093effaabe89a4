using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace LossGen;

public static partial class Losses
{
    /// <summary>PyTorch's default <c>ignore_index</c>: pixels with this label count for nothing.</summary>
    private const int DefaultIgnoreIndex = -100;

    // ------------------------------------------------------------------ double

    /// <summary>
    /// Pixelwise softmax cross-entropy of segmentation logits <c>[N, C, H, W]</c> against integer labels <c>[N, H, W]</c>:
    /// each pixel is classified on its own, over the class axis C.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Formula.</b> For pixel p with logits <c>x_c = logits[n, c, h, w]</c> and label <c>y = labels[n, h, w]</c>:
    /// <c>loss_p = log Σ_c e^(x_c) − x_y</c>, computed as <c>log Σ_c e^(x_c − m) + (m − x_y)</c> with <c>m = max_c x_c</c>,
    /// so nothing overflows and a confident right answer gives a loss that is exactly <c>log Σ</c>, not a difference of
    /// large numbers. The gradient is <c>softmax(x)_c − [c = y]</c>. A logit of −∞ (a masked class) is fine while some
    /// logit of the pixel is finite: its probability and gradient are 0; a pixel whose logits are all −∞ gives NaN.
    /// </para>
    /// <para>
    /// <b>Ignored pixels.</b> A pixel labelled <paramref name="ignoreIndex"/> (default −100, as PyTorch) has loss 0 and
    /// gradient 0 and is left out of the mean's count. <paramref name="ignoreIndex"/> may also be a class in
    /// <c>[0, C)</c> (for example a background class). Every other label must be in <c>[0, C)</c>.
    /// </para>
    /// <para>
    /// <b>Reduction.</b> <see cref="Reduction.Mean"/> divides the sum of the pixel losses by the number of pixels that are
    /// not ignored (NaN when there are none, as PyTorch); <see cref="Reduction.Sum"/> is the sum (0 for no pixels). The
    /// sum is accumulated in double, pixel j of an image into lane j mod 16 (8 for double), the lanes then added
    /// pairwise: the result is the same bits at every vector width.
    /// </para>
    /// <para>
    /// <b>PyTorch and Keras.</b> Equals <c>nn.CrossEntropyLoss(ignore_index=ignoreIndex, reduction=...)</c> on 4-D
    /// input <c>[N, C, H, W]</c> with class-index targets <c>[N, H, W]</c> (no class weights, no label smoothing), and
    /// <see cref="SparseSoftmaxCrossEntropy(ReadOnlySpan{double}, ReadOnlySpan{int}, int, double, Reduction)"/> on the
    /// logits transposed to rows <c>[N·H·W, C]</c>. Keras <c>SparseCategoricalCrossentropy(from_logits=True,
    /// ignore_class=...)</c> takes channels-last input <c>[N, H, W, C]</c>, whose rows are already contiguous: use
    /// <c>SparseSoftmaxCrossEntropy</c> with rowLength C there. Unlike PyTorch, which returns garbage or raises a device
    /// assertion, a label outside <c>[0, C)</c> throws before anything is written.
    /// </para>
    /// <para>
    /// <b>Cost.</b> The class axis has stride H·W, so it is not transposed: vectors run along the contiguous pixel axis,
    /// each lane a pixel, and each vector of pixels reads its C strided logits three times (max, Σ exp, gradient) while
    /// they are in L1. One exp per logit; no allocation (Half inputs go through per-thread float tiles of 256 pixels,
    /// allocated once per thread).
    /// </para>
    /// </remarks>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, H, W]</c>; N = length / (C·H·W).</param>
    /// <param name="labels">Class of each pixel, row-major <c>[N, H, W]</c>: in <c>[0, C)</c>, or <paramref name="ignoreIndex"/>.</param>
    /// <param name="classes">C, the number of classes (at least 1).</param>
    /// <param name="height">H, the image height (at least 1).</param>
    /// <param name="width">W, the image width (at least 1).</param>
    /// <param name="reduction">Mean over the pixels that are not ignored, or Sum.</param>
    /// <param name="ignoreIndex">The label of pixels that count for nothing (PyTorch's <c>ignore_index</c>).</param>
    /// <param name="zeroWhenAllIgnored">With every pixel ignored, the mean is 0 rather than PyTorch's NaN (the gradient is 0 either way).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="logits"/> is not a whole number of <c>[C, H, W]</c> images, or <paramref name="labels"/> does not
    /// hold N·H·W labels.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="classes"/>, <paramref name="height"/> or <paramref name="width"/> below 1, an unknown
    /// <paramref name="reduction"/>, or a label outside <c>[0, C)</c> that is not <paramref name="ignoreIndex"/> (the
    /// message names the first such label's index, its image, row and column, and its value).
    /// </exception>
    public static double PixelwiseCrossEntropy(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, [Positive] int classes, [Positive] int height, [Positive] int width,
        Reduction reduction = Reduction.Mean, int ignoreIndex = DefaultIgnoreIndex, bool zeroWhenAllIgnored = false)
        => PixelwiseCore<double, double>(logits, labels, default, false, default, false, classes, height, width, reduction, ignoreIndex, zeroWhenAllIgnored);

    /// <summary>
    /// The pixelwise softmax cross-entropy of <c>[N, C, H, W]</c> logits and its gradient with respect to the logits,
    /// <c>(softmax − one-hot)</c> times the reduction's factor, in one pass.
    /// </summary>
    /// <remarks>
    /// The conventions are those of
    /// <see cref="PixelwiseCrossEntropy(ReadOnlySpan{double}, ReadOnlySpan{int}, int, int, int, Reduction, int, bool)"/>. The
    /// gradient of the mean is divided by the number of pixels that are not ignored (PyTorch's); ignored pixels get 0 in
    /// every class. <paramref name="logitsGradient"/> may be <paramref name="logits"/> itself (an in-place update), but
    /// must not overlap it otherwise.
    /// </remarks>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, H, W]</c>.</param>
    /// <param name="labels">Class of each pixel, <c>[N, H, W]</c>.</param>
    /// <param name="logitsGradient">Receives d loss / d logits, <c>[N, C, H, W]</c>.</param>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="height">H, the image height.</param>
    /// <param name="width">W, the image width.</param>
    /// <param name="reduction">Mean over the pixels that are not ignored, or Sum.</param>
    /// <param name="ignoreIndex">The label of pixels that count for nothing.</param>
    /// <param name="zeroWhenAllIgnored">With every pixel ignored, the mean is 0 rather than PyTorch's NaN (the gradient is 0 either way).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">
    /// As for <c>PixelwiseCrossEntropy</c>, or <paramref name="logitsGradient"/> not of the logits' length, or
    /// overlapping them other than exactly. Nothing is written.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <c>PixelwiseCrossEntropy</c>; nothing is written.</exception>
    public static double PixelwiseCrossEntropyWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> logitsGradient,
        [Positive] int classes, [Positive] int height, [Positive] int width, Reduction reduction = Reduction.Mean, int ignoreIndex = DefaultIgnoreIndex, bool zeroWhenAllIgnored = false)
        => PixelwiseCore<double, double>(logits, labels, logitsGradient, true, default, false, classes, height, width, reduction, ignoreIndex, zeroWhenAllIgnored);

    /// <summary>The pixelwise softmax cross-entropy of each pixel, unreduced: <c>losses[n, h, w]</c>, 0 for ignored pixels.</summary>
    /// <remarks>
    /// PyTorch's <c>reduction='none'</c>. The conventions are those of
    /// <see cref="PixelwiseCrossEntropy(ReadOnlySpan{double}, ReadOnlySpan{int}, int, int, int, Reduction, int, bool)"/>.
    /// </remarks>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, H, W]</c>.</param>
    /// <param name="labels">Class of each pixel, <c>[N, H, W]</c>.</param>
    /// <param name="losses">Receives the loss of each pixel, <c>[N, H, W]</c>.</param>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="height">H, the image height.</param>
    /// <param name="width">W, the image width.</param>
    /// <param name="ignoreIndex">The label of pixels that get loss 0.</param>
    /// <exception cref="ArgumentException">As for <c>PixelwiseCrossEntropy</c>, or <paramref name="losses"/> not of N·H·W elements; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <c>PixelwiseCrossEntropy</c>; nothing is written.</exception>
    public static void PixelwiseCrossEntropyElementwise(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> losses,
        [Positive] int classes, [Positive] int height, [Positive] int width, int ignoreIndex = DefaultIgnoreIndex)
        => PixelwiseCore<double, double>(logits, labels, default, false, losses, true, classes, height, width, Reduction.Sum, ignoreIndex);

    // ------------------------------------------------------------------ float

    /// <inheritdoc cref="PixelwiseCrossEntropy(ReadOnlySpan{double}, ReadOnlySpan{int}, int, int, int, Reduction, int, bool)"/>
    /// <summary>Pixelwise softmax cross-entropy of <c>[N, C, H, W]</c> logits, single precision (the sum is accumulated in double, rounded once).</summary>
    public static float PixelwiseCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, [Positive] int classes, [Positive] int height, [Positive] int width,
        Reduction reduction = Reduction.Mean, int ignoreIndex = DefaultIgnoreIndex, bool zeroWhenAllIgnored = false)
        => (float)PixelwiseCore<float, float>(logits, labels, default, false, default, false, classes, height, width, reduction, ignoreIndex, zeroWhenAllIgnored);

    /// <inheritdoc cref="PixelwiseCrossEntropyWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, int, int, Reduction, int, bool)"/>
    /// <summary>Pixelwise softmax cross-entropy and its gradient with respect to the logits, single precision.</summary>
    public static float PixelwiseCrossEntropyWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> logitsGradient,
        [Positive] int classes, [Positive] int height, [Positive] int width, Reduction reduction = Reduction.Mean, int ignoreIndex = DefaultIgnoreIndex, bool zeroWhenAllIgnored = false)
        => (float)PixelwiseCore<float, float>(logits, labels, logitsGradient, true, default, false, classes, height, width, reduction, ignoreIndex, zeroWhenAllIgnored);

    /// <inheritdoc cref="PixelwiseCrossEntropyElementwise(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, int, int, int)"/>
    /// <summary>The pixelwise softmax cross-entropy of each pixel, single precision.</summary>
    public static void PixelwiseCrossEntropyElementwise(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> losses,
        [Positive] int classes, [Positive] int height, [Positive] int width, int ignoreIndex = DefaultIgnoreIndex)
        => PixelwiseCore<float, float>(logits, labels, default, false, losses, true, classes, height, width, Reduction.Sum, ignoreIndex);

    // ------------------------------------------------------------------ Half

    /// <inheritdoc cref="PixelwiseCrossEntropy(ReadOnlySpan{double}, ReadOnlySpan{int}, int, int, int, Reduction, int, bool)"/>
    /// <summary>
    /// Pixelwise softmax cross-entropy of <c>[N, C, H, W]</c> logits, half precision: computed in float on converted
    /// tiles, the same bits as the float overload on the same values, rounded to Half once.
    /// </summary>
    public static Half PixelwiseCrossEntropy(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, [Positive] int classes, [Positive] int height, [Positive] int width,
        Reduction reduction = Reduction.Mean, int ignoreIndex = DefaultIgnoreIndex, bool zeroWhenAllIgnored = false)
        => (Half)(float)PixelwiseCore<Half, float>(logits, labels, default, false, default, false, classes, height, width, reduction, ignoreIndex, zeroWhenAllIgnored);

    /// <inheritdoc cref="PixelwiseCrossEntropyWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, int, int, Reduction, int, bool)"/>
    /// <summary>Pixelwise softmax cross-entropy and its gradient with respect to the logits, half precision (computed in float, each value rounded once).</summary>
    public static Half PixelwiseCrossEntropyWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, Span<Half> logitsGradient,
        [Positive] int classes, [Positive] int height, [Positive] int width, Reduction reduction = Reduction.Mean, int ignoreIndex = DefaultIgnoreIndex, bool zeroWhenAllIgnored = false)
        => (Half)(float)PixelwiseCore<Half, float>(logits, labels, logitsGradient, true, default, false, classes, height, width, reduction, ignoreIndex, zeroWhenAllIgnored);

    /// <inheritdoc cref="PixelwiseCrossEntropyElementwise(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, int, int, int)"/>
    /// <summary>The pixelwise softmax cross-entropy of each pixel, half precision (computed in float, each rounded once).</summary>
    public static void PixelwiseCrossEntropyElementwise(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, Span<Half> losses,
        [Positive] int classes, [Positive] int height, [Positive] int width, int ignoreIndex = DefaultIgnoreIndex)
        => PixelwiseCore<Half, float>(logits, labels, default, false, losses, true, classes, height, width, Reduction.Sum, ignoreIndex);

    // ------------------------------------------------------------------ engine entry

    /// <summary>
    /// Validates everything, then runs every image. <typeparamref name="TS"/> is the storage type, <typeparamref name="TC"/>
    /// the compute type (TS itself, or float for Half). Returns the reduced loss in double.
    /// </summary>
    internal static unsafe double PixelwiseCore<TS, TC>(ReadOnlySpan<TS> logits, ReadOnlySpan<int> labels,
        Span<TS> gradient, bool wantGradient, Span<TS> losses, bool wantLosses,
        int classes, int height, int width, Reduction reduction, int ignoreIndex, bool zeroWhenAllIgnored = false)
        where TS : unmanaged
        where TC : unmanaged, IBinaryFloatingPointIeee754<TC>
    {
        Kernels.ReductionChecks.ThrowIfNotMeanOrSum(reduction);
        (int images, int image, int pixels) = ImageShape.Batch(logits.Length, nameof(logits), classes, height, width, nameof(classes));
        if (labels.Length != (long)images * pixels)
            throw new ArgumentException(
                $"'labels' has {labels.Length} labels, but the logits hold {images} images of {height}·{width} pixels: one label per pixel, [N, H, W] = {(long)images * pixels}.", nameof(labels));
        if (wantGradient)
        {
            if (gradient.Length != logits.Length)
                throw new ArgumentException($"'logitsGradient' has {gradient.Length} elements, but 'logits' has {logits.Length}.", "logitsGradient");
            if (logits.Overlaps(gradient, out int offset) && offset != 0)
                throw new ArgumentException($"'logitsGradient' overlaps 'logits' at an offset of {offset} elements; it may be the logits themselves, or apart from them.", "logitsGradient");
        }
        if (wantLosses && losses.Length != labels.Length)
            throw new ArgumentException($"'losses' has {losses.Length} elements, but there are {labels.Length} pixels ([N, H, W]).", "losses");

        // Labels: vectorized searches for the first label outside [0, C), then past each run of ignored labels
        // (ignoreIndex may lie inside [0, C) too: then it is counted apart).
        int ignored = 0;
        for (int start = 0; start < labels.Length;)
        {
            int found = labels[start..].IndexOfAnyExceptInRange(0, classes - 1);
            if (found < 0) break;
            int at = start + found;
            int value = labels[at];
            if (value != ignoreIndex)
            {
                int n = at / pixels, h = at % pixels / width, w = at % width;
                throw new ArgumentOutOfRangeException(nameof(labels), value,
                    $"labels[{at}] (image {n}, row {h}, column {w}) is {value}; labels must be class indices in [0, {classes}) or ignoreIndex ({ignoreIndex}).");
            }
            int run = labels[at..].IndexOfAnyExcept(ignoreIndex);
            ignored += run < 0 ? labels.Length - at : run;
            start = run < 0 ? labels.Length : at + run;
        }
        if ((uint)ignoreIndex < (uint)classes) ignored = labels.Count(ignoreIndex);
        int counted = labels.Length - ignored;

        // ---- validated: compute.
        TC scale = reduction == Reduction.Sum || counted == 0 ? TC.One : TC.CreateTruncating(1.0 / counted);
        double* totals = stackalloc double[16];
        new Span<double>(totals, 16).Clear();
        fixed (TS* logitsPtr = logits)
        fixed (TS* gradientPtr = gradient)
        fixed (TS* lossesPtr = losses)
        fixed (int* labelsPtr = labels)
        {
            if (typeof(TS) == typeof(TC))
            {
                for (int n = 0; n < images; n++)
                {
                    var block = new PixelBlock<TC>
                    {
                        Logits = (TC*)logitsPtr + (long)n * image,
                        Gradient = wantGradient ? (TC*)gradientPtr + (long)n * image : null,
                        Losses = wantLosses ? (TC*)lossesPtr + (long)n * pixels : null,
                        Labels = labelsPtr + (long)n * pixels,
                        Stride = pixels,
                        Classes = classes,
                        IgnoreIndex = ignoreIndex,
                        Scale = scale,
                    };
                    PixelwiseCrossEntropyEngine<TC>.Run(in block, pixels, totals);
                }
            }
            else if (images > 0)
            {
                PixelwiseHalf((Half*)logitsPtr, labelsPtr, wantGradient ? (Half*)gradientPtr : null, wantLosses ? (Half*)lossesPtr : null,
                    images, classes, pixels, ignoreIndex, float.CreateTruncating(scale), totals);
            }
        }

        double total = PixelwiseCrossEntropyEngine<TC>.Finish(totals);
        return reduction == Reduction.Sum ? total : counted == 0 ? (zeroWhenAllIgnored ? 0 : double.NaN) : total / counted;
    }

    /// <summary>
    /// The Half path: each image in tiles of 256 pixels, converted to float, run by the float engine and converted
    /// back. Tiles start at multiples of 256, so every pixel lands in the lane it has in the float path.
    /// </summary>
    private static unsafe void PixelwiseHalf(Half* logits, int* labels, Half* gradient, Half* losses,
        int images, int classes, int pixels, int ignoreIndex, float scale, double* totals)
    {
        const int Tile = PixelwiseCrossEntropyEngine.HalfTile;
        float* x = Kernels.Scratch<float>.Pointer(Kernels.ScratchSlot.PixelwiseHalfTiles, (2L * classes + 1) * Tile);
        float* g = x + (long)classes * Tile;
        float* l = g + (long)classes * Tile;
        long image = (long)classes * pixels;
        for (int n = 0; n < images; n++)
        {
            for (int t0 = 0; t0 < pixels; t0 += Tile)
            {
                int count = Math.Min(Tile, pixels - t0);
                Half* source = logits + n * image + t0;
                for (int c = 0; c < classes; c++)
                    TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(source + (long)c * pixels, count), new Span<float>(x + (long)c * Tile, count));
                var block = new PixelBlock<float>
                {
                    Logits = x,
                    Gradient = gradient != null ? g : null,
                    Losses = losses != null ? l : null,
                    Labels = labels + (long)n * pixels + t0,
                    Stride = Tile,
                    Classes = classes,
                    IgnoreIndex = ignoreIndex,
                    Scale = scale,
                };
                PixelwiseCrossEntropyEngine<float>.Run(in block, count, totals);
                if (gradient != null)
                {
                    Half* target = gradient + n * image + t0;
                    for (int c = 0; c < classes; c++)
                        TensorPrimitives.ConvertToHalf(new ReadOnlySpan<float>(g + (long)c * Tile, count), new Span<Half>(target + (long)c * pixels, count));
                }
                if (losses != null)
                    TensorPrimitives.ConvertToHalf(new ReadOnlySpan<float>(l, count), new Span<Half>(losses + (long)n * pixels + t0, count));
            }
        }
    }
}
