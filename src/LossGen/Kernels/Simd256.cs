using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LossGen.Kernels;

/// <summary>Temporary: per-lane transcendentals.</summary>
public readonly struct Simd256<T> : ISimd<Vector256<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static int Count => Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> LoadUnsafe(ref readonly T source, nuint elementOffset) => Vector256.LoadUnsafe(in source, elementOffset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreUnsafe(Vector256<T> value, ref T destination, nuint elementOffset) => value.StoreUnsafe(ref destination, elementOffset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Create(T value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Constant(double value) => Vector256.Create(T.CreateTruncating(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Add(Vector256<T> x, Vector256<T> y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Subtract(Vector256<T> x, Vector256<T> y) => x - y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Multiply(Vector256<T> x, Vector256<T> y) => x * y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Divide(Vector256<T> x, Vector256<T> y) => x / y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Negate(Vector256<T> x) => -x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Abs(Vector256<T> x) => Vector256.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sqrt(Vector256<T> x) => Vector256.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Max(Vector256<T> x, Vector256<T> y) => Vector256.Max(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Min(Vector256<T> x, Vector256<T> y) => Vector256.Min(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Equals(Vector256<T> x, Vector256<T> y) => Vector256.Equals(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> NotEquals(Vector256<T> x, Vector256<T> y) => ~Vector256.Equals(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> LessThan(Vector256<T> x, Vector256<T> y) => Vector256.LessThan(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> LessThanOrEqual(Vector256<T> x, Vector256<T> y) => Vector256.LessThanOrEqual(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> GreaterThan(Vector256<T> x, Vector256<T> y) => Vector256.GreaterThan(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> GreaterThanOrEqual(Vector256<T> x, Vector256<T> y) => Vector256.GreaterThanOrEqual(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> And(Vector256<T> x, Vector256<T> y) => x & y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Or(Vector256<T> x, Vector256<T> y) => x | y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Not(Vector256<T> mask) => ~mask;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Select(Vector256<T> mask, Vector256<T> ifTrue, Vector256<T> ifFalse) => Vector256.ConditionalSelect(mask, ifTrue, ifFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AnyTrue(Vector256<T> mask) => mask != Vector256<T>.Zero;
    public static Vector256<T> Exp(Vector256<T> x) => PerLane(x, ScalarSimd<T>.Exp);
    public static Vector256<T> Log(Vector256<T> x) => PerLane(x, ScalarSimd<T>.Log);
    public static Vector256<T> Log1p(Vector256<T> x) => PerLane(x, ScalarSimd<T>.Log1p);
    public static Vector256<T> Expm1(Vector256<T> x) => PerLane(x, ScalarSimd<T>.Expm1);
    public static Vector256<T> Tanh(Vector256<T> x) => PerLane(x, ScalarSimd<T>.Tanh);

    private static Vector256<T> PerLane(Vector256<T> x, System.Func<T, T> f)
    {
        System.Span<T> lanes = stackalloc T[Vector256<T>.Count];
        x.CopyTo(lanes);
        for (int i = 0; i < lanes.Length; i++)
        {
            lanes[i] = f(lanes[i]);
        }

        return Vector256.Create<T>(lanes);
    }
}
