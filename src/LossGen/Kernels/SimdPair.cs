using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LossGen.Kernels;

/// <summary>Two vectors used as one: the low and the high lanes.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct VectorPair<TVec>
    where TVec : struct
{
    /// <summary>The lower lanes.</summary>
    public TVec Lo;

    /// <summary>The upper lanes.</summary>
    public TVec Hi;

    /// <summary>A pair of the given halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public VectorPair(TVec lo, TVec hi)
    {
        Lo = lo;
        Hi = hi;
    }
}

/// <summary>
/// The <see cref="ISimd{TVec, T}"/> operations on two vectors of <typeparamref name="TSimd"/> at once, lane
/// by lane the same operations. Row kernels use it so that one "vector" always covers the 64 bytes of
/// canonical lanes: a Vector512, two Vector256 or four Vector128 (a pair of pairs). The accumulators of a
/// row's reductions then stay in registers at every width, and each lane sees the same operations.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct SimdPair<TVec, T, TSimd> : ISimd<VectorPair<TVec>, T>
    where TVec : struct
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TSimd : ISimd<TVec, T>
{
    /// <inheritdoc/>
    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 2 * TSimd.Count;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> LoadUnsafe(ref readonly T source, nuint elementOffset)
        => new(TSimd.LoadUnsafe(in source, elementOffset), TSimd.LoadUnsafe(in source, elementOffset + (nuint)TSimd.Count));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreUnsafe(VectorPair<TVec> value, ref T destination, nuint elementOffset)
    {
        TSimd.StoreUnsafe(value.Lo, ref destination, elementOffset);
        TSimd.StoreUnsafe(value.Hi, ref destination, elementOffset + (nuint)TSimd.Count);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreAlignedNonTemporal(VectorPair<TVec> value, ref T destination, nuint elementOffset)
    {
        TSimd.StoreAlignedNonTemporal(value.Lo, ref destination, elementOffset);
        TSimd.StoreAlignedNonTemporal(value.Hi, ref destination, elementOffset + (nuint)TSimd.Count);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Create(T value) => new(TSimd.Create(value), TSimd.Create(value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Constant(double value) => new(TSimd.Constant(value), TSimd.Constant(value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Indices(T start) => new(TSimd.Indices(start), TSimd.Indices(start + T.CreateTruncating(TSimd.Count)));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Select(VectorPair<TVec> mask, VectorPair<TVec> ifTrue, VectorPair<TVec> ifFalse)
        => new(TSimd.Select(mask.Lo, ifTrue.Lo, ifFalse.Lo), TSimd.Select(mask.Hi, ifTrue.Hi, ifFalse.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyTrue(VectorPair<TVec> mask) => TSimd.AnyTrue(TSimd.Or(mask.Lo, mask.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> ShiftLeftBits(VectorPair<TVec> x, int count) => new(TSimd.ShiftLeftBits(x.Lo, count), TSimd.ShiftLeftBits(x.Hi, count));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> ShiftRightBits(VectorPair<TVec> x, int count) => new(TSimd.ShiftRightBits(x.Lo, count), TSimd.ShiftRightBits(x.Hi, count));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> AddBits(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.AddBits(x.Lo, y.Lo), TSimd.AddBits(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Add(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.Add(x.Lo, y.Lo), TSimd.Add(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Subtract(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.Subtract(x.Lo, y.Lo), TSimd.Subtract(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Multiply(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.Multiply(x.Lo, y.Lo), TSimd.Multiply(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> MultiplyAdd(VectorPair<TVec> x, VectorPair<TVec> y, VectorPair<TVec> addend)
        => new(TSimd.MultiplyAdd(x.Lo, y.Lo, addend.Lo), TSimd.MultiplyAdd(x.Hi, y.Hi, addend.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Divide(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.Divide(x.Lo, y.Lo), TSimd.Divide(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Max(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.Max(x.Lo, y.Lo), TSimd.Max(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Min(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.Min(x.Lo, y.Lo), TSimd.Min(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Equals(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.Equals(x.Lo, y.Lo), TSimd.Equals(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> NotEquals(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.NotEquals(x.Lo, y.Lo), TSimd.NotEquals(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> LessThan(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.LessThan(x.Lo, y.Lo), TSimd.LessThan(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> LessThanOrEqual(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.LessThanOrEqual(x.Lo, y.Lo), TSimd.LessThanOrEqual(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> GreaterThan(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.GreaterThan(x.Lo, y.Lo), TSimd.GreaterThan(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> GreaterThanOrEqual(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.GreaterThanOrEqual(x.Lo, y.Lo), TSimd.GreaterThanOrEqual(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> And(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.And(x.Lo, y.Lo), TSimd.And(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Or(VectorPair<TVec> x, VectorPair<TVec> y) => new(TSimd.Or(x.Lo, y.Lo), TSimd.Or(x.Hi, y.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Negate(VectorPair<TVec> x) => new(TSimd.Negate(x.Lo), TSimd.Negate(x.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Abs(VectorPair<TVec> x) => new(TSimd.Abs(x.Lo), TSimd.Abs(x.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Sqrt(VectorPair<TVec> x) => new(TSimd.Sqrt(x.Lo), TSimd.Sqrt(x.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Not(VectorPair<TVec> mask) => new(TSimd.Not(mask.Lo), TSimd.Not(mask.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Exp(VectorPair<TVec> x) => new(TSimd.Exp(x.Lo), TSimd.Exp(x.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> ExpInlined(VectorPair<TVec> x) => new(TSimd.ExpInlined(x.Lo), TSimd.ExpInlined(x.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Log(VectorPair<TVec> x) => new(TSimd.Log(x.Lo), TSimd.Log(x.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Log1p(VectorPair<TVec> x) => new(TSimd.Log1p(x.Lo), TSimd.Log1p(x.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Log1pOnUnitInterval(VectorPair<TVec> x) => new(TSimd.Log1pOnUnitInterval(x.Lo), TSimd.Log1pOnUnitInterval(x.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Expm1(VectorPair<TVec> x) => new(TSimd.Expm1(x.Lo), TSimd.Expm1(x.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Tanh(VectorPair<TVec> x) => new(TSimd.Tanh(x.Lo), TSimd.Tanh(x.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> LogInlined(VectorPair<TVec> x) => new(TSimd.LogInlined(x.Lo), TSimd.LogInlined(x.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Log1pInlined(VectorPair<TVec> x) => new(TSimd.Log1pInlined(x.Lo), TSimd.Log1pInlined(x.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> Expm1Inlined(VectorPair<TVec> x) => new(TSimd.Expm1Inlined(x.Lo), TSimd.Expm1Inlined(x.Hi));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair<TVec> TanhInlined(VectorPair<TVec> x) => new(TSimd.TanhInlined(x.Lo), TSimd.TanhInlined(x.Hi));
}
