using System;
using System.Linq;

using LossGen.Kernels;

namespace LossGen;

/// <summary>
/// The functions a <see cref="LossAttribute">[Loss]</see> formula may call. Each is an ordinary,
/// numerically careful <see cref="double"/> function, so calling a formula directly computes the
/// reference value; inside a formula the generator knows each one's derivative. The gradient rule at
/// each kink is stated on the function and follows PyTorch and JAX. The matching <see cref="Math"/>
/// functions mean the same inside a formula.
/// </summary>
public static partial class LossMath
{
    /// <summary>
    /// The probability clamp of formulas that take a log of a probability, e.g.
    /// <c>Log(Clamp(p, Epsilon, 1 - Epsilon))</c>. Generated kernels choose it per element type:
    /// 1e-7 for float and Half (Keras's value; 1 − 1e-7 is still below 1 in float) and 1e-15 for
    /// double. Calling a formula directly (in double) uses 1e-15.
    /// </summary>
    public static double Epsilon => KernelContract.EpsilonDouble;

    /// <summary>Natural logarithm. Derivative 1/x. Log(0) = -∞; negative input gives NaN.</summary>
    public static double Log(double x) => Math.Log(x);

    /// <summary>e^x. Derivative e^x.</summary>
    public static double Exp(double x) => Math.Exp(x);

    /// <summary>log(1 + x), accurate for every x (within about 1 ulp, small x included). Derivative 1/(1 + x).</summary>
    /// <remarks>
    /// <see cref="double.LogP1"/> computes log(1 + x) as written, so log1p(1e-16) comes out 0. Here u = 1 + x is
    /// rounded, and the rounding error c = x − (u − 1) (exact) is added back: log(1 + x) = log(u) + log1p(c/u) ≈ log(u) + c/u.
    /// </remarks>
    public static double Log1p(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0)
        {
            return x; // |x| < 2^-53: log1p(x) = x − x²/2 + …, which rounds to x
        }

        if (u == 0.0 || double.IsInfinity(u) || double.IsNaN(u))
        {
            return Math.Log(u); // −∞ at −1, +∞, NaN
        }

