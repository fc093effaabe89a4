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

    // ------------------------------------------------------------------ any number of spatial dimensions, class weights, smoothing

    /// <summary>
    /// Pixelwise softmax cross-entropy of logits <c>[N, C, d1, …, dk]</c> against integer labels <c>[N, d1, …, dk]</c>, any
    /// number k ≥ 1 of spatial dimensions (a volume <c>[N, C, D, H, W]</c>, a sequence <c>[N, C, L]</c>), with a weight per
    /// class and label smoothing: PyTorch's <c>CrossEntropyLoss(weight, ignore_index, label_smoothing)</c> on that input.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Formula.</b> With L = log Σ_c e^(x_c) over the classes of a voxel: <c>(1 − ε)·w[y]·(L − x_y) + ε/C·Σ_c w[c]·(L − x_c)</c>
    /// (PyTorch's; without weights every w is 1). The gradient is
    /// <c>softmax_c·((1 − ε)·w[y] + ε/C·Σw) − (1 − ε)·w[y]·[c = y] − ε/C·w[c]</c>.
    /// </para>
    /// <para>
    /// <b>Reduction.</b> The mean divides by Σ w[y] over the voxels that are not ignored (by their count without weights),
    /// as PyTorch; NaN when that is 0 (or 0 with <paramref name="zeroWhenAllIgnored"/>). Without weights and smoothing the
    /// result is <see cref="PixelwiseCrossEntropy(ReadOnlySpan{double}, ReadOnlySpan{int}, int, int, int, Reduction, int, bool)"/>'s,
    /// bit for bit, for any split of the voxels into dimensions. Every other convention (−∞ logits, labels, ignored voxels,
    /// same bits at every vector width) is that overload's; the smoothing sum is skipped when ε is 0, so a class masked
    /// with −∞ stays harmless there.
    /// </para>
    /// </remarks>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, d1, …, dk]</c>; N = length / (C·d1·…·dk).</param>
    /// <param name="labels">Class of each voxel, row-major <c>[N, d1, …, dk]</c>: in <c>[0, C)</c>, or <paramref name="ignoreIndex"/>.</param>
    /// <param name="classes">C, the number of classes (at least 1).</param>
    /// <param name="spatialShape">The spatial dimensions of one image, <c>[d1, …, dk]</c>, each at least 1.</param>
    /// <param name="classWeights">One weight per class, finite and at least 0 (PyTorch's <c>weight</c>); empty for none.</param>
    /// <param name="labelSmoothing">ε in [0, 1], PyTorch's <c>label_smoothing</c>.</param>
    /// <param name="reduction">The weighted mean over the voxels that are not ignored, or the sum.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing (PyTorch's <c>ignore_index</c>).</param>
    /// <param name="zeroWhenAllIgnored">With every voxel ignored (or of weight 0), the mean is 0 rather than PyTorch's NaN.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">
    /// An empty <paramref name="spatialShape"/>, <paramref name="logits"/> not a whole number of images, labels not one per
    /// voxel, or <paramref name="classWeights"/> not one per class. Nothing is written.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A dimension below 1, a negative or non-finite class weight, <paramref name="labelSmoothing"/> outside [0, 1], an
    /// unknown reduction, or a label outside <c>[0, C)</c> that is not <paramref name="ignoreIndex"/> (named by its image
    /// and position). Nothing is written.
    /// </exception>
    public static double PixelwiseCrossEntropy(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<double> classWeights = default, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, int ignoreIndex = DefaultIgnoreIndex, bool zeroWhenAllIgnored = false)
        => PixelwiseCore<double, double>(logits, labels, default, false, default, false, classes, spatialShape, classWeights, labelSmoothing, reduction, ignoreIndex, zeroWhenAllIgnored);

    /// <summary>
    /// <see cref="PixelwiseCrossEntropy(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, Reduction, int, bool)"/>
    /// and its gradient with respect to the logits, in one pass; ignored voxels get 0. <paramref name="logitsGradient"/> may
    /// be <paramref name="logits"/> itself, but must not overlap it otherwise.
    /// </summary>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, d1, …, dk]</c>.</param>
    /// <param name="labels">Class of each voxel, <c>[N, d1, …, dk]</c>.</param>
    /// <param name="logitsGradient">Receives d loss / d logits, <c>[N, C, d1, …, dk]</c>.</param>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="spatialShape">The spatial dimensions of one image.</param>
    /// <param name="classWeights">One weight per class, or empty.</param>
    /// <param name="labelSmoothing">ε in [0, 1].</param>
    /// <param name="reduction">The weighted mean over the voxels that are not ignored, or the sum.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <param name="zeroWhenAllIgnored">With every voxel ignored, the mean is 0 rather than NaN (the gradient is 0 either way).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">As for the loss, or <paramref name="logitsGradient"/> not of the logits' length, or overlapping them other than exactly.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for the loss.</exception>
    public static double PixelwiseCrossEntropyWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<double> classWeights = default, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, int ignoreIndex = DefaultIgnoreIndex, bool zeroWhenAllIgnored = false)
        => PixelwiseCore<double, double>(logits, labels, logitsGradient, true, default, false, classes, spatialShape, classWeights, labelSmoothing, reduction, ignoreIndex, zeroWhenAllIgnored);

    /// <summary>The loss of each voxel, unreduced (<c>[N, d1, …, dk]</c>, 0 for ignored voxels), weighted and smoothed as the reduced form.</summary>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, d1, …, dk]</c>.</param>
    /// <param name="labels">Class of each voxel, <c>[N, d1, …, dk]</c>.</param>
    /// <param name="losses">Receives the loss of each voxel.</param>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="spatialShape">The spatial dimensions of one image.</param>
    /// <param name="classWeights">One weight per class, or empty.</param>
    /// <param name="labelSmoothing">ε in [0, 1].</param>
    /// <param name="ignoreIndex">The label of voxels that get loss 0.</param>
    /// <exception cref="ArgumentException">As for the loss, or <paramref name="losses"/> not one per voxel.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for the loss.</exception>
    public static void PixelwiseCrossEntropyElementwise(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> losses, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<double> classWeights = default, [Probability] double labelSmoothing = 0.0, int ignoreIndex = DefaultIgnoreIndex)
        => PixelwiseCore<double, double>(logits, labels, default, false, losses, true, classes, spatialShape, classWeights, labelSmoothing, Reduction.Sum, ignoreIndex);

    /// <inheritdoc cref="PixelwiseCrossEntropy(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, Reduction, int, bool)"/>
    public static float PixelwiseCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<float> classWeights = default, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, int ignoreIndex = DefaultIgnoreIndex, bool zeroWhenAllIgnored = false)
        => (float)PixelwiseCore<float, float>(logits, labels, default, false, default, false, classes, spatialShape, classWeights, labelSmoothing, reduction, ignoreIndex, zeroWhenAllIgnored);

    /// <inheritdoc cref="PixelwiseCrossEntropyWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, Reduction, int, bool)"/>
    public static float PixelwiseCrossEntropyWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<float> classWeights = default, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, int ignoreIndex = DefaultIgnoreIndex, bool zeroWhenAllIgnored = false)
        => (float)PixelwiseCore<float, float>(logits, labels, logitsGradient, true, default, false, classes, spatialShape, classWeights, labelSmoothing, reduction, ignoreIndex, zeroWhenAllIgnored);

    /// <inheritdoc cref="PixelwiseCrossEntropyElementwise(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>
    public static void PixelwiseCrossEntropyElementwise(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> losses, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<float> classWeights = default, [Probability] double labelSmoothing = 0.0, int ignoreIndex = DefaultIgnoreIndex)
        => PixelwiseCore<float, float>(logits, labels, default, false, losses, true, classes, spatialShape, classWeights, labelSmoothing, Reduction.Sum, ignoreIndex);

    /// <inheritdoc cref="PixelwiseCrossEntropy(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, Reduction, int, bool)"/>
    public static Half PixelwiseCrossEntropy(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<Half> classWeights = default, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, int ignoreIndex = DefaultIgnoreIndex, bool zeroWhenAllIgnored = false)
        => (Half)(float)PixelwiseCore<Half, float>(logits, labels, default, false, default, false, classes, spatialShape, classWeights, labelSmoothing, reduction, ignoreIndex, zeroWhenAllIgnored);

    /// <inheritdoc cref="PixelwiseCrossEntropyWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, Reduction, int, bool)"/>
    public static Half PixelwiseCrossEntropyWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, Span<Half> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<Half> classWeights = default, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, int ignoreIndex = DefaultIgnoreIndex, bool zeroWhenAllIgnored = false)
        => (Half)(float)PixelwiseCore<Half, float>(logits, labels, logitsGradient, true, default, false, classes, spatialShape, classWeights, labelSmoothing, reduction, ignoreIndex, zeroWhenAllIgnored);

    /// <inheritdoc cref="PixelwiseCrossEntropyElementwise(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>
    public static void PixelwiseCrossEntropyElementwise(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, Span<Half> losses, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<Half> classWeights = default, [Probability] double labelSmoothing = 0.0, int ignoreIndex = DefaultIgnoreIndex)
        => PixelwiseCore<Half, float>(logits, labels, default, false, losses, true, classes, spatialShape, classWeights, labelSmoothing, Reduction.Sum, ignoreIndex);

    // ------------------------------------------------------------------ engine entry

    /// <summary>
    /// Validates everything, then runs every image. <typeparamref name="TS"/> is the storage type, <typeparamref name="TC"/>
    /// the compute type (TS itself, or float for Half). Returns the reduced loss in double.
    /// </summary>
    internal static double PixelwiseCore<TS, TC>(ReadOnlySpan<TS> logits, ReadOnlySpan<int> labels,
        Span<TS> gradient, bool wantGradient, Span<TS> losses, bool wantLosses,
        int classes, int height, int width, Reduction reduction, int ignoreIndex, bool zeroWhenAllIgnored = false)
        where TS : unmanaged, INumberBase<TS>
        where TC : unmanaged, IBinaryFloatingPointIeee754<TC>
        => PixelwiseCore<TS, TC>(logits, labels, gradient, wantGradient, losses, wantLosses, classes, [height, width], default, 0, reduction, ignoreIndex, zeroWhenAllIgnored);

    /// <summary>
    /// <see cref="PixelwiseCore{TS, TC}(ReadOnlySpan{TS}, ReadOnlySpan{int}, Span{TS}, bool, Span{TS}, bool, int, int, int, Reduction, int, bool)"/>
    /// over any number of spatial dimensions, with class weights (empty for none) and label smoothing.
    /// </summary>
    internal static unsafe double PixelwiseCore<TS, TC>(ReadOnlySpan<TS> logits, ReadOnlySpan<int> labels,
        Span<TS> gradient, bool wantGradient, Span<TS> losses, bool wantLosses,
        int classes, ReadOnlySpan<int> spatial, ReadOnlySpan<TS> classWeights, double labelSmoothing, Reduction reduction, int ignoreIndex, bool zeroWhenAllIgnored = false)
        where TS : unmanaged, INumberBase<TS>
        where TC : unmanaged, IBinaryFloatingPointIeee754<TC>
    {
        Kernels.ReductionChecks.ThrowIfNotMeanOrSum(reduction);
        (int images, int image, int pixels) = spatial.Length == 2
            ? ImageShape.Batch(logits.Length, nameof(logits), classes, spatial[0], spatial[1], nameof(classes))
            : ImageShape.Batch(logits.Length, nameof(logits), classes, spatial, nameof(classes));
        if (labels.Length != (long)images * pixels)
            throw new ArgumentException(
                $"'labels' has {labels.Length} labels, but the logits hold {images} images of {string.Join("·", spatial.ToArray())} pixels: one label per pixel, [N, {(spatial.Length == 2 ? "H, W" : "d1, …, dk")}] = {(long)images * pixels}.", nameof(labels));
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "The label smoothing must be in [0, 1].");
        ThrowIfBadClassWeights(classWeights, classes);
        if (wantGradient)
        {
            if (gradient.Length != logits.Length)
                throw new ArgumentException($"'logitsGradient' has {gradient.Length} elements, but 'logits' has {logits.Length}.", "logitsGradient");
            if (logits.Overlaps(gradient, out int offset) && offset != 0)
                throw new ArgumentException($"'logitsGradient' overlaps 'logits' at an offset of {offset} elements; it may be the logits themselves, or apart from them.", "logitsGradient");
        }
        if (wantLosses && losses.Length != labels.Length)
            throw new ArgumentException($"'losses' has {losses.Length} elements, but there are {labels.Length} pixels ([N, H, W]).", "losses");

        int ignored = CountIgnoredLabels(labels, classes, pixels, spatial, ignoreIndex);
        int counted = labels.Length - ignored;

        // ---- validated: compute. With class weights (or smoothing, the weights then all 1) the weighted loop runs, and
        // the mean divides by the weights of the pixels that count (PyTorch's), in double, pixel by pixel.
        bool weighted = !classWeights.IsEmpty || labelSmoothing > 0;
        TC* weights = weighted ? Kernels.Scratch<TC>.Pointer(Kernels.ScratchSlot.PixelwiseClassWeights, classes) : null;
        double divisor = counted, weightSum = classes;
        if (weighted)
        {
            for (int c = 0; c < classes; c++) weights[c] = classWeights.IsEmpty ? TC.One : TC.CreateTruncating(classWeights[c]);
            if (!classWeights.IsEmpty)
            {
                weightSum = 0;
                for (int c = 0; c < classes; c++) weightSum += double.CreateTruncating(weights[c]);
                divisor = 0;
                foreach (int label in labels)
                {
                    if (label != ignoreIndex) divisor += double.CreateTruncating(weights[label]);
                }
            }
        }

        TC scale = reduction == Reduction.Sum || divisor == 0 ? TC.One : TC.CreateTruncating(1.0 / divisor);
        double total;
        fixed (TS* logitsPtr = logits)
        fixed (TS* gradientPtr = gradient)
        fixed (TS* lossesPtr = losses)
        fixed (int* labelsPtr = labels)
        {
            if (typeof(TS) == typeof(TC))
            {
                var first = new PixelBlock<TC>
                {
                    Logits = (TC*)logitsPtr,
                    Gradient = wantGradient ? (TC*)gradientPtr : null,
                    Losses = wantLosses ? (TC*)lossesPtr : null,
                    Labels = labelsPtr,
                    Stride = pixels,
                    Classes = classes,
                    IgnoreIndex = ignoreIndex,
                    Scale = scale,
                    ClassWeights = weights,
                    Smoothing = TC.CreateTruncating(labelSmoothing),
                    WeightSum = TC.CreateTruncating(weightSum),
                };
                total = PixelChunks<TC>.Sum(in first, images, image, pixels);
            }
            else
            {
                total = images == 0 ? 0 : PixelwiseHalf((Half*)logitsPtr, labelsPtr, wantGradient ? (Half*)gradientPtr : null, wantLosses ? (Half*)lossesPtr : null,
                    images, classes, pixels, ignoreIndex, float.CreateTruncating(scale), (float*)weights, (float)labelSmoothing, (float)weightSum);
            }
        }

        return reduction == Reduction.Sum ? total : divisor == 0 ? (zeroWhenAllIgnored ? 0 : double.NaN) : total / divisor;
    }

    /// <summary>
    /// Checks optional class weights (empty for none): one per class, each finite and at least 0; the first that is not
    /// is named by its class.
    /// </summary>
    internal static void ThrowIfBadClassWeights<TS>(ReadOnlySpan<TS> classWeights, int classes)
        where TS : unmanaged, INumberBase<TS>
    {
        if (classWeights.IsEmpty)
            return;
        if (classWeights.Length != classes)
            throw new ArgumentException($"'classWeights' has {classWeights.Length} weights, but there are {classes} classes: one weight per class.", nameof(classWeights));
        for (int c = 0; c < classes; c++)
        {
            double weight = double.CreateTruncating(classWeights[c]);
            if (!(weight >= 0 && double.IsFinite(weight)))
                throw new ArgumentOutOfRangeException(nameof(classWeights), weight, $"classWeights[{c}] is {weight}; class weights must be finite and at least 0.");
        }
    }

    /// <summary>
    /// Checks that every label is a class in [0, <paramref name="classes"/>) or <paramref name="ignoreIndex"/> (throwing for the
    /// first that is not, named by its image and position), and counts the ignored ones: vectorized searches for the first
    /// label outside [0, C), then past each run of ignored labels (ignoreIndex may lie inside [0, C) too: then it is counted apart).
    /// </summary>
    internal static int CountIgnoredLabels(ReadOnlySpan<int> labels, int classes, int pixels, ReadOnlySpan<int> spatial, int ignoreIndex)
    {
        int ignored = 0;
        for (int start = 0; start < labels.Length;)
        {
            int found = labels[start..].IndexOfAnyExceptInRange(0, classes - 1);
            if (found < 0) break;
            int at = start + found;
            int value = labels[at];
            if (value != ignoreIndex)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), value,
                    $"labels[{at}] ({Position(at, pixels, spatial)}) is {value}; labels must be class indices in [0, {classes}) or ignoreIndex ({ignoreIndex}).");
            }
            int run = labels[at..].IndexOfAnyExcept(ignoreIndex);
            ignored += run < 0 ? labels.Length - at : run;
            start = run < 0 ? labels.Length : at + run;
        }
        if ((uint)ignoreIndex < (uint)classes) ignored = labels.Count(ignoreIndex);
        return ignored;
    }

    /// <summary>Where flat label index <paramref name="at"/> lies, for messages: its image, then its row and column, or its position in every spatial dimension.</summary>
    private static string Position(int at, int pixels, ReadOnlySpan<int> spatial)
    {
        int n = at / pixels, rest = at % pixels;
        if (spatial.Length == 2)
        {
            return $"image {n}, row {rest / spatial[1]}, column {rest % spatial[1]}";
        }

        var index = new int[spatial.Length];
        for (int d = spatial.Length - 1; d >= 0; d--)
        {
            index[d] = rest % spatial[d];
            rest /= spatial[d];
        }

        return $"image {n}, position [{string.Join(", ", index)}]";
    }

    /// <summary>
    /// The Half path: each image in tiles of 256 pixels, converted to float, run by the float engine and converted
    /// back. Tiles start at multiples of 256, so every pixel lands in the lane it has in the float path, and the float
    /// path's chunks (whole tiles) end between tiles. Returns the canonical sum of the losses, as the float path adds it.
    /// </summary>
    private static unsafe double PixelwiseHalf(Half* logits, int* labels, Half* gradient, Half* losses,
        int images, int classes, int pixels, int ignoreIndex, float scale, float* classWeights, float smoothing, float weightSum)
    {
        double* totals = stackalloc double[16];
        new Span<double>(totals, 16).Clear();
        int perChunk = PixelChunks<float>.PixelsPerChunk(classes);
        double sum = 0;
        bool firstChunk = true;
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
                    ClassWeights = classWeights,
                    Smoothing = smoothing,
                    WeightSum = weightSum,
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
                // The float path's chunks: each one's lanes summed, then the chunks in order.
                int end = t0 + count;
                if (end % perChunk == 0 || end == pixels)
                {
                    double chunk = PixelwiseCrossEntropyEngine<float>.Finish(totals);
                    sum = firstChunk ? chunk : sum + chunk;
                    firstChunk = false;
                    new Span<double>(totals, 16).Clear();
                }
            }
        }

        return sum;
    }
}
