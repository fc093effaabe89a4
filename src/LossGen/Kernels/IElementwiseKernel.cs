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
public interface IElementwiseKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Number of per-element inputs, 1 to 4.</summary>
    static abstract int InputCount { get; }

    /// <summary>Number of gradient outputs, 0 to <see cref="InputCount"/>.</summary>
    static abstract int GradientCount { get; }

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
