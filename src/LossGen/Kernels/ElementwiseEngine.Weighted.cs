using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LossGen.Kernels;

/// <summary>
/// The sample-weighted forms of the elementwise losses: each element's loss and gradients times its weight, reduced by a
/// <see cref="WeightedReduction"/>. The weights take the input slot after the kernel's own (<see cref="SampleWeighted{T, TKernel}"/>),
/// so the loops, the lanes and the bits are those of the unweighted forms: weights of 1 give the same bits.
/// </summary>
public static partial class ElementwiseEngine
{
    /// <summary>The name of the weights in the generated overloads and in error messages.</summary>
    internal const string SampleWeightsName = "sampleWeights";

    /// <summary>The loss of every element times its weight, reduced.</summary>
    public static T ReduceWeighted<T, TKernel>(TKernel kernel, ReadOnlySpan<T> x0, ReadOnlySpan<T> x1, ReadOnlySpan<T> x2, ReadOnlySpan<T> sampleWeights, WeightedReduction reduction)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
    {
        var weighted = new SampleWeighted<T, TKernel>(kernel);
        WithWeights<T, T, TKernel>(x0, x1, x2, sampleWeights, out ReadOnlySpan<T> a0, out ReadOnlySpan<T> a1, out ReadOnlySpan<T> a2, out ReadOnlySpan<T> a3);
        int n = ValidateWeighted<T, TKernel>(a0.Length, a1.Length, a2.Length, a3.Length, reduction);
        double divisor = ReductionChecks.Divisor(reduction, n, reduction == WeightedReduction.Mean ? WeightSum(sampleWeights) : 0);
        var operands = new Operands<T>(a0, a1, a2, a3, default, default, default, default);
        return T.CreateTruncating(Sum<T, SampleWeighted<T, TKernel>, LossOnly>(ref weighted, in operands, n, T.Zero) / divisor);
    }

    /// <summary>The weighted loss, reduced, and its gradient with respect to each non-target input in one pass.</summary>
    public static T ReduceWeightedWithGradient<T, TKernel>(
        TKernel kernel,
        ReadOnlySpan<T> x0, ReadOnlySpan<T> x1, ReadOnlySpan<T> x2, ReadOnlySpan<T> sampleWeights,
        Span<T> g0, Span<T> g1, Span<T> g2,
        WeightedReduction reduction)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
    {
        var weighted = new SampleWeighted<T, TKernel>(kernel);
        WithWeights<T, T, TKernel>(x0, x1, x2, sampleWeights, out ReadOnlySpan<T> a0, out ReadOnlySpan<T> a1, out ReadOnlySpan<T> a2, out ReadOnlySpan<T> a3);
        int n = ValidateWeighted<T, TKernel>(a0.Length, a1.Length, a2.Length, a3.Length, reduction);
        ValidateOutputs<T, TKernel>(n, g0.Length, g1.Length, g2.Length, 0);
        double divisor = ReductionChecks.Divisor(reduction, n, reduction == WeightedReduction.Mean ? WeightSum(sampleWeights) : 0);
        var operands = new Operands<T>(a0, a1, a2, a3, g0, g1, g2, default);
        return T.CreateTruncating(Sum<T, SampleWeighted<T, TKernel>, LossAndGradient>(ref weighted, in operands, n, T.CreateTruncating(1.0 / divisor)) / divisor);
    }

    /// <summary><see cref="ReduceWeighted{T, TKernel}"/> for Half inputs, computed in float.</summary>
    [SkipLocalsInit]
    public static Half ReduceWeightedHalf<TKernel>(TKernel kernel, ReadOnlySpan<Half> x0, ReadOnlySpan<Half> x1, ReadOnlySpan<Half> x2, ReadOnlySpan<Half> sampleWeights, WeightedReduction reduction)
        where TKernel : struct, IElementwiseKernel<float>
    {
        var weighted = new SampleWeighted<float, TKernel>(kernel);
        WithWeights<Half, float, TKernel>(x0, x1, x2, sampleWeights, out ReadOnlySpan<Half> a0, out ReadOnlySpan<Half> a1, out ReadOnlySpan<Half> a2, out ReadOnlySpan<Half> a3);
        int n = ValidateWeighted<float, TKernel>(a0.Length, a1.Length, a2.Length, a3.Length, reduction);
        double divisor = ReductionChecks.Divisor(reduction, n, reduction == WeightedReduction.Mean ? WeightSumHalf(sampleWeights) : 0);
        double sum = HalfSum<SampleWeighted<float, TKernel>, LossOnly>(weighted, TKernel.InputCount + 1, a0, a1, a2, a3, 0, default, default, default, default, 0f);
        return (Half)(float)(sum / divisor);
    }