        return Math.Log(u) + ((x - (u - 1.0)) / u);
    }

    /// <summary>e^x − 1, accurate for every x (within about 1 ulp, small x included). Derivative e^x.</summary>
    /// <remarks>
    /// <see cref="double.ExpM1"/> computes e^x − 1 as written, which loses every digit of a small x. For |x| &lt; ½ this
    /// sums the series as x + x²·(1/2! + x/3! + … + x^14/16!): x is exact and the rest at most a third of the result,
    /// so its rounding barely shows; elsewhere e^x − 1 loses nothing.
    /// </remarks>
    public static double Expm1(double x)
    {
        if (!(Math.Abs(x) < 0.5))
        {
            return Math.Exp(x) - 1.0; // NaN too
        }

        double p = s_inverseFactorials[^1];
        for (int k = s_inverseFactorials.Length - 2; k >= 0; k--)
        {
            p = (p * x) + s_inverseFactorials[k];
        }

        return x + (x * x * p);
    }

    /// <summary>1/2!, 1/3!, …, 1/16!: enough terms that the first one left out is below 2^-60 of e^x − 1 for |x| &lt; ½.</summary>
    private static readonly double[] s_inverseFactorials = Enumerable.Range(2, 15).Select(InverseFactorial).ToArray();

    private static double InverseFactorial(int n)
    {
        double f = 1;
        for (int k = 2; k <= n; k++)
        {
            f *= k; // exact up to 18!
        }

        return 1 / f;
    }

    /// <summary>Square root. Derivative 1/(2√x), which is +∞ at 0 (add an epsilon inside if x can be 0).</summary>
    public static double Sqrt(double x) => Math.Sqrt(x);

    /// <summary>x². Derivative 2x.</summary>
    public static double Square(double x) => x * x;

    /// <summary>|x|. Derivative sign(x); at the kink x = 0 the gradient is 0 (PyTorch's <c>sgn</c>).</summary>
    public static double Abs(double x) => Math.Abs(x);

    /// <summary>The larger of a and b (NaN propagates). On a tie the gradient is split ½ to each (PyTorch, JAX).</summary>
    public static double Max(double a, double b) => Math.Max(a, b);

    /// <summary>The smaller of a and b (NaN propagates). On a tie the gradient is split ½ to each (PyTorch, JAX).</summary>
    public static double Min(double a, double b) => Math.Min(a, b);

    /// <summary>
    /// x limited to [lo, hi]. The gradient passes to x inside the closed interval, bounds included
    /// (PyTorch: <c>x &gt;= min &amp;&amp; x &lt;= max</c>), and to the bound that is active outside it.
    /// </summary>
    public static double Clamp(double x, double lo, double hi) => x < lo ? lo : x > hi ? hi : x;

    /// <summary>1/(1 + e^−x), computed without overflow for any x. Derivative σ(x)(1 − σ(x)).</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0)
        {
            return 1.0 / (1.0 + Math.Exp(-x));
        }

        double e = Math.Exp(x);
        return e / (1.0 + e);
    }

    /// <summary>log σ(x) = −softplus(−x), stable for any x. Derivative σ(−x) = 1 − σ(x).</summary>
    public static double LogSigmoid(double x) => -Softplus(-x);

    /// <summary>log(1 + e^x) as max(x, 0) + log1p(e^−|x|), stable for any x. Derivative σ(x).</summary>
    public static double Softplus(double x) => Math.Max(x, 0.0) + Log1p(Math.Exp(-Math.Abs(x)));

    /// <summary>Hyperbolic tangent. Derivative 1 − tanh²(x).</summary>
    public static double Tanh(double x) => Math.Tanh(x);

    /// <summary>
    /// log(cosh x), never overflowing and accurate for small x (where it is x²/2). Derivative tanh(x).
    /// </summary>
    /// <remarks>
    /// With a = |x| and m = e^−a − 1 (Expm1, so small a keeps its digits), cosh x = 1 + m²/(2(1 + m)), so
    /// log cosh x = log1p(m²/(2(1 + m))) subtracts nothing; Keras's a + log1p(e^−2a) − log 2 loses every digit of
    /// x²/2 for small x. Past a = 1 that form is accurate, with e^−2a = (1 + m)², and neither form overflows.
    /// </remarks>
    public static double LogCosh(double x)
    {
        double a = Math.Abs(x);
        double m = Expm1(-a), r = 1.0 + m;
        return a <= 1.0 ? Log1p(m * m / (2.0 * r)) : a - Math.Log(2.0) + Log1p(r * r);
    }

    /// <summary>
    /// x·log(y), with 0·log(y) = 0 for every y (so 0·log 0 = 0, as scipy/optax <c>xlogy</c>).
    /// Derivatives: log(y) for x and x/y for y, both 0 where x = 0.
    /// </summary>
    public static double Xlogy(double x, double y) => x == 0.0 ? 0.0 : x * Math.Log(y);

    /// <summary>
    /// x·y, but 0 wherever y is 0, even where x is ±∞ or NaN (TensorFlow's <c>multiply_no_nan</c>): a weight or
    /// target of 0 masks the value out, e.g. a −∞ logit of a masked class under a target of 0. Derivatives: y
    /// for x, and x for y (0 where y = 0 and x is not finite, the only places the product is taken as 0 by rule).
    /// </summary>
    public static double MultiplyNoNaN(double x, double y) => y == 0.0 ? 0.0 : x * y;

    /// <summary>
    /// x^y. With a constant integer exponent the generator multiplies out (x² is x·x); otherwise the
    /// kernels compute 1, x and x·x for y = 0, 1 and 2 (any x, and without an exp or a log where every
    /// exponent in a vector is one of them), and e^(y·log x) for x &gt; 0 and other y, with 0^y = 0 for
    /// y &gt; 0 and +∞ for y &lt; 0; x &lt; 0 gives NaN there (unlike <see cref="Math.Pow"/> with an
    /// integer-valued y). Derivatives y·x^(y−1), computed as y·x^y/x (at x = 0: 1 for y = 1, 0 for y &gt; 1 and
    /// y = 0, ∞ in between), and x^y·log x (0 at x = 0).
    /// </summary>
    public static double Pow(double x, double y) => Math.Pow(x, y);

    /// <summary>max(x, 0). Derivative 1 for x &gt; 0, else 0 (0 at the kink, as PyTorch and JAX).</summary>
    public static double Relu(double x) => x <= 0.0 ? 0.0 : x;

    /// <summary>−1, 0 or +1. Derivative 0 everywhere.</summary>
    public static double Sign(double x) => x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0;
}
