using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
[EditorBrowsable(EditorBrowsableState.Never)]
public struct RowState<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The most reductions one formula may have.</summary>
    public const int MaxReductions = KernelContract.MaxRowReductions;

    /// <summary>The most reductions one pass over a row folds.</summary>
    public const int MaxReductionsPerPass = KernelContract.MaxRowReductionsPerPass;

    /// <summary>The most scalar slots one formula may use, reduction results included.</summary>
    public const int MaxScalars = KernelContract.MaxRowSlots;

    /// <summary>Elements between two lane sets: room for 16 floats.</summary>
    private const int SetStride = 16;

    /// <summary>Columns between two flushes of a sum's lanes into its double totals: 64 values per lane.</summary>
    internal static int ColumnsPerFlush => 64 * LaneCount;

    private RowLanes<T> _lanes;
    private RowTotals _totals;
    private RowScalars<T> _scalars;
    private RowLanePairs<T> _softmaxScale; // the L factors twice, so that any rotation is one load
    private RowLaneValues<T> _tailExps;

    /// <summary>
    /// Set when a lane of the kernel's softmax log-sum-exp moved its reference after it had a nonzero sum: the
    /// exponentials kept for the row's earlier columns are then relative to the old reference, so the gradient
    /// recomputes the softmax (see <see cref="IRowSoftmax"/>). Cleared for each row.
    /// </summary>
    internal bool SoftmaxStale;

    /// <summary>The canonical lane count L: 64 bytes of <typeparamref name="T"/>.</summary>
    public static int LaneCount => 64 / Unsafe.SizeOf<T>();

    /// <summary>Scalar slot <paramref name="slot"/>.</summary>
    [UnscopedRef]
    public ref T this[int slot]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _scalars[slot];
    }

    /// <summary>The lanes of reduction <paramref name="k"/> at <paramref name="lane"/>, as accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Load<TVec, TSimd>(int k, nuint lane, out TVec a, out TVec b)
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        a = TSimd.LoadUnsafe(in Set(k, 0), lane);
        b = TSimd.LoadUnsafe(in Set(k, 1), lane);
    }

    /// <summary>Writes the accumulators of reduction <paramref name="k"/> back to its lanes at <paramref name="lane"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Store<TVec, TSimd>(int k, nuint lane, TVec a, TVec b)
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        TSimd.StoreUnsafe(a, ref Set(k, 0), lane);
        TSimd.StoreUnsafe(b, ref Set(k, 1), lane);
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
        if (Vector512.IsHardwareAccelerated)
        {
            // Once per reduction per row: three stores instead of three loops.
            Vector512.Create(initial).StoreUnsafe(ref Set(k, 0));
            Vector512<T>.Zero.StoreUnsafe(ref Set(k, 1));
            Vector512<double>.Zero.StoreUnsafe(ref _totals[k * SetStride]);
            Vector512<double>.Zero.StoreUnsafe(ref _totals[k * SetStride], 8);
            return;
        }

        MemoryMarshal.CreateSpan(ref Set(k, 0), LaneCount).Fill(initial);
        MemoryMarshal.CreateSpan(ref Set(k, 1), LaneCount).Clear();
        _totals[(k * SetStride)..((k + 1) * SetStride)].Clear();
    }

    /// <summary>
    /// Adds the lanes of sum <paramref name="k"/> into its double totals and clears them. Every path flushes after
    /// the same columns (each 64 values per lane), so a float lane never sums more than 64 values: a row of
    /// millions of floats is summed to about 1e-7 (4M floats: 1.2e-7 relative, against 1.1e-6 unflushed).
    /// Widening is exact and each total adds only its own lane, so the vector form gives the scalar form's bits.
    /// </summary>
    internal void FlushSum(int k)
    {
        ref T lanes = ref Set(k, 0);
        ref double totals = ref _totals[k * SetStride];
        if (Vector128.IsHardwareAccelerated && VectorPaths.MaxBits >= 128)
        {
            // The 64 bytes of lanes as Vector128s, so every width but the scalar one flushes without a loop of 16.
            if (typeof(T) == typeof(float))
            {
                ref float f = ref Unsafe.As<T, float>(ref lanes);
                for (nuint i = 0; i < 16; i += 4)
                {
                    Vector128<float> v = Vector128.LoadUnsafe(ref f, i);
                    (Vector128.LoadUnsafe(ref totals, i) + Vector128.WidenLower(v)).StoreUnsafe(ref totals, i);
                    (Vector128.LoadUnsafe(ref totals, i + 2) + Vector128.WidenUpper(v)).StoreUnsafe(ref totals, i + 2);
                    Vector128<float>.Zero.StoreUnsafe(ref f, i);
                }
            }
            else
            {
                ref double d = ref Unsafe.As<T, double>(ref lanes);
                for (nuint i = 0; i < 8; i += 2)
                {
                    (Vector128.LoadUnsafe(ref totals, i) + Vector128.LoadUnsafe(ref d, i)).StoreUnsafe(ref totals, i);
                    Vector128<double>.Zero.StoreUnsafe(ref d, i);
                }
            }

            return;
        }

        for (int i = 0; i < LaneCount; i++)
        {
            Unsafe.Add(ref totals, i) += double.CreateTruncating(Unsafe.Add(ref lanes, i));
            Unsafe.Add(ref lanes, i) = T.Zero;
        }
    }

    /// <summary>
    /// Combines the lanes of reduction <paramref name="k"/> into scalar slot k, in a fixed order. For the kernel's
    /// softmax log-sum-exp (<paramref name="softmax"/>), also keeps each lane's factor e^(m_i − lse).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Finish(int k, RowReduction kind, bool softmax = false)
    {
        if (kind == RowReduction.Sum && Vector512.IsHardwareAccelerated && VectorPaths.MaxBits >= 512)
        {
            // A sum's finish is a few instructions: in line, not a call (a row of softmax CE finishes three).
            _scalars[k] = T.CreateTruncating(SumLanesAndTotals(ref Set(k, 0), ref _totals[k * SetStride]));
            return;
        }

        if (kind == RowReduction.Sum && Vector128.IsHardwareAccelerated && VectorPaths.MaxBits >= 128)
        {
            // The same at 256 and 128 bits, as Vector128s (a call and the totals' round trip through memory cost Dice
            // on [64, 1000] about 5% at these widths).
            _scalars[k] = T.CreateTruncating(SumLanesAndTotals128(ref Set(k, 0), ref _totals[k * SetStride]));
            return;
        }

        FinishOutOfLine(k, kind, softmax);
    }

    /// <summary><see cref="Finish"/> for every reduction but a sum with vectors.</summary>
    private void FinishOutOfLine(int k, RowReduction kind, bool softmax)
    {
        ref T a = ref Set(k, 0);
        ref T b = ref Set(k, 1);
        int count = LaneCount;
        T result;
        switch (kind)
        {
            case RowReduction.Sum:
                if (Vector512.IsHardwareAccelerated && VectorPaths.MaxBits >= 512)
                {
                    // FlushSum and SumTotals in registers, the same additions in the same order: this is on the row's
                    // critical path, and the totals are not read again before the next row resets them.
                    result = T.CreateTruncating(SumLanesAndTotals(ref a, ref _totals[k * SetStride]));
                    break;
                }

                FlushSum(k);
                result = T.CreateTruncating(SumTotals(ref _totals[k * SetStride]));
                break;
            case RowReduction.Max or RowReduction.Min:
                result = a;
                for (int i = 1; i < count; i++)
                {
                    result = kind == RowReduction.Max ? T.Max(result, Unsafe.Add(ref a, i)) : T.Min(result, Unsafe.Add(ref a, i));
                }

                break;
            default:
                // Each lane's sum, moved to the common reference: e^(m_i − max) for all lanes at once (the vector
                // exp gives the scalar exp's bits), then added as a fixed tree. Lanes with a zero sum add nothing,
                // even when their factor is not finite. The softmax factor of lane i is e^(m_i − max)/total:
                // softmax_j = e^(x_j − m_i)·e^(m_i − max)/total, for the gradient pass.
                T max, total;
                if (Vector512.IsHardwareAccelerated && VectorPaths.MaxBits >= 512)
                {
                    max = CombineLanes512(ref a, ref b, softmax, out total);
                }
                else if (Vector128.IsHardwareAccelerated && VectorPaths.MaxBits >= 128)
                {
                    max = CombineLanes128(ref a, ref b, softmax, out total);
                }
                else
                {
                    max = CombineLanesScalar(ref a, ref b, softmax, out total);
                }

                // Every element −∞ (or no element): the sum is 0 and the result −∞.
                result = total == T.Zero ? T.NegativeInfinity : max + LogOne(total);
                break;
        }

        _scalars[k] = result;
    }

    /// <summary>
    /// A log-sum-exp's lanes (references <paramref name="a"/>, sums <paramref name="b"/>) combined in registers: the
    /// largest reference, and the total of the sums moved to it. Once per row, on the row's critical path; each width's
    /// form is its own method, so each fits the JIT's budget for locals.
    /// </summary>
    private T CombineLanes512(ref T a, ref T b, bool softmax, out T total)
    {
        Vector512<T> references = Vector512.LoadUnsafe(ref a), sums = Vector512.LoadUnsafe(ref b);
        T max = MaxLanes(references);
        Vector512<T> scale = Simd512<T>.ExpInlined(references - Vector512.Create(max));
        total = TreeSum(Vector512.ConditionalSelect(Vector512.Equals(sums, Vector512<T>.Zero), Vector512<T>.Zero, sums * scale));
        if (softmax)
        {
            Vector512<T> factors = scale / Vector512.Create(total);
            factors.StoreUnsafe(ref _softmaxScale[0]);
            factors.StoreUnsafe(ref _softmaxScale[LaneCount]);
        }

        return max;
    }

    /// <summary><see cref="CombineLanes512"/> with the lanes as four Vector128, as ARM64 has them: the same operations.</summary>
    private T CombineLanes128(ref T a, ref T b, bool softmax, out T total)
    {
        nuint q = (nuint)Vector128<T>.Count;
        Vector128<T> r0 = Vector128.LoadUnsafe(ref a), r1 = Vector128.LoadUnsafe(ref a, q), r2 = Vector128.LoadUnsafe(ref a, 2 * q), r3 = Vector128.LoadUnsafe(ref a, 3 * q);
        T max = MaxLanes(Vector128.MaxNative(Vector128.MaxNative(r0, r2), Vector128.MaxNative(r1, r3)));
        Vector128<T> shift = Vector128.Create(max);
        Vector128<T> s0 = Simd128<T>.ExpInlined(r0 - shift), s1 = Simd128<T>.ExpInlined(r1 - shift);
        Vector128<T> s2 = Simd128<T>.ExpInlined(r2 - shift), s3 = Simd128<T>.ExpInlined(r3 - shift);
        total = TreeSum(
            LaneTerm(Vector128.LoadUnsafe(ref b), s0), LaneTerm(Vector128.LoadUnsafe(ref b, q), s1),
            LaneTerm(Vector128.LoadUnsafe(ref b, 2 * q), s2), LaneTerm(Vector128.LoadUnsafe(ref b, 3 * q), s3));
        if (softmax)
        {
            Vector128<T> t = Vector128.Create(total);
            ref T factors = ref _softmaxScale[0];
            (s0 / t).StoreUnsafe(ref factors);
            (s1 / t).StoreUnsafe(ref factors, q);
            (s2 / t).StoreUnsafe(ref factors, 2 * q);
            (s3 / t).StoreUnsafe(ref factors, 3 * q);
            MemoryMarshal.CreateReadOnlySpan(ref factors, LaneCount).CopyTo(_softmaxScale[LaneCount..]);
        }

        return max;
    }

    /// <summary><see cref="CombineLanes512"/> one lane at a time: the same operations.</summary>
    private T CombineLanesScalar(ref T a, ref T b, bool softmax, out T total)
    {
        int count = LaneCount;
        T max = MaxLanes(ref a);
        RowLaneValues<T> scale = default, terms = default;
        for (int i = 0; i < count; i++)
        {
            scale[i] = ScalarSimd<T>.Exp(Unsafe.Add(ref a, i) - max);
            T laneSum = Unsafe.Add(ref b, i);
            terms[i] = laneSum == T.Zero ? T.Zero : laneSum * scale[i];
        }

        total = TreeSum(ref terms[0], count);
        for (int i = 0; softmax && i < count; i++)
        {
            _softmaxScale[i] = _softmaxScale[count + i] = scale[i] / total;
        }

        return max;
    }

    /// <summary>
    /// log x, as <see cref="ScalarSimd{T}.Log"/> gives it, computed inline in one lane of a vector where there are
    /// vectors: its bit operations then stay in the vector registers, and no call separates it from the row's other
    /// work. It ends the row's critical path, so its latency counts (the call alone cost ~2% of softmax CE).
    /// </summary>
    private static T LogOne(T x)
        => Vector128.IsHardwareAccelerated && VectorPaths.MaxBits >= 128
            ? SimdMath.Log<Vector128<T>, T, Simd128<T>>(Vector128.CreateScalarUnsafe(x)).ToScalar()
            : ScalarSimd<T>.Log(x);

    /// <summary>The lanes of a sum flushed into its totals and the totals added as <see cref="SumTotals"/> adds them, with Vector512.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double SumLanesAndTotals(ref T lanes, ref double totals)
    {
        Vector512<double> sum;
        if (typeof(T) == typeof(float))
        {
            Vector512<float> values = Vector512.LoadUnsafe(ref Unsafe.As<T, float>(ref lanes));
            Vector512<double> low = Vector512.LoadUnsafe(ref totals) + Vector512.WidenLower(values);
            Vector512<double> high = Vector512.LoadUnsafe(ref totals, 8) + Vector512.WidenUpper(values);
            sum = low + high;
        }
        else
        {
            sum = Vector512.LoadUnsafe(ref totals) + Vector512.LoadUnsafe(ref Unsafe.As<T, double>(ref lanes));
        }

        Vector256<double> half = sum.GetLower() + sum.GetUpper();
        Vector128<double> quarter = half.GetLower() + half.GetUpper();
        return quarter.GetElement(0) + quarter.GetElement(1);
    }

    /// <summary><see cref="SumLanesAndTotals"/> as Vector128s: <see cref="FlushSum"/> and <see cref="SumTotals"/> in registers, the same additions in the same order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double SumLanesAndTotals128(ref T lanes, ref double totals)
    {
        // t[i] holds totals 2i and 2i + 1, each with its lanes added.
        Vector128<double> t0, t1, t2, t3, t4, t5, t6, t7;
        if (typeof(T) == typeof(float))
        {
            ref float f = ref Unsafe.As<T, float>(ref lanes);
            Vector128<float> v0 = Vector128.LoadUnsafe(ref f), v1 = Vector128.LoadUnsafe(ref f, 4), v2 = Vector128.LoadUnsafe(ref f, 8), v3 = Vector128.LoadUnsafe(ref f, 12);
            t0 = Vector128.LoadUnsafe(ref totals) + Vector128.WidenLower(v0);
            t1 = Vector128.LoadUnsafe(ref totals, 2) + Vector128.WidenUpper(v0);
            t2 = Vector128.LoadUnsafe(ref totals, 4) + Vector128.WidenLower(v1);
            t3 = Vector128.LoadUnsafe(ref totals, 6) + Vector128.WidenUpper(v1);
            t4 = Vector128.LoadUnsafe(ref totals, 8) + Vector128.WidenLower(v2);
            t5 = Vector128.LoadUnsafe(ref totals, 10) + Vector128.WidenUpper(v2);
            t6 = Vector128.LoadUnsafe(ref totals, 12) + Vector128.WidenLower(v3);
            t7 = Vector128.LoadUnsafe(ref totals, 14) + Vector128.WidenUpper(v3);
            // SumTotals for L = 16: totals i and i + 8, then i + 4, then i + 2.
            Vector128<double> quarter = ((t0 + t4) + (t2 + t6)) + ((t1 + t5) + (t3 + t7));
            return quarter.GetElement(0) + quarter.GetElement(1);
        }

        ref double d = ref Unsafe.As<T, double>(ref lanes);
        t0 = Vector128.LoadUnsafe(ref totals) + Vector128.LoadUnsafe(ref d);
        t1 = Vector128.LoadUnsafe(ref totals, 2) + Vector128.LoadUnsafe(ref d, 2);
        t2 = Vector128.LoadUnsafe(ref totals, 4) + Vector128.LoadUnsafe(ref d, 4);
        t3 = Vector128.LoadUnsafe(ref totals, 6) + Vector128.LoadUnsafe(ref d, 6);
        // SumTotals for L = 8: totals i and i + 4, then i + 2.
        Vector128<double> half = (t0 + t2) + (t1 + t3);
        return half.GetElement(0) + half.GetElement(1);
    }

    /// <summary>
    /// The L totals of a sum added as a fixed tree: total i + total i + L/2, then halves again. The vector form and
    /// the scalar form make the same additions, so every machine gets the same bits.
    /// </summary>
    private static double SumTotals(ref double totals)
    {
        int count = LaneCount;
        if (Vector128.IsHardwareAccelerated && VectorPaths.MaxBits >= 128)
        {
            // Totals i and i + L/2 first: for L = 16, pairs (0..1, 8..9), then (4..5, 12..13), and so on.
            Vector128<double> quarter = (Vector128.LoadUnsafe(ref totals) + Vector128.LoadUnsafe(ref totals, (nuint)count / 2))
                + (Vector128.LoadUnsafe(ref totals, (nuint)count / 4) + Vector128.LoadUnsafe(ref totals, (nuint)(3 * count / 4)));
            if (count == 16)
            {
                Vector128<double> other = (Vector128.LoadUnsafe(ref totals, 2) + Vector128.LoadUnsafe(ref totals, 10))
                    + (Vector128.LoadUnsafe(ref totals, 6) + Vector128.LoadUnsafe(ref totals, 14));
                quarter += other;
            }

            return quarter.GetElement(0) + quarter.GetElement(1);
        }

        return TreeSum(ref totals, count);
    }

    /// <summary>
    /// The softmax log-sum-exp's e^(u − m) for the row's last, partial vector: a whole vector, kept here so that
    /// nothing is written past the row.
    /// </summary>
    [UnscopedRef]
    internal ref T TailExps => ref _tailExps[0];

    /// <summary>
    /// The softmax factors of the L lanes (see <see cref="Finish"/>), starting at lane <paramref name="lane"/>: lane i
    /// of the vector is the factor of lane (<paramref name="lane"/> + i) mod L, for a vector that starts at that column.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal readonly TVec SoftmaxScale<TVec, TSimd>(nuint lane)
        where TVec : struct
        where TSimd : ISimd<TVec, T>
        => TSimd.LoadUnsafe(in _softmaxScale[0], lane);

    /// <summary>
    /// The largest of a log-sum-exp's L references. They are never NaN (a NaN never moves one), so the machine's own
    /// maximum, shorter than IEEE's, gives the same value; of +0 and −0 it may pick either, and max + log total and
    /// e^(m − max) come out the same for both.
    /// </summary>
    private static T MaxLanes(Vector512<T> lanes)
    {
        Vector256<T> half = Vector256.MaxNative(lanes.GetLower(), lanes.GetUpper());
        return MaxLanes(Vector128.MaxNative(half.GetLower(), half.GetUpper()));
    }

    /// <summary>The largest lane of <paramref name="quarter"/>, the references already folded to one Vector128 (as <see cref="MaxLanes(Vector512{T})"/>).</summary>
    private static T MaxLanes(Vector128<T> quarter)
    {
        if (Vector128<T>.Count == 4)
        {
            quarter = Vector128.MaxNative(quarter, Vector128.Shuffle(quarter.AsInt32(), Vector128.Create(2, 3, 0, 1)).As<int, T>());
        }

        return T.Max(quarter.GetElement(0), quarter.GetElement(1));
    }

    /// <summary><see cref="MaxLanes(Vector512{T})"/> one lane at a time.</summary>
    private static T MaxLanes(ref T lanes)
    {
        T max = lanes;
        for (int i = 1; i < LaneCount; i++)
        {
            max = T.Max(max, Unsafe.Add(ref lanes, i));
        }

        return max;
    }

    /// <summary>
    /// The L values added as a fixed tree (value i + value i + L/2, then halves again), like <see cref="SumTotals"/>:
    /// the vector and scalar forms make the same additions.
    /// </summary>
    private static T TreeSum(Vector512<T> values)
    {
        Vector256<T> half = values.GetLower() + values.GetUpper();
        return TreeSum(half.GetLower() + half.GetUpper());
    }

    /// <summary><see cref="TreeSum(Vector512{T})"/> of the L values held as four Vector128, in order.</summary>
    private static T TreeSum(Vector128<T> v0, Vector128<T> v1, Vector128<T> v2, Vector128<T> v3)
        => TreeSum((v0 + v2) + (v1 + v3));

    /// <summary>The last additions of <see cref="TreeSum(Vector512{T})"/>, from the quarter it folds to.</summary>
    private static T TreeSum(Vector128<T> quarter)
        => LaneCount == 16
            ? (quarter.GetElement(0) + quarter.GetElement(2)) + (quarter.GetElement(1) + quarter.GetElement(3))
            : quarter.GetElement(0) + quarter.GetElement(1);

    /// <summary>A lane's sum moved to the common reference; a lane with a zero sum adds nothing, whatever its factor.</summary>
    private static Vector128<T> LaneTerm(Vector128<T> sums, Vector128<T> scale)
        => Vector128.ConditionalSelect(Vector128.Equals(sums, Vector128<T>.Zero), Vector128<T>.Zero, sums * scale);

    /// <summary>
    /// <see cref="TreeSum(Vector512{T})"/> and <see cref="SumTotals"/> one value at a time: value i + value i + n/2,
    /// then halves again.
    /// </summary>
    private static TValue TreeSum<TValue>(ref TValue values, int count)
        where TValue : unmanaged, INumberBase<TValue>
    {
        Span<TValue> sums = stackalloc TValue[16];
        MemoryMarshal.CreateReadOnlySpan(ref values, count).CopyTo(sums);
        for (int width = count / 2; width >= 1; width /= 2)
        {
            for (int i = 0; i < width; i++)
            {
                sums[i] += sums[i + width];
            }
        }

        return sums[0];
    }

    [UnscopedRef]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref T Set(int k, int set) => ref _lanes[((2 * k) + set) * SetStride];
}

