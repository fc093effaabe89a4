using System;

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
    public static double Epsilon => 1e-15;

    /// <summary>Natural logarithm. Derivative 1/x. Log(0) = -∞; negative input gives NaN.</summary>
    public static double Log(double x) => Math.Log(x);

    /// <summary>e^x. Derivative e^x.</summary>
    public static double Exp(double x) => Math.Exp(x);

    /// <summary>log(1 + x), accurate for small x. Derivative 1/(1 + x).</summary>
    public static double Log1p(double x) => double.LogP1(x);

    /// <summary>e^x − 1, accurate for small x. Derivative e^x.</summary>
    public static double Expm1(double x) => double.ExpM1(x);

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
    public static double Softplus(double x) => Math.Max(x, 0.0) + double.LogP1(Math.Exp(-Math.Abs(x)));

    /// <summary>Hyperbolic tangent. Derivative 1 − tanh²(x).</summary>
    public static double Tanh(double x) => Math.Tanh(x);

    /// <summary>log(cosh x) as |x| + log1p(e^−2|x|) − log 2 (no overflow; Keras's form). Derivative tanh(x).</summary>
    public static double LogCosh(double x)
    {
        double a = Math.Abs(x);
        return a + double.LogP1(Math.Exp(-2.0 * a)) - Math.Log(2.0);
    }

    /// <summary>
    /// x·log(y), with 0·log(y) = 0 for every y (so 0·log 0 = 0, as scipy/optax <c>xlogy</c>).
    /// Derivatives: log(y) for x and x/y for y, both 0 where x = 0.
    /// </summary>
    public static double Xlogy(double x, double y) => x == 0.0 ? 0.0 : x * Math.Log(y);

    /// <summary>
    /// x^y. With a constant integer exponent the generator multiplies out (x² is x·x); otherwise the
    /// kernels compute e^(y·log x) for x &gt; 0, with 0^y = 0 for y &gt; 0, 1 for y = 0 and +∞ for
    /// y &lt; 0; x &lt; 0 gives NaN there (unlike <see cref="Math.Pow"/> with an integer-valued y).
    /// Derivatives y·x^(y−1) (so 0 at x = 0 when y &gt; 1, and 1 when y = 1) and x^y·log x (0 at x = 0).
    /// </summary>
    public static double Pow(double x, double y) => Math.Pow(x, y);

    /// <summary>max(x, 0). Derivative 1 for x &gt; 0, else 0 (0 at the kink, as PyTorch and JAX).</summary>
    public static double Relu(double x) => x <= 0.0 ? 0.0 : x;

    /// <summary>−1, 0 or +1. Derivative 0 everywhere.</summary>
    public static double Sign(double x) => x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0;
}
