using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace LossGen.Tests;

/// <summary>
/// The formula functions are the kernels' reference, so they must be right to the last bits: Log1p and Expm1 (and the
/// functions built on them) against values computed in double-double arithmetic (about 32 digits).
/// </summary>
public sealed class LossMathAccuracyTests
{
    /// <summary>The most ulps a reference function may be off.</summary>
    private const double MaxUlps = 1.0;

    [Fact]
    public void Log1p_is_within_an_ulp_over_the_whole_range()
    {
        double worst = 0;
        foreach (double x in Points(maxMagnitude: 1e300).Where(x => x > -1).Concat(NearMinusOne()))
        {
            double expected = DoubleDouble.Log1p(x).ToDouble();
            worst = Math.Max(worst, AssertWithinUlps(expected, LossMath.Log1p(x), $"Log1p({x:R})"));
        }

        Assert.True(worst > 0, "no point differed at all: the reference is suspect");
    }

    [Fact]
    public void Expm1_is_within_an_ulp_over_the_whole_range()
    {
        foreach (double x in Points(maxMagnitude: 709))
        {
            double expected = DoubleDouble.Expm1(x).ToDouble();
            AssertWithinUlps(expected, LossMath.Expm1(x), $"Expm1({x:R})");
        }
    }

    [Theory]
    [InlineData(1e-16, 1e-16, 1e-16)]
    [InlineData(-1e-12, -1.0000000000005e-12, -9.999999999995e-13)]
    [InlineData(3e-9, 2.9999999955e-9, 3.0000000045e-9)]
    public void Small_arguments_keep_their_digits(double x, double log1p, double expm1)
    {
        // The examples: double.LogP1(1e-16) is 0 and double.ExpM1(-1e-12) is off by 2.2e-5 relative.
        Assert.True(Math.Abs(LossMath.Log1p(x) - log1p) <= 1e-15 * Math.Abs(log1p), $"Log1p({x:R}) = {LossMath.Log1p(x):R}");
        Assert.True(Math.Abs(LossMath.Expm1(x) - expm1) <= 1e-15 * Math.Abs(expm1), $"Expm1({x:R}) = {LossMath.Expm1(x):R}");
    }

    [Fact]
    public void Edges_are_those_of_log_and_exp()
    {
        Assert.Equal(double.NegativeInfinity, LossMath.Log1p(-1));
        Assert.True(double.IsNaN(LossMath.Log1p(-2)));
        Assert.Equal(double.PositiveInfinity, LossMath.Log1p(double.PositiveInfinity));
        Assert.True(double.IsNaN(LossMath.Log1p(double.NaN)));
        Assert.Equal(-1, LossMath.Expm1(-800));
        Assert.Equal(-1, LossMath.Expm1(double.NegativeInfinity));
        Assert.Equal(double.PositiveInfinity, LossMath.Expm1(710));
        Assert.Equal(double.PositiveInfinity, LossMath.Expm1(double.PositiveInfinity));
        Assert.True(double.IsNaN(LossMath.Expm1(double.NaN)));
        Assert.Equal(-0.0, LossMath.Expm1(-0.0));
        Assert.True(double.IsNegative(LossMath.Log1p(-0.0)));
    }

    [Theory]
    [InlineData(-40.0)]
    [InlineData(-700.0)]
    [InlineData(-1e-3)]
    [InlineData(0.0)]
    [InlineData(3.5)]
    [InlineData(40.0)]
    public void Functions_built_on_log1p_keep_their_tails(double x)
    {
        // softplus(x) = log1p(e^x); log σ(x) = −softplus(−x).
        DoubleDouble ex = DoubleDouble.Exp(x);
        double softplus = x > 0 ? (DoubleDouble.From(x) + DoubleDouble.Log1p(DoubleDouble.Exp(-x).ToDouble())).ToDouble() : DoubleDouble.Log1p(ex.ToDouble()).ToDouble();
        AssertWithinUlps(softplus, LossMath.Softplus(x), $"Softplus({x:R})", ulps: 2);
        AssertWithinUlps(-softplus, LossMath.LogSigmoid(-x), $"LogSigmoid({-x:R})", ulps: 2);
        Assert.True(LossMath.Softplus(-40) > 0, "softplus(−40) = 4.2e-18 must not be 0");
    }

    [Fact]
    public void LogCosh_keeps_the_square_of_a_small_difference_and_never_overflows()
    {
        // Keras's |x| + log1p(e^−2|x|) − log 2 gave 2.0095e-14 for x = 2e-7 (true 2e-14) and 0 in float for 1e-7.
        DoubleDouble ln2 = DoubleDouble.Log1p(1);
        foreach (double x in Points(maxMagnitude: 1e300))
        {
            double a = Math.Abs(x);
            DoubleDouble u = DoubleDouble.Expm1(Math.Min(a, 1)); // cosh a − 1 = u²/(2(1 + u)) with u = e^a − 1
            double expected = a <= 1
                ? DoubleDouble.Log1p((u * u / (DoubleDouble.From(2) * (u + DoubleDouble.From(1)))).ToDouble()).ToDouble()
                : (DoubleDouble.From(a) - ln2 + DoubleDouble.Log1p(a < 300 ? DoubleDouble.Exp(-2 * a).ToDouble() : Math.Exp(-2 * a))).ToDouble();
            AssertWithinUlps(expected, LossMath.LogCosh(x), $"LogCosh({x:R})", ulps: 8); // the roundings of m (1 ulp), m², the quotient and log1p add up to about 5
        }

        Assert.Equal(double.PositiveInfinity, LossMath.LogCosh(double.NegativeInfinity));
        Assert.Equal(0, LossMath.LogCosh(0));
    }

