using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LossGen.Kernels;

namespace LossGen;

/// <summary>Non-generic knobs of the total variation engine.</summary>
internal static class TotalVariationEngine
{
}

/// <summary>
/// Total variation of one row of a plane at a time: its right and down differences (the loss terms it owns) and the
/// gradient of every term that touches it.
/// </summary>
/// <remarks>
/// <para>Columns 1 .. W−2 have both horizontal neighbours and run as whole vectors (the widest allowed, then narrower
/// ones for the tail); column 0, column W−1 and the last few columns run the same code on <see cref="ScalarSimd{T}"/>,
/// one element at a time. Every element's terms are therefore the same bits at every width.</para>
/// <para>The row's loss terms are added into L canonical lanes (64 bytes of <typeparamref name="T"/>): column j ≥ 1
/// into lane (j − 1) mod L, column 0 into lane L − 1, so a vector starting at column 1 + kw covers whole lanes.
/// The lanes are flushed into double totals after every block of 16·L columns (and after a row of one column), the
/// same points on every path, so the sum is the same bits at every width too.</para>
/// </remarks>
internal static unsafe class TotalVariationEngine<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static int LaneCount
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 64 / Unsafe.SizeOf<T>();
    }

    /// <summary>
    /// One row: <paramref name="up"/> and <paramref name="down"/> are the neighbouring rows or null at the plane's
    /// edges; <paramref name="gradient"/> receives the row's gradient times <paramref name="scale"/>, or is null.
    /// </summary>
    public static void Row(T* up, T* cur, T* down, T* gradient, int width, bool squared, T scale, T* lanes, double* totals)
    {
        int bits = VectorPaths.MaxBits;
        if (Vector512.IsHardwareAccelerated && bits >= 512)
            RowCore<Vector512<T>, Simd512<T>>(up, cur, down, gradient, width, squared, scale, lanes, totals);
        else if (Vector256.IsHardwareAccelerated && bits >= 256)
            RowCore<Vector256<T>, Simd256<T>>(up, cur, down, gradient, width, squared, scale, lanes, totals);
        else if (Vector128.IsHardwareAccelerated && bits >= 128)
            RowCore<Vector128<T>, Simd128<T>>(up, cur, down, gradient, width, squared, scale, lanes, totals);
        else
            RowCore<T, ScalarSimd<T>>(up, cur, down, gradient, width, squared, scale, lanes, totals);
    }

    /// <summary>Sums the lane totals pairwise in a fixed order.</summary>
    public static double Finish(double* totals)
    {
        for (int half = LaneCount / 2; half >= 1; half /= 2)
        {
            for (int k = 0; k < half; k++) totals[k] += totals[k + half];
        }
        return totals[0];
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RowCore<TV, TL>(T* up, T* cur, T* down, T* gradient, int width, bool squared, T scale, T* lanes, double* totals)
        where TV : struct
        where TL : struct, ISimd<TV, T>
    {
        int w = TL.Count;
        int laneCount = LaneCount, laneMask = laneCount - 1;
        int groups = laneCount / w;
        int blockLength = 16 * laneCount;
        Add<T, ScalarSimd<T>>(lanes, laneMask, 0, Element<T, ScalarSimd<T>>(up, cur, down, gradient, 0, width > 1 ? 1 : 0, squared, scale));
        for (int blockStart = 1; blockStart < width; blockStart += blockLength)
        {
            int blockEnd = Math.Min(blockStart + blockLength, width);
            int vectors = (Math.Min(blockEnd, width - 1) - blockStart) / w;   // the last lane's right neighbour stays in the row
            // Whole vectors, one lane group at a time: the group's lanes stay in a register, and each lane still adds
            // its columns in increasing order, as on every other path. Lane group g starts at lane g·w, since
            // blockStart − 1 is a multiple of L.
            for (int g = 0; g < groups; g++)
            {
                TV sum = TL.LoadUnsafe(ref lanes[g * w], 0);
                for (int v = g; v < vectors; v += groups)
                    sum = TL.Add(sum, Element<TV, TL>(up, cur, down, gradient, blockStart + v * w, 1, squared, scale));
                TL.StoreUnsafe(sum, ref lanes[g * w], 0);
            }
            int j = blockStart + vectors * w;
            // The tail: narrower vectors, then single elements, adding into the lanes in memory.
            int rightEnd = Math.Min(blockEnd, width - 1);
            if (w > Vector256<T>.Count && Vector256.IsHardwareAccelerated)
                for (; j + Vector256<T>.Count <= rightEnd; j += Vector256<T>.Count)
                    Add<Vector256<T>, Simd256<T>>(lanes, laneMask, j, Element<Vector256<T>, Simd256<T>>(up, cur, down, gradient, j, 1, squared, scale));
            if (w > Vector128<T>.Count && Vector128.IsHardwareAccelerated)
                for (; j + Vector128<T>.Count <= rightEnd; j += Vector128<T>.Count)
                    Add<Vector128<T>, Simd128<T>>(lanes, laneMask, j, Element<Vector128<T>, Simd128<T>>(up, cur, down, gradient, j, 1, squared, scale));
            for (; j < blockEnd; j++)
                Add<T, ScalarSimd<T>>(lanes, laneMask, j, Element<T, ScalarSimd<T>>(up, cur, down, gradient, j, j < width - 1 ? 1 : 0, squared, scale));
            Flush(lanes, totals);
        }
        if (width == 1) Flush(lanes, totals);
    }

    /// <summary>Adds the loss terms of the vector at column <paramref name="j"/> into their lanes: column j ≥ 1 into lane (j − 1) mod L, column 0 into lane L − 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add<TV, TL>(T* lanes, int laneMask, int j, TV loss)
        where TV : struct
        where TL : struct, ISimd<TV, T>
    {
        int lane = (j + laneMask) & laneMask;
        TL.StoreUnsafe(TL.Add(TL.LoadUnsafe(ref lanes[lane], 0), loss), ref lanes[lane], 0);
    }

    /// <summary>
    /// The loss terms the elements of one vector at column <paramref name="j"/> own (right and down differences), after
    /// writing their gradient when asked. All elements have a left neighbour when j ≥ 1, and a right one when
    /// <paramref name="right"/> is 1. Missing terms are exact zeros in the same expressions, so the bits do not depend on
    /// which path ran an element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Element<TV, TL>(T* up, T* cur, T* down, T* gradient, int j, int right, bool squared, T scale)
        where TV : struct
        where TL : struct, ISimd<TV, T>
    {
        TV zero = TL.Constant(0.0);
        TV x = TL.LoadUnsafe(ref cur[j], 0);
        TV dRight = right != 0 ? TL.Subtract(TL.LoadUnsafe(ref cur[j + 1], 0), x) : zero;
        TV dDown = down != null ? TL.Subtract(TL.LoadUnsafe(ref down[j], 0), x) : zero;
        if (gradient != null)
        {
            TV dLeft = j > 0 ? TL.Subtract(x, TL.LoadUnsafe(ref cur[j - 1], 0)) : zero;
            TV dUp = up != null ? TL.Subtract(x, TL.LoadUnsafe(ref up[j], 0)) : zero;
            // d/dx of the terms x shares with its left, right, upper and lower neighbours.
            TV horizontal = TL.Subtract(Slope<TV, TL>(dLeft, squared), Slope<TV, TL>(dRight, squared));
            TV vertical = TL.Subtract(Slope<TV, TL>(dUp, squared), Slope<TV, TL>(dDown, squared));
            TL.StoreUnsafe(TL.Multiply(TL.Add(horizontal, vertical), TL.Create(scale)), ref gradient[j], 0);
        }
        return TL.Add(Term<TV, TL>(dRight, squared), Term<TV, TL>(dDown, squared));
    }

    /// <summary>d² or |d|; 0 for d = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Term<TV, TL>(TV d, bool squared)
        where TV : struct
        where TL : struct, ISimd<TV, T>
        => squared ? TL.Multiply(d, d) : TL.Abs(d);

    /// <summary>2d, or sign(d) with sign(0) = 0 (and 0 for NaN, as <see cref="LossMath.Sign(double)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Slope<TV, TL>(TV d, bool squared)
        where TV : struct
        where TL : struct, ISimd<TV, T>
    {
        if (squared) return TL.Add(d, d);
        TV zero = TL.Constant(0.0), one = TL.Constant(1.0);
        return TL.Subtract(TL.And(TL.GreaterThan(d, zero), one), TL.And(TL.LessThan(d, zero), one));
    }

    /// <summary>Adds the lanes into the double totals and clears them.</summary>
    private static void Flush(T* lanes, double* totals)
    {
        for (int k = 0; k < LaneCount; k++)
        {
            totals[k] += double.CreateTruncating(lanes[k]);
            lanes[k] = T.Zero;
        }
    }
}
