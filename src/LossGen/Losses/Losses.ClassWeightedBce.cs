using System;
using LossGen.Kernels;
using static LossGen.LossMath;

namespace LossGen;

// Binary cross-entropy on logits with one pos_weight per class, as PyTorch's BCEWithLogitsLoss(pos_weight=[C]) over
// [N, C] logits. The formula is a row formula over the classes with the weights as a shared row; its row is averaged
// (for PyTorch's mean over all N·C elements) or summed, a flag, so each reduction has a kernel of its own.
public static partial class Losses
{
    /// <summary>
    /// One row of binary cross-entropy on logits with a weight on each class's positive term, averaged over the row when
    /// <paramref name="averaged"/>: w_c·y·softplus(−x) + (1 − y)·softplus(x), y smoothed as Keras.
    /// </summary>
    [Loss]
    private static double ClassWeightedBinaryCrossEntropyWithLogits(Row logits, [Target] Row target, [Hyper, NonNegative] Row posWeight,
        [Hyper, Probability] double labelSmoothing, [Hyper] bool averaged)
    {
        var y = target * (1.0 - labelSmoothing) + 0.5 * labelSmoothing;
        var perClass = posWeight * y * Softplus(-logits) + (1.0 - y) * Softplus(logits);
        return averaged ? Mean(perClass) : Sum(perClass);
    }

    /// <summary>
    /// Binary cross-entropy on logits with one positive weight per class, PyTorch <c>BCEWithLogitsLoss(pos_weight)</c> with
    /// <c>pos_weight</c> of shape <c>[C]</c>: for <c>[batch, C]</c> logits and targets, each element's loss is
    /// w_c·y·softplus(−x) + (1 − y)·softplus(x); <see cref="Reduction.Mean"/> averages over all batch·C elements,
    /// <see cref="Reduction.Sum"/> adds them. <paramref name="labelSmoothing"/> takes each target to y·(1 − ε) + ε/2 first.
    /// </summary>
    /// <param name="logits">Logits, row-major <c>[batch, C]</c>, C the length of <paramref name="posWeight"/>.</param>
    /// <param name="target">Targets in [0, 1], the same shape.</param>
    /// <param name="posWeight">The weight of each class's positive term (length C).</param>
    /// <param name="labelSmoothing">ε, as Keras's <c>label_smoothing</c>.</param>
    /// <param name="reduction">Mean over all elements, or sum.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">The lengths are not whole rows of C, or differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative or NaN weight, or smoothing outside [0, 1].</exception>
    public static float BinaryCrossEntropyWithLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, ReadOnlySpan<float> posWeight, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean)
        => ClassWeightedBinaryCrossEntropyWithLogits(logits, target, posWeight, Classes(posWeight.Length), labelSmoothing, Averaged(reduction), reduction);

    /// <inheritdoc cref="BinaryCrossEntropyWithLogits(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, double, Reduction)"/>
    public static double BinaryCrossEntropyWithLogits(ReadOnlySpan<double> logits, ReadOnlySpan<double> target, ReadOnlySpan<double> posWeight, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean)
        => ClassWeightedBinaryCrossEntropyWithLogits(logits, target, posWeight, Classes(posWeight.Length), labelSmoothing, Averaged(reduction), reduction);

    /// <inheritdoc cref="BinaryCrossEntropyWithLogits(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, double, Reduction)"/>
    public static Half BinaryCrossEntropyWithLogits(ReadOnlySpan<Half> logits, ReadOnlySpan<Half> target, ReadOnlySpan<Half> posWeight, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean)
        => ClassWeightedBinaryCrossEntropyWithLogits(logits, target, posWeight, Classes(posWeight.Length), labelSmoothing, Averaged(reduction), reduction);

    /// <summary>
    /// <see cref="BinaryCrossEntropyWithLogits(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, double, Reduction)"/>
    /// and its gradient with respect to the logits (divided by batch·C for the mean), in one pass of each kind over each row.
    /// </summary>
    /// <param name="logits">Logits, row-major <c>[batch, C]</c>, C the length of <paramref name="posWeight"/>.</param>
    /// <param name="target">Targets in [0, 1], the same shape.</param>
    /// <param name="logitsGradient">Receives the gradient of the reduced loss with respect to <paramref name="logits"/>.</param>
    /// <param name="posWeight">The weight of each class's positive term (length C).</param>
    /// <param name="labelSmoothing">ε, as Keras's <c>label_smoothing</c>.</param>
    /// <param name="reduction">Mean over all elements, or sum.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">The lengths are not whole rows of C, or differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative or NaN weight, or smoothing outside [0, 1].</exception>
    public static float BinaryCrossEntropyWithLogitsWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> logitsGradient, ReadOnlySpan<float> posWeight, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean)
        => ClassWeightedBinaryCrossEntropyWithLogitsWithGradient(logits, target, posWeight, logitsGradient, Classes(posWeight.Length), labelSmoothing, Averaged(reduction), reduction);

    /// <inheritdoc cref="BinaryCrossEntropyWithLogitsWithGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{float}, double, Reduction)"/>
    public static double BinaryCrossEntropyWithLogitsWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<double> target, Span<double> logitsGradient, ReadOnlySpan<double> posWeight, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean)
        => ClassWeightedBinaryCrossEntropyWithLogitsWithGradient(logits, target, posWeight, logitsGradient, Classes(posWeight.Length), labelSmoothing, Averaged(reduction), reduction);

    /// <inheritdoc cref="BinaryCrossEntropyWithLogitsWithGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{float}, double, Reduction)"/>
    public static Half BinaryCrossEntropyWithLogitsWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<Half> target, Span<Half> logitsGradient, ReadOnlySpan<Half> posWeight, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean)
        => ClassWeightedBinaryCrossEntropyWithLogitsWithGradient(logits, target, posWeight, logitsGradient, Classes(posWeight.Length), labelSmoothing, Averaged(reduction), reduction);

    /// <summary>The row length is the number of weights; none is an error that names the weights, not a row length.</summary>
    private static int Classes(int posWeightLength)
        => posWeightLength > 0 ? posWeightLength : throw new ArgumentException("'posWeight' is empty: it holds one weight per class.", "posWeight");

    /// <summary>Mean over all elements is the mean over rows of each row's mean; the sum adds the rows' sums.</summary>
    private static bool Averaged(Reduction reduction)
    {
        ReductionChecks.ThrowIfNotMeanOrSum(reduction);
        return reduction == Reduction.Mean;
    }
}