    private static double AssertWithinUlps(double expected, double actual, string what, double ulps = MaxUlps)
    {
        if (expected.Equals(actual))
        {
            return 0;
        }

        double error = Math.Abs(expected - actual) / Ulp(expected);
        Assert.True(error <= ulps, $"{what}: expected {expected:R}, got {actual:R} ({error:F2} ulps)");
        return error;
    }

    private static double Ulp(double x) => Math.BitIncrement(Math.Abs(x)) - Math.Abs(x);

    /// <summary>Both signs, every binade from the smallest normal up to <paramref name="maxMagnitude"/>, several values each.</summary>
    private static IEnumerable<double> Points(double maxMagnitude)
    {
        var random = new Random(20261206);
        for (int e = -1022; e <= 1023; e++)
        {
            double scale = Math.ScaleB(1, e);
            if (scale > maxMagnitude)
            {
                break;
            }

            // Densely where the functions bend (|x| < 4), sparsely elsewhere.
            int count = e is >= -60 and <= 2 ? 200 : 4;
            for (int i = 0; i < count; i++)
            {
                double v = scale * (1 + random.NextDouble());
                if (v <= maxMagnitude)
                {
                    yield return v;
                    yield return -v;
                }
            }
        }
    }

    private static IEnumerable<double> NearMinusOne()
    {
        for (int k = 1; k <= 52; k++) // −1 + 2^-53 is the double closest to −1
        {
            yield return -1 + Math.ScaleB(1, -k);
            yield return -1 + Math.ScaleB(1.5, -k);
        }
    }

    /// <summary>A double-double number hi + lo, |lo| ≤ ulp(hi)/2: enough arithmetic for reference values.</summary>
    private readonly record struct DoubleDouble(double Hi, double Lo)
    {
        public static DoubleDouble From(double x) => new(x, 0);

        public double ToDouble() => Hi + Lo;

        public static DoubleDouble operator +(DoubleDouble a, DoubleDouble b)
        {
            (double s, double e) = TwoSum(a.Hi, b.Hi);
            e += a.Lo + b.Lo;
            return Normalize(s, e);
        }

        public static DoubleDouble operator -(DoubleDouble a, DoubleDouble b) => a + new DoubleDouble(-b.Hi, -b.Lo);

        public static DoubleDouble operator *(DoubleDouble a, DoubleDouble b)
        {
            double p = a.Hi * b.Hi;
            double e = Math.FusedMultiplyAdd(a.Hi, b.Hi, -p) + (a.Hi * b.Lo) + (a.Lo * b.Hi);
            return Normalize(p, e);
        }

        public static DoubleDouble operator /(DoubleDouble a, DoubleDouble b)
        {
            double q = a.Hi / b.Hi;
            DoubleDouble r = a - (b * From(q));
            double q2 = r.Hi / b.Hi;
            DoubleDouble r2 = r - (b * From(q2));
            return Normalize(q, q2) + From(r2.Hi / b.Hi);
        }

        /// <summary>e^x − 1: the Taylor series after halving x until |x| ≤ 1/4, then doubling back (e^2y − 1 = (e^y − 1)(e^y + 1)).</summary>
        public static DoubleDouble Expm1(double x)
        {
            if (x < -40)
            {
                return Exp(x) - From(1);
            }

            int halvings = 0;
            while (Math.Abs(x) > 0.25)
            {
                x /= 2; // exact
                halvings++;
            }

            DoubleDouble sum = From(x), term = From(x);
            for (int k = 2; k < 30; k++)
            {
                term = term * From(x) / From(k);
                sum += term;
            }

            for (int i = 0; i < halvings; i++)
            {
                sum = sum * (sum + From(2));
            }

            return sum;
        }

        /// <summary>e^x; below 0 as 1/e^−x, which has no 1 to cancel against.</summary>
        public static DoubleDouble Exp(double x) => x < 0 ? From(1) / Exp(-x) : Expm1(x) + From(1);

        /// <summary>log(1 + x) by Newton's method on e^y = 1 + x, with 1 + x held exactly.</summary>
        public static DoubleDouble Log1p(double x)
        {
            (double s, double e) = TwoSum(1, x);
            var target = new DoubleDouble(s, e);
            DoubleDouble y = From(Math.Abs(x) < 1e-300 ? x : Math.Log(s));
            if (Math.Abs(x) < 1e-10)
            {
                // Series: the Newton step would compute e^y − 1 with y ~ x, losing nothing but needing no log.
                DoubleDouble sum = From(x), term = From(x);
                for (int k = 2; k < 6; k++)
                {
                    term = term * From(-x);
                    sum += term / From(k);
                }

                return sum;
            }

            for (int i = 0; i < 3; i++)
            {
                // y ← y + (1 + x − e^y)/e^y, with e^y − 1 computed directly so 1 + x − e^y keeps its digits.
                DoubleDouble em1 = Expm1(y.Hi) + (Exp(y.Hi) * From(y.Lo));
                DoubleDouble ey = em1 + From(1);
                y += (target - From(1) - em1) / ey;
            }

            return y;
        }

        private static (double Sum, double Error) TwoSum(double a, double b)
        {
            double s = a + b;
            double bb = s - a;
            return (s, (a - (s - bb)) + (b - bb));
        }

        private static DoubleDouble Normalize(double hi, double lo)
        {
            (double s, double e) = TwoSum(hi, lo);
            return new DoubleDouble(s, e);
        }
    }
}
