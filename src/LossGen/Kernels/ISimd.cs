using System.ComponentModel;
using System.Numerics;

namespace LossGen.Kernels;

/// <summary>
/// The operations a generated loss kernel is written in, for one vector width.
/// </summary>
/// <remarks>
/// Generated kernels are written once, generic over <typeparamref name="TVec"/>, and the engine
/// instantiates them for <see cref="ScalarSimd{T}"/>, <see cref="Simd128{T}"/>,
/// <see cref="Simd256{T}"/> and <see cref="Simd512{T}"/>. Every operation here gives, lane by
/// lane, exactly the bits the scalar implementation gives for the same input: the transcendental
/// functions are the same polynomials at every width, and <see cref="MultiplyAdd"/> is fused at every
/// width or at none (at every width when the machine has FMA instructions). That is what makes the result of a loss
/// independent of the machine's vector width.
/// Masks (results of comparisons) are vectors whose lanes are all-ones (true) or all-zeros (false).
/// This interface is infrastructure for generated code; it is public only so that generated code
/// in user assemblies can use it.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ISimd<TVec, T>
    where TVec : struct
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Number of lanes.</summary>
    static abstract int Count { get; }

    static abstract TVec LoadUnsafe(ref readonly T source, nuint elementOffset);
    static abstract void StoreUnsafe(TVec value, ref T destination, nuint elementOffset);
    /// <summary>
    /// Stores without first reading the destination's cache line into the cache (a non-temporal store): for
    /// outputs too large to stay in cache. The destination must be pinned and aligned to the vector's size.
    /// </summary>
    static abstract void StoreAlignedNonTemporal(TVec value, ref T destination, nuint elementOffset);

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    static abstract TVec Create(T value);
    /// <summary>Every lane set to <paramref name="value"/> rounded to <typeparamref name="T"/>.</summary>
    /// <remarks>
    /// Implementations round with a cast, not <c>T.CreateTruncating</c>: the generic conversion inlines a chain of
    /// methods, each with locals of its own, and a kernel has dozens of constants. Those locals would count toward the
    /// JIT's limit of 512 per method (see <see cref="ExpInlined"/>), past which every operation left becomes a call.
    /// </remarks>
    static abstract TVec Constant(double value);
    /// <summary>Lane k set to <paramref name="start"/> + k: the column indices of a vector of a row.</summary>
    static abstract TVec Indices(T start);

    static abstract TVec Add(TVec x, TVec y);
    static abstract TVec Subtract(TVec x, TVec y);
    static abstract TVec Multiply(TVec x, TVec y);
    /// <summary>
    /// x·y + <paramref name="addend"/>: rounded once (a fused multiply-add) on a machine with FMA instructions, at
    /// every width and in the scalar path alike; rounded twice, again at every width, on one without.
    /// </summary>
    static abstract TVec MultiplyAdd(TVec x, TVec y, TVec addend);
    static abstract TVec Divide(TVec x, TVec y);
    static abstract TVec Negate(TVec x);
    static abstract TVec Abs(TVec x);
    static abstract TVec Sqrt(TVec x);
    /// <summary>IEEE 754:2019 maximum, as <see cref="System.Math.Max(double, double)"/>: NaN propagates, +0 &gt; -0.</summary>
    static abstract TVec Max(TVec x, TVec y);
    /// <summary>IEEE 754:2019 minimum, as <see cref="System.Math.Min(double, double)"/>.</summary>
    static abstract TVec Min(TVec x, TVec y);

    static abstract TVec Equals(TVec x, TVec y);
    static abstract TVec NotEquals(TVec x, TVec y);
    static abstract TVec LessThan(TVec x, TVec y);
    static abstract TVec LessThanOrEqual(TVec x, TVec y);
    static abstract TVec GreaterThan(TVec x, TVec y);
    static abstract TVec GreaterThanOrEqual(TVec x, TVec y);

    /// <summary>Bitwise and of the lanes' bits: of masks, or of any bit patterns.</summary>
    static abstract TVec And(TVec x, TVec y);
    /// <summary>Bitwise or of the lanes' bits.</summary>
    static abstract TVec Or(TVec x, TVec y);
    static abstract TVec Not(TVec mask);
    /// <summary>Lanes of <paramref name="ifTrue"/> where <paramref name="mask"/> is set, else of <paramref name="ifFalse"/>.</summary>
    static abstract TVec Select(TVec mask, TVec ifTrue, TVec ifFalse);
    /// <summary>True when any lane of <paramref name="mask"/> is set.</summary>
    static abstract bool AnyTrue(TVec mask);

    /// <summary>Each lane's bits, as an unsigned integer of <typeparamref name="T"/>'s size, shifted left by <paramref name="count"/>.</summary>
    static abstract TVec ShiftLeftBits(TVec x, int count);
    /// <summary>Each lane's bits, as an unsigned integer of <typeparamref name="T"/>'s size, shifted right (logically) by <paramref name="count"/>.</summary>
    static abstract TVec ShiftRightBits(TVec x, int count);
    /// <summary>Each lane's bits and <paramref name="y"/>'s, added as unsigned integers of <typeparamref name="T"/>'s size (wrapping).</summary>
    static abstract TVec AddBits(TVec x, TVec y);

    /// <summary>e^x, within 2 ulp; overflows to +∞, underflows through subnormals to 0.</summary>
    static abstract TVec Exp(TVec x);
    /// <summary>Natural logarithm, within 2 ulp; log(0) = −∞, log(x &lt; 0) = NaN.</summary>
    static abstract TVec Log(TVec x);
    /// <summary>log(1 + x), within 4 ulp, accurate for tiny x; log1p(−1) = −∞, log1p(x &lt; −1) = NaN.</summary>
    static abstract TVec Log1p(TVec x);
    /// <summary>
    /// log(1 + x) for x in [0, 1] only (e^−|y|, as in softplus and log-cosh), within 1.2 ulp (1.4 on a machine without
    /// FMA, where its last multiply-add rounds twice); NaN stays NaN. A dozen
    /// operations and one division, always inlined: no range reduction and no rounding correction, which
    /// <see cref="Log1p"/> needs for the rest of its domain.
    /// </summary>
    static abstract TVec Log1pOnUnitInterval(TVec x);
    /// <summary>e^x − 1, within 4 ulp, accurate for tiny x; expm1(−∞) = −1.</summary>
    static abstract TVec Expm1(TVec x);
    /// <summary>Hyperbolic tangent, within 4 ulp; tanh(±∞) = ±1, tanh(−0) = −0.</summary>
    static abstract TVec Tanh(TVec x);

    /// <summary><see cref="Exp"/>, inlined into the caller instead of called.</summary>
    /// <remarks>
    /// The ...Inlined twins are for a kernel with one or two of these functions, where the call, and the spills of every
    /// live vector around it (all vector registers are caller-saved on x64), cost more than the body. The JIT stops
    /// inlining into a method once it holds 512 locals, and every operation it has not inlined by then becomes a call;
    /// each inlined copy brings some 40 to 100, so generated kernels inline at most two.
    /// </remarks>
    static abstract TVec ExpInlined(TVec x);
    /// <summary><see cref="Log"/>, inlined (see <see cref="ExpInlined"/>).</summary>
    static abstract TVec LogInlined(TVec x);
    /// <summary><see cref="Log1p"/>, inlined (see <see cref="ExpInlined"/>).</summary>
    static abstract TVec Log1pInlined(TVec x);
    /// <summary><see cref="Expm1"/>, inlined (see <see cref="ExpInlined"/>).</summary>
    static abstract TVec Expm1Inlined(TVec x);
    /// <summary><see cref="Tanh"/>, inlined (see <see cref="ExpInlined"/>).</summary>
    static abstract TVec TanhInlined(TVec x);
}
