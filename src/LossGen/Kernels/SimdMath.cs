using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LossGen.Kernels;

/// <summary>
/// Exp, Log, Log1p, Expm1 and Tanh written once over <see cref="ISimd{TVec, T}"/>: every width runs the
/// same IEEE operations in the same order, with multiply-adds fused at every width or at none
/// (<see cref="VectorPaths.Fused"/>), so every width gives the same bits.
/// </summary>
/// <remarks>
/// Integer work (rounding, exponents) is done in the floating-point lanes with the 1.5·2^p and 2^p
/// "magic number" tricks, so no conversion instructions are needed. Range reductions follow fdlibm
/// (Cody–Waite ln 2 split, with the high part's trailing zeros making k·ln2Hi exact).
/// </remarks>
internal static class SimdMath
{
    private const double Log2E = 1.4426950408889634;

    // fdlibm e_expf.c / e_exp.c split of ln 2: the high part has 15 (float) / 32 (double) significant bits.
    private const double Ln2HiF = 0.693145751953125;
    private const double Ln2LoF = 1.4286067653e-06;
    private const double Ln2HiD = 6.93147180369123816490e-01;
    private const double Ln2LoD = 1.90821492927058770002e-10;

    // Exp's clamp: below the low bound e^x rounds to 0, above the high one it overflows.
    private const double ExpLowF = -104.0;
    private const double ExpHighF = 89.0;
    private const double ExpLowD = -746.0;
    private const double ExpHighD = 710.0;

