using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LossGen.Kernels;

/// <summary>Temporary: per-lane transcendentals.</summary>
public readonly struct Simd512<T> : ISimd<Vector512<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> LoadUnsafe(ref readonly T source, nuint elementOffset) => Vector512.LoadUnsafe(in source, elementOffset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreUnsafe(Vector512<T> value, ref T destination, nuint elementOffset) => value.StoreUnsafe(ref destination, elementOffset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Create(T value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Constant(double value) => Vector512.Create(T.CreateTruncating(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Add(Vector512<T> x, Vector512<T> y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Subtract(Vector512<T> x, Vector512<T> y) => x - y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Multiply(Vector512<T> x, Vector512<T> y) => x * y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Divide(Vector512<T> x, Vector512<T> y) => x / y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Negate(Vector512<T> x) => -x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Abs(Vector512<T> x) => Vector512.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Sqrt(Vector512<T> x) => Vector512.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Max(Vector512<T> x, Vector512<T> y) => Vector512.Max(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Min(Vector512<T> x, Vector512<T> y) => Vector512.Min(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Equals(Vector512<T> x, Vector512<T> y) => Vector512.Equals(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> NotEquals(Vector512<T> x, Vector512<T> y) => ~Vector512.Equals(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> LessThan(Vector512<T> x, Vector512<T> y) => Vector512.LessThan(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> LessThanOrEqual(Vector512<T> x, Vector512<T> y) => Vector512.LessThanOrEqual(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> GreaterThan(Vector512<T> x, Vector512<T> y) => Vector512.GreaterThan(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> GreaterThanOrEqual(Vector512<T> x, Vector512<T> y) => Vector512.GreaterThanOrEqual(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> And(Vector512<T> x, Vector512<T> y) => x & y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Or(Vector512<T> x, Vector512<T> y) => x | y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Not(Vector512<T> mask) => ~mask;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Select(Vector512<T> mask, Vector512<T> ifTrue, Vector512<T> ifFalse) => Vector512.ConditionalSelect(mask, ifTrue, ifFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AnyTrue(Vector512<T> mask) => mask != Vector512<T>.Zero;
    public static Vector512<T> Exp(Vector512<T> x) => PerLane(x, ScalarSimd<T>.Exp);
    public static Vector512<T> Log(Vector512<T> x) => PerLane(x, ScalarSimd<T>.Log);
    public static Vector512<T> Log1p(Vector512<T> x) => PerLane(x, ScalarSimd<T>.Log1p);
    public static Vector512<T> Expm1(Vector512<T> x) => PerLane(x, ScalarSimd<T>.Expm1);
    public static Vector512<T> Tanh(Vector512<T> x) => PerLane(x, ScalarSimd<T>.Tanh);

    private static Vector512<T> PerLane(Vector512<T> x, System.Func<T, T> f)
    {
        System.Span<T> lanes = stackalloc T[Vector512<T>.Count];
        x.CopyTo(lanes);
        for (int i = 0; i < lanes.Length; i++)
        {
            lanes[i] = f(lanes[i]);
        }

        return Vector512.Create<T>(lanes);
    }
}
