using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LossGen.Kernels;

/// <summary>
/// Functions generated kernels call that are built from <see cref="ISimd{TVec, T}"/> operations, so
/// they too give the same bits at every width. Infrastructure for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SimdFunctions
{
    /// <summary>
    /// x^y as e^(y·log x) for x &gt; 0; 0^y is 1 for y = 0, 0 for y &gt; 0 and +∞ for y &lt; 0; negative x gives NaN. The
    /// exponents 0, 1 and 2 are exact instead, for any x (1, x and x·x, as Math.Pow gives them), and where every lane's
    /// exponent is one of them (the focal losses' default gamma = 2, or 0 and 1) no exp or log is computed at all.
    /// </summary>
    /// <remarks>
    /// Each lane's value depends on its own x and y only, whichever way the vector goes, so every width gives the same
    /// bits. PyTorch's pow treats small integer exponents apart in the same way.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Pow<TVec, T, TSimd>(TVec x, TVec y)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>
    {
        TVec zero = TSimd.Constant(0);
        TVec one = TSimd.Constant(1);
        TVec isZero = TSimd.Equals(y, zero);
        TVec isOne = TSimd.Equals(y, one);
        TVec isTwo = TSimd.Equals(y, TSimd.Constant(2));
        TVec small = TSimd.Select(isTwo, TSimd.Multiply(x, x), TSimd.Select(isOne, x, one));
        TVec isSmall = TSimd.Or(isZero, TSimd.Or(isOne, isTwo));
        if (!TSimd.AnyTrue(TSimd.Not(isSmall)))
        {
            return small;
        }

        return TSimd.Select(isSmall, small, PowGeneral<TVec, T, TSimd>(x, y));
    }

    /// <summary>
    /// x^y for any exponent: e^(y·log x), and 0^y by its rules. One call, with its exp and log inlined into it, rather
    /// than two calls from the kernel: the kernel keeps its budget of JIT locals for its own exps and logs.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static TVec PowGeneral<TVec, T, TSimd>(TVec x, TVec y)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>
    {
        TVec zero = TSimd.Constant(0);
        TVec atZero = TSimd.Select(
            TSimd.Equals(y, zero),
            TSimd.Constant(1),
            TSimd.Select(TSimd.GreaterThan(y, zero), zero, TSimd.Constant(double.PositiveInfinity)));
        return TSimd.Select(TSimd.Equals(x, zero), atZero, TSimd.ExpInlined(TSimd.Multiply(y, TSimd.LogInlined(x))));
    }
}
