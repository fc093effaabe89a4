using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LossGen.Kernels;

/// <summary>The <see cref="ISimd{TVec, T}"/> operations on one lane: the reference every vector width matches bit for bit.</summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>Masks are <typeparamref name="T"/> values whose bits are all ones (true) or all zeros (false).</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct ScalarSimd<T> : ISimd<T, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 1;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T LoadUnsafe(ref readonly T source, nuint elementOffset) => Unsafe.Add(ref Unsafe.AsRef(in source), elementOffset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreUnsafe(T value, ref T destination, nuint elementOffset) => Unsafe.Add(ref destination, elementOffset) = value;

    /// <inheritdoc/>
    /// <remarks>An ordinary store: one element is no cache line.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreAlignedNonTemporal(T value, ref T destination, nuint elementOffset) => Unsafe.Add(ref destination, elementOffset) = value;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Create(T value) => value;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Constant(double value) => typeof(T) == typeof(float) ? Unsafe.BitCast<float, T>((float)value) : Unsafe.BitCast<double, T>(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Indices(T start) => start;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Add(T x, T y) => x + y;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Subtract(T x, T y) => x - y;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Multiply(T x, T y) => x * y;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MultiplyAdd(T x, T y, T addend) => VectorPaths.Fused ? T.FusedMultiplyAdd(x, y, addend) : x * y + addend;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Divide(T x, T y) => x / y;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Negate(T x) => -x;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Abs(T x) => T.Abs(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sqrt(T x) => T.Sqrt(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Max(T x, T y) => T.Max(x, y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Min(T x, T y) => T.Min(x, y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Equals(T x, T y) => Mask(x == y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T NotEquals(T x, T y) => Mask(x != y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T LessThan(T x, T y) => Mask(x < y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T LessThanOrEqual(T x, T y) => Mask(x <= y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T GreaterThan(T x, T y) => Mask(x > y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T GreaterThanOrEqual(T x, T y) => Mask(x >= y);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T And(T x, T y) => FromBits(Bits(x) & Bits(y));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Or(T x, T y) => FromBits(Bits(x) | Bits(y));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Not(T mask) => FromBits(~Bits(mask));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Select(T mask, T ifTrue, T ifFalse) => FromBits((Bits(mask) & Bits(ifTrue)) | (~Bits(mask) & Bits(ifFalse)));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyTrue(T mask) => (long)Bits(mask) < 0;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ShiftLeftBits(T x, int count) => FromBits(Bits(x) << count);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ShiftRightBits(T x, int count) => FromBits(Bits(x) >> count);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T AddBits(T x, T y) => FromBits(Bits(x) + Bits(y));

    // The transcendental functions come twice: as calls, each compiled once, fully optimized, with its own budget of
    // locals, and as ...Inlined twins for the kernels with room for them (see ISimd).

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static T Exp(T x) => SimdMath.Exp<T, T, ScalarSimd<T>>(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ExpInlined(T x) => SimdMath.Exp<T, T, ScalarSimd<T>>(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static T Log(T x) => SimdMath.Log<T, T, ScalarSimd<T>>(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static T Log1p(T x) => SimdMath.Log1p<T, T, ScalarSimd<T>>(x);

    /// <inheritdoc/>
    /// <remarks>A call here, as the scalar ...Inlined twins: the scalar path is the engines' tail, short of locals.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static T Log1pOnUnitInterval(T x) => SimdMath.Log1pOnUnitInterval<T, T, ScalarSimd<T>>(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static T Expm1(T x) => SimdMath.Expm1<T, T, ScalarSimd<T>>(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static T Tanh(T x) => SimdMath.Tanh<T, T, ScalarSimd<T>>(x);

    /// <inheritdoc cref="ISimd{TVec, T}.LogInlined"/>
    /// <remarks>A call here: the scalar path is the engines' tail, where a second inlined function ran out of locals.</remarks>
    public static T LogInlined(T x) => Log(x);

    /// <inheritdoc cref="ISimd{TVec, T}.Log1pInlined"/>
    /// <remarks>A call here: the scalar path is the engines' tail, where a second inlined function ran out of locals.</remarks>
    public static T Log1pInlined(T x) => Log1p(x);

    /// <inheritdoc cref="ISimd{TVec, T}.Expm1Inlined"/>
    /// <remarks>A call here: the scalar path is the engines' tail, where a second inlined function ran out of locals.</remarks>
    public static T Expm1Inlined(T x) => Expm1(x);

    /// <inheritdoc cref="ISimd{TVec, T}.TanhInlined"/>
    /// <remarks>A call here: the scalar path is the engines' tail, where a second inlined function ran out of locals.</remarks>
    public static T TanhInlined(T x) => Tanh(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Mask(bool condition) => condition ? T.AllBitsSet : T.Zero;

    // The bits of x, left-aligned in a ulong (float's 32 bits on top), so that the sign bit is always bit 63
    // and FromBits(Bits(x) << n) drops the bits a 32-bit shift would drop.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Bits(T x) => typeof(T) == typeof(float) ? (ulong)Unsafe.BitCast<T, uint>(x) << 32 : Unsafe.BitCast<T, ulong>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T FromBits(ulong bits) => typeof(T) == typeof(float) ? Unsafe.BitCast<uint, T>((uint)(bits >> 32)) : Unsafe.BitCast<ulong, T>(bits);
}
