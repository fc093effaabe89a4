using System;
using System.Runtime.InteropServices;
using LossGen.Kernels;

namespace LossGen;

public static partial class Losses
{
    // ------------------------------------------------------------------ double

    /// <summary>
    /// The multi-label margin loss, PyTorch <c>MultiLabelMarginLoss</c>: each row's target classes must score at least 1
    /// above each of its other classes, with targets given as class indices.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Formula.</b> For a row x of C scores whose targets are y_0 … y_{k−1} (the entries of its target row before the first
    /// negative one, as PyTorch reads them), the loss is Σ_j Σ_{i not a target} max(0, 1 − (x[y_j] − x[i])) / C. A class listed
    /// twice counts twice, as in PyTorch; a row with no targets has loss 0. <see cref="Reduction.Mean"/> averages over rows
    /// (NaN for none), <see cref="Reduction.Sum"/> adds them.
    /// </para>
    /// <para>
    /// <b>Written by hand.</b> The sum is over pairs of classes, which a row formula cannot say. Each row costs C·k
    /// comparisons, computed in double in a fixed order (the same bits at every vector width, and no vector code); for
    /// hundreds of classes and a few targets per row that is a small fraction of a training step.
    /// </para>
    /// </remarks>
    /// <param name="logits">Rows of scores, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="targets">For each row, <c>rowLength</c> entries: its target classes first, then −1 (the rest is ignored).</param>
    /// <param name="rowLength">C, the number of classes.</param>
    /// <param name="reduction">Mean over rows, or sum.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">The scores are not whole rows, or the targets are not one entry per score.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target class outside [0, rowLength), a row length below 1, or an unknown reduction.</exception>
    public static double MultiLabelMargin(ReadOnlySpan<double> logits, ReadOnlySpan<int> targets, [Positive] int rowLength, Reduction reduction = Reduction.Mean)
        => MultiLabelMarginKernel.Run(logits, targets, default, false, default, false, rowLength, reduction);

    /// <summary>The multi-label margin loss and its gradient with respect to the scores (divided by the number of rows for the mean).</summary>
    /// <remarks>
    /// The conventions are those of <see cref="MultiLabelMargin(ReadOnlySpan{double}, ReadOnlySpan{int}, int, Reduction)"/>. Each
    /// pair with a positive hinge adds 1/C to its other class's gradient and takes 1/C from its target's, as PyTorch's
    /// backward; a hinge at exactly 0 contributes nothing. Each element's gradient is its count times 1/C (times 1/batch
    /// for the mean), rounded once.
    /// </remarks>
    /// <param name="logits">Rows of scores, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="targets">For each row, <c>rowLength</c> entries: its target classes first, then −1.</param>
    /// <param name="logitsGradient">Receives the gradient of the reduced loss with respect to <paramref name="logits"/>.</param>
    /// <param name="rowLength">C, the number of classes.</param>
    /// <param name="reduction">Mean over rows, or sum.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">As for <c>MultiLabelMargin</c>, or a gradient span not of the scores' length; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <c>MultiLabelMargin</c>; nothing is written.</exception>
    public static double MultiLabelMarginWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<int> targets, Span<double> logitsGradient, [Positive] int rowLength,
        Reduction reduction = Reduction.Mean)
        => MultiLabelMarginKernel.Run(logits, targets, logitsGradient, true, default, false, rowLength, reduction);

    /// <summary>The multi-label margin loss of each row, unreduced (PyTorch's <c>reduction='none'</c>).</summary>
    /// <remarks>The conventions are those of <see cref="MultiLabelMargin(ReadOnlySpan{double}, ReadOnlySpan{int}, int, Reduction)"/>.</remarks>
    /// <param name="logits">Rows of scores, row-major <c>[batch, rowLength]</c>.</param>
    /// <param name="targets">For each row, <c>rowLength</c> entries: its target classes first, then −1.</param>
    /// <param name="losses">Receives one loss per row.</param>
    /// <param name="rowLength">C, the number of classes.</param>
    /// <exception cref="ArgumentException">As for <c>MultiLabelMargin</c>, or <paramref name="losses"/> not one per row; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <c>MultiLabelMargin</c>; nothing is written.</exception>
    public static void MultiLabelMarginElementwise(ReadOnlySpan<double> logits, ReadOnlySpan<int> targets, Span<double> losses, [Positive] int rowLength)
        => MultiLabelMarginKernel.Run(logits, targets, default, false, losses, true, rowLength, Reduction.Sum);

    // ------------------------------------------------------------------ float

    /// <inheritdoc cref="MultiLabelMargin(ReadOnlySpan{double}, ReadOnlySpan{int}, int, Reduction)"/>
    /// <summary>The multi-label margin loss, single precision (computed in double, rounded once).</summary>
    public static float MultiLabelMargin(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, [Positive] int rowLength, Reduction reduction = Reduction.Mean)
        => (float)MultiLabelMarginKernel.Run(logits, targets, default, false, default, false, rowLength, reduction);

    /// <inheritdoc cref="MultiLabelMarginWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, Reduction)"/>
    /// <summary>The multi-label margin loss and its gradient, single precision.</summary>
    public static float MultiLabelMarginWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, Span<float> logitsGradient, [Positive] int rowLength,
        Reduction reduction = Reduction.Mean)
        => (float)MultiLabelMarginKernel.Run(logits, targets, logitsGradient, true, default, false, rowLength, reduction);

    /// <inheritdoc cref="MultiLabelMarginElementwise(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int)"/>
    /// <summary>The multi-label margin loss of each row, single precision.</summary>
    public static void MultiLabelMarginElementwise(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, Span<float> losses, [Positive] int rowLength)
        => MultiLabelMarginKernel.Run(logits, targets, default, false, losses, true, rowLength, Reduction.Sum);

    // ------------------------------------------------------------------ Half

    /// <inheritdoc cref="MultiLabelMargin(ReadOnlySpan{double}, ReadOnlySpan{int}, int, Reduction)"/>
    /// <summary>The multi-label margin loss, half precision (computed in double, rounded to Half through float once).</summary>
    public static Half MultiLabelMargin(ReadOnlySpan<Half> logits, ReadOnlySpan<int> targets, [Positive] int rowLength, Reduction reduction = Reduction.Mean)
        => (Half)(float)MultiLabelMarginKernel.Run(logits, targets, default, false, default, false, rowLength, reduction);

    /// <inheritdoc cref="MultiLabelMarginWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, Reduction)"/>
    /// <summary>The multi-label margin loss and its gradient, half precision.</summary>
    public static Half MultiLabelMarginWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<int> targets, Span<Half> logitsGradient, [Positive] int rowLength,
        Reduction reduction = Reduction.Mean)
        => (Half)(float)MultiLabelMarginKernel.Run(logits, targets, logitsGradient, true, default, false, rowLength, reduction);

    /// <inheritdoc cref="MultiLabelMarginElementwise(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int)"/>
    /// <summary>The multi-label margin loss of each row, half precision.</summary>
    public static void MultiLabelMarginElementwise(ReadOnlySpan<Half> logits, ReadOnlySpan<int> targets, Span<Half> losses, [Positive] int rowLength)
        => MultiLabelMarginKernel.Run(logits, targets, default, false, losses, true, rowLength, Reduction.Sum);
}

