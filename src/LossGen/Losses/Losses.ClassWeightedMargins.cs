using System;
using static LossGen.LossMath;

namespace LossGen;

// The margin losses with PyTorch's class weights: MultiMarginLoss(weight) and MultiLabelSoftMarginLoss(weight). Each is a
// row formula with the weights as a shared row; the overloads below take them as a span of one weight per class.
public static partial class Losses
{
    /// <summary>One row of <see cref="MultiMargin(Row, int, double, double)"/>, each term times the weight of the row's class.</summary>
    [Loss]
    private static double ClassWeightedMultiMargin(Row logits, int labels, [Hyper, NonNegative] Row classWeights, [Hyper, InRange(1, 2)] double p,
        [Hyper, InRange(double.NegativeInfinity, double.PositiveInfinity)] double margin)
    {
        var hinge = Relu(margin - logits[labels] + logits);
        var terms = Sum(p == 1 ? hinge : Pow(hinge, p)) - (p == 1 ? Relu(margin) : Pow(Relu(margin), p));
        return classWeights[labels] * terms / Length(logits);
    }

    /// <summary>One row of <see cref="MultiLabelSoftMargin(Row, Row)"/>, each class's term times its weight.</summary>
    [Loss]
    private static double ClassWeightedMultiLabelSoftMargin(Row logits, [Target] Row target, [Hyper, NonNegative] Row classWeights)
        => Mean(classWeights * (target * Softplus(-logits) + (1.0 - target) * Softplus(logits)));

    /// <summary>
    /// <see cref="MultiMargin(Row, int, double, double)"/> with class weights, as PyTorch <c>MultiMarginLoss(p, margin, weight)</c>:
    /// a row's terms are multiplied by the weight of its label's class, after the power. Mean averages over rows.
    /// </summary>
    /// <param name="logits">Rows of scores, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength).</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="classWeights">One weight per class (length <paramref name="rowLength"/>).</param>
    /// <param name="p">The power of each hinge, in [1, 2] (PyTorch takes 1 or 2).</param>
    /// <param name="margin">The margin.</param>
    /// <param name="reduction">Mean over rows, or sum.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that are not whole rows, or a weight span that is not one per class.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength), a negative or NaN weight, or a setting outside its range.</exception>
    public static float MultiMargin(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, ReadOnlySpan<float> classWeights, [InRange(1, 2)] double p = 1.0, double margin = 1.0, Reduction reduction = Reduction.Mean)
        => ClassWeightedMultiMargin(logits, labels, classWeights, rowLength, p, margin, reduction);

    /// <inheritdoc cref="MultiMargin(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, double, double, Reduction)"/>
    public static double MultiMargin(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, ReadOnlySpan<double> classWeights, [InRange(1, 2)] double p = 1.0, double margin = 1.0, Reduction reduction = Reduction.Mean)
        => ClassWeightedMultiMargin(logits, labels, classWeights, rowLength, p, margin, reduction);

    /// <inheritdoc cref="MultiMargin(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, double, double, Reduction)"/>
    public static Half MultiMargin(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, ReadOnlySpan<Half> classWeights, [InRange(1, 2)] double p = 1.0, double margin = 1.0, Reduction reduction = Reduction.Mean)
        => ClassWeightedMultiMargin(logits, labels, classWeights, rowLength, p, margin, reduction);

