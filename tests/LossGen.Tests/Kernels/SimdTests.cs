using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LossGen.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace LossGen.Tests.Kernels;

public sealed class SimdTests(ITestOutputHelper output)
{
    /// <summary>
    /// The functions under test; ExpAtMost16 is the log-sum-exp pass's exp, checked against Exp; Log1pOnUnitInterval is
    /// log1p for x in [0, 1] (softplus's and log-cosh's log1p of e^−|x|), checked against Log1p's reference there.
    /// </summary>
    public enum Fn { Exp, Log, Log1p, Expm1, Tanh, ExpAtMost16, Log1pOnUnitInterval }

    // ---- one answer on every width ----

    [Theory]
    [InlineData(Fn.Exp)]
    [InlineData(Fn.Log)]
    [InlineData(Fn.Log1p)]
    [InlineData(Fn.Log1pOnUnitInterval)]
    [InlineData(Fn.Expm1)]
    [InlineData(Fn.Tanh)]
    public void Transcendentals_are_bit_identical_on_every_width(Fn fn)
    {
        AssertAllWidthsAgree<float>(fn, AllInputs<float>(fn, 1 << 16, seed: 1));
        AssertAllWidthsAgree<double>(fn, AllInputs<double>(fn, 1 << 16, seed: 2));
    }

    [Fact]
    public void The_log_sum_exp_terms_exp_gives_Exps_bits_on_every_width()
    {
        AssertExpAtMost16<float>(Log2(float.MinValue), seed: 7);
        AssertExpAtMost16<double>(Log2(double.MinValue), seed: 8);
    }

    private static double Log2(double x) => Math.Log2(Math.Abs(x));

    /// <summary>
    /// ExpAtMost16 (the log-sum-exp pass's exp: with AVX-512 one scale instruction instead of Exp's range test) against
    /// Exp, on x ≤ 16: specials, the whole negative range, and x just either side of (n + ½)·ln 2, where rounding
    /// x·log2 e first and then to an integer picks a different k than rounding it once.
    /// </summary>
    private static void AssertExpAtMost16<T>(double log2Max, int seed)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        var xs = new List<T>();
        foreach (T x in Specials<T>())
        {
            if (T.IsNaN(x) || x <= T.CreateTruncating(16))
            {
                xs.Add(x);
            }
        }

        int lowest = -(int)log2Max - 60;
        for (int k = lowest; k <= 23; k++)
        {
            T center = T.CreateTruncating((k + 0.5) * Math.Log(2));
            T below = center, above = center;
            for (int step = 0; step < 8; step++)
            {
                xs.Add(below = T.BitDecrement(below));
                xs.Add(above = T.BitIncrement(above));
            }
        }

        for (int i = 0; i < 1 << 15; i++)
        {
            xs.Add(T.CreateTruncating(16 - rng.NextDouble() * (log2Max * Math.Log(2) + 60)));
        }