/// <summary>The multi-label margin loss over rows of any storage type, in double.</summary>
internal static class MultiLabelMarginKernel
{
    /// <summary>Validates everything, then computes each row; returns the reduced loss in double.</summary>
    public static double Run<TS>(ReadOnlySpan<TS> logits, ReadOnlySpan<int> targets, Span<TS> gradient, bool wantGradient,
        Span<TS> losses, bool wantLosses, int rowLength, Reduction reduction)
        where TS : unmanaged
    {
        ReductionChecks.ThrowIfNotMeanOrSum(reduction);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowLength, 1);
        if (logits.Length % rowLength != 0)
            throw new ArgumentException($"'logits' has {logits.Length} elements, which is not a whole number of rows of {rowLength}.", nameof(logits));
        if (targets.Length != logits.Length)
            throw new ArgumentException(
                $"'targets' has {targets.Length} entries, but 'logits' has {logits.Length}: each row needs {rowLength} entries, its target classes then -1.", nameof(targets));
        int batch = logits.Length / rowLength;
        for (int r = 0; r < batch; r++)
        {
            ReadOnlySpan<int> row = targets.Slice(r * rowLength, rowLength);
            for (int j = 0; j < rowLength && row[j] >= 0; j++)
            {
                if (row[j] >= rowLength)
                    throw new ArgumentOutOfRangeException(nameof(targets), row[j],
                        $"targets[{r * rowLength + j}] (row {r}) is {row[j]}; a target class must be in [0, {rowLength}), and a negative entry ends the row's targets.");
            }
        }

        if (wantGradient && gradient.Length != logits.Length)
            throw new ArgumentException($"'logitsGradient' has {gradient.Length} elements, but 'logits' has {logits.Length}.", "logitsGradient");
        if (wantLosses && losses.Length != batch)
            throw new ArgumentException($"'losses' has {losses.Length} elements, but there are {batch} rows.", nameof(losses));

        // Per class: whether it is a target (bit 0) and its count of positive hinges, + for a non-target, − for a target.
        Span<int> marks = Scratch<int>.Span(ScratchSlot.MultiLabelMarks, rowLength);
        Span<int> counts = Scratch<int>.Span(ScratchSlot.MultiLabelCounts, rowLength);
        double scale = (reduction == Reduction.Mean ? 1.0 / Math.Max(batch, 1) : 1.0) / rowLength;
        double total = 0;
        for (int r = 0; r < batch; r++)
        {
            ReadOnlySpan<TS> x = logits.Slice(r * rowLength, rowLength);
            ReadOnlySpan<int> y = targets.Slice(r * rowLength, rowLength);
            int k = 0;
            while (k < rowLength && y[k] >= 0)
            {
                k++;
            }

            marks.Clear();
            counts.Clear();
            for (int j = 0; j < k; j++)
            {
                marks[y[j]] = 1;
            }

            double sum = 0;
            for (int j = 0; j < k; j++)
            {
                double target = Value(x, y[j]);
                for (int i = 0; i < rowLength; i++)
                {
                    if (marks[i] != 0)
                    {
                        continue;
                    }

                    double hinge = 1 - target + Value(x, i);
                    if (hinge > 0)
                    {
                        sum += hinge;
                        counts[i]++;
                        counts[y[j]]--;
                    }
                }
            }

            double loss = sum / rowLength;
            total += loss;
            if (wantLosses)
            {
                losses[r] = SpanPieces.Round<TS>(loss);
            }

            if (wantGradient)
            {
                Span<TS> g = gradient.Slice(r * rowLength, rowLength);
                for (int i = 0; i < rowLength; i++)
                {
                    g[i] = SpanPieces.Round<TS>(counts[i] * scale);
                }
            }
        }

        return reduction == Reduction.Sum ? total : batch == 0 ? double.NaN : total / batch;
    }

    private static double Value<TS>(ReadOnlySpan<TS> x, int i)
        where TS : unmanaged
    {
        if (typeof(TS) == typeof(double)) return MemoryMarshal.Cast<TS, double>(x)[i];
        if (typeof(TS) == typeof(float)) return MemoryMarshal.Cast<TS, float>(x)[i];
        return (double)MemoryMarshal.Cast<TS, Half>(x)[i];
    }
}