/// <summary>Whether a vector may reach past the end of the row; a type so the JIT drops the masking inside it.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IRowEdge
{
    /// <summary>True for the last, partial vector of a row: lanes past the end must fold nothing.</summary>
    static abstract bool Masked { get; }
}

/// <summary>A vector wholly inside the row.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct RowInterior : IRowEdge
{
    /// <inheritdoc/>
    public static bool Masked => false;
}

/// <summary>The last, partial vector of a row.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct RowEdge : IRowEdge
{
    /// <inheritdoc/>
    public static bool Masked => true;
}

/// <summary>
/// How each reduction folds a vector of values into its accumulators; the same at every width. At the edge of a
/// row the lanes outside it fold the reduction's identity, which changes no bit: −0 for a sum (x + −0 = x, −0
/// included), −∞ for a maximum and a log-sum-exp, +∞ for a minimum. Infrastructure for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RowReduce
{
    /// <summary>The lanes of <paramref name="value"/> inside the row, and <paramref name="identity"/> past it (last vector only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Inside<TVec, T, TSimd, TEdge>(TVec value, TVec inside, double identity)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>
        where TEdge : struct, IRowEdge
        => TEdge.Masked ? TSimd.Select(inside, value, TSimd.Constant(identity)) : value;

    /// <summary>acc += value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sum<TVec, T, TSimd, TEdge>(ref TVec acc, TVec value, TVec inside)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>
        where TEdge : struct, IRowEdge
        => acc = TSimd.Add(acc, Inside<TVec, T, TSimd, TEdge>(value, inside, -0.0));

    /// <summary>
    /// acc += x·y, as one multiply-add (rounded once on a machine with FMA, at every width alike). At the row's edge
    /// the lanes past it keep acc, as a sum of −0 would.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumOfProducts<TVec, T, TSimd, TEdge>(ref TVec acc, TVec x, TVec y, TVec inside)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>
        where TEdge : struct, IRowEdge
        => acc = TEdge.Masked ? TSimd.Select(inside, TSimd.MultiplyAdd(x, y, acc), acc) : TSimd.MultiplyAdd(x, y, acc);

    /// <summary>acc = max(acc, value), NaN propagating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Max<TVec, T, TSimd, TEdge>(ref TVec acc, TVec value, TVec inside)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>
        where TEdge : struct, IRowEdge
        => acc = TSimd.Max(acc, Inside<TVec, T, TSimd, TEdge>(value, inside, double.NegativeInfinity));

    /// <summary>acc = min(acc, value), NaN propagating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Min<TVec, T, TSimd, TEdge>(ref TVec acc, TVec value, TVec inside)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>
        where TEdge : struct, IRowEdge
        => acc = TSimd.Min(acc, Inside<TVec, T, TSimd, TEdge>(value, inside, double.PositiveInfinity));

    /// <summary>
    /// Adds e^value into a log-sum-exp, online: each lane keeps a reference point m and Σ e^(x − m). The
    /// reference moves up to x only when x exceeds it by more than 16, so e^(x − m) ≤ e^16 never overflows, and
    /// after a row's first vector it almost never moves: the rescale (one more exp) is a branch that is not taken.
    /// A lane whose reference did not move is multiplied by e^0 = 1 exactly, so grouping lanes differently
    /// changes no bits. The lanes are combined around their largest reference when the pass ends.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LogSumExp<TVec, T, TSimd, TEdge>(ref TVec max, ref TVec sum, TVec value, TVec inside)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>
        where TEdge : struct, IRowEdge
    {
        bool unusedStale = false;
        FoldLogSumExp<TVec, T, TSimd, TEdge>(ref max, ref sum, value, inside, ref unusedStale, out _);
    }

    /// <summary>
    /// <see cref="LogSumExp{TVec, T, TSimd, TEdge}(ref TVec, ref TVec, TVec, TVec)"/> for the kernel's softmax
    /// log-sum-exp: also gives the e^(x − m) it added, for the engine to keep, and marks the row's kept values
    /// stale when a lane that already had a sum moves its reference.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LogSumExp<TVec, T, TSimd, TEdge>(ref TVec max, ref TVec sum, TVec value, TVec inside, ref RowState<T> state, out TVec exps)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>
        where TEdge : struct, IRowEdge
        => FoldLogSumExp<TVec, T, TSimd, TEdge>(ref max, ref sum, value, inside, ref state.SoftmaxStale, out exps);

    /// <summary>
    /// Adds e^(value − m) into the sums; sets <paramref name="stale"/> when a lane with a nonzero sum moved its
    /// reference (only there, on the rare path, so the common path carries no flag).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FoldLogSumExp<TVec, T, TSimd, TEdge>(ref TVec max, ref TVec sum, TVec value, TVec inside, ref bool stale, out TVec exps)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>
        where TEdge : struct, IRowEdge
    {
        // Lanes past the row neither move the reference (−∞) nor add to the sum (+0); their exponent is taken at
        // 0, not at −∞, so the vector stays on the exp's fast path.
        value = Inside<TVec, T, TSimd, TEdge>(value, inside, double.NegativeInfinity);

        // The exponent doubles as the test: x − m > 16 moves the reference (one addition per vector, not two).
        TVec exponent = TSimd.Subtract(value, max);
        if (TSimd.AnyTrue(TSimd.GreaterThan(exponent, TSimd.Constant(16))))
        {
            // The same test written apart, so that the common path tests the comparison directly and never
            // materializes it as a vector.
            TVec moves = TSimd.LessThan(TSimd.Constant(16), exponent);
            // On a row's first vector every sum is still +0, and 0·e^(…) is +0: no exp needed.
            TVec moved = TSimd.Select(moves, value, max);
            TVec hasSum = TSimd.NotEquals(sum, TSimd.Constant(0));
            if (TSimd.AnyTrue(hasSum))
            {
                sum = TSimd.Multiply(sum, SimdMath.ExpAtMost16<TVec, T, TSimd>(TSimd.Subtract(max, moved)));
                if (TSimd.AnyTrue(TSimd.And(moves, hasSum)))
                {
                    stale = true;
                }
            }

            max = moved;
            exponent = TSimd.Subtract(value, max);
        }

        // x − m ≤ 16 here (the reference moved otherwise), so the exp needs no test for overflow.
        TVec e = SimdMath.ExpAtMost16<TVec, T, TSimd>(TEdge.Masked ? TSimd.Select(inside, exponent, TSimd.Constant(0)) : exponent);
        if (TEdge.Masked)
        {
            e = TSimd.Select(inside, e, TSimd.Constant(0));
        }

        // Written once, from a local: the caller's vector then stays in a register.
        exps = e;
        sum = TSimd.Add(sum, e);
    }
}

[InlineArray(2 * RowState<float>.MaxReductions * 16)]
internal struct RowLanes<T>
{
    private T _element;
}

[InlineArray(RowState<float>.MaxReductions * 16)]
internal struct RowTotals
{
    private double _element;
}

/// <summary>One value per canonical lane (16 floats or 8 doubles; room for 16).</summary>
[InlineArray(16)]
internal struct RowLaneValues<T>
{
    private T _element;
}

/// <summary>One value per canonical lane, twice over.</summary>
[InlineArray(32)]
internal struct RowLanePairs<T>
{
    private T _element;
}

[InlineArray(RowState<float>.MaxScalars)]
internal struct RowScalars<T>
{
    private T _element;
}
