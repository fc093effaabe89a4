using System;

namespace LossGen;

// The row overloads: elementwise functions apply to every element (with the same kink rules as
// their scalar forms), and the reductions turn a row into one number.
public static partial class LossMath
{
    /// <summary>The number of elements of a row; inside a formula, the kernels' <c>rowLength</c>.</summary>
    public static double Length(Row x) => x.Length;

    /// <summary>Σ x. Its gradient is 1 for every element.</summary>
    public static double Sum(Row x)
    {
        double sum = 0;
        foreach (double v in x.AsSpan())
        {
            sum += v;
        }

        return sum;
    }

    /// <summary>Σ x / n. Its gradient is 1/n for every element.</summary>
    public static double Mean(Row x) => Sum(x) / x.Length;

    /// <summary>The largest element (NaN propagates). Its gradient is shared evenly by the elements that tie for the maximum (PyTorch's <c>amax</c>).</summary>
    public static double Max(Row x)
    {
        double max = double.NegativeInfinity;
        foreach (double v in x.AsSpan())
        {
            max = Math.Max(max, v);
        }

        return max;
    }

    /// <summary>The smallest element (NaN propagates). Its gradient is shared evenly by the elements that tie for the minimum.</summary>
    public static double Min(Row x)
    {
        double min = double.PositiveInfinity;
        foreach (double v in x.AsSpan())
        {
            min = Math.Min(min, v);
        }

        return min;
    }

    /// <summary>
    /// log Σ e^x, computed as m + log Σ e^(x − m) with m the largest element, so it never overflows; −∞ when
    /// every element is −∞. Its gradient is softmax(x). The kernels use the online (running-max) form in the
    /// same pass as the row's other reductions.
    /// </summary>
    public static double LogSumExp(Row x)
    {
        double m = Max(x);
        if (double.IsNegativeInfinity(m))
        {
            return m;
        }

        double sum = 0;
        foreach (double v in x.AsSpan())
        {
            sum += Math.Exp(v - m);
        }

        return m + Math.Log(sum);
    }

    /// <summary>Σ x·y. Gradients y and x.</summary>
    public static double Dot(Row x, Row y) => Sum(x * y);

    /// <summary>Σ x². Gradient 2x.</summary>
    public static double SquaredNorm(Row x) => Dot(x, x);

    /// <summary>
    /// The Euclidean norm √(Σ x²). Gradient x/‖x‖; at x = 0, where the norm has a kink, the gradient is 0
    /// (a subgradient, as PyTorch's <c>linalg.vector_norm</c> gives).
    /// </summary>
    public static double Norm(Row x) => Math.Sqrt(SquaredNorm(x));

    /// <summary>Σ (x − y)². Gradients 2(x − y) and −2(x − y).</summary>
    public static double SquaredDistance(Row x, Row y) => SquaredNorm(x - y);

    /// <summary>‖x − y‖. Gradient (x − y)/‖x − y‖, 0 where x = y (see <see cref="Norm(Row)"/>).</summary>
    public static double Distance(Row x, Row y) => Norm(x - y);

    /// <summary>e^(x − LogSumExp(x)): probabilities that sum to 1, computed without overflow.</summary>
    public static Row Softmax(Row x)
    {
        double lse = LogSumExp(x);
        return Row.Map(x, v => Math.Exp(v - lse));
    }

    /// <summary>x − LogSumExp(x): log-probabilities, exact where log(softmax(x)) would underflow to −∞.</summary>
    public static Row LogSoftmax(Row x) => x - LogSumExp(x);

    /// <summary>Elementwise <see cref="Log(double)"/>.</summary>
    public static Row Log(Row x) => Row.Map(x, Log);

    /// <summary>Elementwise <see cref="Exp(double)"/>.</summary>
    public static Row Exp(Row x) => Row.Map(x, Exp);

    /// <summary>Elementwise <see cref="Log1p(double)"/>.</summary>
    public static Row Log1p(Row x) => Row.Map(x, Log1p);

    /// <summary>Elementwise <see cref="Expm1(double)"/>.</summary>
    public static Row Expm1(Row x) => Row.Map(x, Expm1);

    /// <summary>Elementwise <see cref="Sqrt(double)"/>.</summary>
    public static Row Sqrt(Row x) => Row.Map(x, Sqrt);

    /// <summary>Elementwise <see cref="Square(double)"/>.</summary>
    public static Row Square(Row x) => Row.Map(x, Square);

    /// <summary>Elementwise <see cref="Abs(double)"/>.</summary>
    public static Row Abs(Row x) => Row.Map(x, Abs);

    /// <summary>Elementwise <see cref="Sigmoid(double)"/>.</summary>
    public static Row Sigmoid(Row x) => Row.Map(x, Sigmoid);

    /// <summary>Elementwise <see cref="LogSigmoid(double)"/>.</summary>
    public static Row LogSigmoid(Row x) => Row.Map(x, LogSigmoid);

    /// <summary>Elementwise <see cref="Softplus(double)"/>.</summary>
    public static Row Softplus(Row x) => Row.Map(x, Softplus);

    /// <summary>Elementwise <see cref="Tanh(double)"/>.</summary>
    public static Row Tanh(Row x) => Row.Map(x, Tanh);

    /// <summary>Elementwise <see cref="LogCosh(double)"/>.</summary>
    public static Row LogCosh(Row x) => Row.Map(x, LogCosh);

    /// <summary>Elementwise <see cref="Relu(double)"/>.</summary>
    public static Row Relu(Row x) => Row.Map(x, Relu);

    /// <summary>Elementwise <see cref="Sign(double)"/>.</summary>
    public static Row Sign(Row x) => Row.Map(x, Sign);

    /// <summary>Elementwise <see cref="Max(double, double)"/>.</summary>
    public static Row Max(Row a, Row b) => Row.Zip(a, b, Max);

    /// <summary>Elementwise <see cref="Max(double, double)"/> with a scalar.</summary>
    public static Row Max(Row a, double b) => Row.Map(a, v => Max(v, b));

    /// <summary>Elementwise <see cref="Max(double, double)"/> with a scalar.</summary>
    public static Row Max(double a, Row b) => Row.Map(b, v => Max(a, v));

    /// <summary>Elementwise <see cref="Min(double, double)"/>.</summary>
    public static Row Min(Row a, Row b) => Row.Zip(a, b, Min);

    /// <summary>Elementwise <see cref="Min(double, double)"/> with a scalar.</summary>
    public static Row Min(Row a, double b) => Row.Map(a, v => Min(v, b));

    /// <summary>Elementwise <see cref="Min(double, double)"/> with a scalar.</summary>
    public static Row Min(double a, Row b) => Row.Map(b, v => Min(a, v));

    /// <summary>Elementwise <see cref="Clamp(double, double, double)"/>.</summary>
    public static Row Clamp(Row x, double lo, double hi) => Row.Map(x, v => Clamp(v, lo, hi));

    /// <summary>Elementwise <see cref="Xlogy(double, double)"/> (0·log 0 = 0).</summary>
    public static Row Xlogy(Row x, Row y) => Row.Zip(x, y, Xlogy);

    /// <summary>Elementwise <see cref="MultiplyNoNaN(double, double)"/> (0 wherever y is 0).</summary>
    public static Row MultiplyNoNaN(Row x, Row y) => Row.Zip(x, y, MultiplyNoNaN);

    /// <summary>Elementwise <see cref="Pow(double, double)"/>.</summary>
    public static Row Pow(Row x, double y) => Row.Map(x, v => Pow(v, y));
}