    /// <summary><see cref="ReduceWeightedWithGradient{T, TKernel}"/> for Half inputs, computed in float.</summary>
    [SkipLocalsInit]
    public static Half ReduceWeightedWithGradientHalf<TKernel>(
        TKernel kernel,
        ReadOnlySpan<Half> x0, ReadOnlySpan<Half> x1, ReadOnlySpan<Half> x2, ReadOnlySpan<Half> sampleWeights,
        Span<Half> g0, Span<Half> g1, Span<Half> g2,
        WeightedReduction reduction)
        where TKernel : struct, IElementwiseKernel<float>
    {
        var weighted = new SampleWeighted<float, TKernel>(kernel);
        WithWeights<Half, float, TKernel>(x0, x1, x2, sampleWeights, out ReadOnlySpan<Half> a0, out ReadOnlySpan<Half> a1, out ReadOnlySpan<Half> a2, out ReadOnlySpan<Half> a3);
        int n = ValidateWeighted<float, TKernel>(a0.Length, a1.Length, a2.Length, a3.Length, reduction);
        ValidateOutputs<float, TKernel>(n, g0.Length, g1.Length, g2.Length, 0);
        double divisor = ReductionChecks.Divisor(reduction, n, reduction == WeightedReduction.Mean ? WeightSumHalf(sampleWeights) : 0);
        float scale = (float)(1.0 / divisor);
        double sum = HalfSum<SampleWeighted<float, TKernel>, LossAndGradient>(weighted, TKernel.InputCount + 1, a0, a1, a2, a3, TKernel.GradientCount, g0, g1, g2, default, scale);
        return (Half)(float)(sum / divisor);
    }

    /// <summary>The kernel's inputs with the weights in the slot after them.</summary>
    private static void WithWeights<TIn, T, TKernel>(ReadOnlySpan<TIn> x0, ReadOnlySpan<TIn> x1, ReadOnlySpan<TIn> x2, ReadOnlySpan<TIn> weights,
        out ReadOnlySpan<TIn> a0, out ReadOnlySpan<TIn> a1, out ReadOnlySpan<TIn> a2, out ReadOnlySpan<TIn> a3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
    {
        if (TKernel.InputCount > 3)
        {
            throw new NotSupportedException($"Sample weights take the input slot after the kernel's own; a kernel has four, and this one uses {TKernel.InputCount}.");
        }

        a0 = x0;
        a1 = TKernel.InputCount == 1 ? weights : x1;
        a2 = TKernel.InputCount == 2 ? weights : x2;
        a3 = TKernel.InputCount == 3 ? weights : default;
    }

    /// <summary>The weighted kernel's inputs checked (the weights' length against the first input's, by name), and the reduction.</summary>
    private static int ValidateWeighted<T, TKernel>(int length0, int length1, int length2, int length3, WeightedReduction reduction)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TKernel : struct, IElementwiseKernel<T>
    {
        ReductionChecks.ThrowIfUndefined(reduction);
        return ValidateInputs<T, SampleWeighted<T, TKernel>>(length0, length1, length2, length3, Reduction.Sum);
    }

    /// <summary>Σw in double: the engine's own sum (canonical lanes, then the totals' tree), so the same bits at every width.</summary>
    private static double WeightSum<T>(ReadOnlySpan<T> weights)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var kernel = default(WeightOnly<T>);
        var operands = new Operands<T>(weights, default, default, default, default, default, default, default);
        return Sum<T, WeightOnly<T>, LossOnly>(ref kernel, in operands, weights.Length, T.Zero);
    }

