using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LossGen.Kernels;

/// <summary>
/// The loops behind every generated row formula: validation, the batch loop, the passes over each
/// row with width dispatch, the gradient pass, the reduction over rows and the Half path. Written and
/// tested once; generated code supplies only an <see cref="IRowKernel{T}"/>. Infrastructure for
/// generated code.
/// </summary>
/// <remarks>
/// Each row is read once per reduction pass (independent reductions share a pass) and once more to
/// write its gradients; a row of a few thousand elements stays in L1 between passes. Row losses are
/// added in row order in double, chunk by chunk (see RowEngine.Chunks.cs), so the result does not depend on the vector
/// width or the number of threads (see <see cref="RowState{T}"/> for the lanes inside a row).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class RowEngine
{

    /// <summary>The loss of every row, reduced.</summary>
    public static T Reduce<T, TKernel>(TKernel kernel, RowOperands<T> operands, int rowLength, Reduction reduction)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        int batch = Validate<T, T, TKernel>(operands, rowLength, reduction, gradients: false);
        double total = Rows<T, TKernel, LossOnly>(ref kernel, operands, rowLength, batch, T.Zero, default);
        return T.CreateTruncating(Finish(total, batch, reduction));
    }

    /// <summary>The reduced loss, and its gradient with respect to each non-target row input.</summary>
    public static T ReduceWithGradient<T, TKernel>(TKernel kernel, RowOperands<T> operands, int rowLength, Reduction reduction)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        int batch = Validate<T, T, TKernel>(operands, rowLength, reduction, gradients: true);
        double total = Rows<T, TKernel, LossAndGradient>(ref kernel, operands, rowLength, batch, GradientScale<T>(batch, reduction), default);
        return T.CreateTruncating(Finish(total, batch, reduction));
    }

    /// <summary>The loss of each row, unreduced.</summary>
    public static void Map<T, TKernel>(TKernel kernel, RowOperands<T> operands, Span<T> losses, int rowLength)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        int batch = Validate<T, T, TKernel>(operands, rowLength, Reduction.Sum, gradients: false);
        ValidateLosses(batch, losses.Length);
        Rows<T, TKernel, LossOnly>(ref kernel, operands, rowLength, batch, T.Zero, losses);
    }

    /// <summary>
    /// The loss of each row and its gradients, unreduced: each row's gradient is the derivative of that row's loss (no
    /// division by the number of rows), what masks, sample weights and custom reductions start from.
    /// </summary>
    public static void MapWithGradient<T, TKernel>(TKernel kernel, RowOperands<T> operands, Span<T> losses, int rowLength)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        int batch = Validate<T, T, TKernel>(operands, rowLength, Reduction.Sum, gradients: true);
        ValidateLosses(batch, losses.Length);
        Rows<T, TKernel, LossAndGradient>(ref kernel, operands, rowLength, batch, T.One, losses);
    }

    /// <summary><see cref="Reduce{T, TKernel}"/> for Half inputs, computed in float.</summary>
    public static Half ReduceHalf<TKernel>(TKernel kernel, RowOperands<Half> operands, int rowLength, Reduction reduction)
        where TKernel : struct, IRowKernel<float>
    {
        int batch = Validate<Half, float, TKernel>(operands, rowLength, reduction, gradients: false);
        double total = HalfRows<TKernel, LossOnly>(ref kernel, operands, rowLength, batch, 0f, default);
        return (Half)(float)Finish(total, batch, reduction);
    }

    /// <summary><see cref="ReduceWithGradient{T, TKernel}"/> for Half inputs, computed in float.</summary>
    public static Half ReduceWithGradientHalf<TKernel>(TKernel kernel, RowOperands<Half> operands, int rowLength, Reduction reduction)
        where TKernel : struct, IRowKernel<float>
    {
        int batch = Validate<Half, float, TKernel>(operands, rowLength, reduction, gradients: true);
        double total = HalfRows<TKernel, LossAndGradient>(ref kernel, operands, rowLength, batch, GradientScale<float>(batch, reduction), default);
        return (Half)(float)Finish(total, batch, reduction);
    }

    /// <summary><see cref="Map{T, TKernel}"/> for Half inputs, computed in float.</summary>
    public static void MapHalf<TKernel>(TKernel kernel, RowOperands<Half> operands, Span<Half> losses, int rowLength)
        where TKernel : struct, IRowKernel<float>
    {
        int batch = Validate<Half, float, TKernel>(operands, rowLength, Reduction.Sum, gradients: false);
        ValidateLosses(batch, losses.Length);
        HalfRows<TKernel, LossOnly>(ref kernel, operands, rowLength, batch, 0f, losses);
    }

    /// <summary><see cref="MapWithGradient{T, TKernel}"/> for Half inputs, computed in float.</summary>
    public static void MapWithGradientHalf<TKernel>(TKernel kernel, RowOperands<Half> operands, Span<Half> losses, int rowLength)
        where TKernel : struct, IRowKernel<float>
    {
        int batch = Validate<Half, float, TKernel>(operands, rowLength, Reduction.Sum, gradients: true);
        ValidateLosses(batch, losses.Length);
        HalfRows<TKernel, LossAndGradient>(ref kernel, operands, rowLength, batch, 1f, losses);
    }

    /// <summary>The loss of every row times its sample weight, reduced.</summary>
    public static T ReduceWeighted<T, TKernel>(TKernel kernel, RowOperands<T> operands, int rowLength, ReadOnlySpan<T> sampleWeights, WeightedReduction reduction)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        int batch = ValidateWeighted<T, T, TKernel>(operands, rowLength, sampleWeights.Length, reduction, gradients: false);
        double divisor = ReductionChecks.Divisor(reduction, batch, reduction == WeightedReduction.Mean ? WeightSum(sampleWeights) : 0);
        return T.CreateTruncating(Rows<T, TKernel, LossOnly>(ref kernel, operands, rowLength, batch, T.Zero, default, sampleWeights) / divisor);
    }

    /// <summary>The weighted loss, reduced, and its gradient with respect to each non-target row input: each row's scaled by its weight.</summary>
    public static T ReduceWeightedWithGradient<T, TKernel>(TKernel kernel, RowOperands<T> operands, int rowLength, ReadOnlySpan<T> sampleWeights, WeightedReduction reduction)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        int batch = ValidateWeighted<T, T, TKernel>(operands, rowLength, sampleWeights.Length, reduction, gradients: true);
        double divisor = ReductionChecks.Divisor(reduction, batch, reduction == WeightedReduction.Mean ? WeightSum(sampleWeights) : 0);
        return T.CreateTruncating(Rows<T, TKernel, LossAndGradient>(ref kernel, operands, rowLength, batch, T.CreateTruncating(1.0 / divisor), default, sampleWeights) / divisor);
    }

    /// <summary><see cref="ReduceWeighted{T, TKernel}"/> for Half inputs, computed in float.</summary>
    public static Half ReduceWeightedHalf<TKernel>(TKernel kernel, RowOperands<Half> operands, int rowLength, ReadOnlySpan<Half> sampleWeights, WeightedReduction reduction)
        where TKernel : struct, IRowKernel<float>
    {
        int batch = ValidateWeighted<Half, float, TKernel>(operands, rowLength, sampleWeights.Length, reduction, gradients: false);
        double divisor = ReductionChecks.Divisor(reduction, batch, reduction == WeightedReduction.Mean ? WeightSum(sampleWeights) : 0);
        return (Half)(float)(HalfRows<TKernel, LossOnly>(ref kernel, operands, rowLength, batch, 0f, default, sampleWeights) / divisor);
    }

    /// <summary><see cref="ReduceWeightedWithGradient{T, TKernel}"/> for Half inputs, computed in float.</summary>
    public static Half ReduceWeightedWithGradientHalf<TKernel>(TKernel kernel, RowOperands<Half> operands, int rowLength, ReadOnlySpan<Half> sampleWeights, WeightedReduction reduction)
        where TKernel : struct, IRowKernel<float>
    {
        int batch = ValidateWeighted<Half, float, TKernel>(operands, rowLength, sampleWeights.Length, reduction, gradients: true);
        double divisor = ReductionChecks.Divisor(reduction, batch, reduction == WeightedReduction.Mean ? WeightSum(sampleWeights) : 0);
        return (Half)(float)(HalfRows<TKernel, LossAndGradient>(ref kernel, operands, rowLength, batch, (float)(1.0 / divisor), default, sampleWeights) / divisor);
    }

    /// <summary>The rows' weights summed in double, in row order.</summary>
    private static double WeightSum<TIn>(ReadOnlySpan<TIn> weights)
        where TIn : unmanaged, INumberBase<TIn>
    {
        double sum = 0;
        foreach (TIn w in weights)
        {
            sum += double.CreateTruncating(w);
        }

        return sum;
    }

    /// <summary>The inputs checked as for the unweighted forms, and one weight per row.</summary>
    private static int ValidateWeighted<TIn, T, TKernel>(RowOperands<TIn> o, int rowLength, int weightCount, WeightedReduction reduction, bool gradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        ReductionChecks.ThrowIfUndefined(reduction);
        int batch = Validate<TIn, T, TKernel>(o, rowLength, Reduction.Sum, gradients);
        if (weightCount != batch)
        {
            throw new ArgumentException($"'{ElementwiseEngine.SampleWeightsName}' has {weightCount} elements, but there are {batch} rows: one weight per row.", ElementwiseEngine.SampleWeightsName);
        }

        return batch;
    }

    /// <summary>Runs rows [0, batch) of one chunk: returns the sum of their losses and, when given, writes each into <paramref name="losses"/>.</summary>
    /// <remarks>
    /// <paramref name="weights"/>: each row's sample weight, which multiplies its loss and its gradient's scale, or empty.
    /// Optimized from the first call: it runs once per chunk, so tiered compilation would leave it in on-stack replacement code.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double ChunkRows<T, TKernel, TMode>(ref TKernel kernel, RowOperands<T> o, int rowLength, int batch, T scale, Span<T> losses, ReadOnlySpan<T> weights)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TMode : struct, IMode
    {
        // The softmax log-sum-exp's e^(u − m) for one row, kept for the gradient pass: in the row's first gradient,
        // which the gradient pass overwrites column by column after reading them, so the gradient's cache lines are
        // fetched while the log-sum-exp pass computes; in a scratch row when that gradient overlaps an input.
        bool keepExps = TMode.WithGradient && TKernel.GradientCount > 0 && TKernel.SoftmaxReduction >= 0;
        bool expsInGradient = keepExps && !OverlapsInputs<T, TKernel>(o, o.G0);
        var state = default(RowState<T>);
        double total = 0;
        long inputLength = (long)batch * rowLength;
        ref T scratch = ref keepExps && !expsInGradient ? ref MemoryMarshal.GetArrayDataReference(Scratch<T>.Rent(ScratchSlot.RowExponentials, rowLength, minimum: 1024)) : ref Unsafe.NullRef<T>();
        for (int r = 0; r < batch; r++)
        {
            int start = r * rowLength;
            RowView<T> row = RowAt<T, TKernel>(o, r, rowLength, inputLength);
            ref T exps = ref expsInGradient ? ref Unsafe.Add(ref MemoryMarshal.GetReference(o.G0), start) : ref scratch;
            StartRow(ref kernel, ref state, in row);
            for (int pass = 0; pass < TKernel.PassCount; pass++)
            {
                switch (pass)
                {
                    case 0: Pass<T, TKernel, RowPass0>(ref kernel, ref state, in row, ref exps); break;
                    case 1: Pass<T, TKernel, RowPass1>(ref kernel, ref state, in row, ref exps); break;
                    case 2: Pass<T, TKernel, RowPass2>(ref kernel, ref state, in row, ref exps); break;
                    default: Pass<T, TKernel, RowPass3>(ref kernel, ref state, in row, ref exps); break;
                }

                EndPass(ref kernel, ref state, in row, pass, keepExps);
            }

            T loss = kernel.Loss(ref state);
            T weight = weights.IsEmpty ? T.One : weights[r];
            total += double.CreateTruncating(weights.IsEmpty ? loss : loss * weight);
            if (!losses.IsEmpty)
            {
                losses[r] = loss;
            }

            if (TMode.WithGradient && TKernel.GradientCount > 0)
            {
                var gradients = new GradientRow<T>(o, start, rowLength);
                RowGradient(ref kernel, ref state, in row, in gradients, weights.IsEmpty ? scale : scale * weight, ref exps, cached: keepExps && !state.SoftmaxStale);
            }
        }

        return total;
    }

    /// <summary>Row <paramref name="r"/> of every input, with its labels and values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RowView<T> RowAt<T, TKernel>(RowOperands<T> o, int r, int rowLength, long inputLength)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        int start = r * rowLength;
        bool anyShared = TKernel.IsShared(0) || (TKernel.InputCount > 1 && TKernel.IsShared(1)) || (TKernel.InputCount > 2 && TKernel.IsShared(2)) || (TKernel.InputCount > 3 && TKernel.IsShared(3));
        long paddedLength = rowLength + (-rowLength & (RowState<T>.LaneCount - 1));
        return new RowView<T>
        {
            X0 = RowOf(o.X0, TKernel.IsShared(0), start, rowLength),
            X1 = TKernel.InputCount > 1 ? RowOf(o.X1, TKernel.IsShared(1), start, rowLength) : default,
            X2 = TKernel.InputCount > 2 ? RowOf(o.X2, TKernel.IsShared(2), start, rowLength) : default,
            X3 = TKernel.InputCount > 3 ? RowOf(o.X3, TKernel.IsShared(3), start, rowLength) : default,
            Label0 = TKernel.LabelCount > 0 ? o.Labels0[r] : 0,
            Label1 = TKernel.LabelCount > 1 ? o.Labels1[r] : 0,
            Value0 = TKernel.ValueCount > 0 ? o.Values0[r] : T.Zero,
            Value1 = TKernel.ValueCount > 1 ? o.Values1[r] : T.Zero,
            Length = rowLength,
            // Rows whose last vector, rounded up to 64 bytes, still lies inside every input and gradient.
            LastVectorInPlace = !anyShared && start + paddedLength <= inputLength,
        };
    }

    /// <summary>Resets the row's reductions and computes the scalars known before the first pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StartRow<T, TKernel>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        for (int k = 0; k < TKernel.ReductionCount; k++)
        {
            state.Reset(k, TKernel.ReductionKind(k));
        }

        state.SoftmaxStale = false;
        kernel.Scalars(0, ref state, in row);
    }

    /// <summary>Finishes the reductions of pass <paramref name="pass"/> and computes the scalars that follow it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EndPass<T, TKernel>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row, int pass, bool keepExps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        for (int k = 0; k < TKernel.ReductionCount; k++)
        {
            if (TKernel.ReductionPass(k) == pass)
            {
                state.Finish(k, TKernel.ReductionKind(k), softmax: keepExps && k == TKernel.SoftmaxReduction);
            }
        }

        kernel.Scalars(pass + 1, ref state, in row);
    }

    /// <summary>The row's gradient pass, from its kept exponentials or recomputing the softmax.</summary>
    private static void RowGradient<T, TKernel>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row, in GradientRow<T> gradients, T scale, ref T exps, bool cached)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        if (cached)
        {
            GradientPass<T, TKernel, RowSoftmaxCached>(ref kernel, ref state, in row, in gradients, scale, ref exps);
        }
        else
        {
            GradientPass<T, TKernel, RowSoftmaxRecomputed>(ref kernel, ref state, in row, in gradients, scale, ref exps);
        }
    }

    /// <summary>True when <paramref name="output"/> shares memory with one of the kernel's row inputs.</summary>
    private static bool OverlapsInputs<T, TKernel>(RowOperands<T> o, Span<T> output)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        => output.Overlaps(o.X0)
            || (TKernel.InputCount > 1 && output.Overlaps(o.X1))
            || (TKernel.InputCount > 2 && output.Overlaps(o.X2))
            || (TKernel.InputCount > 3 && output.Overlaps(o.X3));

    /// <summary>The row of an input that starts at <paramref name="start"/>; a shared input is the same row every time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<TIn> RowOf<TIn>(ReadOnlySpan<TIn> input, bool shared, int start, int rowLength)
        => shared ? input.Slice(0, rowLength) : input.Slice(start, rowLength);

    /// <summary>Half rows, one at a time, through float copies: the float kernel sees each row as a batch of one.</summary>
    [SkipLocalsInit]
    private static double HalfRows<TKernel, TMode>(ref TKernel kernel, RowOperands<Half> o, int rowLength, int batch, float scale, Span<Half> losses, ReadOnlySpan<Half> weights = default)
        where TKernel : struct, IRowKernel<float>
        where TMode : struct, IMode
    {
        Span<float> weight = stackalloc float[1];
        Span<float> buffer = Scratch<float>.Span(ScratchSlot.RowHalf, 8 * rowLength);
        Span<float> x0 = buffer.Slice(0, rowLength), x1 = buffer.Slice(rowLength, rowLength);
        Span<float> x2 = buffer.Slice(2 * rowLength, rowLength), x3 = buffer.Slice(3 * rowLength, rowLength);
        Span<float> g0 = buffer.Slice(4 * rowLength, rowLength), g1 = buffer.Slice(5 * rowLength, rowLength);
        Span<float> g2 = buffer.Slice(6 * rowLength, rowLength), g3 = buffer.Slice(7 * rowLength, rowLength);
        Span<float> values = stackalloc float[2];
        Span<float> loss = stackalloc float[1];
        int rowsPerChunk = RowsPerChunk(rowLength);
        double total = 0, chunkTotal = 0;
        for (int r = 0; r < batch; r++)
        {
            int start = r * rowLength;
            TensorPrimitives.ConvertToSingle(RowOf(o.X0, TKernel.IsShared(0), start, rowLength), x0);
            if (TKernel.InputCount > 1) TensorPrimitives.ConvertToSingle(RowOf(o.X1, TKernel.IsShared(1), start, rowLength), x1);
            if (TKernel.InputCount > 2) TensorPrimitives.ConvertToSingle(RowOf(o.X2, TKernel.IsShared(2), start, rowLength), x2);
            if (TKernel.InputCount > 3) TensorPrimitives.ConvertToSingle(RowOf(o.X3, TKernel.IsShared(3), start, rowLength), x3);
            values[0] = TKernel.ValueCount > 0 ? (float)o.Values0[r] : 0f;
            values[1] = TKernel.ValueCount > 1 ? (float)o.Values1[r] : 0f;
            var single = new RowOperands<float>
            {
                X0 = x0, X1 = x1, X2 = x2, X3 = x3,
                Labels0 = TKernel.LabelCount > 0 ? o.Labels0.Slice(r, 1) : default,
                Labels1 = TKernel.LabelCount > 1 ? o.Labels1.Slice(r, 1) : default,
                Values0 = values.Slice(0, 1), Values1 = values.Slice(1, 1),
                G0 = g0, G1 = g1, G2 = g2, G3 = g3,
            };
            if (!weights.IsEmpty)
            {
                weight[0] = (float)weights[r];
            }

            chunkTotal += ChunkRows<float, TKernel, TMode>(ref kernel, single, rowLength, 1, scale, losses.IsEmpty ? default : loss, weights.IsEmpty ? default : weight);
            if ((r + 1) % rowsPerChunk == 0 || r + 1 == batch)
            {
                // The float path's chunks: their sums added in order.
                total = r < rowsPerChunk ? chunkTotal : total + chunkTotal;
                chunkTotal = 0;
            }
            if (!losses.IsEmpty)
            {
                losses[r] = (Half)loss[0];
            }

            if (TMode.WithGradient)
            {
                if (TKernel.GradientCount > 0) TensorPrimitives.ConvertToHalf(g0, o.G0.Slice(start, rowLength));
                if (TKernel.GradientCount > 1) TensorPrimitives.ConvertToHalf(g1, o.G1.Slice(start, rowLength));
                if (TKernel.GradientCount > 2) TensorPrimitives.ConvertToHalf(g2, o.G2.Slice(start, rowLength));
                if (TKernel.GradientCount > 3) TensorPrimitives.ConvertToHalf(g3, o.G3.Slice(start, rowLength));
            }
        }

        return total;
    }

    /// <summary>One pass over a row: at the widest width allowed, one "vector" is the 64 bytes of canonical lanes.</summary>
    /// <remarks><paramref name="exps"/>: where the softmax log-sum-exp's e^(u − m) go, or a null reference.</remarks>
    private static void Pass<T, TKernel, TPass>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row, ref T exps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TPass : struct, IRowPass
    {
        if (KeepsExps<T, TKernel, TPass>(ref exps))
        {
            Pass<T, TKernel, TPass, RowKeepsExps>(ref kernel, ref state, in row, ref exps);
        }
        else
        {
            Pass<T, TKernel, TPass, RowDropsExps>(ref kernel, ref state, in row, ref exps);
        }
    }

    /// <summary><see cref="Pass{T, TKernel, TPass}"/> at the widest width allowed, its vector loop compiled for keeping the exponentials or not.</summary>
    private static void Pass<T, TKernel, TPass, TKeep>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row, ref T exps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TPass : struct, IRowPass
        where TKeep : struct, IRowFlag
    {
        if (Vector512.IsHardwareAccelerated && VectorPaths.MaxBits >= 512)
        {
            PassVectors<T, TKernel, TPass, TKeep, Vector512<T>, Simd512<T>>(ref kernel, ref state, in row, ref exps);
        }
        else if (Vector256.IsHardwareAccelerated && VectorPaths.MaxBits >= 256)
        {
            PassVectorParts<T, TKernel, TPass, TKeep, Vector256<T>, Simd256<T>>(ref kernel, ref state, in row, ref exps);
        }
        else if (Vector128.IsHardwareAccelerated && VectorPaths.MaxBits >= 128)
        {
            PassVectorParts<T, TKernel, TPass, TKeep, Vector128<T>, Simd128<T>>(ref kernel, ref state, in row, ref exps);
        }
        else
        {
            PassScalar<T, TKernel, TPass>(ref kernel, ref state, in row, ref exps);
        }
    }

    /// <summary>True in the pass that computes the softmax log-sum-exp, when the engine keeps its exponentials.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool KeepsExps<T, TKernel, TPass>(ref T exps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TPass : struct, IRowPass
        => TKernel.SoftmaxReduction >= 0 && TKernel.ReductionPass(TKernel.SoftmaxReduction) == TPass.Index && !Unsafe.IsNullRef(ref exps);

    /// <summary>The scalar path: column j folds into lane j mod L, one element at a time.</summary>
    private static void PassScalar<T, TKernel, TPass>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row, ref T exps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TPass : struct, IRowPass
    {
        (int first, int count) = Reductions<T, TKernel>(TPass.Index);
        bool keep = KeepsExps<T, TKernel, TPass>(ref exps);
        nuint fullColumns = (nuint)(row.Length - (row.Length % RowState<T>.LaneCount));
        T e = T.Zero;
        nuint laneCount = (nuint)RowState<T>.LaneCount;
        RowRefs<T> x = new(in row);
        for (nuint j = 0; j < (nuint)row.Length; j++)
        {
            nuint lane = j % laneCount;
            LoadAccumulators<T, T, ScalarSimd<T>>(ref state, first, count, lane, out T a0, out T b0, out T a1, out T b1, out T a2, out T b2, out T a3, out T b3);
            kernel.Accumulate<T, ScalarSimd<T>, TPass, RowInterior>(
                ref state, x.Load<T, ScalarSimd<T>, TKernel>(0, j), x.Load<T, ScalarSimd<T>, TKernel>(1, j), x.Load<T, ScalarSimd<T>, TKernel>(2, j), x.Load<T, ScalarSimd<T>, TKernel>(3, j),
                Element<T>(j), default, ref e, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
            StoreAccumulators<T, T, ScalarSimd<T>>(ref state, first, count, lane, a0, b0, a1, b1, a2, b2, a3, b3);
            if (keep)
            {
                // As the vector paths keep them: whole vectors in the row, the last partial one in the state.
                if (j < fullColumns) Unsafe.Add(ref exps, j) = e;
                else Unsafe.Add(ref state.TailExps, j - fullColumns) = e;
            }

            if ((j + 1) % (nuint)RowState<T>.ColumnsPerFlush == 0)
            {
                FlushSums<T, TKernel>(ref state, first, count);
            }
        }
    }

    /// <summary>Moves the lanes of the pass's sums into their double totals (see <see cref="RowState{T}.FlushSum"/>).</summary>
    private static void FlushSums<T, TKernel>(ref RowState<T> state, int first, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        for (int k = first; k < first + count; k++)
        {
            if (TKernel.ReductionKind(k) == RowReduction.Sum)
            {
                state.FlushSum(k);
            }
        }
    }

    /// <summary>
    /// The vector loop of one pass: each vector is the L canonical lanes, so the accumulators of the pass's
    /// reductions are plain locals the JIT keeps in registers. The last, partial vector folds into them after the
    /// loop, read in place or through zero-padded copies, its lanes past the row folding the reductions' identities.
    /// </summary>
    /// <remarks>
    /// The kernel's fold is inlined twice here (the loop and the edge); that fits the JIT's inlining budget because the
    /// log-sum-exp's exps have no range test (see <see cref="SimdMath.ExpAtMost16"/>).
    /// </remarks>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void PassVectors<T, TKernel, TPass, TKeep, TVec, TSimd>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row, ref T exps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TPass : struct, IRowPass
        where TKeep : struct, IRowFlag
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        (int first, int count) = Reductions<T, TKernel>(TPass.Index);
        TVec e = default;
        nuint c = (nuint)TSimd.Count, n = (nuint)row.Length, flushColumns = (nuint)RowState<T>.ColumnsPerFlush;
        LoadAccumulators<T, TVec, TSimd>(ref state, first, count, 0, out TVec a0, out TVec b0, out TVec a1, out TVec b1, out TVec a2, out TVec b2, out TVec a3, out TVec b3);
        RowRefs<T> x = new(in row);
        nuint j = 0;
        while (j + c <= n)
        {
            // Blocks of ColumnsPerFlush columns: the sums move into their double totals after each whole block, exactly
            // where the scalar path moves them, and the block's loop has no call in it to spill its registers around.
            nuint end = Math.Min(n, j + flushColumns);
            for (; j + c <= end; j += c)
            {
                kernel.Accumulate<TVec, TSimd, TPass, RowInterior>(
                    ref state, x.Load<TVec, TSimd, TKernel>(0, j), x.Load<TVec, TSimd, TKernel>(1, j), x.Load<TVec, TSimd, TKernel>(2, j), x.Load<TVec, TSimd, TKernel>(3, j),
                    TSimd.Indices(Element<T>(j)), default, ref e, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
                if (TKeep.IsSet)
                {
                    TSimd.StoreUnsafe(e, ref exps, j);
                }
            }

            if (j % flushColumns == 0)
            {
                StoreAccumulators<T, TVec, TSimd>(ref state, first, count, 0, a0, b0, a1, b1, a2, b2, a3, b3);
                FlushSums<T, TKernel>(ref state, first, count);
                LoadAccumulators<T, TVec, TSimd>(ref state, first, count, 0, out a0, out b0, out a1, out b1, out a2, out b2, out a3, out b3);
            }
        }

        if (j < n)
        {
            LoadLastVector<T, TKernel, TVec, TSimd>(in row, j, out TVec x0, out TVec x1, out TVec x2, out TVec x3);
            TVec column = TSimd.Indices(Element<T>(j));
            TVec inside = TSimd.LessThan(column, TSimd.Create(Element<T>(row.Length)));
            kernel.Accumulate<TVec, TSimd, TPass, RowEdge>(
                ref state, x0, x1, x2, x3, column, inside, ref e, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
            if (TKeep.IsSet)
            {
                TSimd.StoreUnsafe(e, ref state.TailExps, 0);
            }
        }

        StoreAccumulators<T, TVec, TSimd>(ref state, first, count, 0, a0, b0, a1, b1, a2, b2, a3, b3);
    }

    /// <summary>
    /// The vector loop of one pass at 256 and 128 bits: each 64-byte vector of canonical lanes as its parts (two Vector256
    /// or four Vector128). Within each block of <see cref="RowState{T}.ColumnsPerFlush"/> columns, part 0 of every vector
    /// first, then part 1, and so on, each part's accumulators in registers for the whole block. Lanes never mix before
    /// the flush at the block's end, so each lane sees the same operations in the same order as in
    /// <see cref="PassVectors"/>: the same bits.
    /// </summary>
    /// <remarks>
    /// Why not <see cref="PassVectors"/> over a pair of vectors (or a pair of pairs): every operation's temporaries are
    /// then structs of two (or four) vectors, and a row pass of softmax cross-entropy ran out of the JIT's local
    /// variables ("too many locals"), after which about 20 of its operations per vector were calls (at 256 bits 8x
    /// slower than 512, and 3x slower than 128). One copy of the kernel over one vector fits; two copies in one loop,
    /// over two parts at once, did not. A block of the inputs (4 KB each) stays in L1 across its strided sweeps.
    /// </remarks>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void PassVectorParts<T, TKernel, TPass, TKeep, TVec, TSimd>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row, ref T exps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TPass : struct, IRowPass
        where TKeep : struct, IRowFlag
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        (int first, int count) = Reductions<T, TKernel>(TPass.Index);
        nuint part = (nuint)TSimd.Count, c = (nuint)RowState<T>.LaneCount, n = (nuint)row.Length;
        nuint flushColumns = (nuint)RowState<T>.ColumnsPerFlush;
        RowRefs<T> x = new(in row);
        TVec e = default;
        nuint j = 0;
        while (j + c <= n)
        {
            nuint end = j + Math.Min(n - j, flushColumns) / c * c;
            for (nuint lane = 0; lane < c; lane += part)
            {
                LoadAccumulators<T, TVec, TSimd>(ref state, first, count, lane, out TVec a0, out TVec b0, out TVec a1, out TVec b1, out TVec a2, out TVec b2, out TVec a3, out TVec b3);
                for (nuint column = j + lane; column < end; column += c)
                {
                    kernel.Accumulate<TVec, TSimd, TPass, RowInterior>(
                        ref state, x.Load<TVec, TSimd, TKernel>(0, column), x.Load<TVec, TSimd, TKernel>(1, column), x.Load<TVec, TSimd, TKernel>(2, column), x.Load<TVec, TSimd, TKernel>(3, column),
                        TSimd.Indices(Element<T>(column)), default, ref e, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
                    if (TKeep.IsSet)
                    {
                        TSimd.StoreUnsafe(e, ref exps, column);
                    }
                }

                StoreAccumulators<T, TVec, TSimd>(ref state, first, count, lane, a0, b0, a1, b1, a2, b2, a3, b3);
            }

            j = end;
            if (j % flushColumns == 0)
            {
                FlushSums<T, TKernel>(ref state, first, count);
            }
        }

        if (j < n)
        {
            PassLastVectorParts<T, TKernel, TPass, TKeep, TVec, TSimd>(ref kernel, ref state, in row, j, first, count);
        }
    }

    /// <summary>The last, partial vector of <see cref="PassVectorParts"/>, its lanes past the row masked; out of line, once per row.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PassLastVectorParts<T, TKernel, TPass, TKeep, TVec, TSimd>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row, nuint j, int first, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TPass : struct, IRowPass
        where TKeep : struct, IRowFlag
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        LoadLastVector<T, TKernel, VectorPair<VectorPair<Vector128<T>>>, SimdPair<VectorPair<Vector128<T>>, T, SimdPair<Vector128<T>, T, Simd128<T>>>>(in row, j, out var x0, out var x1, out var x2, out var x3);
        nuint part = (nuint)TSimd.Count;
        TVec length = TSimd.Create(Element<T>(row.Length));
        TVec e = default;
        for (nuint lane = 0; lane < (nuint)RowState<T>.LaneCount; lane += part)
        {
            TVec column = TSimd.Indices(Element<T>(j + lane));
            LoadAccumulators<T, TVec, TSimd>(ref state, first, count, lane, out TVec a0, out TVec b0, out TVec a1, out TVec b1, out TVec a2, out TVec b2, out TVec a3, out TVec b3);
            kernel.Accumulate<TVec, TSimd, TPass, RowEdge>(
                ref state, Part<T, TVec>(ref x0, lane), Part<T, TVec>(ref x1, lane), Part<T, TVec>(ref x2, lane), Part<T, TVec>(ref x3, lane),
                column, TSimd.LessThan(column, length), ref e, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
            StoreAccumulators<T, TVec, TSimd>(ref state, first, count, lane, a0, b0, a1, b1, a2, b2, a3, b3);
            if (TKeep.IsSet)
            {
                TSimd.StoreUnsafe(e, ref state.TailExps, lane);
            }
        }
    }

    /// <summary>The part of a 64-byte vector that starts at <paramref name="lane"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Part<T, TVec>(ref VectorPair<VectorPair<Vector128<T>>> whole, nuint lane)
        where T : unmanaged
        where TVec : struct
        => Unsafe.As<T, TVec>(ref Unsafe.Add(ref Unsafe.As<VectorPair<VectorPair<Vector128<T>>>, T>(ref whole), lane));

    /// <summary>
    /// The inputs' last, partial vector at column <paramref name="j"/>: in place when the inputs go on past the row,
    /// else from zero-padded copies. Lanes past the row are masked by the caller either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadLastVector<T, TKernel, TVec, TSimd>(in RowView<T> row, nuint j, out TVec x0, out TVec x1, out TVec x2, out TVec x3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        if (row.LastVectorInPlace)
        {
            RowRefs<T> x = new(in row);
            x0 = x.Load<TVec, TSimd, TKernel>(0, j);
            x1 = x.Load<TVec, TSimd, TKernel>(1, j);
            x2 = x.Load<TVec, TSimd, TKernel>(2, j);
            x3 = x.Load<TVec, TSimd, TKernel>(3, j);
            return;
        }

        LoadLastVectorCopied<T, TKernel, TVec, TSimd>(in row, j, out x0, out x1, out x2, out x3);
    }

    /// <summary>
    /// <see cref="LoadLastVector"/> through zero-padded copies (the batch's last row, or shared rows): out of line, so
    /// its 256 bytes of buffers are not cleared on every row.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LoadLastVectorCopied<T, TKernel, TVec, TSimd>(in RowView<T> row, nuint j, out TVec x0, out TVec x1, out TVec x2, out TVec x3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        RowTail<T> tail = new(in row, (int)j, TKernel.InputCount);
        x0 = tail.Load<TVec, TSimd>(0);
        x1 = tail.Load<TVec, TSimd>(1);
        x2 = tail.Load<TVec, TSimd>(2);
        x3 = tail.Load<TVec, TSimd>(3);
    }

    /// <summary>The reductions of a pass: they are numbered in pass order, so they are a range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int First, int Count) Reductions<T, TKernel>(int pass)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        int first = 0, count = 0;
        for (int k = 0; k < TKernel.ReductionCount; k++)
        {
            int p = TKernel.ReductionPass(k);
            first += p < pass ? 1 : 0;
            count += p == pass ? 1 : 0;
        }

        return (first, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadAccumulators<T, TVec, TSimd>(ref RowState<T> state, int first, int count, nuint lane,
        out TVec a0, out TVec b0, out TVec a1, out TVec b1, out TVec a2, out TVec b2, out TVec a3, out TVec b3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        a0 = b0 = a1 = b1 = a2 = b2 = a3 = b3 = default;
        if (count > 0) state.Load<TVec, TSimd>(first, lane, out a0, out b0);
        if (count > 1) state.Load<TVec, TSimd>(first + 1, lane, out a1, out b1);
        if (count > 2) state.Load<TVec, TSimd>(first + 2, lane, out a2, out b2);
        if (count > 3) state.Load<TVec, TSimd>(first + 3, lane, out a3, out b3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreAccumulators<T, TVec, TSimd>(ref RowState<T> state, int first, int count, nuint lane,
        TVec a0, TVec b0, TVec a1, TVec b1, TVec a2, TVec b2, TVec a3, TVec b3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        if (count > 0) state.Store<TVec, TSimd>(first, lane, a0, b0);
        if (count > 1) state.Store<TVec, TSimd>(first + 1, lane, a1, b1);
        if (count > 2) state.Store<TVec, TSimd>(first + 2, lane, a2, b2);
        if (count > 3) state.Store<TVec, TSimd>(first + 3, lane, a3, b3);
    }

    /// <remarks>
    /// With <see cref="RowSoftmaxCached"/>, <paramref name="exps"/> holds the row's e^(u − m) from the log-sum-exp
    /// pass; each vector of them times the lanes' factors is the softmax the kernel would otherwise recompute.
    /// </remarks>
    private static void GradientPass<T, TKernel, TSoftmax>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row, in GradientRow<T> g, T scale, ref T exps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TSoftmax : struct, IRowSoftmax
    {
        if (Vector512.IsHardwareAccelerated && VectorPaths.MaxBits >= 512)
        {
            GradientVectors<T, TKernel, TSoftmax, Vector512<T>, Simd512<T>>(ref kernel, ref state, in row, in g, scale, ref exps);
        }
        else if (Vector256.IsHardwareAccelerated && VectorPaths.MaxBits >= 256)
        {
            GradientVectorParts<T, TKernel, TSoftmax, Vector256<T>, Simd256<T>>(ref kernel, ref state, in row, in g, scale, ref exps);
        }
        else if (Vector128.IsHardwareAccelerated && VectorPaths.MaxBits >= 128)
        {
            GradientVectorParts<T, TKernel, TSoftmax, Vector128<T>, Simd128<T>>(ref kernel, ref state, in row, in g, scale, ref exps);
        }
        else
        {
            RowRefs<T> x = new(in row);
            RowGradientScalars<T> scalars = kernel.GradientScalars<T, ScalarSimd<T>>(ref state);
            nuint laneCount = (nuint)RowState<T>.LaneCount;
            nuint fullColumns = (nuint)(row.Length - (row.Length % RowState<T>.LaneCount));
            for (nuint j = 0; j < (nuint)row.Length; j++)
            {
                T softmax = T.Zero;
                if (TSoftmax.Cached)
                {
                    T e = j < fullColumns ? Unsafe.Add(ref exps, j) : Unsafe.Add(ref state.TailExps, j - fullColumns);
                    softmax = e * state.SoftmaxScale<T, ScalarSimd<T>>(j % laneCount);
                }

                GradientAt<T, TKernel, TSoftmax, T, ScalarSimd<T>>(ref kernel, ref state, in scalars, in x, j, scale, softmax, out T g0, out T g1, out T g2, out T g3);
                StoreGradients<T, TKernel, T, ScalarSimd<T>>(in g, j, g0, g1, g2, g3);
            }
        }
    }

    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void GradientVectors<T, TKernel, TSoftmax, TVec, TSimd>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row, in GradientRow<T> g, T scale, ref T exps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TSoftmax : struct, IRowSoftmax
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        nuint c = (nuint)TSimd.Count, n = (nuint)row.Length;
        nuint whole = n - n % c;
        // Stores that straddle two cache lines cost twice: when the row is long enough, the loop starts at the first
        // column whose gradient address is 64-byte aligned, so column j is in lane j − skip mod L, and the factors are
        // rotated to match. The first and the last whole vector, which that loop covers only in part, are computed
        // before it (their inputs, and exponentials kept in the gradient, are still unwritten) and stored after it:
        // the columns they share with the loop get the same bits twice. They are computed here, out of line, so the
        // loop's method has no call in it.
        nuint skip = ColumnsToAlignment<T>(ref g.G0);
        bool realign = skip != 0 && whole >= 2 * c;
        TVec h0 = default, h1 = default, h2 = default, h3 = default, l0 = default, l1 = default, l2 = default, l3 = default;
        if (realign)
        {
            RowRefs<T> x = new(in row);
            RowGradientScalars<TVec> scalars = kernel.GradientScalars<TVec, TSimd>(ref state);
            TVec factors = TSoftmax.Cached ? state.SoftmaxScale<TVec, TSimd>(0) : default;
            TVec s = TSimd.Create(scale);
            GradientAtOutOfLine<T, TKernel, TSoftmax, TVec, TSimd>(ref kernel, ref state, in scalars, in x, 0, s, KeptSoftmax<T, TSoftmax, TVec, TSimd>(ref exps, 0, factors), out h0, out h1, out h2, out h3);
            GradientAtOutOfLine<T, TKernel, TSoftmax, TVec, TSimd>(ref kernel, ref state, in scalars, in x, whole - c, s, KeptSoftmax<T, TSoftmax, TVec, TSimd>(ref exps, whole - c, factors), out l0, out l1, out l2, out l3);
        }

        GradientVectorLoop<T, TKernel, TSoftmax, TVec, TSimd>(ref kernel, ref state, in row, in g, scale, ref exps, realign ? skip : 0, h0, h1, h2, h3, l0, l1, l2, l3, realign);
        if (whole < n)
        {
            GradientLastVector<T, TKernel, TSoftmax, TVec, TSimd>(ref kernel, ref state, in row, in g, scale, whole,
                TSoftmax.Cached ? state.SoftmaxScale<TVec, TSimd>(0) : default);
        }
    }

    /// <summary>
    /// The whole vectors of <see cref="GradientVectors"/> from column <paramref name="j"/>, then the two realigned edge
    /// vectors computed before (when <paramref name="realign"/>). A method with no call in it, so the JIT keeps the
    /// addresses, the scale and the kernel's scalars in registers: with the edges' calls in the same method it kept them
    /// on the stack and reloaded them every vector. (The loop alone in a method did not do: its IL was so small that
    /// the JIT's inlining budget for it no longer held a kernel with an exp, KL divergence's gradient.)
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void GradientVectorLoop<T, TKernel, TSoftmax, TVec, TSimd>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row, in GradientRow<T> g, T scale, ref T exps,
        nuint j, TVec h0, TVec h1, TVec h2, TVec h3, TVec l0, TVec l1, TVec l2, TVec l3, bool realign)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TSoftmax : struct, IRowSoftmax
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        nuint c = (nuint)TSimd.Count, n = (nuint)row.Length;
        nuint whole = n - n % c;
        RowRefs<T> x = new(in row);
        RowGradientScalars<TVec> scalars = kernel.GradientScalars<TVec, TSimd>(ref state);
        // The lanes' factors rotated to the loop's first column.
        TVec factors = TSoftmax.Cached ? state.SoftmaxScale<TVec, TSimd>(j) : default;
        // Locals, so the loop keeps the gradients' addresses and the scale in registers (a store through a gradient
        // could otherwise alias the caller's struct).
        GradientRow<T> rows = g;
        TVec s = TSimd.Create(scale);
        for (; j + c <= whole; j += c)
        {
            GradientAt<T, TKernel, TSoftmax, TVec, TSimd>(ref kernel, ref state, in scalars, in x, j, s, KeptSoftmax<T, TSoftmax, TVec, TSimd>(ref exps, j, factors), out TVec g0, out TVec g1, out TVec g2, out TVec g3);
            StoreGradients<T, TKernel, TVec, TSimd>(in rows, j, g0, g1, g2, g3);
        }

        if (realign)
        {
            StoreGradients<T, TKernel, TVec, TSimd>(in rows, 0, h0, h1, h2, h3);
            StoreGradients<T, TKernel, TVec, TSimd>(in rows, whole - c, l0, l1, l2, l3);
        }
    }

    /// <summary>
    /// The gradient pass at 256 and 128 bits: each 64-byte vector as its parts, swept part by part over blocks of
    /// <see cref="RowState{T}.ColumnsPerFlush"/> columns as <see cref="PassVectorParts"/> does, each part with the softmax
    /// factors of its own lanes in a register. Each column's gradient is computed from its own lane's values, so the
    /// same bits as the other widths. No realignment of the stores: a 32- or 16-byte store crosses a cache line far less
    /// often than a 64-byte one.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void GradientVectorParts<T, TKernel, TSoftmax, TVec, TSimd>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row, in GradientRow<T> g, T scale, ref T exps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TSoftmax : struct, IRowSoftmax
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        nuint part = (nuint)TSimd.Count, c = (nuint)RowState<T>.LaneCount, n = (nuint)row.Length;
        nuint whole = n - n % c, blockColumns = (nuint)RowState<T>.ColumnsPerFlush;
        RowRefs<T> x = new(in row);
        RowGradientScalars<TVec> scalars = kernel.GradientScalars<TVec, TSimd>(ref state);

        // Locals, so the loop keeps the gradients' addresses and the scale in registers.
        GradientRow<T> rows = g;
        TVec s = TSimd.Create(scale);
        for (nuint j = 0; j < whole; j += blockColumns)
        {
            nuint end = Math.Min(whole, j + blockColumns);
            for (nuint lane = 0; lane < c; lane += part)
            {
                TVec factors = TSoftmax.Cached ? state.SoftmaxScale<TVec, TSimd>(lane) : default;
                for (nuint column = j + lane; column < end; column += c)
                {
                    GradientAt<T, TKernel, TSoftmax, TVec, TSimd>(ref kernel, ref state, in scalars, in x, column, s,
                        KeptSoftmax<T, TSoftmax, TVec, TSimd>(ref exps, column, factors), out TVec g0, out TVec g1, out TVec g2, out TVec g3);
                    StoreGradients<T, TKernel, TVec, TSimd>(in rows, column, g0, g1, g2, g3);
                }
            }
        }

        if (whole < n)
        {
            GradientLastVector<T, TKernel, TSoftmax, VectorPair<VectorPair<Vector128<T>>>, SimdPair<VectorPair<Vector128<T>>, T, SimdPair<Vector128<T>, T, Simd128<T>>>>(
                ref kernel, ref state, in row, in g, scale, whole, TSoftmax.Cached ? state.SoftmaxScale<VectorPair<VectorPair<Vector128<T>>>, SimdPair<VectorPair<Vector128<T>>, T, SimdPair<Vector128<T>, T, Simd128<T>>>>(0) : default);
        }
    }

    /// <summary>How many columns from <paramref name="start"/> to the next 64-byte boundary (0 when on one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe nuint ColumnsToAlignment<T>(ref T start)
        where T : unmanaged
    {
        nuint bytes = CacheLines.BytesToNext(ref start);
        return bytes % (nuint)sizeof(T) != 0 ? 0 : bytes / (nuint)sizeof(T);
    }

    /// <summary>The kept softmax of the vector at column <paramref name="j"/>, whose lanes take <paramref name="factors"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec KeptSoftmax<T, TSoftmax, TVec, TSimd>(ref T exps, nuint j, TVec factors)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSoftmax : struct, IRowSoftmax
        where TVec : struct
        where TSimd : ISimd<TVec, T>
        => TSoftmax.Cached ? TSimd.Multiply(TSimd.LoadUnsafe(in exps, j), factors) : default;

    /// <summary>The gradients of the vector at column <paramref name="j"/>, scaled by <paramref name="s"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientAt<T, TKernel, TSoftmax, TVec, TSimd>(ref TKernel kernel, ref RowState<T> state, in RowGradientScalars<TVec> scalars, in RowRefs<T> x, nuint j, TVec s, TVec softmax,
        out TVec g0, out TVec g1, out TVec g2, out TVec g3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TSoftmax : struct, IRowSoftmax
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        kernel.Gradient<TVec, TSimd, TSoftmax>(
            ref state, in scalars, x.Load<TVec, TSimd, TKernel>(0, j), x.Load<TVec, TSimd, TKernel>(1, j), x.Load<TVec, TSimd, TKernel>(2, j), x.Load<TVec, TSimd, TKernel>(3, j),
            TSimd.Indices(Element<T>(j)), softmax, out g0, out g1, out g2, out g3);
        g0 = TKernel.GradientCount > 0 ? TSimd.Multiply(g0, s) : default;
        g1 = TKernel.GradientCount > 1 ? TSimd.Multiply(g1, s) : default;
        g2 = TKernel.GradientCount > 2 ? TSimd.Multiply(g2, s) : default;
        g3 = TKernel.GradientCount > 3 ? TSimd.Multiply(g3, s) : default;
    }

    /// <summary>
    /// <see cref="GradientAt"/> out of line, for the two vectors a realigned loop covers only in part: twice per row.
    /// Inlined there as well, the copies of a kernel with an exp overran the JIT's budget, and it called the kernel in
    /// the loop instead (KL divergence at 512 bits).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GradientAtOutOfLine<T, TKernel, TSoftmax, TVec, TSimd>(ref TKernel kernel, ref RowState<T> state, in RowGradientScalars<TVec> scalars, in RowRefs<T> x, nuint j, TVec s, TVec softmax,
        out TVec g0, out TVec g1, out TVec g2, out TVec g3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TSoftmax : struct, IRowSoftmax
        where TVec : struct
        where TSimd : ISimd<TVec, T>
        => GradientAt<T, TKernel, TSoftmax, TVec, TSimd>(ref kernel, ref state, in scalars, in x, j, s, softmax, out g0, out g1, out g2, out g3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreGradients<T, TKernel, TVec, TSimd>(in GradientRow<T> g, nuint j, TVec g0, TVec g1, TVec g2, TVec g3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        if (TKernel.GradientCount > 0) TSimd.StoreUnsafe(g0, ref g.G0, j);
        if (TKernel.GradientCount > 1) TSimd.StoreUnsafe(g1, ref g.G1, j);
        if (TKernel.GradientCount > 2) TSimd.StoreUnsafe(g2, ref g.G2, j);
        if (TKernel.GradientCount > 3) TSimd.StoreUnsafe(g3, ref g.G3, j);
    }

    /// <summary>
    /// The gradient of the last, partial vector. In place, each gradient's vector is read and written back with only
    /// the row's lanes replaced (the rest is the next row's, rewritten unchanged; rows run one after another). Else
    /// through padded copies, writing only the row's lanes. Either way the inputs are read before any gradient is
    /// written, so a gradient may alias its own input.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GradientLastVector<T, TKernel, TSoftmax, TVec, TSimd>(ref TKernel kernel, ref RowState<T> state, in RowView<T> row, in GradientRow<T> g, T scale, nuint j, TVec factors)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
        where TSoftmax : struct, IRowSoftmax
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        LoadLastVector<T, TKernel, TVec, TSimd>(in row, j, out TVec x0, out TVec x1, out TVec x2, out TVec x3);
        TVec column = TSimd.Indices(Element<T>(j));
        TVec softmax = TSoftmax.Cached ? TSimd.Multiply(TSimd.LoadUnsafe(in state.TailExps, 0), factors) : default;
        RowGradientScalars<TVec> scalars = kernel.GradientScalars<TVec, TSimd>(ref state);
        kernel.Gradient<TVec, TSimd, TSoftmax>(ref state, in scalars, x0, x1, x2, x3, column, softmax, out TVec g0, out TVec g1, out TVec g2, out TVec g3);
        TVec s = TSimd.Create(scale);
        if (row.LastVectorInPlace)
        {
            TVec inside = TSimd.LessThan(column, TSimd.Create(Element<T>(row.Length)));
            if (TKernel.GradientCount > 0) Blend<T, TVec, TSimd>(TSimd.Multiply(g0, s), inside, ref g.G0, j);
            if (TKernel.GradientCount > 1) Blend<T, TVec, TSimd>(TSimd.Multiply(g1, s), inside, ref g.G1, j);
            if (TKernel.GradientCount > 2) Blend<T, TVec, TSimd>(TSimd.Multiply(g2, s), inside, ref g.G2, j);
            if (TKernel.GradientCount > 3) Blend<T, TVec, TSimd>(TSimd.Multiply(g3, s), inside, ref g.G3, j);
            return;
        }

        int count = row.Length - (int)j;
        if (TKernel.GradientCount > 0) RowTail<T>.Write<TVec, TSimd>(TSimd.Multiply(g0, s), ref g.G0, j, count);
        if (TKernel.GradientCount > 1) RowTail<T>.Write<TVec, TSimd>(TSimd.Multiply(g1, s), ref g.G1, j, count);
        if (TKernel.GradientCount > 2) RowTail<T>.Write<TVec, TSimd>(TSimd.Multiply(g2, s), ref g.G2, j, count);
        if (TKernel.GradientCount > 3) RowTail<T>.Write<TVec, TSimd>(TSimd.Multiply(g3, s), ref g.G3, j, count);
    }

    /// <summary>Writes the lanes of <paramref name="value"/> where <paramref name="mask"/> is set; the others keep what memory holds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Blend<T, TVec, TSimd>(TVec value, TVec mask, ref T destination, nuint offset)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVec : struct
        where TSimd : ISimd<TVec, T>
        => TSimd.StoreUnsafe(TSimd.Select(mask, value, TSimd.LoadUnsafe(in destination, offset)), ref destination, offset);

    private static double Finish(double total, int batch, Reduction reduction)
        => reduction == Reduction.Sum ? total : batch == 0 ? double.NaN : total / batch;

    private static T GradientScale<T>(int batch, Reduction reduction)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => reduction == Reduction.Sum || batch == 0 ? T.One : T.CreateTruncating(1.0 / batch);

    /// <summary>Checks every length and label before anything is written; returns the batch size.</summary>
    private static int Validate<TIn, T, TKernel>(RowOperands<TIn> o, int rowLength, Reduction reduction, bool gradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IRowKernel<T>
    {
        ReductionChecks.ThrowIfNotMeanOrSum(reduction);

        if (rowLength <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rowLength), rowLength, "The row length must be positive.");
        }

        // The batch comes from the first per-row input; a shared input (one row of settings) has one row's length.
        ReadOnlySpan<int> inputs = [o.X0.Length, o.X1.Length, o.X2.Length, o.X3.Length];
        int primary = 0;
        while (primary < TKernel.InputCount - 1 && TKernel.IsShared(primary))
        {
            primary++;
        }

        if (inputs[primary] % rowLength != 0)
        {
            throw new ArgumentException($"'{TKernel.InputName(primary)}' has {inputs[primary]} elements, which is not a whole number of rows of {rowLength}.", TKernel.InputName(primary));
        }

        int batch = inputs[primary] / rowLength;
        for (int k = 0; k < TKernel.InputCount; k++)
        {
            if (TKernel.IsShared(k) && inputs[k] != rowLength)
            {
                throw new ArgumentException(
                    $"'{TKernel.InputName(k)}' is one row shared by every row, so it must have rowLength = {rowLength} elements, but it has {inputs[k]}.",
                    TKernel.InputName(k));
            }

            if (!TKernel.IsShared(k) && inputs[k] != inputs[primary])
            {
                throw new ArgumentException(
                    $"Row inputs must have the same length, but '{TKernel.InputName(primary)}' has {inputs[primary]} elements ({batch} rows of {rowLength}) and '{TKernel.InputName(k)}' has {inputs[k]}.",
                    TKernel.InputName(k));
            }
        }

        ReadOnlySpan<int> values = [o.Values0.Length, o.Values1.Length];
        for (int k = 0; k < TKernel.ValueCount; k++)
        {
            if (values[k] != batch)
            {
                throw new ArgumentException($"'{TKernel.ValueName(k)}' has {values[k]} values, but the inputs have {batch} rows of {rowLength}: one value per row.", TKernel.ValueName(k));
            }
        }

        for (int k = 0; k < TKernel.LabelCount; k++)
        {
            ReadOnlySpan<int> labels = k == 0 ? o.Labels0 : o.Labels1;
            string name = TKernel.LabelName(k);
            if (labels.Length != batch)
            {
                throw new ArgumentException($"'{name}' has {labels.Length} labels, but the inputs have {batch} rows of {rowLength}: one label per row.", name);
            }

            // One unsigned comparison per label finds negatives and labels past the row alike.
            int bad = labels.IndexOfAnyExceptInRange(0, rowLength - 1);
            if (bad >= 0)
            {
                throw new ArgumentOutOfRangeException(name, labels[bad], $"'{name}'[{bad}] is {labels[bad]}; labels are class indices in [0, {rowLength}).");
            }
        }

        if (gradients)
        {
            ReadOnlySpan<int> outputs = [o.G0.Length, o.G1.Length, o.G2.Length, o.G3.Length];
            for (int k = 0; k < TKernel.GradientCount; k++)
            {
                if (outputs[k] != inputs[primary])
                {
                    throw new ArgumentException(
                        $"The gradient '{TKernel.GradientName(k)}' has {outputs[k]} elements, but the inputs ('{TKernel.InputName(primary)}') have {inputs[primary]}.",
                        TKernel.GradientName(k));
                }
            }
        }

        return batch;
    }

    private static void ValidateLosses(int batch, int length)
    {
        if (length != batch)
        {
            throw new ArgumentException($"'losses' has {length} elements, but the inputs have {batch} rows: one loss per row.", "losses");
        }
    }

    /// <summary>The row's inputs as references, so the loops load without bounds checks.</summary>
    private readonly ref struct RowRefs<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly ref readonly T _x0;
        private readonly ref readonly T _x1;
        private readonly ref readonly T _x2;
        private readonly ref readonly T _x3;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public RowRefs(in RowView<T> row)
        {
            _x0 = ref MemoryMarshal.GetReference(row.X0);
            _x1 = ref MemoryMarshal.GetReference(row.X1);
            _x2 = ref MemoryMarshal.GetReference(row.X2);
            _x3 = ref MemoryMarshal.GetReference(row.X3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVec Load<TVec, TSimd, TKernel>(int input, nuint j)
            where TVec : struct
            where TSimd : ISimd<TVec, T>
            where TKernel : struct, IRowKernel<T>
            => input switch
            {
                0 => TSimd.LoadUnsafe(in _x0, j),
                1 => TKernel.InputCount > 1 ? TSimd.LoadUnsafe(in _x1, j) : default,
                2 => TKernel.InputCount > 2 ? TSimd.LoadUnsafe(in _x2, j) : default,
                _ => TKernel.InputCount > 3 ? TSimd.LoadUnsafe(in _x3, j) : default,
            };
    }

    /// <summary>The last, partial vector of a row: each input's remaining elements copied into 64 zero-padded bytes.</summary>
    private ref struct RowTail<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private TailBuffer<T> _x0, _x1, _x2, _x3;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public RowTail(in RowView<T> row, int start, int inputs)
        {
            // Only the buffers of the kernel's inputs are cleared and filled; the others are never read.
            Unsafe.SkipInit(out this);
            Fill(ref _x0, row.X0, start);
            if (inputs > 1) Fill(ref _x1, row.X1, start);
            if (inputs > 2) Fill(ref _x2, row.X2, start);
            if (inputs > 3) Fill(ref _x3, row.X3, start);
        }

        [UnscopedRef]
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly TVec Load<TVec, TSimd>(int input)
            where TVec : struct
            where TSimd : ISimd<TVec, T>
        {
            switch (input)
            {
                case 0: return TSimd.LoadUnsafe(in _x0[0], 0);
                case 1: return TSimd.LoadUnsafe(in _x1[0], 0);
                case 2: return TSimd.LoadUnsafe(in _x2[0], 0);
                default: return TSimd.LoadUnsafe(in _x3[0], 0);
            }
        }

        /// <summary>Writes the first <paramref name="count"/> lanes of <paramref name="value"/> at <paramref name="destination"/> + <paramref name="offset"/>.</summary>
        public static void Write<TVec, TSimd>(TVec value, ref T destination, nuint offset, int count)
            where TVec : struct
            where TSimd : ISimd<TVec, T>
        {
            TailBuffer<T> buffer = default;
            TSimd.StoreUnsafe(value, ref buffer[0], 0);
            ((ReadOnlySpan<T>)buffer)[..count].CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref destination, offset), count));
        }

        private static void Fill(ref TailBuffer<T> buffer, ReadOnlySpan<T> input, int start)
        {
            buffer = default;
            input[start..].CopyTo(buffer);
        }
    }

    /// <summary>The canonical lanes' 64 bytes, as room for 16 elements of any type.</summary>
    [InlineArray(16)]
    private struct TailBuffer<T>
    {
        private T _element;
    }

    /// <summary>One row of each gradient output.</summary>
    private readonly ref struct GradientRow<T>
    {
        public readonly ref T G0;
        public readonly ref T G1;
        public readonly ref T G2;
        public readonly ref T G3;

        public GradientRow(RowOperands<T> o, int start, int rowLength)
        {
            G0 = ref MemoryMarshal.GetReference(o.G0.IsEmpty ? default : o.G0.Slice(start, rowLength));
            G1 = ref MemoryMarshal.GetReference(o.G1.IsEmpty ? default : o.G1.Slice(start, rowLength));
            G2 = ref MemoryMarshal.GetReference(o.G2.IsEmpty ? default : o.G2.Slice(start, rowLength));
            G3 = ref MemoryMarshal.GetReference(o.G3.IsEmpty ? default : o.G3.Slice(start, rowLength));
        }
    }

    /// <summary>
    /// A column index or a row length as <typeparamref name="T"/> (float or double), by a cast: <c>T.CreateTruncating</c>
    /// inlines a chain of generic conversions into the row loops, whose locals count toward the JIT's 512 per method.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Element<T>(nuint value)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => typeof(T) == typeof(float) ? Unsafe.BitCast<float, T>((float)(long)value) : Unsafe.BitCast<double, T>((double)(long)value);

    /// <inheritdoc cref="Element{T}(nuint)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Element<T>(int value)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => typeof(T) == typeof(float) ? Unsafe.BitCast<float, T>(value) : Unsafe.BitCast<double, T>(value);
}
