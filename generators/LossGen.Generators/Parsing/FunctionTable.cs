using System;
using System.Collections.Generic;
using LossGen.Generators.Ir;

namespace LossGen.Generators.Parsing;

/// <summary>
/// The functions a formula may call, by name, and how each becomes IR. Compound functions are
/// lowered to stable primitive forms here, once, so the differentiator needs rules only for the
/// primitives and the derivative inherits the stability; softplus and sigmoid stay whole until after
/// differentiation (see <see cref="Ir.Lowering"/>).
/// </summary>
internal static class FunctionTable
{
    private static readonly Dictionary<string, (int Arity, Func<Graph, int[], int> Lower)> s_lossMath = new(StringComparer.Ordinal)
    {
        ["Log"] = (1, (g, a) => g.Unary(Op.Log, a[0])),
        ["Exp"] = (1, (g, a) => g.Unary(Op.Exp, a[0])),
        ["Log1p"] = (1, (g, a) => g.Unary(Op.Log1p, a[0])),
        ["Expm1"] = (1, (g, a) => g.Unary(Op.Expm1, a[0])),
        ["Sqrt"] = (1, (g, a) => g.Unary(Op.Sqrt, a[0])),
        ["Abs"] = (1, (g, a) => g.Unary(Op.Abs, a[0])),
        ["Tanh"] = (1, (g, a) => g.Unary(Op.Tanh, a[0])),
        ["Square"] = (1, (g, a) => g.Multiply(a[0], a[0])),
        ["Max"] = (2, (g, a) => g.Max(a[0], a[1])),
        ["Min"] = (2, (g, a) => g.Min(a[0], a[1])),
        ["Clamp"] = (3, (g, a) => Clamp(g, a[0], a[1], a[2])),
        ["Sigmoid"] = (1, (g, a) => g.Unary(Op.Sigmoid, a[0])),
        ["Softplus"] = (1, (g, a) => g.Unary(Op.Softplus, a[0])),
        ["LogSigmoid"] = (1, (g, a) => g.Negate(g.Unary(Op.Softplus, g.Negate(a[0])))),
        ["LogCosh"] = (1, (g, a) => LogCosh(g, a[0])),
        ["Xlogy"] = (2, (g, a) => g.Select(g.Compare(Op.Equal, a[0], g.Zero), g.Zero, g.Multiply(a[0], g.Unary(Op.Log, a[1])))),
        ["MultiplyNoNaN"] = (2, (g, a) => MultiplyNoNaN(g, a[0], a[1])),
        ["Pow"] = (2, (g, a) => Pow(g, a[0], a[1])),
        ["Relu"] = (1, (g, a) => g.Select(g.Compare(Op.LessThanOrEqual, a[0], g.Zero), g.Zero, a[0])),
        ["Sign"] = (1, (g, a) => Differentiator.Sign(g, a[0])),
    };

    /// <summary>The LossMath functions on rows whose arity sets them apart from an elementwise function of the same name.</summary>
    private static readonly Dictionary<string, (int Arity, Func<Graph, int[], int> Lower)> s_rows = new(StringComparer.Ordinal)
    {
        ["Length"] = (1, (g, a) => g.RowLength()),
        ["Sum"] = (1, (g, a) => g.Reduce(Op.ReduceSum, a[0])),
        ["Mean"] = (1, (g, a) => g.Divide(g.Reduce(Op.ReduceSum, a[0]), g.RowLength())),
        ["Max"] = (1, (g, a) => g.Reduce(Op.ReduceMax, a[0])),
        ["Min"] = (1, (g, a) => g.Reduce(Op.ReduceMin, a[0])),
        ["LogSumExp"] = (1, (g, a) => g.Reduce(Op.LogSumExp, a[0])),
        ["Dot"] = (2, (g, a) => g.Reduce(Op.ReduceSum, g.Multiply(a[0], a[1]))),
        ["SquaredNorm"] = (1, (g, a) => g.Reduce(Op.ReduceSum, g.Multiply(a[0], a[0]))),
        ["Norm"] = (1, (g, a) => Norm(g, g.Reduce(Op.ReduceSum, g.Multiply(a[0], a[0])))),
        ["SquaredDistance"] = (2, (g, a) => SquaredDistance(g, a[0], a[1])),
        ["Distance"] = (2, (g, a) => Norm(g, SquaredDistance(g, a[0], a[1]))),
        ["Softmax"] = (1, (g, a) => g.Unary(Op.Exp, g.Subtract(a[0], g.Reduce(Op.LogSumExp, a[0])))),
        ["LogSoftmax"] = (1, (g, a) => g.Subtract(a[0], g.Reduce(Op.LogSumExp, a[0]))),
    };

    /// <summary>The System.Math functions that mean the same as their LossMath twins.</summary>
    private static readonly HashSet<string> s_math = new(StringComparer.Ordinal)
    {
        "Log", "Exp", "Sqrt", "Abs", "Tanh", "Max", "Min", "Clamp", "Pow", "Sign",
    };

