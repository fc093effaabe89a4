using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
    /// <b>Written by hand.</b> The sum is over pairs of classes, which a row formula cannot say. Each target of a row is
    /// one vectorized pass over the row's classes; each hinge is computed in the element type as PyTorch computes it,
    /// (1 − x[y_j]) + x[i], and the row's sum is finished in double, in a fixed order, so every vector width gives the
    /// same bits.
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
    /// for the mean, taken in the element type), rounded once.
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
    /// <summary>The multi-label margin loss, single precision (each row finished in double, the reduction rounded once).</summary>
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
    /// <summary>The multi-label margin loss, half precision: the float overload on the converted values, rounded to Half through float.</summary>
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

/// <summary>The multi-label margin loss over rows of any storage type.</summary>
/// <remarks>
/// Per row and target j, one vectorized pass over the classes: the hinge (1 − x[y_j]) + x[i], in that order as PyTorch
/// computes it, kept where it is positive and i is not a target; each class adds its hinges and counts its positive
/// ones. Only elementwise operations, each class's sum taken in the order of the targets, so every width gives the same
/// bits; the row's loss is then the classes' sums added in double, in order. Half rows are converted to float first.
/// </remarks>
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

        double scale = (reduction == Reduction.Mean ? 1.0 / Math.Max(batch, 1) : 1.0) / rowLength;
        double total = typeof(TS) == typeof(double)
            ? Rows(MemoryMarshal.Cast<TS, double>(logits), targets, MemoryMarshal.Cast<TS, double>(gradient), wantGradient, MemoryMarshal.Cast<TS, double>(losses), wantLosses, rowLength, scale)
            : typeof(TS) == typeof(float)
            ? Rows(MemoryMarshal.Cast<TS, float>(logits), targets, MemoryMarshal.Cast<TS, float>(gradient), wantGradient, MemoryMarshal.Cast<TS, float>(losses), wantLosses, rowLength, scale)
            : HalfRows(MemoryMarshal.Cast<TS, Half>(logits), targets, MemoryMarshal.Cast<TS, Half>(gradient), wantGradient, MemoryMarshal.Cast<TS, Half>(losses), wantLosses, rowLength, scale);
        return reduction == Reduction.Sum ? total : batch == 0 ? double.NaN : total / batch;
    }

    /// <summary>Half rows through float copies: the float path's bits, each output rounded to Half through float.</summary>
    private static double HalfRows(ReadOnlySpan<Half> logits, ReadOnlySpan<int> targets, Span<Half> gradient, bool wantGradient,
        Span<Half> losses, bool wantLosses, int c, double scale)
    {
        Span<float> row = Scratch<float>.Span(ScratchSlot.MultiLabelHalfRow, 2 * c + 1);
        Span<float> x = row[..c], g = row.Slice(c, c), loss = row.Slice(2 * c, 1);
        double total = 0;
        for (int r = 0; r < logits.Length / c; r++)
        {
            System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(logits.Slice(r * c, c), x);
            total += Rows<float>(x, targets.Slice(r * c, c), g, wantGradient, loss, true, c, scale);
            if (wantGradient) System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(g, gradient.Slice(r * c, c));
            if (wantLosses) losses[r] = (Half)loss[0];
        }

        return total;
    }

    private static double Rows<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> targets, Span<T> gradient, bool wantGradient,
        Span<T> losses, bool wantLosses, int c, double scale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Per class: 1 where it is a target; the sum of its hinges; its count of positive hinges (− for a target).
        Span<T> work = Scratch<T>.Span(ScratchSlot.MultiLabelWork, 3 * c);
        Span<T> marks = work[..c], sums = work.Slice(c, c), counts = work.Slice(2 * c, c);
        T gradientScale = T.CreateTruncating(scale);
        double total = 0;
        for (int r = 0; r < logits.Length / c; r++)
        {
            ReadOnlySpan<T> x = logits.Slice(r * c, c);
            ReadOnlySpan<int> y = targets.Slice(r * c, c);
            int k = 0;
            while (k < c && y[k] >= 0)
            {
                k++;
            }

            work.Clear();
            for (int j = 0; j < k; j++)
            {
                marks[y[j]] = T.One;
            }

            for (int j = 0; j < k; j++)
            {
                T positives = Hinges(x, marks, sums, counts, T.One - x[y[j]]);
                counts[y[j]] -= positives;
            }

            double sum = 0;
            foreach (T s in sums)
            {
                sum += double.CreateTruncating(s);
            }

            double loss = sum / c;
            total += loss;
            if (wantLosses)
            {
                losses[r] = T.CreateTruncating(loss);
            }

            if (wantGradient)
            {
                // Counts are whole numbers, exact in T; one rounded product each, as the generated kernels scale theirs.
                System.Numerics.Tensors.TensorPrimitives.Multiply(counts, gradientScale, gradient.Slice(r * c, c));
            }
        }

        return total;
    }

    /// <summary>
    /// One target's pass: adds bias + x[i] to sums[i] and 1 to counts[i] wherever it is positive and i is not a target.
    /// Returns the number of such i (exact: a sum of ones).
    /// </summary>
    private static T Hinges<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> marks, Span<T> sums, Span<T> counts, T bias)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T rm = ref MemoryMarshal.GetReference(marks);
        ref T rs = ref MemoryMarshal.GetReference(sums);
        ref T rc = ref MemoryMarshal.GetReference(counts);
        int c = x.Length, i = 0;
        T positives = T.Zero;
        if (Vector512.IsHardwareAccelerated && VectorPaths.MaxBits >= 512)
        {
            i = HingeVectors<T, Vector512<T>, Simd512<T>>(ref rx, ref rm, ref rs, ref rc, bias, c, ref positives);
        }
        else if (Vector256.IsHardwareAccelerated && VectorPaths.MaxBits >= 256)
        {
            i = HingeVectors<T, Vector256<T>, Simd256<T>>(ref rx, ref rm, ref rs, ref rc, bias, c, ref positives);
        }
        else if (Vector128.IsHardwareAccelerated && VectorPaths.MaxBits >= 128)
        {
            i = HingeVectors<T, Vector128<T>, Simd128<T>>(ref rx, ref rm, ref rs, ref rc, bias, c, ref positives);
        }

        for (; i < c; i++)
        {
            positives += Step<T, T, ScalarSimd<T>>(ref rx, ref rm, ref rs, ref rc, bias, (nuint)i);
        }

        return positives;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int HingeVectors<T, TVec, TSimd>(ref T x, ref T marks, ref T sums, ref T counts, T bias, int c, ref T positives)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        int n = TSimd.Count, i = 0;
        TVec b = TSimd.Create(bias), ones = default;
        for (; i + n <= c; i += n)
        {
            ones = TSimd.Add(ones, Step<T, TVec, TSimd>(ref x, ref marks, ref sums, ref counts, b, (nuint)i));
        }

        Span<T> lanes = stackalloc T[n];
        TSimd.StoreUnsafe(ones, ref MemoryMarshal.GetReference(lanes), 0);
        foreach (T lane in lanes)
        {
            positives += lane;
        }

        return i;
    }

    /// <summary>The hinges of one vector of classes; returns 1 in each lane that counted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Step<T, TVec, TSimd>(ref T x, ref T marks, ref T sums, ref T counts, TVec bias, nuint i)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        TVec zero = TSimd.Constant(0), hinge = TSimd.Add(bias, TSimd.LoadUnsafe(in x, i));
        TVec counted = TSimd.And(TSimd.GreaterThan(hinge, zero), TSimd.Equals(TSimd.LoadUnsafe(in marks, i), zero));
        TVec one = TSimd.And(counted, TSimd.Constant(1));
        TSimd.StoreUnsafe(TSimd.Add(TSimd.LoadUnsafe(in sums, i), TSimd.And(counted, hinge)), ref sums, i);
        TSimd.StoreUnsafe(TSimd.Add(TSimd.LoadUnsafe(in counts, i), one), ref counts, i);
        return one;
    }
}
