using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LossGen.Kernels;

/// <summary>Temporary scalar width.</summary>
public readonly struct ScalarSimd<T> : ISimd<T, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static int Count => 1;
    public static T LoadUnsafe(ref readonly T source, nuint elementOffset) => Unsafe.Add(ref Unsafe.AsRef(in source), elementOffset);
    public static void StoreUnsafe(T value, ref T destination, nuint elementOffset) => Unsafe.Add(ref destination, elementOffset) = value;
    public static T Create(T value) => value;
    public static T Constant(double value) => T.CreateTruncating(value);
    public static T Add(T x, T y) => x + y;
    public static T Subtract(T x, T y) => x - y;
    public static T Multiply(T x, T y) => x * y;
    public static T Divide(T x, T y) => x / y;
    public static T Negate(T x) => -x;
    public static T Abs(T x) => T.Abs(x);
    public static T Sqrt(T x) => T.Sqrt(x);
    public static T Max(T x, T y) => T.Max(x, y);
    public static T Min(T x, T y) => T.Min(x, y);
    public static T Equals(T x, T y) => Mask(x == y);
    public static T NotEquals(T x, T y) => Mask(x != y);
    public static T LessThan(T x, T y) => Mask(x < y);
    public static T LessThanOrEqual(T x, T y) => Mask(x <= y);
    public static T GreaterThan(T x, T y) => Mask(x > y);
    public static T GreaterThanOrEqual(T x, T y) => Mask(x >= y);
    public static T And(T x, T y) => Mask(IsSet(x) && IsSet(y));
    public static T Or(T x, T y) => Mask(IsSet(x) || IsSet(y));
    public static T Not(T mask) => Mask(!IsSet(mask));
    public static T Select(T mask, T ifTrue, T ifFalse) => IsSet(mask) ? ifTrue : ifFalse;
    public static bool AnyTrue(T mask) => IsSet(mask);
    public static T Exp(T x) => T.Exp(x);
    public static T Log(T x) => T.Log(x);
    public static T Log1p(T x) => T.LogP1(x);
    public static T Expm1(T x) => T.ExpM1(x);
    public static T Tanh(T x) => T.Tanh(x);

    private static T Mask(bool value) => value ? AllBits : T.Zero;
    private static T AllBits => typeof(T) == typeof(float) ? (T)(object)BitConverter.Int32BitsToSingle(-1) : (T)(object)BitConverter.Int64BitsToDouble(-1);
    private static bool IsSet(T mask) => typeof(T) == typeof(float) ? BitConverter.SingleToInt32Bits((float)(object)mask) != 0 : BitConverter.DoubleToInt64Bits((double)(object)mask) != 0;
}