    /// <summary>e^x. x = k·ln2 + r with |r| ≤ ln2/2; e^x = (1 + expm1(r))·2^k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Exp<TVec, T, S>(TVec x)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        bool isFloat = typeof(T) == typeof(float);
        // Common case: every 2^k is a normal number, so p·2^k is one multiplication. That rounds the
        // exact p·2^k once, as ScaleB does, so lanes get the same bits whichever path they take.
        if (!S.AnyTrue(S.Not(S.LessThanOrEqual(S.Abs(x), S.Constant(isFloat ? 87.0 : 708.0)))))
        {
            // kb's low bits already hold k + bias, so one shift makes 2^k (Pow2 without its addition).
            TVec pn = ExpReduced<TVec, T, S>(x, out TVec kb, out _);
            return S.Multiply(pn, S.ShiftLeftBits(kb, isFloat ? 23 : 52));
        }
        // Beyond these bounds e^x rounds to 0 or overflows; clamping keeps k inside ScaleB's range. NaN passes.
        x = Clamp<TVec, T, S>(x, isFloat ? ExpLowF : ExpLowD, isFloat ? ExpHighF : ExpHighD);
        TVec p = ExpReduced<TVec, T, S>(x, out _, out TVec k);
        return ScaleB<TVec, T, S>(p, k);
    }

    /// <summary>
    /// e^x = p·2^k for |x| within the clamp: k = x·log2 e rounded once (an FMA with Round's magic number plus the
    /// exponent bias, so <paramref name="kb"/>'s low bits hold k + bias), p = 1 + expm1(x − k·ln2). Every exp path
    /// takes p and k from here, so however it then scales, it gives the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec ExpReduced<TVec, T, S>(TVec x, out TVec kb, out TVec k)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        TVec magic = S.Constant(typeof(T) == typeof(float) ? 12582912.0 + 127 : 6755399441055744.0 + 1023);
        kb = S.MultiplyAdd(x, S.Constant(Log2E), magic);
        k = S.Subtract(kb, magic);
        return S.Add(S.Constant(1.0), Expm1Poly<TVec, T, S>(ReduceLn2<TVec, T, S>(x, k)));
    }

    /// <summary>
    /// e^x for x ≤ 16 or NaN, as <see cref="Exp"/> gives it. With AVX-512's scale instruction (vscalefps/pd), which
    /// rounds p·2^k once for any k, no lane needs Exp's range test: only x is clamped from below, where e^x rounds to 0
    /// (−∞ included), as Exp's wide path clamps it; the same p and k, so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec ExpAtMost16<TVec, T, S>(TVec x)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        if (typeof(TVec) != typeof(Vector512<T>) || !Avx512F.IsSupported)
        {
            return S.ExpInlined(x);
        }

        bool isFloat = typeof(T) == typeof(float);
        Vector512<T> v = Unsafe.As<TVec, Vector512<T>>(ref x);
        // vmaxps returns its second operand when either is NaN, so NaN passes.
        v = isFloat
            ? Avx512F.Max(Vector512.Create((float)ExpLowF), v.AsSingle()).As<float, T>()
            : Avx512F.Max(Vector512.Create(ExpLowD), v.AsDouble()).As<double, T>();
        Vector512<T> p = ExpReduced<Vector512<T>, T, Simd512<T>>(v, out _, out Vector512<T> k);
        Vector512<T> result = isFloat
            ? Avx512F.Scale(p.AsSingle(), k.AsSingle()).As<float, T>()
            : Avx512F.Scale(p.AsDouble(), k.AsDouble()).As<double, T>();
        return Unsafe.As<Vector512<T>, TVec>(ref result);
    }

    /// <summary>e^x − 1, accurate near 0. Same reduction as <see cref="Exp"/>; e^x − 1 = 2^k·expm1(r) + (2^k − 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Expm1<TVec, T, S>(TVec x)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        bool isFloat = typeof(T) == typeof(float);
        TVec one = S.Constant(1.0);
        // Below the lower bound e^x − 1 rounds to −1; above the upper one it overflows.
        TVec xc = Clamp<TVec, T, S>(x, isFloat ? -20.0 : -40.0, isFloat ? 89.0 : 710.0);
        TVec k = Round<TVec, T, S>(S.Multiply(xc, S.Constant(Log2E)));
        TVec e = Expm1Poly<TVec, T, S>(ReduceLn2<TVec, T, S>(xc, k));
        // 2^k − 1 is exact while k ≤ the mantissa width; past it the −1 is applied after scaling,
        // split as 2^kk·2^(k−kk) so that 2^k itself never overflows.
        TVec kMax = S.Constant(isFloat ? 24.0 : 53.0);
        TVec big = S.GreaterThan(k, kMax);
        TVec kk = S.Select(big, kMax, k);
        TVec t = Pow2<TVec, T, S>(kk);
        TVec bigOne = S.And(big, one);
        TVec y = S.Add(S.Multiply(t, e), S.Subtract(t, S.Subtract(one, bigOne)));
        TVec result = S.Subtract(S.Multiply(y, Pow2<TVec, T, S>(S.Subtract(k, kk))), bigOne);
        // e^x − 1 has the sign of x; this also gives expm1(−0) = −0.
        return S.Or(result, S.And(x, S.Constant(-0.0)));
    }

    /// <summary>Natural logarithm. Subnormals are scaled into the normal range first.</summary>
    /// <remarks>
    /// One copy of <see cref="LogCore"/> for the common and the rare lanes: inlined into a kernel, each copy brings the
    /// JIT dozens of locals (see <see cref="ISimd{TVec, T}.ExpInlined"/>), and a second one, on a path that almost
    /// never runs, made two inlined logs too many for a kernel.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Log<TVec, T, S>(TVec x)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        bool isFloat = typeof(T) == typeof(float);
        TVec zero = S.Constant(0.0);
        TVec smallestNormal = S.Constant(isFloat ? 1.1754943508222875e-38 : 2.2250738585072014e-308);
        // Common case: every lane a positive normal number, nothing to scale or replace. On the bits, with N the smallest
        // normal's: a lane is rare when bits − N goes negative (zero, subnormal, any negative) or bits + N carries into the
        // sign (+∞, NaN, −0 and the other negatives): two integer additions and an or, where two comparisons, an and and
        // a not cost more on the narrower paths.
        ulong normalBits = isFloat ? 0x0080_0000UL : 0x0010_0000_0000_0000UL;
        bool rare = S.AnyTrue(S.Or(S.AddBits(x, S.Create(FromBits<T>(0UL - normalBits))), S.AddBits(x, S.Create(FromBits<T>(normalBits)))));
        TVec u = x;
        TVec kAdjust = zero;
        if (rare)
        {
            // Subnormals are rarer still, so skipped when no lane needs it (the other lanes' bits are the same either way).
            TVec subnormal = S.And(S.GreaterThan(x, zero), S.LessThan(x, smallestNormal));
            if (S.AnyTrue(subnormal))
            {
                u = S.Select(subnormal, S.Multiply(x, S.Constant(isFloat ? 33554432.0 : 18014398509481984.0)), x);
                kAdjust = S.And(subnormal, S.Constant(isFloat ? -25.0 : -54.0));
            }
        }

        TVec result = LogCore<TVec, T, S>(u, kAdjust, zero);
        if (rare)
        {
            result = S.Select(S.Equals(x, zero), S.Constant(double.NegativeInfinity), result);
            result = S.Select(S.Equals(x, S.Constant(double.PositiveInfinity)), x, result);
            result = S.Select(S.GreaterThanOrEqual(x, zero), result, S.Constant(double.NaN));
        }

        return result;
    }

    /// <summary>
    /// log(1 + x), accurate near 0 (fdlibm s_log1p.c): log of u = fl(1 + x) plus the first-order
    /// correction c = (1 + x − u)/u for the rounding of u, with 1 + x − u computed exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Log1p<TVec, T, S>(TVec x)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        TVec one = S.Constant(1.0);
        TVec minusOne = S.Constant(-1.0);
        TVec u = S.Add(one, x);
        // Both differences are exact (Sterbenz): u − x when x ≥ 1, u − 1 otherwise.
        TVec error = S.Select(S.GreaterThanOrEqual(x, one), S.Subtract(one, S.Subtract(u, x)), S.Subtract(x, S.Subtract(u, one)));
        TVec result = LogCore<TVec, T, S>(u, S.Constant(0.0), S.Divide(error, u));
        // Rare, so skipped when no lane needs it: ±0 (keeps the sign), +∞, −1 and below, NaN.
        TVec ordinary = S.And(S.GreaterThan(x, minusOne), S.LessThan(S.Abs(x), S.Constant(double.PositiveInfinity)));
        if (S.AnyTrue(S.Not(S.And(ordinary, S.NotEquals(x, S.Constant(0.0))))))
        {
            result = S.Select(S.Equals(x, S.Constant(0.0)), x, result);
            result = S.Select(S.Equals(x, S.Constant(double.PositiveInfinity)), x, result);
            result = S.Select(S.Equals(x, minusOne), S.Constant(double.NegativeInfinity), result);
            result = S.Select(S.GreaterThanOrEqual(x, minusOne), result, S.Constant(double.NaN));
        }

        return result;
    }

    /// <summary>
    /// log(1 + x) for x in [0, 1], with x itself as the reduced argument of fdlibm's log (e_log.c), so it needs neither
    /// a range reduction nor log1p's correction for rounding 1 + x. With s = x/(2 + x) in [0, 1/3]:
    /// log(1 + x) = 2·atanh(s) = 2s + s·R = x + s·(R − x) (as 2s = x − s·x), R = Σ 2s^(2k)/(2k + 1) for k = 1 … 6
    /// (float) or 15 (double): the Taylor series cut where the next term is below 0.2 ulp at x = 1 (fdlibm's minimax
    /// Lg1…Lg7 hold only to s = 0.1716). Measured against a reference in double (float, every 7th float in [0, 1]) and
    /// in decimal (double, a grid of 2^-20): within 1.16 ulp in float and 0.96 in double with FMA; without it the last
    /// step rounds twice, 1.31 and 1.27 in the accuracy tests. log1p(x) = x for tiny x; NaN propagates; other x are not
    /// its domain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Log1pOnUnitInterval<TVec, T, S>(TVec x)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        TVec s = S.Divide(x, S.Add(S.Constant(2.0), x));
        TVec z = S.Multiply(s, s);
        // Horner in z from the last term (written out: the JIT does not unroll a loop of constants).
        TVec r;
        if (typeof(T) == typeof(float))
        {
            r = S.Constant(2.0 / 13);
        }
        else
        {
            r = S.Constant(2.0 / 31);
            r = Step<TVec, T, S>(r, z, 2.0 / 29);
            r = Step<TVec, T, S>(r, z, 2.0 / 27);
            r = Step<TVec, T, S>(r, z, 2.0 / 25);
            r = Step<TVec, T, S>(r, z, 2.0 / 23);
            r = Step<TVec, T, S>(r, z, 2.0 / 21);
            r = Step<TVec, T, S>(r, z, 2.0 / 19);
            r = Step<TVec, T, S>(r, z, 2.0 / 17);
            r = Step<TVec, T, S>(r, z, 2.0 / 15);
            r = Step<TVec, T, S>(r, z, 2.0 / 13);
        }

        r = Step<TVec, T, S>(r, z, 2.0 / 11);
        r = Step<TVec, T, S>(r, z, 2.0 / 9);
        r = Step<TVec, T, S>(r, z, 2.0 / 7);
        r = Step<TVec, T, S>(r, z, 2.0 / 5);
        r = Step<TVec, T, S>(r, z, 2.0 / 3);
        r = S.Multiply(z, r);
        return S.MultiplyAdd(s, S.Subtract(r, x), x);
    }

    /// <summary>
    /// Hyperbolic tangent through expm1 of −2|x| (|x| &lt; 1) or 2|x| (fdlibm s_tanh.c):
    /// tanh|x| = −t/(t + 2) or 1 − 2/(t + 2), with the sign of x put back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Tanh<TVec, T, S>(TVec x)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        TVec one = S.Constant(1.0);
        TVec two = S.Constant(2.0);
        // Past this, tanh rounds to 1 (and 2|x| stays inside Expm1's clamp).
        TVec limit = S.Constant(typeof(T) == typeof(float) ? 10.0 : 20.0);
        TVec a = S.Abs(x);
        a = S.Select(S.GreaterThan(a, limit), limit, a);
        TVec small = S.LessThan(a, one);
        TVec twoA = S.Add(a, a);
        TVec t = Expm1<TVec, T, S>(S.Select(small, S.Negate(twoA), twoA));
        TVec q = S.Divide(S.Select(small, S.Negate(t), two), S.Add(t, two));
        TVec result = S.Select(small, q, S.Subtract(one, q));
        return S.Or(result, S.And(x, S.Constant(-0.0)));
    }

    /// <summary>
    /// log(u) + c for positive normal u, with kAdjust added to u's exponent (fdlibm e_log.c / e_logf.c):
    /// u = 2^k·m, m in [√2/2, √2), f = m − 1, s = f/(2 + f), log(1 + f) = f − hfsq + s·(hfsq + R(s²)).
    /// Other u (0, negative, infinite, NaN) give garbage for the caller to replace.
    /// </summary>
    /// <remarks>
    /// The float and double forms are separate methods: the JIT sizes an inlinee by all of its IL, the branch it
    /// drops included, and as one method LogCore exceeded the budget of the out-of-line Log1p that calls it, so every
    /// log1p made a second call, whose callee also began at tier 0 (a 10x slower first 0.3 s for BCE with logits).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec LogCore<TVec, T, S>(TVec u, TVec kAdjust, TVec c)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
        => typeof(T) == typeof(float) ? LogCoreSingle<TVec, T, S>(u, kAdjust, c) : LogCoreDouble<TVec, T, S>(u, kAdjust, c);

    /// <summary>
    /// The start of <see cref="LogCore"/>, the same for float and double: u = 2^k·m with m in [√2/2, √2), the exponent
    /// adjusted, and f = m − 1 with hfsq = f²/2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Decompose<TVec, T, S>(TVec u, TVec kAdjust, out TVec k, out TVec f, out TVec hfsq)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        bool isFloat = typeof(T) == typeof(float);
        TVec one = S.Constant(1.0);
        // In integer arithmetic on the bits, as TensorPrimitives' log: j = bits(u) + bits(1) − bits(h), h just above √2/2,
        // carries into the exponent exactly when u's mantissa m (in [1, 2)) passes √2. So j's exponent is k and
        // (j's mantissa bits) + bits(h) is m or m/2 — the same k and m, bit for bit, as comparing m with √2 and halving
        // it, in four operations fewer.
        ulong h = isFloat ? 0x3F35_04F4UL : 0x3FE6_A09E_667F_3BCEUL;
        ulong oneBits = isFloat ? 0x3F80_0000UL : 0x3FF0_0000_0000_0000UL;
        TVec j = S.AddBits(u, S.Create(FromBits<T>(oneBits - h)));
        // The biased exponent, dropped into the low mantissa bits of 2^p, then unbiased by subtracting 2^p + bias.
        TVec biased = S.Or(S.ShiftRightBits(j, isFloat ? 23 : 52), S.Constant(isFloat ? 8388608.0 : 4503599627370496.0));
        k = S.Add(S.Subtract(biased, S.Constant(isFloat ? 8388608.0 + 127 : 4503599627370496.0 + 1023)), kAdjust);
        TVec m = S.AddBits(S.And(j, S.Create(FromBits<T>(isFloat ? 0x007F_FFFFUL : 0x000F_FFFF_FFFF_FFFFUL))), S.Create(FromBits<T>(h)));
        f = S.Subtract(m, one);
        hfsq = S.Multiply(S.Multiply(S.Constant(0.5), f), f);
    }

    /// <summary><see cref="LogCore"/> for float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec LogCoreSingle<TVec, T, S>(TVec u, TVec kAdjust, TVec c)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        Decompose<TVec, T, S>(u, kAdjust, out TVec k, out TVec f, out TVec hfsq);

        // Cephes logf: log(1 + f) = f − f²/2 + f³·P(f) on [√2/2 − 1, √2 − 1], with no division where fdlibm's
        // form needs s = f/(2 + f). P by Estrin's scheme (pairs, then by f², f⁴, f⁸): a chain of 5 operations
        // instead of Horner's 9, which matters where one log ends a row's critical path.
        TVec z = S.Multiply(f, f);
        TVec z2 = S.Multiply(z, z);
        TVec p01 = Pair<TVec, T, S>(f, 3.3333331174e-1, -2.4999993993e-1);
        TVec p23 = Pair<TVec, T, S>(f, 2.0000714765e-1, -1.6668057665e-1);
        TVec p45 = Pair<TVec, T, S>(f, 1.4249322787e-1, -1.2420140846e-1);
        TVec p67 = Pair<TVec, T, S>(f, 1.1676998740e-1, -1.1514610310e-1);
        TVec p = S.MultiplyAdd(z2, S.MultiplyAdd(z, p67, p45), S.MultiplyAdd(z, p23, p01));
        p = S.MultiplyAdd(S.Multiply(z2, z2), S.Constant(7.0376836292e-2), p);
        TVec tail = S.MultiplyAdd(S.Multiply(f, z), p, S.MultiplyAdd(k, S.Constant(Ln2LoF), c));
        return S.MultiplyAdd(k, S.Constant(Ln2HiF), S.Add(f, S.Subtract(tail, hfsq)));
    }

    /// <summary><see cref="LogCore"/> for double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec LogCoreDouble<TVec, T, S>(TVec u, TVec kAdjust, TVec c)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        Decompose<TVec, T, S>(u, kAdjust, out TVec k, out TVec f, out TVec hfsq);

        // fdlibm e_log.c: s = f/(2 + f), Lg1..Lg7 with |(log(1+s)-log(1-s))/s - Lg(s)| < 2^-58.45.
        TVec s = S.Divide(f, S.Add(S.Constant(2.0), f));
        TVec zs = S.Multiply(s, s);
        TVec w = S.Multiply(zs, zs);
        TVec t1 = S.Constant(1.531383769920937332e-01);
        t1 = Step<TVec, T, S>(t1, w, 2.222219843214978396e-01);
        t1 = S.Multiply(w, Step<TVec, T, S>(t1, w, 3.999999999940941908e-01));
        TVec t2 = S.Constant(1.479819860511658591e-01);
        t2 = Step<TVec, T, S>(t2, w, 1.818357216161805012e-01);
        t2 = Step<TVec, T, S>(t2, w, 2.857142874366239149e-01);
        t2 = S.Multiply(zs, Step<TVec, T, S>(t2, w, 6.666666666666735130e-01));
        TVec r = S.Add(t2, t1);
        TVec lo = S.Add(S.Multiply(k, S.Constant(Ln2LoD)), c);
        TVec inner = S.Subtract(S.Subtract(hfsq, S.Add(S.Multiply(s, S.Add(hfsq, r)), lo)), f);
        return S.Subtract(S.Multiply(k, S.Constant(Ln2HiD)), inner);
    }

    /// <summary>
    /// expm1(r) for |r| ≤ ln2/2 as r + r²·Σ r^(n−2)/n!: the Taylor series to r^7 (float) / r^13 (double),
    /// whose truncation error is below 0.15 ulp there. The sum is evaluated by Estrin's scheme (pairs, then pairs
    /// of pairs by r², r⁴, r⁸): the same operations as Horner's rule but a chain a third as long, so a loop keeps
    /// several exponentials in flight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Expm1Poly<TVec, T, S>(TVec r)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        TVec r2 = S.Multiply(r, r);
        TVec r4 = S.Multiply(r2, r2);
        TVec p;
        if (typeof(T) == typeof(float))
        {
            // 1/2 + r/6 + r²(1/24 + r/120) + r⁴(1/720 + r/5040)
            TVec p01 = Pair<TVec, T, S>(r, 1.0 / 2, 1.0 / 6);
            TVec p23 = Pair<TVec, T, S>(r, 1.0 / 24, 1.0 / 120);
            TVec p45 = Pair<TVec, T, S>(r, 1.0 / 720, 1.0 / 5040);
            p = S.MultiplyAdd(r4, p45, S.MultiplyAdd(r2, p23, p01));
        }
        else
        {
            // The coefficients 1/2! … 1/13! in six pairs, then three quads, then r⁸.
            TVec q0 = S.MultiplyAdd(r2, Pair<TVec, T, S>(r, 1.0 / 24, 1.0 / 120), Pair<TVec, T, S>(r, 1.0 / 2, 1.0 / 6));
            TVec q1 = S.MultiplyAdd(r2, Pair<TVec, T, S>(r, 1.0 / 40320, 1.0 / 362880), Pair<TVec, T, S>(r, 1.0 / 720, 1.0 / 5040));
            TVec q2 = S.MultiplyAdd(r2, Pair<TVec, T, S>(r, 1.0 / 479001600, 1.0 / 6227020800), Pair<TVec, T, S>(r, 1.0 / 3628800, 1.0 / 39916800));
            p = S.MultiplyAdd(S.Multiply(r4, r4), q2, S.MultiplyAdd(r4, q1, q0));
        }

        return S.MultiplyAdd(r2, p, r);
    }

    /// <summary>c0 + c1·r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Pair<TVec, T, S>(TVec r, double c0, double c1)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
        => S.MultiplyAdd(r, S.Constant(c1), S.Constant(c0));

    /// <summary>x − k·ln2, k integer-valued (Cody–Waite: k·ln2Hi and the first subtraction are exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec ReduceLn2<TVec, T, S>(TVec x, TVec k)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        bool isFloat = typeof(T) == typeof(float);
        TVec hi = S.MultiplyAdd(k, S.Constant(isFloat ? -Ln2HiF : -Ln2HiD), x);
        return S.MultiplyAdd(k, S.Constant(isFloat ? -Ln2LoF : -Ln2LoD), hi);
    }

    /// <summary>Round to nearest even, for |x| &lt; 2^22 (float) / 2^51 (double): adding 1.5·2^p drops the fraction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Round<TVec, T, S>(TVec x)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        TVec magic = S.Constant(typeof(T) == typeof(float) ? 12582912.0 : 6755399441055744.0);
        return S.Subtract(S.Add(x, magic), magic);
    }

    /// <summary>2^k for integer-valued k in the normal exponent range: k + bias, dropped into 2^p's low bits, shifted into the exponent field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Pow2<TVec, T, S>(TVec k)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        bool isFloat = typeof(T) == typeof(float);
        TVec biased = S.Add(k, S.Constant(isFloat ? 8388608.0 + 127 : 4503599627370496.0 + 1023));
        return S.ShiftLeftBits(biased, isFloat ? 23 : 52);
    }

    /// <summary>
    /// p·2^k for integer-valued k up to twice the exponent range, as (p·2^k1)·2^k2 with k1 ≈ k/2: both factors are
    /// normal, and a subnormal or overflowing result is rounded once, by the last multiplication.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec ScaleB<TVec, T, S>(TVec p, TVec k)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        TVec k1 = Round<TVec, T, S>(S.Multiply(k, S.Constant(0.5)));
        return S.Multiply(S.Multiply(p, Pow2<TVec, T, S>(k1)), Pow2<TVec, T, S>(S.Subtract(k, k1)));
    }

    /// <summary>x limited to [lo, hi]; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Clamp<TVec, T, S>(TVec x, double lo, double hi)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        TVec low = S.Constant(lo);
        TVec high = S.Constant(hi);
        x = S.Select(S.LessThan(x, low), low, x);
        return S.Select(S.GreaterThan(x, high), high, x);
    }

    /// <summary>One Horner step, c + x·acc (fused where <see cref="VectorPaths.Fused"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Step<TVec, T, S>(TVec acc, TVec x, double c)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
        => S.MultiplyAdd(x, acc, S.Constant(c));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T FromBits<T>(ulong bits)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => typeof(T) == typeof(float) ? Unsafe.BitCast<uint, T>((uint)bits) : Unsafe.BitCast<ulong, T>(bits);
}
