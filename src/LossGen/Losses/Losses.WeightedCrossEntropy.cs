using System;
using LossGen.Kernels;
using static LossGen.LossMath;

namespace LossGen;

// Sparse softmax cross-entropy and NLL with PyTorch's class weights and ignore_index. Each formula is an ordinary row
// formula with the class weights as a shared row ([Hyper] Row) and a per-row scale; the overloads below
// turn labels, ignore_index and the reduction into those scales, so the weighted mean divides by the sum
// of the weights of the rows that count, as PyTorch's CrossEntropyLoss and NLLLoss(weight=..., ignore_index=...) do.
public static partial class Losses
{
    /// <summary>
    /// One row of weighted, smoothed cross-entropy, times <paramref name="scale"/> (1/Σw for the mean, 0 for an
    /// ignored row): (1 − ε)·w[y]·(LSE(z) − z[y]) + ε/C·Σ_c w_c·(LSE(z) − z_c), PyTorch's form.
    /// </summary>
    [Loss]
    private static double WeightedSparseSoftmaxCrossEntropy(Row logits, int labels, [Hyper, NonNegative] Row classWeights, [Target] double scale, [Hyper, Probability] double labelSmoothing)
    {
        var lse = LogSumExp(logits);
        var nll = classWeights[labels] * (lse - logits[labels]);
        var smooth = (lse * Sum(classWeights) - Dot(classWeights, logits)) / Length(logits);
        return scale * (labelSmoothing == 0 ? nll : (1 - labelSmoothing) * nll + labelSmoothing * smooth);
    }