    /// <summary>
    /// <see cref="MultiMargin(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, double, double, Reduction)"/> and its
    /// gradient with respect to the scores (divided by the number of rows for the mean).
    /// </summary>
    /// <param name="logits">Rows of scores, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength).</param>
    /// <param name="logitsGradient">Receives the gradient of the reduced loss with respect to <paramref name="logits"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="classWeights">One weight per class (length <paramref name="rowLength"/>).</param>
    /// <param name="p">The power of each hinge, in [1, 2] (PyTorch takes 1 or 2).</param>
    /// <param name="margin">The margin.</param>
    /// <param name="reduction">Mean over rows, or sum.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that are not whole rows, or a weight span that is not one per class.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength), a negative or NaN weight, or a setting outside its range.</exception>
    public static float MultiMarginWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> logitsGradient, [Positive] int rowLength, ReadOnlySpan<float> classWeights, [InRange(1, 2)] double p = 1.0, double margin = 1.0, Reduction reduction = Reduction.Mean)
        => ClassWeightedMultiMarginWithGradient(logits, labels, classWeights, logitsGradient, rowLength, p, margin, reduction);

    /// <inheritdoc cref="MultiMarginWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, ReadOnlySpan{float}, double, double, Reduction)"/>
    public static double MultiMarginWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> logitsGradient, [Positive] int rowLength, ReadOnlySpan<double> classWeights, [InRange(1, 2)] double p = 1.0, double margin = 1.0, Reduction reduction = Reduction.Mean)
        => ClassWeightedMultiMarginWithGradient(logits, labels, classWeights, logitsGradient, rowLength, p, margin, reduction);

    /// <inheritdoc cref="MultiMarginWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, ReadOnlySpan{float}, double, double, Reduction)"/>
    public static Half MultiMarginWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, Span<Half> logitsGradient, [Positive] int rowLength, ReadOnlySpan<Half> classWeights, [InRange(1, 2)] double p = 1.0, double margin = 1.0, Reduction reduction = Reduction.Mean)
        => ClassWeightedMultiMarginWithGradient(logits, labels, classWeights, logitsGradient, rowLength, p, margin, reduction);

    /// <summary>
    /// <see cref="MultiLabelSoftMargin(Row, Row)"/> with class weights, as PyTorch <c>MultiLabelSoftMarginLoss(weight)</c>: each
    /// class's term times its weight, then the mean over the row. Mean averages over rows.
    /// </summary>
    /// <param name="logits">Rows of logits, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="target">Rows of 0/1 (or soft) targets, the same shape.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="classWeights">One weight per class (length <paramref name="rowLength"/>).</param>
    /// <param name="reduction">Mean over rows, or sum.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that are not whole rows, or a weight span that is not one per class.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative or NaN weight.</exception>
    public static float MultiLabelSoftMargin(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, [Positive] int rowLength, ReadOnlySpan<float> classWeights, Reduction reduction = Reduction.Mean)
        => ClassWeightedMultiLabelSoftMargin(logits, target, classWeights, rowLength, reduction);

    /// <inheritdoc cref="MultiLabelSoftMargin(ReadOnlySpan{float}, ReadOnlySpan{float}, int, ReadOnlySpan{float}, Reduction)"/>
    public static double MultiLabelSoftMargin(ReadOnlySpan<double> logits, ReadOnlySpan<double> target, [Positive] int rowLength, ReadOnlySpan<double> classWeights, Reduction reduction = Reduction.Mean)
        => ClassWeightedMultiLabelSoftMargin(logits, target, classWeights, rowLength, reduction);

    /// <inheritdoc cref="MultiLabelSoftMargin(ReadOnlySpan{float}, ReadOnlySpan{float}, int, ReadOnlySpan{float}, Reduction)"/>
    public static Half MultiLabelSoftMargin(ReadOnlySpan<Half> logits, ReadOnlySpan<Half> target, [Positive] int rowLength, ReadOnlySpan<Half> classWeights, Reduction reduction = Reduction.Mean)
        => ClassWeightedMultiLabelSoftMargin(logits, target, classWeights, rowLength, reduction);

    /// <summary>
    /// <see cref="MultiLabelSoftMargin(ReadOnlySpan{float}, ReadOnlySpan{float}, int, ReadOnlySpan{float}, Reduction)"/> and its
    /// gradient with respect to the logits (divided by the number of rows for the mean).
    /// </summary>
    /// <param name="logits">Rows of logits, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="target">Rows of 0/1 (or soft) targets, the same shape.</param>
    /// <param name="logitsGradient">Receives the gradient of the reduced loss with respect to <paramref name="logits"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="classWeights">One weight per class (length <paramref name="rowLength"/>).</param>
    /// <param name="reduction">Mean over rows, or sum.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that are not whole rows, or a weight span that is not one per class.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative or NaN weight.</exception>
    public static float MultiLabelSoftMarginWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> logitsGradient, [Positive] int rowLength, ReadOnlySpan<float> classWeights, Reduction reduction = Reduction.Mean)
        => ClassWeightedMultiLabelSoftMarginWithGradient(logits, target, classWeights, logitsGradient, rowLength, reduction);

    /// <inheritdoc cref="MultiLabelSoftMarginWithGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, ReadOnlySpan{float}, Reduction)"/>
    public static double MultiLabelSoftMarginWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<double> target, Span<double> logitsGradient, [Positive] int rowLength, ReadOnlySpan<double> classWeights, Reduction reduction = Reduction.Mean)
        => ClassWeightedMultiLabelSoftMarginWithGradient(logits, target, classWeights, logitsGradient, rowLength, reduction);

    /// <inheritdoc cref="MultiLabelSoftMarginWithGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, ReadOnlySpan{float}, Reduction)"/>
    public static Half MultiLabelSoftMarginWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<Half> target, Span<Half> logitsGradient, [Positive] int rowLength, ReadOnlySpan<Half> classWeights, Reduction reduction = Reduction.Mean)
        => ClassWeightedMultiLabelSoftMarginWithGradient(logits, target, classWeights, logitsGradient, rowLength, reduction);
}
