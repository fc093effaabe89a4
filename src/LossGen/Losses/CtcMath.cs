using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LossGen;

/// <summary>
/// Lane-wise exp and log for the CTC recursions, written with plain (never fused) multiplies and adds.
/// </summary>
/// <remarks>
/// The BCL's <c>Vector256.Exp</c>/<c>Log</c> may be compiled with or without FMA depending on whether the
/// ReadyToRun or the re-jitted body runs, so their results can change in the middle of a process; these
/// give the same bits in every tier, at every call. Accuracy: a few ulp for normal results. Domain notes:
/// <see cref="Exp(Vector256{double})"/> flushes results below about e^-708 (e^-87 in float) to 0 (they only
/// ever meet terms of order 1 here); <see cref="Log(Vector256{double})"/> is meant for positive normal
/// numbers (0 gives -inf, +inf gives +inf, subnormals are not handled).
/// </remarks>
internal static class CtcMath
{
    // ---------------------------------------------------------------- double

    private const double Log2E = 1.4426950408889634;
    private const double Ln2Hi = 6.93147180369123816490e-01;   // fdlibm split: Ln2Hi has 32 trailing zero bits
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double ShifterD = 6755399441055744.0;         // 1.5 * 2^52

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> x)
    {
        var xc = Vector256.Min(Vector256.Max(x, Vector256.Create(-708.0)), Vector256.Create(709.0));
        var k = xc * Vector256.Create(Log2E) + Vector256.Create(ShifterD);
        var n = k - Vector256.Create(ShifterD);                   // round(x / ln 2), exact integer
        var r = xc - n * Vector256.Create(Ln2Hi) - n * Vector256.Create(Ln2Lo);   // |r| <= 0.347
        // Taylor series to degree 13: truncation below 5e-18 relative on |r| <= 0.347.
        var p = Vector256.Create(1.0 / 6227020800.0);
        p = p * r + Vector256.Create(1.0 / 479001600.0);
        p = p * r + Vector256.Create(1.0 / 39916800.0);
        p = p * r + Vector256.Create(1.0 / 3628800.0);
        p = p * r + Vector256.Create(1.0 / 362880.0);
        p = p * r + Vector256.Create(1.0 / 40320.0);
        p = p * r + Vector256.Create(1.0 / 5040.0);
        p = p * r + Vector256.Create(1.0 / 720.0);
        p = p * r + Vector256.Create(1.0 / 120.0);
        p = p * r + Vector256.Create(1.0 / 24.0);
        p = p * r + Vector256.Create(1.0 / 6.0);
        p = p * r + Vector256.Create(0.5);
        p = p * r + Vector256<double>.One;
        p = p * r + Vector256<double>.One;
        // 2^n from the shifter's low bits: exponent field (n + 1023) mod 4096, n in [-1022, 1023].
        var scale = Vector256.ShiftLeft(k.AsInt64() + Vector256.Create(1023L), 52).AsDouble();
        var result = p * scale;
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(-708.0)), Vector256<double>.Zero, result);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(709.0)), Vector256.Create(double.PositiveInfinity), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Log(Vector256<double> x)
    {
        // x = z * 2^k with z in [sqrt(1/2), sqrt(2)) (musl's decomposition).
        var ix = x.AsInt64();
        var tmp = ix - Vector256.Create(0x3FE6A09E667F3BCDL);
        var kl = Vector256.ShiftRightArithmetic(tmp, 52);
        var z = (ix - (tmp & Vector256.Create(unchecked((long)0xFFF0000000000000UL)))).AsDouble();
        var kd = (kl + Vector256.Create(0x4338000000000000L)).AsDouble() - Vector256.Create(ShifterD);
        // log z = 2 atanh(s), s = (z - 1) / (z + 1) = f / (2 + f), |s| <= 0.1716.
        var f = z - Vector256<double>.One;
        var s = f / (Vector256.Create(2.0) + f);
        var w = s * s;
        var p = Vector256.Create(1.0 / 21.0);
        p = p * w + Vector256.Create(1.0 / 19.0);
        p = p * w + Vector256.Create(1.0 / 17.0);
        p = p * w + Vector256.Create(1.0 / 15.0);
        p = p * w + Vector256.Create(1.0 / 13.0);
        p = p * w + Vector256.Create(1.0 / 11.0);
        p = p * w + Vector256.Create(1.0 / 9.0);
        p = p * w + Vector256.Create(1.0 / 7.0);
        p = p * w + Vector256.Create(1.0 / 5.0);
        p = p * w + Vector256.Create(1.0 / 3.0);
        var logZ = f - s * (f - p * w * Vector256.Create(2.0)) ;
        // f - s*(f - 2 w p) = f - s f + 2 s w p = 2s + 2 s w p  (since f - s f = f(1 - s) = 2s exactly in real arithmetic)
        var result = kd * Vector256.Create(Ln2Hi) + (logZ + kd * Vector256.Create(Ln2Lo));
        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<double>.Zero), Vector256.Create(double.NegativeInfinity), result);
        return Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(double.PositiveInfinity)), x, result);
    }

    // ---------------------------------------------------------------- float

    private const float Log2EF = 1.44269504f;
    private const float Ln2HiF = 0.693359375f;        // exact in a few bits
    private const float Ln2LoF = -2.12194440e-4f;
    private const float ShifterF = 12582912f;         // 1.5 * 2^23

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var xc = Vector256.Min(Vector256.Max(x, Vector256.Create(-87f)), Vector256.Create(88f));
        var k = xc * Vector256.Create(Log2EF) + Vector256.Create(ShifterF);
        var n = k - Vector256.Create(ShifterF);
        var r = xc - n * Vector256.Create(Ln2HiF) - n * Vector256.Create(Ln2LoF);
        var p = Vector256.Create(1f / 5040f);
        p = p * r + Vector256.Create(1f / 720f);
        p = p * r + Vector256.Create(1f / 120f);
        p = p * r + Vector256.Create(1f / 24f);
        p = p * r + Vector256.Create(1f / 6f);
        p = p * r + Vector256.Create(0.5f);
        p = p * r + Vector256<float>.One;
        p = p * r + Vector256<float>.One;
        var scale = Vector256.ShiftLeft(k.AsInt32() + Vector256.Create(127), 23).AsSingle();
        var result = p * scale;
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(-87f)), Vector256<float>.Zero, result);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(88f)), Vector256.Create(float.PositiveInfinity), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log(Vector256<float> x)
    {
        var ix = x.AsInt32();
        var tmp = ix - Vector256.Create(0x3F3504F3);
        var ki = Vector256.ShiftRightArithmetic(tmp, 23);
        var z = (ix - (tmp & Vector256.Create(unchecked((int)0xFF800000)))).AsSingle();
        var kf = Vector256.ConvertToSingle(ki);
        var f = z - Vector256<float>.One;
        var s = f / (Vector256.Create(2f) + f);
        var w = s * s;
        var p = Vector256.Create(1f / 11f);
        p = p * w + Vector256.Create(1f / 9f);
        p = p * w + Vector256.Create(1f / 7f);
        p = p * w + Vector256.Create(1f / 5f);
        p = p * w + Vector256.Create(1f / 3f);
        var logZ = f - s * (f - p * w * Vector256.Create(2f));
        var result = kf * Vector256.Create(Ln2HiF) + (logZ + kf * Vector256.Create(Ln2LoF));
        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<float>.Zero), Vector256.Create(float.NegativeInfinity), result);
        return Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(float.PositiveInfinity)), x, result);
    }
}