    /// <summary>
    /// Softmax cross-entropy on logits with integer labels, class weights and an ignored label, as PyTorch
    /// <c>CrossEntropyLoss(weight, ignore_index, label_smoothing)</c>: each row's loss is
    /// (1 − ε)·w[y]·(LSE(z) − z[y]) + ε/C·Σ_c w_c·(LSE(z) − z_c); rows labelled <paramref name="ignoreIndex"/> count
    /// for nothing; <see cref="Reduction.Mean"/> divides by the sum of w[y] over the rows that count (NaN when none
    /// does), <see cref="Reduction.Sum"/> adds the row losses.
    /// </summary>
    /// <param name="logits">Rows of logits, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="classWeights">One weight per class (length <paramref name="rowLength"/>).</param>
    /// <param name="ignoreIndex">A label whose rows are skipped (PyTorch's default, −100).</param>
    /// <param name="labelSmoothing">ε, as PyTorch's <c>label_smoothing</c>.</param>
    /// <param name="reduction">Weighted mean or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN (the gradient is 0 either way).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>.</exception>
    public static float SparseSoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, ReadOnlySpan<float> classWeights, int ignoreIndex = -100, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<float> rows = WeightedRows<float>.Prepare(nameof(logits), logits.Length, labels, rowLength, classWeights, ignoreIndex, reduction);
        return rows.Finish(WeightedSparseSoftmaxCrossEntropy(logits, rows.Labels, classWeights, rows.Scales, rowLength, labelSmoothing, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="SparseSoftmaxCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, int, double, Reduction, bool)"/>
    public static double SparseSoftmaxCrossEntropy(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, ReadOnlySpan<double> classWeights, int ignoreIndex = -100, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<double> rows = WeightedRows<double>.Prepare(nameof(logits), logits.Length, labels, rowLength, classWeights, ignoreIndex, reduction);
        return rows.Finish(WeightedSparseSoftmaxCrossEntropy(logits, rows.Labels, classWeights, rows.Scales, rowLength, labelSmoothing, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="SparseSoftmaxCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, int, double, Reduction, bool)"/>
    public static Half SparseSoftmaxCrossEntropy(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, ReadOnlySpan<Half> classWeights, int ignoreIndex = -100, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<Half> rows = WeightedRows<Half>.Prepare(nameof(logits), logits.Length, labels, rowLength, classWeights, ignoreIndex, reduction);
        return rows.Finish(WeightedSparseSoftmaxCrossEntropy(logits, rows.Labels, classWeights, rows.Scales, rowLength, labelSmoothing, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <summary>
    /// <see cref="SparseSoftmaxCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, int, double, Reduction, bool)"/>
    /// and its gradient with respect to the logits, in one pass of each kind over each row; ignored rows get a zero gradient.
    /// </summary>
    /// <param name="logits">Rows of logits, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="logitsGradient">Receives the gradient of the reduced loss with respect to <paramref name="logits"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="classWeights">One weight per class (length <paramref name="rowLength"/>).</param>
    /// <param name="ignoreIndex">A label whose rows are skipped (PyTorch's default, −100).</param>
    /// <param name="labelSmoothing">ε, as PyTorch's <c>label_smoothing</c>.</param>
    /// <param name="reduction">Weighted mean or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN (the gradient is 0 either way).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>.</exception>
    public static float SparseSoftmaxCrossEntropyWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> logitsGradient, [Positive] int rowLength, ReadOnlySpan<float> classWeights, int ignoreIndex = -100, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<float> rows = WeightedRows<float>.Prepare(nameof(logits), logits.Length, labels, rowLength, classWeights, ignoreIndex, reduction);
        return rows.Finish(WeightedSparseSoftmaxCrossEntropyWithGradient(logits, rows.Labels, classWeights, rows.Scales, logitsGradient, rowLength, labelSmoothing, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="SparseSoftmaxCrossEntropyWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, ReadOnlySpan{float}, int, double, Reduction, bool)"/>
    public static double SparseSoftmaxCrossEntropyWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> logitsGradient, [Positive] int rowLength, ReadOnlySpan<double> classWeights, int ignoreIndex = -100, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<double> rows = WeightedRows<double>.Prepare(nameof(logits), logits.Length, labels, rowLength, classWeights, ignoreIndex, reduction);
        return rows.Finish(WeightedSparseSoftmaxCrossEntropyWithGradient(logits, rows.Labels, classWeights, rows.Scales, logitsGradient, rowLength, labelSmoothing, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="SparseSoftmaxCrossEntropyWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, ReadOnlySpan{float}, int, double, Reduction, bool)"/>
    public static Half SparseSoftmaxCrossEntropyWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, Span<Half> logitsGradient, [Positive] int rowLength, ReadOnlySpan<Half> classWeights, int ignoreIndex = -100, [Probability] double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<Half> rows = WeightedRows<Half>.Prepare(nameof(logits), logits.Length, labels, rowLength, classWeights, ignoreIndex, reduction);
        return rows.Finish(WeightedSparseSoftmaxCrossEntropyWithGradient(logits, rows.Labels, classWeights, rows.Scales, logitsGradient, rowLength, labelSmoothing, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <summary>One row of weighted NLL, times <paramref name="scale"/> (1/Σw for the mean, 0 for an ignored row): −w[y]·logProbs[y].</summary>
    [Loss]
    private static double WeightedNll(Row logProbs, int labels, [Hyper, NonNegative] Row classWeights, [Target] double scale)
        => -scale * classWeights[labels] * logProbs[labels];

    /// <summary>
    /// Negative log-likelihood on log-probabilities with class weights and an ignored label, as PyTorch
    /// <c>NLLLoss(weight, ignore_index)</c>: each row's loss is −w[y]·logProbs[y]; rows labelled <paramref name="ignoreIndex"/>
    /// count for nothing; <see cref="Reduction.Mean"/> divides by the sum of w[y] over the rows that count (NaN when none
    /// does), <see cref="Reduction.Sum"/> adds the row losses.
    /// </summary>
    /// <param name="logProbs">Rows of log-probabilities (a log-softmax output), row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="classWeights">One weight per class (length <paramref name="rowLength"/>).</param>
    /// <param name="ignoreIndex">A label whose rows are skipped (PyTorch's default, −100).</param>
    /// <param name="reduction">Weighted mean or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN (the gradient is 0 either way).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>.</exception>
    public static float Nll(ReadOnlySpan<float> logProbs, ReadOnlySpan<int> labels, [Positive] int rowLength, ReadOnlySpan<float> classWeights, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<float> rows = WeightedRows<float>.Prepare(nameof(logProbs), logProbs.Length, labels, rowLength, classWeights, ignoreIndex, reduction);
        return rows.Finish(WeightedNll(logProbs, rows.Labels, classWeights, rows.Scales, rowLength, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="Nll(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, int, Reduction, bool)"/>
    public static double Nll(ReadOnlySpan<double> logProbs, ReadOnlySpan<int> labels, [Positive] int rowLength, ReadOnlySpan<double> classWeights, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<double> rows = WeightedRows<double>.Prepare(nameof(logProbs), logProbs.Length, labels, rowLength, classWeights, ignoreIndex, reduction);
        return rows.Finish(WeightedNll(logProbs, rows.Labels, classWeights, rows.Scales, rowLength, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="Nll(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, int, Reduction, bool)"/>
    public static Half Nll(ReadOnlySpan<Half> logProbs, ReadOnlySpan<int> labels, [Positive] int rowLength, ReadOnlySpan<Half> classWeights, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<Half> rows = WeightedRows<Half>.Prepare(nameof(logProbs), logProbs.Length, labels, rowLength, classWeights, ignoreIndex, reduction);
        return rows.Finish(WeightedNll(logProbs, rows.Labels, classWeights, rows.Scales, rowLength, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <summary>
    /// <see cref="Nll(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, int, Reduction, bool)"/> and its gradient
    /// with respect to the log-probabilities, −w[y]/Σw at the labelled column (−w[y] for the sum) and 0 elsewhere; ignored
    /// rows get a zero gradient.
    /// </summary>
    /// <param name="logProbs">Rows of log-probabilities (a log-softmax output), row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="logProbsGradient">Receives the gradient of the reduced loss with respect to <paramref name="logProbs"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="classWeights">One weight per class (length <paramref name="rowLength"/>).</param>
    /// <param name="ignoreIndex">A label whose rows are skipped (PyTorch's default, −100).</param>
    /// <param name="reduction">Weighted mean or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN (the gradient is 0 either way).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>.</exception>
    public static float NllWithGradient(ReadOnlySpan<float> logProbs, ReadOnlySpan<int> labels, Span<float> logProbsGradient, [Positive] int rowLength, ReadOnlySpan<float> classWeights, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<float> rows = WeightedRows<float>.Prepare(nameof(logProbs), logProbs.Length, labels, rowLength, classWeights, ignoreIndex, reduction);
        return rows.Finish(WeightedNllWithGradient(logProbs, rows.Labels, classWeights, rows.Scales, logProbsGradient, rowLength, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="NllWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, ReadOnlySpan{float}, int, Reduction, bool)"/>
    public static double NllWithGradient(ReadOnlySpan<double> logProbs, ReadOnlySpan<int> labels, Span<double> logProbsGradient, [Positive] int rowLength, ReadOnlySpan<double> classWeights, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<double> rows = WeightedRows<double>.Prepare(nameof(logProbs), logProbs.Length, labels, rowLength, classWeights, ignoreIndex, reduction);
        return rows.Finish(WeightedNllWithGradient(logProbs, rows.Labels, classWeights, rows.Scales, logProbsGradient, rowLength, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="NllWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, ReadOnlySpan{float}, int, Reduction, bool)"/>
    public static Half NllWithGradient(ReadOnlySpan<Half> logProbs, ReadOnlySpan<int> labels, Span<Half> logProbsGradient, [Positive] int rowLength, ReadOnlySpan<Half> classWeights, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<Half> rows = WeightedRows<Half>.Prepare(nameof(logProbs), logProbs.Length, labels, rowLength, classWeights, ignoreIndex, reduction);
        return rows.Finish(WeightedNllWithGradient(logProbs, rows.Labels, classWeights, rows.Scales, logProbsGradient, rowLength, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <summary>
    /// One row of the softmax focal loss with a weight per class, times <paramref name="scale"/> (1/count for the mean, 0
    /// for an ignored row): −alpha[y]·(1 − p)^gamma·log p, p = softmax(logits)[y].
    /// </summary>
    [Loss]
    private static double WeightedSparseSoftmaxFocal(Row logits, int labels, [Hyper, NonNegative] Row alpha, [Target] double scale, [Hyper, NonNegative] double gamma)
    {
        var logP = logits[labels] - LogSumExp(logits);
        return -scale * alpha[labels] * Pow(-Expm1(logP), gamma) * logP;
    }

    /// <summary>
    /// <see cref="SparseSoftmaxFocal(Row, int, double, double)"/> with a weight per class and an ignored label: each row's loss
    /// is −alpha[y]·(1 − p)^gamma·log p; rows labelled <paramref name="ignoreIndex"/> count for nothing;
    /// <see cref="Reduction.Mean"/> divides by the number of rows that count (NaN when none does; the weights are factors,
    /// as Keras's and kornia's alpha, not a weighted mean), <see cref="Reduction.Sum"/> adds the row losses.
    /// </summary>
    /// <param name="logits">Rows of logits, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="alpha">One weight per class (length <paramref name="rowLength"/>).</param>
    /// <param name="gamma">The focusing exponent.</param>
    /// <param name="ignoreIndex">A label whose rows are skipped (PyTorch's usual −100).</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN (the gradient is 0 either way).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>, a negative or NaN weight or gamma.</exception>
    public static float SparseSoftmaxFocal(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, ReadOnlySpan<float> alpha, [NonNegative] double gamma = 2.0, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<float> rows = WeightedRows<float>.Prepare(nameof(logits), logits.Length, labels, rowLength, alpha, ignoreIndex, reduction, nameof(alpha), meanByWeight: false);
        return rows.Finish(WeightedSparseSoftmaxFocal(logits, rows.Labels, alpha, rows.Scales, rowLength, gamma, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="SparseSoftmaxFocal(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, double, int, Reduction, bool)"/>
    public static double SparseSoftmaxFocal(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, ReadOnlySpan<double> alpha, [NonNegative] double gamma = 2.0, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<double> rows = WeightedRows<double>.Prepare(nameof(logits), logits.Length, labels, rowLength, alpha, ignoreIndex, reduction, nameof(alpha), meanByWeight: false);
        return rows.Finish(WeightedSparseSoftmaxFocal(logits, rows.Labels, alpha, rows.Scales, rowLength, gamma, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="SparseSoftmaxFocal(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, double, int, Reduction, bool)"/>
    public static Half SparseSoftmaxFocal(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, [Positive] int rowLength, ReadOnlySpan<Half> alpha, [NonNegative] double gamma = 2.0, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<Half> rows = WeightedRows<Half>.Prepare(nameof(logits), logits.Length, labels, rowLength, alpha, ignoreIndex, reduction, nameof(alpha), meanByWeight: false);
        return rows.Finish(WeightedSparseSoftmaxFocal(logits, rows.Labels, alpha, rows.Scales, rowLength, gamma, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <summary>
    /// <see cref="SparseSoftmaxFocal(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, double, int, Reduction, bool)"/>
    /// and its gradient with respect to the logits; ignored rows get a zero gradient.
    /// </summary>
    /// <param name="logits">Rows of logits, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="labels">One class index per row, in [0, rowLength), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="logitsGradient">Receives the gradient of the reduced loss with respect to <paramref name="logits"/>.</param>
    /// <param name="rowLength">The number of classes.</param>
    /// <param name="alpha">One weight per class (length <paramref name="rowLength"/>).</param>
    /// <param name="gamma">The focusing exponent.</param>
    /// <param name="ignoreIndex">A label whose rows are skipped (PyTorch's usual −100).</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN (the gradient is 0 either way).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">Lengths that do not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, rowLength) that is not <paramref name="ignoreIndex"/>, a negative or NaN weight or gamma.</exception>
    public static float SparseSoftmaxFocalWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> logitsGradient, [Positive] int rowLength, ReadOnlySpan<float> alpha, [NonNegative] double gamma = 2.0, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<float> rows = WeightedRows<float>.Prepare(nameof(logits), logits.Length, labels, rowLength, alpha, ignoreIndex, reduction, nameof(alpha), meanByWeight: false);
        return rows.Finish(WeightedSparseSoftmaxFocalWithGradient(logits, rows.Labels, alpha, rows.Scales, logitsGradient, rowLength, gamma, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="SparseSoftmaxFocalWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, ReadOnlySpan{float}, double, int, Reduction, bool)"/>
    public static double SparseSoftmaxFocalWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> logitsGradient, [Positive] int rowLength, ReadOnlySpan<double> alpha, [NonNegative] double gamma = 2.0, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<double> rows = WeightedRows<double>.Prepare(nameof(logits), logits.Length, labels, rowLength, alpha, ignoreIndex, reduction, nameof(alpha), meanByWeight: false);
        return rows.Finish(WeightedSparseSoftmaxFocalWithGradient(logits, rows.Labels, alpha, rows.Scales, logitsGradient, rowLength, gamma, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <inheritdoc cref="SparseSoftmaxFocalWithGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, ReadOnlySpan{float}, double, int, Reduction, bool)"/>
    public static Half SparseSoftmaxFocalWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, Span<Half> logitsGradient, [Positive] int rowLength, ReadOnlySpan<Half> alpha, [NonNegative] double gamma = 2.0, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
    {
        WeightedRows<Half> rows = WeightedRows<Half>.Prepare(nameof(logits), logits.Length, labels, rowLength, alpha, ignoreIndex, reduction, nameof(alpha), meanByWeight: false);
        return rows.Finish(WeightedSparseSoftmaxFocalWithGradient(logits, rows.Labels, alpha, rows.Scales, logitsGradient, rowLength, gamma, Reduction.Sum), zeroWhenAllIgnored);
    }

    /// <summary>
    /// Labels with ignored rows pointed at class 0, and each row's scale: 0 when ignored, else, for the mean, 1/Σw[y] (the
    /// weighted mean of the cross-entropies) or 1/count (the focal loss, whose weights are factors), and 1 for the sum.
    /// Kept in per-thread buffers, so repeated calls allocate nothing.
    /// </summary>
    private readonly ref struct WeightedRows<T>
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        private readonly bool _noRowCounts;

        private WeightedRows(ReadOnlySpan<int> labels, ReadOnlySpan<T> scales, bool noRowCounts)
        {
            Labels = labels;
            Scales = scales;
            _noRowCounts = noRowCounts;
        }

        public ReadOnlySpan<int> Labels { get; }

        public ReadOnlySpan<T> Scales { get; }

        /// <summary>
        /// Checks the call in the order a user reads it — reduction, row length, the rows (<paramref name="input"/>), labels,
        /// class weights — so each message names a parameter of the public overload, not the formula's internal per-row scale.
        /// </summary>
        public static WeightedRows<T> Prepare(string input, int logitsLength, ReadOnlySpan<int> labels, int rowLength, ReadOnlySpan<T> classWeights, int ignoreIndex, Reduction reduction,
            string weights = "classWeights", bool meanByWeight = true)
        {
            ReductionChecks.ThrowIfNotMeanOrSum(reduction);
            if (rowLength <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(rowLength), rowLength, "The row length (the number of classes) must be positive.");
            }

            if (logitsLength % rowLength != 0)
            {
                throw new ArgumentException($"'{input}' has {logitsLength} elements, which is not a whole number of rows of {rowLength}.", input);
            }

            if (labels.Length != logitsLength / rowLength)
            {
                throw new ArgumentException($"'labels' has {labels.Length} labels, but '{input}' has {logitsLength / rowLength} rows of {rowLength}: one label per row.", nameof(labels));
            }

            if (classWeights.Length != rowLength)
            {
                throw new ArgumentException($"'{weights}' has {classWeights.Length} elements, but there are rowLength = {rowLength} classes.", weights);
            }

            for (int i = 0; i < labels.Length; i++)
            {
                if (labels[i] != ignoreIndex && (uint)labels[i] >= (uint)rowLength)
                {
                    throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"'labels'[{i}] is {labels[i]}; labels are class indices in [0, {rowLength}) or the ignore index {ignoreIndex}.");
                }
            }

            int batch = labels.Length;
            Span<int> safe = Scratch<int>.Span(ScratchSlot.WeightedLabels, batch);
            Span<T> scales = Scratch<T>.Span(ScratchSlot.WeightedScales, batch);
            double weightSum = 0;
            for (int i = 0; i < batch; i++)
            {
                bool counts = labels[i] != ignoreIndex;
                safe[i] = counts ? labels[i] : 0;
                weightSum += !counts ? 0 : meanByWeight ? double.CreateTruncating(classWeights[labels[i]]) : 1;
            }

            double scale = reduction == Reduction.Mean && weightSum != 0 ? 1 / weightSum : 1;
            for (int i = 0; i < batch; i++)
            {
                scales[i] = labels[i] != ignoreIndex ? T.CreateTruncating(scale) : T.Zero;
            }

            return new WeightedRows<T>(safe, scales, reduction == Reduction.Mean && weightSum == 0);
        }

        /// <summary>
        /// The loss as the caller sees it: the mean of no counted row is NaN, as in PyTorch, or 0 when the caller asks
        /// (pytorch#70348); the gradient is 0 either way.
        /// </summary>
        public T Finish(T loss, bool zeroWhenAllIgnored) => _noRowCounts ? (zeroWhenAllIgnored ? T.Zero : T.NaN) : loss;
    }
}