        T[] inputs = xs.Where(x => T.IsNaN(x) || x <= T.CreateTruncating(16)).ToArray();
        T[] expected = Map<T, T, ScalarSimd<T>>(Fn.Exp, inputs);
        AssertSameBits("ExpAtMost16 scalar", inputs, expected, Map<T, T, ScalarSimd<T>>(Fn.ExpAtMost16, inputs));
        AssertSameBits("ExpAtMost16 Simd256", inputs, expected, Map<Vector256<T>, T, Simd256<T>>(Fn.ExpAtMost16, inputs));
        AssertSameBits("ExpAtMost16 Simd512", inputs, expected, Map<Vector512<T>, T, Simd512<T>>(Fn.ExpAtMost16, inputs));
    }

    [Fact]
    public void Max_and_Min_are_bit_identical_on_every_width_and_match_Math()
    {
        AssertMaxMin<float>(3);
        AssertMaxMin<double>(4);
    }

    private static void AssertAllWidthsAgree<T>(Fn fn, T[] xs)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T[] scalar = Map<T, T, ScalarSimd<T>>(fn, xs);
        AssertSameBits(fn + " Simd128", xs, scalar, Map<Vector128<T>, T, Simd128<T>>(fn, xs));
        AssertSameBits(fn + " Simd256", xs, scalar, Map<Vector256<T>, T, Simd256<T>>(fn, xs));
        AssertSameBits(fn + " Simd512", xs, scalar, Map<Vector512<T>, T, Simd512<T>>(fn, xs));
    }

    private static void AssertMaxMin<T>(int seed)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T[] special = Specials<T>();
        var rng = new Random(seed);
        int n = 4096;
        T[] xs = new T[n], ys = new T[n];
        for (int i = 0; i < n; i++)
        {
            // Mostly specials against specials (NaN, ±0, ±inf ...), so every pairing is hit in every lane.
            xs[i] = rng.Next(4) == 0 ? RandomBits<T>(rng) : special[rng.Next(special.Length)];
            ys[i] = rng.Next(4) == 0 ? RandomBits<T>(rng) : special[rng.Next(special.Length)];
        }
        T[] max = new T[n], min = new T[n];
        for (int i = 0; i < n; i++)
        {
            max[i] = T.CreateTruncating(Math.Max(double.CreateTruncating(xs[i]), double.CreateTruncating(ys[i])));
            min[i] = T.CreateTruncating(Math.Min(double.CreateTruncating(xs[i]), double.CreateTruncating(ys[i])));
        }
        AssertSameBits("Max scalar", xs, max, Map2<T, T, ScalarSimd<T>>(Fn2.Max, xs, ys));
        AssertSameBits("Max 128", xs, max, Map2<Vector128<T>, T, Simd128<T>>(Fn2.Max, xs, ys));
        AssertSameBits("Max 256", xs, max, Map2<Vector256<T>, T, Simd256<T>>(Fn2.Max, xs, ys));
        AssertSameBits("Max 512", xs, max, Map2<Vector512<T>, T, Simd512<T>>(Fn2.Max, xs, ys));
        AssertSameBits("Min scalar", xs, min, Map2<T, T, ScalarSimd<T>>(Fn2.Min, xs, ys));
        AssertSameBits("Min 128", xs, min, Map2<Vector128<T>, T, Simd128<T>>(Fn2.Min, xs, ys));
        AssertSameBits("Min 256", xs, min, Map2<Vector256<T>, T, Simd256<T>>(Fn2.Min, xs, ys));
        AssertSameBits("Min 512", xs, min, Map2<Vector512<T>, T, Simd512<T>>(Fn2.Min, xs, ys));
    }

    [Fact]
    public void Pow_is_exact_for_exponents_0_1_and_2_and_bit_identical_on_every_width_in_mixed_vectors()
    {
        AssertPow<float>(9);
        AssertPow<double>(10);
    }

    private static void AssertPow<T>(int seed)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        T[] special = Specials<T>();
        double[] exponents = [0, 1, 2, 0.5, 2.5, -1, 3, -0.0];
        int n = 4096;
        T[] xs = new T[n], ys = new T[n];
        for (int i = 0; i < n; i++)
        {
            xs[i] = rng.Next(4) == 0 ? special[rng.Next(special.Length)] : T.CreateTruncating(rng.NextDouble() * 8 - 4);
            // The first half only 0, 1 and 2 (the path without exp or log at every width); the second half mixed, so a
            // vector's lanes take different paths, and which lanes share a vector depends on the width.
            ys[i] = T.CreateTruncating(i < n / 2 ? rng.Next(3) : exponents[rng.Next(exponents.Length)]);
        }

        T[] scalar = Map2<T, T, ScalarSimd<T>>(Fn2.Pow, xs, ys);
        AssertSameBits("Pow 128", xs, scalar, Map2<Vector128<T>, T, Simd128<T>>(Fn2.Pow, xs, ys));
        AssertSameBits("Pow 256", xs, scalar, Map2<Vector256<T>, T, Simd256<T>>(Fn2.Pow, xs, ys));
        AssertSameBits("Pow 512", xs, scalar, Map2<Vector512<T>, T, Simd512<T>>(Fn2.Pow, xs, ys));
        for (int i = 0; i < n; i++)
        {
            T expected = ys[i] == T.Zero ? T.One : ys[i] == T.One ? xs[i] : ys[i] == T.CreateTruncating(2) ? xs[i] * xs[i] : scalar[i];
            AssertSameBits($"Pow(x, {ys[i]})", [xs[i]], [expected], [scalar[i]]);
        }
    }

    // ---- accuracy against a double-double reference ----

    [Theory]
    [InlineData(Fn.Exp, 2.0)]
    [InlineData(Fn.Log, 2.0)]
    [InlineData(Fn.Log1p, 4.0)]
    [InlineData(Fn.Log1pOnUnitInterval, 1.2, 1.4)]
    [InlineData(Fn.Expm1, 4.0)]
    [InlineData(Fn.Tanh, 4.0)]
    public void Float_is_within_ulp_bound(Fn fn, double maxUlp, double maxUlpUnfused = 0)
        => AssertAccuracy(fn, AccuracyInputs<float>(fn, 1 << 16, seed: 5), Bound(maxUlp, maxUlpUnfused));

    [Theory]
    [InlineData(Fn.Exp, 2.0)]
    [InlineData(Fn.Log, 2.0)]
    [InlineData(Fn.Log1p, 4.0)]
    [InlineData(Fn.Log1pOnUnitInterval, 1.0, 1.4)]
    [InlineData(Fn.Expm1, 4.0)]
    [InlineData(Fn.Tanh, 4.0)]
    public void Double_is_within_ulp_bound(Fn fn, double maxUlp, double maxUlpUnfused = 0)
        => AssertAccuracy(fn, AccuracyInputs<double>(fn, 1 << 15, seed: 6), Bound(maxUlp, maxUlpUnfused));

    /// <summary>
    /// The bound for this machine: without FMA every multiply-add rounds twice (see ISimd.MultiplyAdd), which costs
    /// Log1pOnUnitInterval up to a third of an ulp in its last step, x + s·(R − x) (measured with DOTNET_EnableAVX2=0:
    /// 1.31 ulp in float, 1.27 in double); the other functions keep one bound either way.
    /// </summary>
    private static double Bound(double maxUlp, double maxUlpUnfused) => VectorPaths.Fused || maxUlpUnfused == 0 ? maxUlp : maxUlpUnfused;

    [Fact]
    public void Double_agrees_with_Math()
    {
        var rng = new Random(7);
        for (int i = 0; i < 20000; i++)
        {
            double x = (rng.NextDouble() * 2 - 1) * 700;
            Assert.True(Ulps(ScalarSimd<double>.Exp(x), Math.Exp(x)) <= 2, $"Exp({x:R})");
            double y = Math.Exp((rng.NextDouble() * 2 - 1) * 700);
            Assert.True(Ulps(ScalarSimd<double>.Log(y), Math.Log(y)) <= 2, $"Log({y:R})");
            double tiny = -700 - rng.NextDouble() * 46; // subnormal and near-subnormal results
            Assert.True(Ulps(ScalarSimd<double>.Exp(tiny), Math.Exp(tiny)) <= 2, $"Exp({tiny:R})");
            double t = (rng.NextDouble() * 2 - 1) * 25;
            Assert.True(Ulps(ScalarSimd<double>.Tanh(t), Math.Tanh(t)) <= 4, $"Tanh({t:R})");
        }
        Assert.True(Ulps(ScalarSimd<double>.Exp(1.0), Math.E) <= 1);
        Assert.True(Ulps(ScalarSimd<double>.Log(Math.E), 1.0) <= 1);
        Assert.True(Ulps(ScalarSimd<double>.Log(2.0), Math.Log(2)) <= 1);
    }

    private void AssertAccuracy<T>(Fn fn, T[] xs, double maxUlp)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T[] ys = Map<Vector256<T>, T, Simd256<T>>(fn, xs);
        double worst = 0;
        T worstX = T.Zero;
        for (int i = 0; i < xs.Length; i++)
        {
            double err = UlpError<T>(ys[i], Reference(fn, double.CreateTruncating(xs[i])));
            if (!(err <= worst))
            {
                worst = err;
                worstX = xs[i];
            }
        }
        output.WriteLine($"{fn} {typeof(T).Name}: max error {worst:F3} ulp at x = {worstX:R} ({xs.Length} inputs)");
        Assert.True(worst <= maxUlp, $"{fn}<{typeof(T).Name}>: {worst} ulp at x = {worstX:R}");
    }

    // ---- edge values ----

    [Fact]
    public void Float_edges() => AssertEdges<float>(float.Epsilon, 1e-40f);

    [Fact]
    public void Double_edges() => AssertEdges<double>(double.Epsilon, 1e-310);

    private static void AssertEdges<T>(T epsilon, T subnormal)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T inf = T.PositiveInfinity, nan = T.NaN, one = T.One, zero = T.Zero, negZero = T.NegativeZero;
        T tiny = T.CreateTruncating(1e-10);
        foreach (var (fn, x, expected) in new (Fn, T, T)[]
        {
            (Fn.Exp, nan, nan), (Fn.Exp, -inf, zero), (Fn.Exp, inf, inf), (Fn.Exp, zero, one), (Fn.Exp, negZero, one),
            (Fn.Exp, T.CreateTruncating(1000), inf), (Fn.Exp, T.CreateTruncating(-1000), zero),
            (Fn.Log, zero, -inf), (Fn.Log, negZero, -inf), (Fn.Log, -one, nan), (Fn.Log, -epsilon, nan), (Fn.Log, -inf, nan),
            (Fn.Log, inf, inf), (Fn.Log, nan, nan), (Fn.Log, one, zero),
            (Fn.Log1p, -one, -inf), (Fn.Log1p, T.CreateTruncating(-2), nan), (Fn.Log1p, -inf, nan), (Fn.Log1p, inf, inf),
            (Fn.Log1p, nan, nan), (Fn.Log1p, zero, zero), (Fn.Log1p, negZero, negZero), (Fn.Log1p, subnormal, subnormal),
            (Fn.Expm1, -inf, -one), (Fn.Expm1, inf, inf), (Fn.Expm1, nan, nan), (Fn.Expm1, zero, zero), (Fn.Expm1, negZero, negZero),
            (Fn.Expm1, T.CreateTruncating(1000), inf), (Fn.Expm1, T.CreateTruncating(-1000), -one), (Fn.Expm1, subnormal, subnormal),
            (Fn.Tanh, inf, one), (Fn.Tanh, -inf, -one), (Fn.Tanh, nan, nan), (Fn.Tanh, zero, zero), (Fn.Tanh, negZero, negZero),
            (Fn.Tanh, T.CreateTruncating(50), one), (Fn.Tanh, T.CreateTruncating(-50), -one), (Fn.Tanh, subnormal, subnormal),
            (Fn.Tanh, -subnormal, -subnormal),
            (Fn.Log1pOnUnitInterval, zero, zero), (Fn.Log1pOnUnitInterval, nan, nan), (Fn.Log1pOnUnitInterval, subnormal, subnormal),
            (Fn.Log1pOnUnitInterval, epsilon, epsilon),
        })
        {
            T[] xs = [x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x];
            T scalar = Map<T, T, ScalarSimd<T>>(fn, xs)[0];
            T vector = Map<Vector512<T>, T, Simd512<T>>(fn, xs)[7];
            Assert.True(SameBits(expected, scalar), $"{fn}<{typeof(T).Name}>({x}) = {scalar}, expected {expected}");
            Assert.True(SameBits(expected, vector), $"{fn}<{typeof(T).Name}>({x}) = {vector} on Simd512, expected {expected}");
        }

        // Tiny arguments keep their full relative precision.
        foreach (Fn fn in new[] { Fn.Log1p, Fn.Log1pOnUnitInterval, Fn.Expm1, Fn.Tanh })
        {
            Assert.True(UlpError<T>(Map<T, T, ScalarSimd<T>>(fn, [tiny])[0], Reference(fn, double.CreateTruncating(tiny))) <= 1, $"{fn}(1e-10)");
        }
        // Log of the smallest subnormal: log(2^-149) or log(2^-1074).
        double logEpsilon = Math.Log(double.CreateTruncating(epsilon));
        Assert.True(UlpError<T>(ScalarSimd<T>.Log(epsilon), new DD(logEpsilon, 0)) <= 1);
        // The largest finite results of Exp, and the smallest normal and subnormal ones.
        double[] expArgs = typeof(T) == typeof(float) ? [88.72, -87.33, -103.2, -100] : [709.78, -708.39, -744.4, -740];
        foreach (double a in expArgs)
        {
            T x = T.CreateTruncating(a);
            T y = ScalarSimd<T>.Exp(x);
            Assert.True(T.IsFinite(y) && y > T.Zero, $"Exp({a}) = {y}");
            Assert.True(UlpError<T>(y, Reference(Fn.Exp, double.CreateTruncating(x))) <= 2, $"Exp({a}) = {y}");
        }
    }

    // ---- basic operations ----

    [Fact]
    public void Basic_operations_follow_IEEE_on_every_width()
    {
        AssertBasics<float, float, ScalarSimd<float>>();
        AssertBasics<Vector128<float>, float, Simd128<float>>();
        AssertBasics<Vector256<float>, float, Simd256<float>>();
        AssertBasics<Vector512<float>, float, Simd512<float>>();
        AssertBasics<double, double, ScalarSimd<double>>();
        AssertBasics<Vector128<double>, double, Simd128<double>>();
        AssertBasics<Vector256<double>, double, Simd256<double>>();
        AssertBasics<Vector512<double>, double, Simd512<double>>();
    }

    private static void AssertBasics<TVec, T, S>()
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        TVec nan = S.Create(T.NaN), one = S.Constant(1), pz = S.Constant(0.0), nz = S.Constant(-0.0);
        Assert.True(T.IsNaN(Lane<TVec, T, S>(S.Max(nan, one))));
        Assert.True(T.IsNaN(Lane<TVec, T, S>(S.Max(one, nan))));
        Assert.True(T.IsNaN(Lane<TVec, T, S>(S.Min(nan, one))));
        Assert.True(T.IsNaN(Lane<TVec, T, S>(S.Min(one, nan))));
        Assert.True(T.IsPositive(Lane<TVec, T, S>(S.Max(nz, pz))) && T.IsPositive(Lane<TVec, T, S>(S.Max(pz, nz))));
        Assert.True(T.IsNegative(Lane<TVec, T, S>(S.Min(nz, pz))) && T.IsNegative(Lane<TVec, T, S>(S.Min(pz, nz))));

        // Comparisons with NaN are false, except NotEquals; -0 == +0.
        Assert.False(S.AnyTrue(S.Equals(nan, nan)));
        Assert.True(IsAllSet<TVec, T, S>(S.NotEquals(nan, nan)));
        Assert.False(S.AnyTrue(S.LessThan(nan, one)) || S.AnyTrue(S.LessThanOrEqual(nan, one)));
        Assert.False(S.AnyTrue(S.GreaterThan(nan, one)) || S.AnyTrue(S.GreaterThanOrEqual(one, nan)));
        Assert.True(IsAllSet<TVec, T, S>(S.Equals(nz, pz)));
        Assert.False(S.AnyTrue(S.LessThan(nz, pz)));
        Assert.True(IsAllSet<TVec, T, S>(S.LessThanOrEqual(nz, pz)) && IsAllSet<TVec, T, S>(S.GreaterThanOrEqual(pz, nz)));
        Assert.True(IsAllSet<TVec, T, S>(S.LessThan(one, S.Constant(2))) && IsAllSet<TVec, T, S>(S.GreaterThan(S.Constant(2), one)));
        Assert.True(IsAllSet<TVec, T, S>(S.Not(S.Equals(nan, nan))));
        Assert.True(IsAllSet<TVec, T, S>(S.Or(S.Equals(one, one), S.Equals(nan, nan))));
        Assert.False(S.AnyTrue(S.And(S.Equals(one, one), S.Equals(nan, nan))));

        // Select takes whole lanes, NaN and -0 included; AnyTrue sees a single set lane wherever it is.
        T[] a = new T[S.Count], b = new T[S.Count], m = new T[S.Count], zeros = new T[S.Count];
        for (int lane = 0; lane < S.Count; lane++)
        {
            Array.Fill(m, T.Zero);
            m[lane] = T.AllBitsSet;
            for (int i = 0; i < S.Count; i++)
            {
                a[i] = T.NaN;
                b[i] = T.NegativeZero;
            }
            TVec selected = S.Select(S.LoadUnsafe(in m[0], 0), S.LoadUnsafe(in a[0], 0), S.LoadUnsafe(in b[0], 0));
            T[] r = new T[S.Count];
            S.StoreUnsafe(selected, ref r[0], 0);
            for (int i = 0; i < S.Count; i++)
            {
                Assert.True(i == lane ? T.IsNaN(r[i]) : SameBits(r[i], T.NegativeZero));
            }
            Assert.True(S.AnyTrue(S.LoadUnsafe(in m[0], 0)));
        }
        Assert.False(S.AnyTrue(S.LoadUnsafe(in zeros[0], 0)));

        // Arithmetic that must not differ: negation and Abs flip/clear only the sign; Sqrt rounds correctly.
        Assert.True(SameBits(Lane<TVec, T, S>(S.Negate(pz)), T.NegativeZero));
        Assert.True(SameBits(Lane<TVec, T, S>(S.Abs(nz)), T.Zero));
        Assert.Equal(T.Sqrt(T.CreateTruncating(2.0)), Lane<TVec, T, S>(S.Sqrt(S.Constant(2))));
        Assert.Equal(T.CreateTruncating(0.1), Lane<TVec, T, S>(S.Constant(0.1)));

        // MultiplyAdd rounds once at every width exactly when the machine fuses: (1 + ε)(1 − ε) − 1 is −ε² fused,
        // but 0 when the product is first rounded to 1.
        T eps = T.ScaleB(T.One, typeof(T) == typeof(float) ? -23 : -52);
        T fusedOrNot = Lane<TVec, T, S>(S.MultiplyAdd(S.Create(T.One + eps), S.Create(T.One - eps), S.Constant(-1)));
        Assert.True(SameBits(fusedOrNot, VectorPaths.Fused ? -(eps * eps) : T.Zero), $"MultiplyAdd gave {fusedOrNot} with Fused = {VectorPaths.Fused}");

        // The bit shifts work on T-sized integers.
        int bits = typeof(T) == typeof(float) ? 32 : 64;
        Assert.Equal(T.ScaleB(T.One, typeof(T) == typeof(float) ? 127 : 1023), Lane<TVec, T, S>(S.ShiftLeftBits(one, 1)));
        Assert.Equal(T.ScaleB(T.CreateTruncating(1.5), typeof(T) == typeof(float) ? -64 : -512), Lane<TVec, T, S>(S.ShiftRightBits(one, 1)));
        Assert.True(SameBits(Lane<TVec, T, S>(S.ShiftRightBits(S.Constant(-0.0), bits - 1)), T.Epsilon));
        Assert.True(SameBits(Lane<TVec, T, S>(S.ShiftLeftBits(S.Create(T.Epsilon), bits - 1)), T.NegativeZero));
    }

    private static T Lane<TVec, T, S>(TVec v)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        T[] r = new T[S.Count];
        S.StoreUnsafe(v, ref r[0], 0);
        for (int i = 1; i < r.Length; i++)
        {
            Assert.True(SameBits(r[0], r[i]));
        }
        return r[0];
    }

    private static bool IsAllSet<TVec, T, S>(TVec mask)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
        => SameBits(Lane<TVec, T, S>(mask), T.AllBitsSet);

    // ---- helpers ----

    private static TVec Apply<TVec, T, S>(Fn fn, TVec x)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
        => fn switch
        {
            Fn.Exp => S.Exp(x),
            Fn.Log => S.Log(x),
            Fn.Log1p => S.Log1p(x),
            Fn.Log1pOnUnitInterval => S.Log1pOnUnitInterval(x),
            Fn.Expm1 => S.Expm1(x),
            Fn.ExpAtMost16 => SimdMath.ExpAtMost16<TVec, T, S>(x),
            Fn.Tanh => S.Tanh(x),
            // A new function needs its own arm here and in Reference: a fallback would quietly test another one.
            _ => throw new ArgumentOutOfRangeException(nameof(fn), fn, "SimdTests has no kernel call for this function."),
        };

    private static T[] Map<TVec, T, S>(Fn fn, T[] xs)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        T[] padded = new T[(xs.Length + 15) / 16 * 16];
        xs.CopyTo(padded, 0);
        T[] ys = new T[padded.Length];
        for (int i = 0; i < padded.Length; i += S.Count)
        {
            S.StoreUnsafe(Apply<TVec, T, S>(fn, S.LoadUnsafe(in padded[0], (nuint)i)), ref ys[0], (nuint)i);
        }
        return ys[..xs.Length];
    }

    /// <summary>The two-argument functions under test.</summary>
    private enum Fn2 { Max, Min, Pow }

    private static T[] Map2<TVec, T, S>(Fn2 fn, T[] xs, T[] ys)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : ISimd<TVec, T>
    {
        T[] r = new T[xs.Length];
        for (int i = 0; i < xs.Length; i += S.Count)
        {
            TVec x = S.LoadUnsafe(in xs[0], (nuint)i), y = S.LoadUnsafe(in ys[0], (nuint)i);
            TVec value = fn switch
            {
                Fn2.Max => S.Max(x, y),
                Fn2.Min => S.Min(x, y),
                _ => SimdFunctions.Pow<TVec, T, S>(x, y),
            };
            S.StoreUnsafe(value, ref r[0], (nuint)i);
        }
        return r;
    }

    private static void AssertSameBits<T>(string what, T[] xs, T[] expected, T[] actual)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < xs.Length; i++)
        {
            if (!SameBits(expected[i], actual[i]))
            {
                Assert.Fail($"{what}<{typeof(T).Name}>({xs[i]:R}): {actual[i]:R}, expected {expected[i]:R}");
            }
        }
    }

    private static bool SameBits<T>(T a, T b)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => (T.IsNaN(a) && T.IsNaN(b)) || Bits(a) == Bits(b);

    private static ulong Bits<T>(T x)
        where T : unmanaged
        => typeof(T) == typeof(float) ? Unsafe.BitCast<T, uint>(x) : Unsafe.BitCast<T, ulong>(x);

    private static T RandomBits<T>(Random rng)
        where T : unmanaged
        => typeof(T) == typeof(float) ? Unsafe.BitCast<uint, T>((uint)rng.NextInt64()) : Unsafe.BitCast<long, T>(rng.NextInt64() ^ (rng.NextInt64() << 1));

    private static T MaxValue<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => T.CreateTruncating(typeof(T) == typeof(float) ? float.MaxValue : double.MaxValue);

    private static T[] Specials<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var list = new List<T> { T.NaN, -T.NaN, T.Zero, T.NegativeZero, T.One, -T.One, T.PositiveInfinity, T.NegativeInfinity, T.Epsilon, -T.Epsilon, MaxValue<T>(), -MaxValue<T>() };
        foreach (double d in new[] { 1e-10, 1e-30, 1e-40, 1e-310, 0.5, 0.3466, 0.35, 0.9999, 1.0001, 2, 9, 9.1, 10, 19, 20, 22, 40, 88.72, 88.73, 89, 103.9, 104, 709.78, 709.79, 710, 745.1, 746, 1e30, 1e300 })
        {
            list.Add(T.CreateTruncating(d));
            list.Add(T.CreateTruncating(-d));
        }
        list.Add(T.CreateTruncating(-1.0 + 1e-7));
        list.Add(T.CreateTruncating(-1.0 - 1e-7));
        list.Add(typeof(T) == typeof(float) ? T.CreateTruncating(1.1754943508222875e-38) : T.CreateTruncating(2.2250738585072014e-308));
        return list.ToArray();
    }

    /// <summary>Specials, random bit patterns and the accuracy inputs of every function.</summary>
    private static T[] AllInputs<T>(Fn fn, int n, int seed)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        var list = new List<T>(Specials<T>());
        for (int i = 0; i < n / 2; i++)
        {
            list.Add(RandomBits<T>(rng));
        }
        list.AddRange(AccuracyInputs<T>(fn, n / 2, seed));
        return list.ToArray();
    }

    /// <summary>Finite inputs over the function's whole range: uniform where results are O(1), log-uniform near 0 and for Log's domain.</summary>
    private static T[] AccuracyInputs<T>(Fn fn, int n, int seed)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        bool f = typeof(T) == typeof(float);
        var rng = new Random(seed);
        var xs = new List<T>(n + 64);
        void Uniform(int count, double lo, double hi)
        {
            for (int i = 0; i < count; i++)
            {
                xs.Add(T.CreateTruncating(lo + (hi - lo) * rng.NextDouble()));
            }
        }
        void LogUniform(int count, double loExp, double hiExp, bool bothSigns)
        {
            for (int i = 0; i < count; i++)
            {
                double v = Math.Pow(2, loExp + (hiExp - loExp) * rng.NextDouble());
                xs.Add(T.CreateTruncating(bothSigns && rng.Next(2) == 0 ? -v : v));
            }
        }
        double minExp = f ? -149 : -1074, maxExp = f ? 128 : 1024;
        switch (fn)
        {
            case Fn.Exp:
                // Below −700 a double-double's low part is subnormal, too coarse for a yardstick: Double_agrees_with_Math covers it.
                Uniform(n / 2, f ? -104 : -700, f ? 89 : 710);
                Uniform(n / 4, -2, 2);
                LogUniform(n / 4, minExp, 1, true);
                break;
            case Fn.Log:
                LogUniform(n / 2, minExp, maxExp, false);
                Uniform(n / 4, 0.5, 2);
                LogUniform(n / 4, -40, 0, true);
                for (int i = 0; i < xs.Count; i++)
                {
                    xs[i] = T.Abs(xs[i]);
                }
                Uniform(n / 8, 1 - 1e-3, 1 + 1e-3);
                break;
            case Fn.Log1p:
                Uniform(n / 4, -1, 1);
                LogUniform(n / 4, minExp, 0, true);
                LogUniform(n / 4, 0, f ? 127 : 995, false);
                LogUniform(n / 4, f ? -24 : -53, -1, false);
                for (int i = xs.Count - n / 4; i < xs.Count; i++)
                {
                    xs[i] = xs[i] - T.One; // just above -1
                }
                break;
            case Fn.Log1pOnUnitInterval:
                // Its whole domain: uniform over [0, 1] (the largest errors are near 1), log-uniform down to the subnormals.
                Uniform(n / 2, 0, 1);
                LogUniform(n / 2, minExp, 0, false);
                break;
            case Fn.Expm1:
                Uniform(n / 2, f ? -20 : -40, f ? 89 : 710);
                Uniform(n / 4, -2, 2);
                LogUniform(n / 4, minExp, 1, true);
                break;
            default:
                Uniform(n / 2, f ? -10 : -20, f ? 10 : 20);
                Uniform(n / 4, -1.5, 1.5);
                LogUniform(n / 4, minExp, 4, true);
                break;
        }
        return xs.ToArray();
    }

    private static double Ulps(double actual, double expected) => UlpError<double>(actual, new DD(expected, 0));

    /// <summary>|actual − exact| in units of the last place of <typeparamref name="T"/> at the exact value (0 for matching NaN/inf).</summary>
    private static double UlpError<T>(T actualT, DD exact)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        bool f = typeof(T) == typeof(float);
        double actual = double.CreateTruncating(actualT);
        double max = double.CreateTruncating(MaxValue<T>());
        if (double.IsNaN(exact.Hi) || double.IsNaN(actual))
        {
            return double.IsNaN(exact.Hi) && double.IsNaN(actual) ? 0 : double.PositiveInfinity;
        }
        int exponent = Math.Max(Math.ILogB(Math.Min(Math.Abs(exact.Hi), max)), f ? -126 : -1022);
        double ulp = Math.ScaleB(1.0, exponent - (f ? 23 : 52));
        if (double.IsInfinity(actual))
        {
            // Overflow is right when the exact value rounds past the largest finite value.
            return Math.Sign(actual) == Math.Sign(exact.Hi) && Math.Abs(exact.Hi) >= max + ulp / 2 ? 0 : double.PositiveInfinity;
        }
        if (double.IsInfinity(exact.Hi))
        {
            return double.PositiveInfinity;
        }
        return Math.Abs((actual - exact.Hi - exact.Lo) / ulp);
    }

    // ---- double-double reference (FMA is fine here: this is the yardstick, not the code under test) ----

    private readonly record struct DD(double Hi, double Lo);

    private static DD QuickTwoSum(double a, double b)
    {
        double s = a + b;
        return new DD(s, b - (s - a));
    }

    private static DD Add(DD a, DD b)
    {
        double s = a.Hi + b.Hi, bb = s - a.Hi;
        double e = a.Hi - (s - bb) + (b.Hi - bb) + a.Lo + b.Lo;
        return QuickTwoSum(s, e);
    }

    private static DD Neg(DD a) => new(-a.Hi, -a.Lo);

    private static DD Mul(DD a, DD b)
    {
        double p = a.Hi * b.Hi;
        double e = Math.FusedMultiplyAdd(a.Hi, b.Hi, -p) + (a.Hi * b.Lo + a.Lo * b.Hi);
        return QuickTwoSum(p, e);
    }

    private static DD Div(DD a, DD b)
    {
        double q1 = a.Hi / b.Hi;
        DD r = Add(a, Neg(Mul(b, new DD(q1, 0))));
        double q2 = r.Hi / b.Hi;
        r = Add(r, Neg(Mul(b, new DD(q2, 0))));
        return Add(QuickTwoSum(q1, q2), new DD(r.Hi / b.Hi, 0));
    }

    /// <summary>e^x − 1 for |x| ≤ 2^-8 by its Taylor series.</summary>
    private static DD Expm1Taylor(double r)
    {
        DD term = new(r, 0), sum = term;
        for (int n = 2; n < 30 && Math.Abs(term.Hi) > 1e-40 * Math.Abs(r); n++)
        {
            term = Div(Mul(term, new DD(r, 0)), new DD(n, 0));
            sum = Add(sum, term);
        }
        return sum;
    }

    private static int Halvings(ref double x)
    {
        int s = 0;
        while (Math.Abs(x) > 1.0 / 256)
        {
            x *= 0.5;
            s++;
        }
        return s;
    }

    private static readonly double LogMax = Math.Log(double.MaxValue);

    private static DD ExpDD(double x)
    {
        if (x > LogMax)
        {
            return new DD(double.PositiveInfinity, 0);
        }
        if (x < -746)
        {
            return new DD(0, 0);
        }
        int s = Halvings(ref x);
        DD e = Add(new DD(1, 0), Expm1Taylor(x));
        for (int i = 0; i < s; i++)
        {
            e = Mul(e, e);
        }
        return e;
    }

    private static DD Expm1DD(double x)
    {
        if (x < -60)
        {
            return Add(new DD(-1, 0), ExpDD(x));
        }
        if (x > LogMax)
        {
            return new DD(double.PositiveInfinity, 0);
        }
        int s = Halvings(ref x);
        DD e = Expm1Taylor(x);
        for (int i = 0; i < s; i++)
        {
            e = Mul(e, Add(e, new DD(2, 0))); // expm1(2y) = expm1(y)·(expm1(y) + 2)
        }
        return e;
    }

    private static readonly DD Ln2 = new(0.6931471805599453, 2.3190468138462996e-17);

    private static DD LogDD(double x)
    {
        if (x == 0)
        {
            return new DD(double.NegativeInfinity, 0);
        }
        if (x < 0 || double.IsNaN(x))
        {
            return new DD(double.NaN, 0);
        }
        if (double.IsPositiveInfinity(x))
        {
            return new DD(x, 0);
        }
        int e = Math.ILogB(x);
        double m = Math.ScaleB(x, -e);
        // One Newton step on e^y = m from the double log doubles its precision.
        double y0 = Math.Log(m);
        DD ey = ExpDD(y0);
        double correction = Add(new DD(m, 0), Neg(ey)).Hi / m;
        return Add(Mul(Ln2, new DD(e, 0)), QuickTwoSum(y0, correction));
    }

    private static DD Log1pDD(double x)
    {
        if (double.IsNaN(x) || x < -1)
        {
            return new DD(double.NaN, 0);
        }
        if (x == -1)
        {
            return new DD(double.NegativeInfinity, 0);
        }
        if (x > 1e300)
        {
            return LogDD(x);
        }
        if (Math.Abs(x) < 1e-30)
        {
            return QuickTwoSum(x, -0.5 * x * x);
        }
        // Newton on expm1(y) = x, from the double estimate.
        double y0 = Math.Abs(x) < 1e-8 ? x - 0.5 * x * x : Math.Log(1 + x);
        DD d = Add(new DD(x, 0), Neg(Expm1DD(y0)));
        DD y = Add(new DD(y0, 0), Div(d, new DD(1 + x, 0)));
        d = Add(new DD(x, 0), Neg(Expm1DD(y.Hi)));
        return Add(new DD(y.Hi, 0), Div(d, new DD(1 + x, 0)));
    }

    private static DD TanhDD(double x)
    {
        if (double.IsNaN(x))
        {
            return new DD(x, 0);
        }
        double a = Math.Abs(x);
        DD t = a > 40 ? new DD(1, 0) : Div(Expm1DD(2 * a), Add(Expm1DD(2 * a), new DD(2, 0)));
        return x < 0 ? Neg(t) : t;
    }

    private static DD Reference(Fn fn, double x) => fn switch
    {
        Fn.Exp => ExpDD(x),
        Fn.Log => LogDD(x),
        Fn.Log1p or Fn.Log1pOnUnitInterval => Log1pDD(x),
        Fn.Expm1 => Expm1DD(x),
        Fn.Tanh => TanhDD(x),
        _ => throw new ArgumentOutOfRangeException(nameof(fn), fn, "SimdTests has no reference for this function."),
    };
}
