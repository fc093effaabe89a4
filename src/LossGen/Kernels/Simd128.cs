using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LossGen.Kernels;

/// <summary>Temporary: per-lane transcendentals.</summary>
public readonly struct Simd128<T> : ISimd<Vector128<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static int Count => Vector128<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> LoadUnsafe(ref readonly T source, nuint elementOffset) => Vector128.LoadUnsafe(in source, elementOffset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreUnsafe(Vector128<T> value, ref T destination, nuint elementOffset) => value.StoreUnsafe(ref destination, elementOffset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Create(T value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Constant(double value) => Vector128.Create(T.CreateTruncating(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Add(Vector128<T> x, Vector128<T> y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Subtract(Vector128<T> x, Vector128<T> y) => x - y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Multiply(Vector128<T> x, Vector128<T> y) => x * y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Divide(Vector128<T> x, Vector128<T> y) => x / y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Negate(Vector128<T> x) => -x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Abs(Vector128<T> x) => Vector128.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Sqrt(Vector128<T> x) => Vector128.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Max(Vector128<T> x, Vector128<T> y) => Vector128.Max(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Min(Vector128<T> x, Vector128<T> y) => Vector128.Min(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Equals(Vector128<T> x, Vector128<T> y) => Vector128.Equals(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> NotEquals(Vector128<T> x, Vector128<T> y) => ~Vector128.Equals(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> LessThan(Vector128<T> x, Vector128<T> y) => Vector128.LessThan(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> LessThanOrEqual(Vector128<T> x, Vector128<T> y) => Vector128.LessThanOrEqual(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> GreaterThan(Vector128<T> x, Vector128<T> y) => Vector128.GreaterThan(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> GreaterThanOrEqual(Vector128<T> x, Vector128<T> y) => Vector128.GreaterThanOrEqual(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> And(Vector128<T> x, Vector128<T> y) => x & y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Or(Vector128<T> x, Vector128<T> y) => x | y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Not(Vector128<T> mask) => ~mask;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Select(Vector128<T> mask, Vector128<T> ifTrue, Vector128<T> ifFalse) => Vector128.ConditionalSelect(mask, ifTrue, ifFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AnyTrue(Vector128<T> mask) => mask != Vector128<T>.Zero;
    public static Vector128<T> Exp(Vector128<T> x) => PerLane(x, ScalarSimd<T>.Exp);
    public static Vector128<T> Log(Vector128<T> x) => PerLane(x, ScalarSimd<T>.Log);
    public static Vector128<T> Log1p(Vector128<T> x) => PerLane(x, ScalarSimd<T>.Log1p);
    public static Vector128<T> Expm1(Vector128<T> x) => PerLane(x, ScalarSimd<T>.Expm1);
    public static Vector128<T> Tanh(Vector128<T> x) => PerLane(x, ScalarSimd<T>.Tanh);

    private static Vector128<T> PerLane(Vector128<T> x, System.Func<T, T> f)
    {
        System.Span<T> lanes = stackalloc T[Vector128<T>.Count];
        x.CopyTo(lanes);
        for (int i = 0; i < lanes.Length; i++)
        {
            lanes[i] = f(lanes[i]);
        }

        return Vector128.Create<T>(lanes);
    }
}
