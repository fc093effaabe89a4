using System.Numerics;
using System.Runtime.CompilerServices;

namespace LossGen.Kernels;

/// <summary>
/// Functions generated kernels call that are built from <see cref="ISimd{TVec, T}"/> operations, so
/// they too give the same bits at every width. Infrastructure for generated code.
/// </summary>
public static class SimdFunctions
{
    /// <summary>
    /// x^y as e^(y·log x) for x &gt; 0; 0^y is 1 for y = 0, 0 for y &gt; 0 and +∞ for y &lt; 0; negative x gives NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Pow<TVec, T, TSimd>(TVec x, TVec y)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>
    {
        TVec zero = TSimd.Constant(0);
        TVec atZero = TSimd.Select(
            TSimd.Equals(y, zero),
            TSimd.Constant(1),
            TSimd.Select(TSimd.GreaterThan(y, zero), zero, TSimd.Constant(double.PositiveInfinity)));
        return TSimd.Select(TSimd.Equals(x, zero), atZero, TSimd.Exp(TSimd.Multiply(y, TSimd.Log(x))));
    }
}
