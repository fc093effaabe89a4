using static LossGen.LossMath;

namespace LossGen.Tests.Rows;

/// <summary>
/// Row formulas a user might write, beyond the catalogue's: nested passes, minima and maxima, norms, two
/// labels, a per-row value, five reductions of one pass (the schedule moves one on), selects on settings,
/// two softmaxes.
/// Tested exactly like the catalogue.
/// </summary>
public static partial class UserRowLosses
{
    /// <summary>Cross-entropy minus the entropy of the prediction: the entropy needs the log-sum-exp first (two passes).</summary>
    [Loss]
    public static double EntropyPenalized(Row z, int label, [Hyper] double beta = 0.3)
    {
        var lse = LogSumExp(z);
        return lse - z[label] - beta * (lse - Dot(Softmax(z), z));
    }

    /// <summary>Two temperatures: two log-sum-exps in one pass whose softmaxes meet in the gradient (one of them is kept from the pass).</summary>
    [Loss]
    public static double TwoTemperatures(Row z, int label, [Hyper] double mix = 0.5)
        => ((1 - mix) * (LogSumExp(z) - z[label])) + (mix * (LogSumExp(2 * z) - (2 * z[label])));

    /// <summary>Range, spread and a centred square norm: max, min, mean, then a second pass around the mean.</summary>
    [Loss]
    public static double Spread(Row x, [Target] Row t)
    {
        var centred = x - Mean(x);
        return Max(x) - Min(x) + 0.1 * Norm(centred) + 0.01 * SquaredDistance(x, t) / Length(x);
    }

    /// <summary>Five sums of one pass (the engine folds four per pass, so one moves to the next) and a per-row weight.</summary>
    [Loss]
    public static double FiveSums(Row a, Row b, [Target] double weight)
        => weight * (Sum(a) * 0.1 + Dot(a, b) / (1 + SquaredNorm(a)) + Sum(Square(b)) * 0.01 + Sum(Abs(a - b)) * 0.05);

    /// <summary>Two labels per row (a margin between two classes) and a select on a setting.</summary>
    [Loss]
    public static double TwoLabels(Row z, int positive, int negative, [Hyper] double squared = 0)
    {
        var margin = Relu(1 - z[positive] + z[negative]);
        return squared != 0 ? margin * margin : margin;
    }

    /// <summary>Elementwise functions on rows, clamps and a power with a hyperparameter exponent.</summary>
    [Loss]
    public static double Elementwise(Row p, [Target] Row t, [Hyper] double gamma = 1.5)
    {
        var q = Clamp(Sigmoid(p), 0.01, 0.99);
        return Sum(Pow(1 - q, gamma) * t * Log(q)) / -Length(p) + Mean(LogCosh(p - t)) + Max(Softplus(p)) * 0.1;
    }
}
