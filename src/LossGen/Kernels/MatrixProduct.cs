using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LossGen.Kernels;

/// <summary>
/// The matrix product C = A·B of row-major matrices, each element the same bits at every vector width: its p products
/// are added in order k = 0, 1, …, one multiply-add each (rounded once on machines with FMA, at every width alike).
/// </summary>
internal static class MatrixProduct
{
    /// <summary>C (m×q) = A (m×p) · B (p×q).</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int p, int q)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rb = ref MemoryMarshal.GetReference(b);
        ref T rc = ref MemoryMarshal.GetReference(c);
        int done = 0;
        if (Vector512.IsHardwareAccelerated && VectorPaths.MaxBits >= 512)
        {
            done = Columns<T, Vector512<T>, Simd512<T>>(ref ra, ref rb, ref rc, m, p, q);
        }
        else if (Vector256.IsHardwareAccelerated && VectorPaths.MaxBits >= 256)
        {
            done = Columns<T, Vector256<T>, Simd256<T>>(ref ra, ref rb, ref rc, m, p, q);
        }
        else if (Vector128.IsHardwareAccelerated && VectorPaths.MaxBits >= 128)
        {
            done = Columns<T, Vector128<T>, Simd128<T>>(ref ra, ref rb, ref rc, m, p, q);
        }

        // The columns past the last whole vector, one element at a time, in the same order.
        for (int i = 0; i < m; i++)
        {
            for (int j = done; j < q; j++)
            {
                T sum = T.Zero;
                for (int k = 0; k < p; k++)
                {
                    sum = ScalarSimd<T>.MultiplyAdd(Unsafe.Add(ref ra, i * p + k), Unsafe.Add(ref rb, k * q + j), sum);
                }

                Unsafe.Add(ref rc, i * q + j) = sum;
            }
        }
    }

    /// <summary>
    /// The whole vectors of columns of every row of C. Four rows by two vectors of C stay in registers while k runs, so
    /// each step loads two vectors of B's row k for four rows of A (one vector of B per row loaded from L2 at every step
    /// measured twice as slow); the rows past a multiple of four take one row at a time. Returns the first column not
    /// written.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int Columns<T, TVec, TSimd>(ref T a, ref T b, ref T c, int m, int p, int q)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        int n = TSimd.Count;
        int vectorsEnd = q - q % n;
        int pairsEnd = q - q % (2 * n);
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            ref T a0 = ref Unsafe.Add(ref a, (nint)i * p);
            ref T a1 = ref Unsafe.Add(ref a0, p);
            ref T a2 = ref Unsafe.Add(ref a1, p);
            ref T a3 = ref Unsafe.Add(ref a2, p);
            ref T cRow = ref Unsafe.Add(ref c, (nint)i * q);
            for (int j = 0; j < vectorsEnd; j += 2 * n)
            {
                bool pair = j < pairsEnd;
                TVec s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default, s30 = default, s31 = default;
                ref T bColumn = ref Unsafe.Add(ref b, j);
                for (int k = 0; k < p; k++)
                {
                    ref T bRow = ref Unsafe.Add(ref bColumn, (nint)k * q);
                    TVec b0 = TSimd.LoadUnsafe(in bRow, 0);
                    TVec b1 = pair ? TSimd.LoadUnsafe(in bRow, (nuint)n) : default;
                    TVec f0 = TSimd.Create(Unsafe.Add(ref a0, k));
                    TVec f1 = TSimd.Create(Unsafe.Add(ref a1, k));
                    TVec f2 = TSimd.Create(Unsafe.Add(ref a2, k));
                    TVec f3 = TSimd.Create(Unsafe.Add(ref a3, k));
                    s00 = TSimd.MultiplyAdd(f0, b0, s00);
                    s01 = TSimd.MultiplyAdd(f0, b1, s01);
                    s10 = TSimd.MultiplyAdd(f1, b0, s10);
                    s11 = TSimd.MultiplyAdd(f1, b1, s11);
                    s20 = TSimd.MultiplyAdd(f2, b0, s20);
                    s21 = TSimd.MultiplyAdd(f2, b1, s21);
                    s30 = TSimd.MultiplyAdd(f3, b0, s30);
                    s31 = TSimd.MultiplyAdd(f3, b1, s31);
                }

                Store<T, TVec, TSimd>(ref cRow, q, j, n, pair, s00, s01, s10, s11, s20, s21, s30, s31);
            }
        }

        for (; i < m; i++)
        {
            ref T aRow = ref Unsafe.Add(ref a, (nint)i * p);
            ref T cRow = ref Unsafe.Add(ref c, (nint)i * q);
            for (int j = 0; j < vectorsEnd; j += n)
            {
                TVec s = default;
                ref T bColumn = ref Unsafe.Add(ref b, j);
                for (int k = 0; k < p; k++)
                {
                    s = TSimd.MultiplyAdd(TSimd.Create(Unsafe.Add(ref aRow, k)), TSimd.LoadUnsafe(in Unsafe.Add(ref bColumn, (nint)k * q), 0), s);
                }

                TSimd.StoreUnsafe(s, ref cRow, (nuint)j);
            }
        }

        return vectorsEnd;
    }

    /// <summary>Stores a block of four rows by one or two vectors at column <paramref name="j"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T, TVec, TSimd>(ref T cRow, int q, int j, int n, bool pair, TVec s00, TVec s01, TVec s10, TVec s11, TVec s20, TVec s21, TVec s30, TVec s31)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVec : struct
        where TSimd : ISimd<TVec, T>
    {
        ref T c0 = ref Unsafe.Add(ref cRow, j);
        ref T c1 = ref Unsafe.Add(ref c0, q);
        ref T c2 = ref Unsafe.Add(ref c1, q);
        ref T c3 = ref Unsafe.Add(ref c2, q);
        TSimd.StoreUnsafe(s00, ref c0, 0);
        TSimd.StoreUnsafe(s10, ref c1, 0);
        TSimd.StoreUnsafe(s20, ref c2, 0);
        TSimd.StoreUnsafe(s30, ref c3, 0);
        if (pair)
        {
            TSimd.StoreUnsafe(s01, ref c0, (nuint)n);
            TSimd.StoreUnsafe(s11, ref c1, (nuint)n);
            TSimd.StoreUnsafe(s21, ref c2, (nuint)n);
            TSimd.StoreUnsafe(s31, ref c3, (nuint)n);
        }
    }
}