    public static bool TryLower(string containingType, string name, Graph g, int[] arguments, out int result)
    {
        if (containingType == "LossGen.LossMath" && s_rows.TryGetValue(name, out var row) && row.Arity == arguments.Length)
        {
            result = row.Lower(g, arguments);
            return true;
        }

        bool known = containingType switch
        {
            "LossGen.LossMath" => s_lossMath.ContainsKey(name),
            "System.Math" => s_math.Contains(name),
            _ => false,
        };
        if (!known || s_lossMath[name].Arity != arguments.Length)
        {
            result = -1;
            return false;
        }

        result = s_lossMath[name].Lower(g, arguments);
        return true;
    }

    /// <summary>x &lt; lo ? lo : x &gt; hi ? hi : x, so the gradient reaches x on the closed interval.</summary>
    private static int Clamp(Graph g, int x, int lo, int hi)
        => g.Select(g.Compare(Op.LessThan, x, lo), lo, g.Select(g.Compare(Op.GreaterThan, x, hi), hi, x));

    /// <summary>
    /// log cosh x: up to |x| = 1/8 its Taylor series x²/2 − x⁴/12 + … (seven terms, past double's precision there), and
    /// beyond it Keras's |x| + log1p(e^−2|x|) − log 2, which never overflows but would lose the digits of x²/2 below:
    /// the same exp and log1p as Keras's form alone, plus seven multiply-adds. The derivative is tanh(x), 0 at 0.
    /// </summary>
    /// <remarks>
    /// Keras's form cancels a − log 2 against log1p(e^−2a): at a = 1/8 it loses 6 bits (float: 4e-6 relative), and at
    /// a = 1e-7 in float all of them (0 for 5e-15). LossMath.LogCosh, the reference, takes expm1 instead; a vector expm1
    /// and the divisions around it cost 2.7x the whole kernel.
    /// </remarks>
    private static int LogCosh(Graph g, int x)
    {
        int a = g.Unary(Op.Abs, x);
        int keras = g.Subtract(g.Add(a, g.Unary(Op.Log1p, g.Unary(Op.Exp, g.Multiply(g.Constant(-2), a)))), g.Constant(Math.Log(2)));
        int u = g.Multiply(x, x);
        int series = g.Constant(s_logCoshSeries[^1]);
        for (int k = s_logCoshSeries.Length - 2; k >= 0; k--)
        {
            series = g.Add(g.Multiply(series, u), g.Constant(s_logCoshSeries[k]));
        }

        return g.Select(g.Compare(Op.LessThanOrEqual, a, g.Constant(0.125)), g.Multiply(u, series), keras);
    }

    /// <summary>
    /// The coefficients of x², x⁴, …, x¹⁴ in log cosh x: 2^2n·(2^2n − 1)·B_2n / (2n·(2n)!), B the Bernoulli numbers. At
    /// |x| = 1/8 the first term left out is 4e-17 of the value.
    /// </summary>
    private static readonly double[] s_logCoshSeries =
    [
        1.0 / 2, -1.0 / 12, 1.0 / 45, -17.0 / 2520, 31.0 / 14175, -691.0 / 935550, 10922.0 / 42567525,
    ];

    /// <summary>
    /// y = 0 and x not finite ? 0 : x·y. A finite x times a zero y is the product itself (±0), so the derivative
    /// for y stays x there; only where the product would be NaN is it 0 by rule, with no derivative.
    /// </summary>
    private static int MultiplyNoNaN(Graph g, int x, int y)
    {
        int notFinite = g.Not(g.Compare(Op.LessThan, g.Unary(Op.Abs, x), g.Constant(double.PositiveInfinity)));
        return g.Select(g.And(g.Compare(Op.Equal, y, g.Zero), notFinite), g.Zero, g.Multiply(x, y));
    }

    /// <summary>√s, with the gradient 0 where s = 0: the norm's kink gets a subgradient instead of 0/0.</summary>
    private static int Norm(Graph g, int squared)
        => g.Select(g.Compare(Op.LessThanOrEqual, squared, g.Zero), g.Zero, g.Unary(Op.Sqrt, squared));

    private static int SquaredDistance(Graph g, int x, int y)
    {
        int d = g.Subtract(x, y);
        return g.Reduce(Op.ReduceSum, g.Multiply(d, d));
    }

    /// <summary>A small integer power multiplies out; ½ is a square root; anything else is the Pow primitive.</summary>
    private static int Pow(Graph g, int x, int y)
    {
        if (g[y].IsConstant)
        {
            double p = g[y].Value;
            if (p == Math.Floor(p) && Math.Abs(p) <= 64)
            {
                int n = (int)Math.Abs(p), result = g.One, square = x;
                for (; n > 0; n >>= 1)
                {
                    if ((n & 1) != 0)
                    {
                        result = g.Multiply(result, square);
                    }

                    if (n > 1)
                    {
                        square = g.Multiply(square, square);
                    }
                }

                return p < 0 ? g.Divide(g.One, result) : result;
            }

            if (p == 0.5)
            {
                return g.Unary(Op.Sqrt, x);
            }
        }

        return g.Pow(x, y);
    }
}
