using System.ComponentModel;
using System.Numerics;

namespace LossGen.Kernels;

/// <summary>
/// One elementwise loss, as the generator emits it: its formula and derivative written once,
/// generic over the vector width. <see cref="ElementwiseEngine"/> owns the loops.
/// </summary>
/// <remarks>
/// A kernel has up to four per-element inputs (x0..x3, in the formula's parameter order) and
/// returns the gradient of the per-element loss with respect to each input that is not a target
/// (g0..g3, in the same order). Unused inputs receive <c>default</c> and unused gradients are ignored.
/// Hyperparameters are the kernel's fields. Infrastructure for generated code.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IElementwiseKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Number of per-element inputs, 1 to 4.</summary>
    static abstract int InputCount { get; }

    /// <summary>Number of gradient outputs, 0 to <see cref="InputCount"/>.</summary>
    static abstract int GradientCount { get; }

    /// <summary>
    /// True when the formula and its derivative use no exp, log or tanh: a handful of arithmetic operations per
    /// element, so the loop runs at memory speed. The engine then uses 256-bit vectors at most, because on
    /// arrays that are not 64-byte aligned every 512-bit load splits a cache line, which costs a memory-bound
    /// loop more than the wider arithmetic saves. Gradients longer than 16 MiB are then written with non-temporal
    /// stores, which skip reading the destination first (the README's performance section has the measurements).
    /// Every width and either store gives the same bits, so this changes speed only.
    /// </summary>
    static abstract bool IsMemoryBound { get; }

    /// <summary>
    /// The statements of the loss and its gradient together. The engine unrolls a memory-bound kernel once per register
    /// accumulator only where that many copies fit the JIT's inlining budget (see ElementwiseEngine.AccumulateVectors).
    /// </summary>
    static abstract int StatementCount { get; }

    /// <summary>The parameter name of input <paramref name="index"/>, for error messages.</summary>
    static abstract string InputName(int index);

    /// <summary>The parameter name of gradient output <paramref name="index"/>, for error messages.</summary>
    static abstract string GradientName(int index);

    /// <summary>The per-element loss.</summary>
    TVec Loss<TVec, TSimd>(TVec x0, TVec x1, TVec x2, TVec x3)
        where TVec : struct
        where TSimd : ISimd<TVec, T>;

    /// <summary>The per-element loss and its derivatives with respect to the non-target inputs.</summary>
    TVec LossAndGradient<TVec, TSimd>(TVec x0, TVec x1, TVec x2, TVec x3, out TVec g0, out TVec g1, out TVec g2, out TVec g3)
        where TVec : struct
        where TSimd : ISimd<TVec, T>;
}