    /// <summary><see cref="WeightSum{T}"/> of Half weights, computed in float chunk by chunk as the Half losses are.</summary>
    private static double WeightSumHalf(ReadOnlySpan<Half> weights)
        => HalfSum<WeightOnly<float>, LossOnly>(default, 1, weights, default, default, default, 0, default, default, default, default, 0f);

    /// <summary>The "loss" w: what <see cref="WeightSum{T}"/> adds up.</summary>
    private readonly struct WeightOnly<T> : IElementwiseKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public static int InputCount => 1;

        public static int GradientCount => 0;

        public static bool IsMemoryBound => true;

        public static int StatementCount => 1;

        public static string InputName(int index) => SampleWeightsName;

        public static string GradientName(int index) => "";

        public TVec Loss<TVec, TSimd>(TVec x0, TVec x1, TVec x2, TVec x3)
            where TVec : struct
            where TSimd : ISimd<TVec, T>
            => x0;

        public TVec LossAndGradient<TVec, TSimd>(TVec x0, TVec x1, TVec x2, TVec x3, out TVec g0, out TVec g1, out TVec g2, out TVec g3)
            where TVec : struct
            where TSimd : ISimd<TVec, T>
        {
            g0 = g1 = g2 = g3 = default;
            return x0;
        }
    }
}

/// <summary>
/// A kernel's loss and gradients times a per-element weight, which comes in the input slot after the kernel's own (a
/// kernel with four inputs has no room for it). Used inside the engine only.
/// </summary>
internal readonly struct SampleWeighted<T, TKernel> : IElementwiseKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TKernel : struct, IElementwiseKernel<T>
{
    private readonly TKernel _kernel;

    /// <summary>Weighs <paramref name="kernel"/>'s loss and gradients.</summary>
    public SampleWeighted(TKernel kernel) => _kernel = kernel;

    /// <inheritdoc/>
    public static int InputCount => TKernel.InputCount + 1;

    /// <inheritdoc/>
    public static int GradientCount => TKernel.GradientCount;

    /// <inheritdoc/>
    public static bool IsMemoryBound => TKernel.IsMemoryBound;

    /// <summary>
    /// The kernel's own count, its multiplications by the weight left out: weighted MSE still fits the 128-bit loop's 16
    /// copies (65,536 floats, AMD EPYC: 21.7 µs, against 32.4 µs with them counted, in the loop that keeps its lanes in memory).
    /// </summary>
    public static int StatementCount => TKernel.StatementCount;

    /// <inheritdoc/>
    public static string InputName(int index) => index == TKernel.InputCount ? ElementwiseEngine.SampleWeightsName : TKernel.InputName(index);

    /// <inheritdoc/>
    public static string GradientName(int index) => TKernel.GradientName(index);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Loss<TVec, TSimd>(TVec x0, TVec x1, TVec x2, TVec x3)
        where TVec : struct
        where TSimd : ISimd<TVec, T>
        => TSimd.Multiply(_kernel.Loss<TVec, TSimd>(x0, x1, x2, x3), Weight(x1, x2, x3));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec LossAndGradient<TVec, TSimd>(TVec x0, TVec x1, TVec x2, TVec x3, out TVec g0, out TVec g1, out TVec g2, out TVec g3)
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        // Every product written out, the unused ones included (the engine never stores them, and the JIT drops them):
        // tests of the gradient count here cost the inliner's budget in the engine's unrolled loops.
        TVec w = Weight(x1, x2, x3);
        TVec loss = _kernel.LossAndGradient<TVec, TSimd>(x0, x1, x2, x3, out g0, out g1, out g2, out g3);
        g0 = TSimd.Multiply(g0, w);
        g1 = TSimd.Multiply(g1, w);
        g2 = TSimd.Multiply(g2, w);
        return TSimd.Multiply(loss, w);
    }

    /// <summary>The weight: the input after the kernel's last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Weight<TVec>(TVec x1, TVec x2, TVec x3)
        => TKernel.InputCount switch
        {
            1 => x1,
            2 => x2,
            _ => x3,
        };
}
