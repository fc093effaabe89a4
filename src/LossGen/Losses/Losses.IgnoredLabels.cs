using System;
using LossGen.Kernels;
using static LossGen.LossMath;

namespace LossGen;

// The PyTorch call `cross_entropy(logits, labels, ignore_index=-100)` without class weights (and Keras's ignore_class):
// overloads that take an ignored label and nothing else. The label is an int? with no default, so that a positional
// integer after rowLength is never read as one: (logits, labels, C, 0), which meant label smoothing 0, no longer
// compiles (CS0121, ambiguous; write 0.0 or labelSmoothing: 0) rather than quietly ignoring class 0. Null ignores
// nothing (the plain overload's bits).
public static partial class Losses
{
    /// <summary>
    /// Softmax cross-entropy on logits with integer labels and an ignored label, as PyTorch
    /// <c>CrossEntropyLoss(ignore_index, label_smoothing)</c> without class weights: rows labelled
    /// <paramref name="ignoreIndex"/> count for nothing, and <see cref="Reduction.Mean"/> divides by the rows that count.
    /// </summary>
    /// <remarks>
    /// The class-weights overload with every weight 1, which this runs, gives the same values; with
    /// <paramref name="ignoreIndex"/> null, the plain overload runs. An all-ignored batch is NaN for the mean, as in PyTorch,
    /// or 0 with <paramref name="zeroWhenAllIgnored"/>.
    /// </remarks>
    /// <param name="logits">Rows of logits, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="ignoreIndex">A label whose rows are skipped (PyTorch's is −100); null skips none.</param>
    /// <param name="labelSmoothing">ε, as PyTorch's <c>label_smoothing</c>.</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>.</exception>
    public static float SparseSoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, int? ignoreIndex,
        [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? SparseSoftmaxCrossEntropy(logits, labels, rowLength, labelSmoothing, reduction)
            : SparseSoftmaxCrossEntropy(logits, labels, rowLength, UnitWeights<float>(rowLength), ignored, labelSmoothing, reduction, zeroWhenAllIgnored);

    /// <inheritdoc cref="SparseSoftmaxCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, double, Reduction, bool)"/>
    public static double SparseSoftmaxCrossEntropy(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, int? ignoreIndex,
        [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? SparseSoftmaxCrossEntropy(logits, labels, rowLength, labelSmoothing, reduction)
            : SparseSoftmaxCrossEntropy(logits, labels, rowLength, UnitWeights<double>(rowLength), ignored, labelSmoothing, reduction, zeroWhenAllIgnored);

    /// <inheritdoc cref="SparseSoftmaxCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, double, Reduction, bool)"/>
    public static Half SparseSoftmaxCrossEntropy(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, int? ignoreIndex,
        [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? SparseSoftmaxCrossEntropy(logits, labels, rowLength, labelSmoothing, reduction)
            : SparseSoftmaxCrossEntropy(logits, labels, rowLength, UnitWeights<Half>(rowLength), ignored, labelSmoothing, reduction, zeroWhenAllIgnored);

    /// <summary>
    /// <see cref="SparseSoftmaxCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, double, Reduction, bool)"/>
    /// and its gradient with respect to the logits; ignored rows get a zero gradient.
    /// </summary>
    /// <param name="logits">Rows of logits, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="logitsGradient">Receives the gradient of the reduced loss with respect to <paramref name="logits"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="ignoreIndex">A label whose rows are skipped (PyTorch's is −100); null skips none.</param>
    /// <param name="labelSmoothing">ε, as PyTorch's <c>label_smoothing</c>.</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN (the gradient is 0 either way).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>; nothing is written.</exception>
    public static float SparseSoftmaxCrossEntropyWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> logitsGradient, [Positive] int rowLength,
        int? ignoreIndex, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? SparseSoftmaxCrossEntropyWithGradient(logits, labels, logitsGradient, rowLength, labelSmoothing, reduction)
            : SparseSoftmaxCrossEntropyWithGradient(logits, labels, logitsGradient, rowLength, UnitWeights<float>(rowLength), ignored, labelSmoothing, reduction, zeroWhenAllIgnored);

    /// <inheritdoc cref="SparseSoftmaxCrossEntropyWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, int?, double, Reduction, bool)"/>
    public static double SparseSoftmaxCrossEntropyWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> logitsGradient, [Positive] int rowLength,
        int? ignoreIndex, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? SparseSoftmaxCrossEntropyWithGradient(logits, labels, logitsGradient, rowLength, labelSmoothing, reduction)
            : SparseSoftmaxCrossEntropyWithGradient(logits, labels, logitsGradient, rowLength, UnitWeights<double>(rowLength), ignored, labelSmoothing, reduction, zeroWhenAllIgnored);

    /// <inheritdoc cref="SparseSoftmaxCrossEntropyWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, int?, double, Reduction, bool)"/>
    public static Half SparseSoftmaxCrossEntropyWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, Span<Half> logitsGradient, [Positive] int rowLength,
        int? ignoreIndex, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? SparseSoftmaxCrossEntropyWithGradient(logits, labels, logitsGradient, rowLength, labelSmoothing, reduction)
            : SparseSoftmaxCrossEntropyWithGradient(logits, labels, logitsGradient, rowLength, UnitWeights<Half>(rowLength), ignored, labelSmoothing, reduction, zeroWhenAllIgnored);

    /// <summary>
    /// Negative log-likelihood with an ignored label, as PyTorch <c>NLLLoss(ignore_index)</c> without class weights:
    /// −logProbs[y] per row that counts, <see cref="Reduction.Mean"/> over those rows.
    /// </summary>
    /// <remarks>The conventions are those of the cross-entropy overload with <c>int? ignoreIndex</c>.</remarks>
    /// <param name="logProbs">Rows of log-probabilities, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="ignoreIndex">A label whose rows are skipped (PyTorch's is −100); null skips none.</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>.</exception>
    public static float Nll(ReadOnlySpan<float> logProbs, ReadOnlySpan<int> labels, [Positive] int rowLength, int? ignoreIndex,
        Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? Nll(logProbs, labels, rowLength, reduction)
            : Nll(logProbs, labels, rowLength, UnitWeights<float>(rowLength), ignored, reduction, zeroWhenAllIgnored);

    /// <inheritdoc cref="Nll(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, Reduction, bool)"/>
    public static double Nll(ReadOnlySpan<double> logProbs, ReadOnlySpan<int> labels, [Positive] int rowLength, int? ignoreIndex,
        Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? Nll(logProbs, labels, rowLength, reduction)
            : Nll(logProbs, labels, rowLength, UnitWeights<double>(rowLength), ignored, reduction, zeroWhenAllIgnored);

    /// <inheritdoc cref="Nll(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, Reduction, bool)"/>
    public static Half Nll(ReadOnlySpan<Half> logProbs, ReadOnlySpan<int> labels, [Positive] int rowLength, int? ignoreIndex,
        Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? Nll(logProbs, labels, rowLength, reduction)
            : Nll(logProbs, labels, rowLength, UnitWeights<Half>(rowLength), ignored, reduction, zeroWhenAllIgnored);

    /// <summary>
    /// <see cref="Nll(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, Reduction, bool)"/> and its gradient with respect to
    /// the log-probabilities; ignored rows get a zero gradient.
    /// </summary>
    /// <param name="logProbs">Rows of log-probabilities, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="logProbsGradient">Receives the gradient of the reduced loss with respect to <paramref name="logProbs"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="ignoreIndex">A label whose rows are skipped (PyTorch's is −100); null skips none.</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN (the gradient is 0 either way).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>; nothing is written.</exception>
    public static float NllWithGradient(ReadOnlySpan<float> logProbs, ReadOnlySpan<int> labels, Span<float> logProbsGradient, [Positive] int rowLength,
        int? ignoreIndex, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? NllWithGradient(logProbs, labels, logProbsGradient, rowLength, reduction)
            : NllWithGradient(logProbs, labels, logProbsGradient, rowLength, UnitWeights<float>(rowLength), ignored, reduction, zeroWhenAllIgnored);

    /// <inheritdoc cref="NllWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, int?, Reduction, bool)"/>
    public static double NllWithGradient(ReadOnlySpan<double> logProbs, ReadOnlySpan<int> labels, Span<double> logProbsGradient, [Positive] int rowLength,
        int? ignoreIndex, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? NllWithGradient(logProbs, labels, logProbsGradient, rowLength, reduction)
            : NllWithGradient(logProbs, labels, logProbsGradient, rowLength, UnitWeights<double>(rowLength), ignored, reduction, zeroWhenAllIgnored);

    /// <inheritdoc cref="NllWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, int?, Reduction, bool)"/>
    public static Half NllWithGradient(ReadOnlySpan<Half> logProbs, ReadOnlySpan<int> labels, Span<Half> logProbsGradient, [Positive] int rowLength,
        int? ignoreIndex, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? NllWithGradient(logProbs, labels, logProbsGradient, rowLength, reduction)
            : NllWithGradient(logProbs, labels, logProbsGradient, rowLength, UnitWeights<Half>(rowLength), ignored, reduction, zeroWhenAllIgnored);

    /// <summary>
    /// The softmax focal loss with an ignored label: −α(1 − p)^γ log p per row that counts, <see cref="Reduction.Mean"/>
    /// over those rows; the per-class overload with every α equal, which this runs (null runs the plain overload).
    /// </summary>
    /// <param name="logits">Rows of logits, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="ignoreIndex">A label whose rows are skipped (PyTorch's is −100); null skips none.</param>
    /// <param name="alpha">α, a factor of every row's loss.</param>
    /// <param name="gamma">γ, the focusing power.</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than NaN.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>, or a setting outside its range.</exception>
    public static float SparseSoftmaxFocal(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, int? ignoreIndex,
        [NonNegative] double alpha = 0.25, [NonNegative] double gamma = 2.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? SparseSoftmaxFocal(logits, labels, rowLength, alpha, gamma, reduction)
            : SparseSoftmaxFocal(logits, labels, rowLength, ConstantWeights<float>(rowLength, alpha), gamma, ignored, reduction, zeroWhenAllIgnored);

    /// <inheritdoc cref="SparseSoftmaxFocal(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, double, double, Reduction, bool)"/>
    public static double SparseSoftmaxFocal(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, int? ignoreIndex,
        [NonNegative] double alpha = 0.25, [NonNegative] double gamma = 2.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? SparseSoftmaxFocal(logits, labels, rowLength, alpha, gamma, reduction)
            : SparseSoftmaxFocal(logits, labels, rowLength, ConstantWeights<double>(rowLength, alpha), gamma, ignored, reduction, zeroWhenAllIgnored);

    /// <inheritdoc cref="SparseSoftmaxFocal(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, double, double, Reduction, bool)"/>
    public static Half SparseSoftmaxFocal(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, int? ignoreIndex,
        [NonNegative] double alpha = 0.25, [NonNegative] double gamma = 2.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? SparseSoftmaxFocal(logits, labels, rowLength, alpha, gamma, reduction)
            : SparseSoftmaxFocal(logits, labels, rowLength, ConstantWeights<Half>(rowLength, alpha), gamma, ignored, reduction, zeroWhenAllIgnored);

    /// <summary>
    /// <see cref="SparseSoftmaxFocal(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, double, double, Reduction, bool)"/> and
    /// its gradient with respect to the logits; ignored rows get a zero gradient.
    /// </summary>
    /// <param name="logits">Rows of logits, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="logitsGradient">Receives the gradient of the reduced loss with respect to <paramref name="logits"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="ignoreIndex">A label whose rows are skipped (PyTorch's is −100); null skips none.</param>
    /// <param name="alpha">α, a factor of every row's loss.</param>
    /// <param name="gamma">γ, the focusing power.</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than NaN (the gradient is 0 either way).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>, or a setting outside its range; nothing is written.</exception>
    public static float SparseSoftmaxFocalWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> logitsGradient, [Positive] int rowLength,
        int? ignoreIndex, [NonNegative] double alpha = 0.25, [NonNegative] double gamma = 2.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? SparseSoftmaxFocalWithGradient(logits, labels, logitsGradient, rowLength, alpha, gamma, reduction)
            : SparseSoftmaxFocalWithGradient(logits, labels, logitsGradient, rowLength, ConstantWeights<float>(rowLength, alpha), gamma, ignored, reduction, zeroWhenAllIgnored);

    /// <inheritdoc cref="SparseSoftmaxFocalWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, int?, double, double, Reduction, bool)"/>
    public static double SparseSoftmaxFocalWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> logitsGradient, [Positive] int rowLength,
        int? ignoreIndex, [NonNegative] double alpha = 0.25, [NonNegative] double gamma = 2.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? SparseSoftmaxFocalWithGradient(logits, labels, logitsGradient, rowLength, alpha, gamma, reduction)
            : SparseSoftmaxFocalWithGradient(logits, labels, logitsGradient, rowLength, ConstantWeights<double>(rowLength, alpha), gamma, ignored, reduction, zeroWhenAllIgnored);

    /// <inheritdoc cref="SparseSoftmaxFocalWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, int?, double, double, Reduction, bool)"/>
    public static Half SparseSoftmaxFocalWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, Span<Half> logitsGradient, [Positive] int rowLength,
        int? ignoreIndex, [NonNegative] double alpha = 0.25, [NonNegative] double gamma = 2.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => ignoreIndex is not { } ignored
            ? SparseSoftmaxFocalWithGradient(logits, labels, logitsGradient, rowLength, alpha, gamma, reduction)
            : SparseSoftmaxFocalWithGradient(logits, labels, logitsGradient, rowLength, ConstantWeights<Half>(rowLength, alpha), gamma, ignored, reduction, zeroWhenAllIgnored);

    /// <summary>One row of <see cref="SparseCategoricalCrossEntropy(Row, int)"/> times <paramref name="scale"/> (1/count for the mean, 0 for an ignored row).</summary>
    [Loss]
    private static double ScaledSparseCategoricalCrossEntropy(Row pred, int labels, [Target] double scale)
        => -scale * Log(Clamp(pred[labels] / Sum(pred), Epsilon, 1 - Epsilon));

    /// <summary>
    /// Categorical cross-entropy on probabilities with integer labels and an ignored label, as Keras
    /// <c>SparseCategoricalCrossentropy(ignore_class)</c>: −log p[y] per row that counts, p renormalized and clamped as in
    /// <see cref="SparseCategoricalCrossEntropy(Row, int)"/>; <see cref="Reduction.Mean"/> over those rows (null ignores nothing,
    /// the plain overload's bits).
    /// </summary>
    /// <param name="pred">Rows of probabilities, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="ignoreIndex">A label whose rows are skipped, or null.</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than NaN.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>.</exception>
    public static float SparseCategoricalCrossEntropy(ReadOnlySpan<float> pred, ReadOnlySpan<int> labels, [Positive] int rowLength, int? ignoreIndex,
        Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        if (ignoreIndex is not { } ignored)
        {
            return SparseCategoricalCrossEntropy(pred, labels, rowLength, reduction);
        }

        WeightedRows<float> rows = WeightedRows<float>.Prepare(nameof(pred), pred.Length, labels, rowLength, UnitWeights<float>(rowLength), ignored, reduction, meanByWeight: false);
        return rows.Finish(ScaledSparseCategoricalCrossEntropy(pred, rows.Labels, rows.Scales, rowLength, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="SparseCategoricalCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, Reduction, bool)"/>
    public static double SparseCategoricalCrossEntropy(ReadOnlySpan<double> pred, ReadOnlySpan<int> labels, [Positive] int rowLength, int? ignoreIndex,
        Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        if (ignoreIndex is not { } ignored)
        {
            return SparseCategoricalCrossEntropy(pred, labels, rowLength, reduction);
        }

        WeightedRows<double> rows = WeightedRows<double>.Prepare(nameof(pred), pred.Length, labels, rowLength, UnitWeights<double>(rowLength), ignored, reduction, meanByWeight: false);
        return rows.Finish(ScaledSparseCategoricalCrossEntropy(pred, rows.Labels, rows.Scales, rowLength, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="SparseCategoricalCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, Reduction, bool)"/>
    public static Half SparseCategoricalCrossEntropy(ReadOnlySpan<Half> pred, ReadOnlySpan<int> labels, [Positive] int rowLength, int? ignoreIndex,
        Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        if (ignoreIndex is not { } ignored)
        {
            return SparseCategoricalCrossEntropy(pred, labels, rowLength, reduction);
        }

        WeightedRows<Half> rows = WeightedRows<Half>.Prepare(nameof(pred), pred.Length, labels, rowLength, UnitWeights<Half>(rowLength), ignored, reduction, meanByWeight: false);
        return rows.Finish(ScaledSparseCategoricalCrossEntropy(pred, rows.Labels, rows.Scales, rowLength, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <summary>
    /// <see cref="SparseCategoricalCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, Reduction, bool)"/> and its
    /// gradient with respect to the probabilities; ignored rows get a zero gradient.
    /// </summary>
    /// <param name="pred">Rows of probabilities, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="predGradient">Receives the gradient of the reduced loss with respect to <paramref name="pred"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="ignoreIndex">A label whose rows are skipped, or null.</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than NaN (the gradient is 0 either way).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>; nothing is written.</exception>
    public static float SparseCategoricalCrossEntropyWithGradient(ReadOnlySpan<float> pred, ReadOnlySpan<int> labels, Span<float> predGradient, [Positive] int rowLength,
        int? ignoreIndex, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        if (ignoreIndex is not { } ignored)
        {
            return SparseCategoricalCrossEntropyWithGradient(pred, labels, predGradient, rowLength, reduction);
        }

        WeightedRows<float> rows = WeightedRows<float>.Prepare(nameof(pred), pred.Length, labels, rowLength, UnitWeights<float>(rowLength), ignored, reduction, meanByWeight: false);
        return rows.Finish(ScaledSparseCategoricalCrossEntropyWithGradient(pred, rows.Labels, rows.Scales, predGradient, rowLength, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="SparseCategoricalCrossEntropyWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, int?, Reduction, bool)"/>
    public static double SparseCategoricalCrossEntropyWithGradient(ReadOnlySpan<double> pred, ReadOnlySpan<int> labels, Span<double> predGradient, [Positive] int rowLength,
        int? ignoreIndex, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        if (ignoreIndex is not { } ignored)
        {
            return SparseCategoricalCrossEntropyWithGradient(pred, labels, predGradient, rowLength, reduction);
        }

        WeightedRows<double> rows = WeightedRows<double>.Prepare(nameof(pred), pred.Length, labels, rowLength, UnitWeights<double>(rowLength), ignored, reduction, meanByWeight: false);
        return rows.Finish(ScaledSparseCategoricalCrossEntropyWithGradient(pred, rows.Labels, rows.Scales, predGradient, rowLength, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="SparseCategoricalCrossEntropyWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, int?, Reduction, bool)"/>
    public static Half SparseCategoricalCrossEntropyWithGradient(ReadOnlySpan<Half> pred, ReadOnlySpan<int> labels, Span<Half> predGradient, [Positive] int rowLength,
        int? ignoreIndex, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        if (ignoreIndex is not { } ignored)
        {
            return SparseCategoricalCrossEntropyWithGradient(pred, labels, predGradient, rowLength, reduction);
        }

        WeightedRows<Half> rows = WeightedRows<Half>.Prepare(nameof(pred), pred.Length, labels, rowLength, UnitWeights<Half>(rowLength), ignored, reduction, meanByWeight: false);
        return rows.Finish(ScaledSparseCategoricalCrossEntropyWithGradient(pred, rows.Labels, rows.Scales, predGradient, rowLength, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <summary>One weight of 1 per class, in the calling thread's scratch: the class-weights overloads then weigh nothing.</summary>
    private static ReadOnlySpan<T> UnitWeights<T>(int rowLength)
        where T : unmanaged, System.Numerics.INumberBase<T>
        => ConstantWeights<T>(rowLength, 1.0);

    /// <summary>One weight per class, all <paramref name="value"/> (NaN or negative ones are the overload's to reject).</summary>
    private static ReadOnlySpan<T> ConstantWeights<T>(int rowLength, double value)
        where T : unmanaged, System.Numerics.INumberBase<T>
    {
        Span<T> weights = Scratch<T>.Span(ScratchSlot.ConstantClassWeights, Math.Max(rowLength, 0));
        weights.Fill(T.CreateTruncating(value));
        return weights;
    }
}
