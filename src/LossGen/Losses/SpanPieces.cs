using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LossGen;

/// <summary>
/// One generated elementwise loss, reduced over a span, as a piece of a hand-written loss that adds several of them
/// (the GAN losses over real and fake spans, the layers of the perceptual loss). Implemented by small structs that
/// call the generated float and double overloads.
/// </summary>
internal interface ISpanPiece
{
    /// <summary>The reduced loss of <paramref name="x"/> (and <paramref name="y"/>, for a piece with a target); with <paramref name="wantGradient"/>, its gradient with respect to x.</summary>
    static abstract float Reduce(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> gradient, bool wantGradient, double hyper, Reduction reduction);

    /// <inheritdoc cref="Reduce(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, bool, double, Reduction)"/>
    static abstract double Reduce(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> gradient, bool wantGradient, double hyper, Reduction reduction);
}

/// <summary>Runs an <see cref="ISpanPiece"/> over spans of float, double or Half.</summary>
internal static class SpanPieces
{
    /// <summary>Elements per Half chunk: one float block of the elementwise engine.</summary>
    private const int HalfChunk = 1024;

    /// <summary>
    /// The piece's reduced loss in double. float and double go straight to the generated overloads. Half goes through
    /// float chunks on the stack, each reduced with <see cref="Reduction.Sum"/>: the chunk sums are added in double
    /// and divided once for the mean, so the caller can add pieces and round to Half once (the generated Half
    /// overloads return a rounded Half). The gradient is the float gradient times the float factor of the mean,
    /// rounded to Half: the bits the generated Half overload writes.
    /// </summary>
    [SkipLocalsInit]
    public static double Reduce<TS, TPiece>(ReadOnlySpan<TS> x, ReadOnlySpan<TS> y, Span<TS> gradient, bool wantGradient, double hyper, Reduction reduction)
        where TS : unmanaged
        where TPiece : struct, ISpanPiece
    {
        if (typeof(TS) == typeof(double))
        {
            return TPiece.Reduce(MemoryMarshal.Cast<TS, double>(x), MemoryMarshal.Cast<TS, double>(y), MemoryMarshal.Cast<TS, double>(gradient),
                wantGradient, hyper, reduction);
        }

        if (typeof(TS) == typeof(float))
        {
            return TPiece.Reduce(MemoryMarshal.Cast<TS, float>(x), MemoryMarshal.Cast<TS, float>(y), MemoryMarshal.Cast<TS, float>(gradient),
                wantGradient, hyper, reduction);
        }

        ReadOnlySpan<Half> hx = MemoryMarshal.Cast<TS, Half>(x), hy = MemoryMarshal.Cast<TS, Half>(y);
        Span<Half> hg = MemoryMarshal.Cast<TS, Half>(gradient);
        int n = hx.Length;
        float scale = reduction == Reduction.Sum || n == 0 ? 1f : (float)(1.0 / n);
        Span<float> fx = stackalloc float[HalfChunk], fy = stackalloc float[HalfChunk], fg = stackalloc float[HalfChunk];
        double total = 0;
        for (int start = 0; start < n; start += HalfChunk)
        {
            int length = Math.Min(HalfChunk, n - start);
            TensorPrimitives.ConvertToSingle(hx.Slice(start, length), fx[..length]);
            if (!hy.IsEmpty) TensorPrimitives.ConvertToSingle(hy.Slice(start, length), fy[..length]);
            total += TPiece.Reduce(fx[..length], hy.IsEmpty ? default : fy[..length], fg[..length], wantGradient, hyper, Reduction.Sum);
            if (wantGradient)
            {
                if (scale != 1f) TensorPrimitives.Multiply(fg[..length], scale, fg[..length]);
                TensorPrimitives.ConvertToHalf(fg[..length], hg.Slice(start, length));
            }
        }
        return reduction == Reduction.Sum ? total : n == 0 ? double.NaN : total / n;
    }

    /// <summary>Rounds a double result to the storage type: float and double once, Half through float as every Half result.</summary>
    public static TS Round<TS>(double value)
        where TS : unmanaged
    {
        if (typeof(TS) == typeof(double)) return Unsafe.As<double, TS>(ref value);
        float f = (float)value;
        if (typeof(TS) == typeof(float)) return Unsafe.As<float, TS>(ref f);
        Half h = (Half)f;
        return Unsafe.As<Half, TS>(ref h);
    }
}
