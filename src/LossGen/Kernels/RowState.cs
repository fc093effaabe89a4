using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LossGen.Kernels;

/// <summary>
/// The working state of one row: the canonical lanes of each reduction, and the scalar slots
/// (reduction results first, then the scalars the kernel derives from them). Infrastructure for
/// generated code.
/// </summary>
/// <remarks>
/// One answer at every width: column j of a row always adds into lane j mod L of its reduction
/// (L = 64 bytes of <typeparamref name="T"/>: 16 floats or 8 doubles), whatever the vector width, and
/// the lanes are combined in a fixed order at the end. A Vector512 covers the L lanes at once,
/// Vector256 in two steps, Vector128 in four, and the scalar path one lane at a time.
/// </remarks>
public struct RowState<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The most reductions one formula may have.</summary>
    public const int MaxReductions = 8;

    /// <summary>The most scalar slots one formula may use, reduction results included.</summary>
    public const int MaxScalars = 64;

    /// <summary>Elements between two lane sets: room for 16 floats.</summary>
    private const int SetStride = 16;

    private RowLanes<T> _lanes;
    private RowScalars<T> _scalars;

    /// <summary>The canonical lane count L: 64 bytes of <typeparamref name="T"/>.</summary>
    public static int LaneCount => 64 / Unsafe.SizeOf<T>();

    /// <summary>Scalar slot <paramref name="slot"/>.</summary>
    [UnscopedRef]
    public ref T this[int slot]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _scalars[slot];
    }

    /// <summary>Adds <paramref name="value"/> into the lanes of sum <paramref name="k"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Sum<TVec, TSimd>(int k, nuint lane, TVec value)
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        ref T l = ref Set(k, 0);
        TSimd.StoreUnsafe(TSimd.Add(TSimd.LoadUnsafe(in l, lane), value), ref l, lane);
    }

    /// <summary>Folds <paramref name="value"/> into the lanes of maximum <paramref name="k"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Max<TVec, TSimd>(int k, nuint lane, TVec value)
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        ref T l = ref Set(k, 0);
        TSimd.StoreUnsafe(TSimd.Max(TSimd.LoadUnsafe(in l, lane), value), ref l, lane);
    }

    /// <summary>Folds <paramref name="value"/> into the lanes of minimum <paramref name="k"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Min<TVec, TSimd>(int k, nuint lane, TVec value)
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        ref T l = ref Set(k, 0);
        TSimd.StoreUnsafe(TSimd.Min(TSimd.LoadUnsafe(in l, lane), value), ref l, lane);
    }

    /// <summary>
    /// Adds e^value into log-sum-exp <paramref name="k"/>, online: each lane keeps its running maximum m and
    /// Σ e^(x − m), rescaled when m grows. The rescale runs only when some lane's maximum grows; a lane whose
    /// maximum did not grow is multiplied by e^0 = 1 exactly, so grouping lanes differently changes no bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void LogSumExp<TVec, TSimd>(int k, nuint lane, TVec value)
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        ref T m = ref Set(k, 0);
        ref T s = ref Set(k, 1);
        TVec max = TSimd.LoadUnsafe(in m, lane);
        TVec sum = TSimd.LoadUnsafe(in s, lane);
        if (TSimd.AnyTrue(TSimd.GreaterThan(value, max)))
        {
            TVec grown = TSimd.Max(max, value);
            sum = TSimd.Multiply(sum, TSimd.Exp(TSimd.Subtract(max, grown)));
            max = grown;
            TSimd.StoreUnsafe(max, ref m, lane);
        }

        TSimd.StoreUnsafe(TSimd.Add(sum, TSimd.Exp(TSimd.Subtract(value, max))), ref s, lane);
    }

    /// <summary>Sets the lanes of reduction <paramref name="k"/> to its identity.</summary>
    internal void Reset(int k, RowReduction kind)
    {
        // The log-sum-exp maximum starts at the lowest finite value, not −∞, so e^(x − m) is never e^(−∞ + ∞).
        T initial = kind switch
        {
            RowReduction.Max => T.NegativeInfinity,
            RowReduction.Min => T.PositiveInfinity,
            RowReduction.LogSumExp => T.CreateTruncating(typeof(T) == typeof(float) ? float.MinValue : double.MinValue),
            _ => T.Zero,
        };
        for (int i = 0; i < LaneCount; i++)
        {
            Unsafe.Add(ref Set(k, 0), i) = initial;
            Unsafe.Add(ref Set(k, 1), i) = T.Zero;
        }
    }

    /// <summary>Combines the lanes of reduction <paramref name="k"/>, in lane order, into scalar slot k.</summary>
    internal void Finish(int k, RowReduction kind)
    {
        ref T a = ref Set(k, 0);
        ref T b = ref Set(k, 1);
        int count = LaneCount;
        T result;
        switch (kind)
        {
            case RowReduction.Sum:
                // Lanes are widened to double and added in lane order: one rounding at the end for float.
                double sum = 0;
                for (int i = 0; i < count; i++)
                {
                    sum += double.CreateTruncating(Unsafe.Add(ref a, i));
                }

                result = T.CreateTruncating(sum);
                break;
            case RowReduction.Max or RowReduction.Min:
                result = a;
                for (int i = 1; i < count; i++)
                {
                    result = kind == RowReduction.Max ? T.Max(result, Unsafe.Add(ref a, i)) : T.Min(result, Unsafe.Add(ref a, i));
                }

                break;
            default:
                T max = a;
                for (int i = 1; i < count; i++)
                {
                    max = T.Max(max, Unsafe.Add(ref a, i));
                }

                T total = T.Zero;
                for (int i = 0; i < count; i++)
                {
                    T laneSum = Unsafe.Add(ref b, i);
                    if (laneSum != T.Zero)
                    {
                        total += laneSum * ScalarSimd<T>.Exp(Unsafe.Add(ref a, i) - max);
                    }
                }

                // Every element −∞ (or no element): the sum is 0 and the result −∞.
                result = total == T.Zero ? T.NegativeInfinity : max + ScalarSimd<T>.Log(total);
                break;
        }

        _scalars[k] = result;
    }

    [UnscopedRef]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref T Set(int k, int set) => ref _lanes[((2 * k) + set) * SetStride];
}

[InlineArray(2 * RowState<float>.MaxReductions * 16)]
internal struct RowLanes<T>
{
    private T _element;
}

[InlineArray(RowState<float>.MaxScalars)]
internal struct RowScalars<T>
{
    private T _element;
}
