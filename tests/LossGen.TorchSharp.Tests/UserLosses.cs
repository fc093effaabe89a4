using LossGen;
using static LossGen.LossMath;

namespace LossGen.TorchSharp.Tests;

/// <summary>Formulas a user declares in a project that references LossGen.TorchSharp: each gets tensor forms too.</summary>
public static partial class UserLosses
{
    /// <summary>A pseudo-Huber loss with a setting: δ²(√(1 + (d/δ)²) − 1).</summary>
    [Loss]
    public static double PseudoHuber(double pred, [Target] double target, [Hyper, Positive] double delta = 1.0)
    {
        var d = (pred - target) / delta;
        return delta * delta * (Sqrt(1 + d * d) - 1);
    }

    /// <summary>Two differentiable inputs: a weighted squared difference with a softplus, so both get gradients.</summary>
    [Loss]
    public static double TwoInputs(double a, double b, [Target] double t)
        => (a - t) * (a - t) + Softplus(b - a * t);

    /// <summary>A row formula: softmax cross-entropy with a temperature, from int labels.</summary>
    [Loss]
    public static double TemperedCrossEntropy(Row logits, int label, [Hyper, Positive] double temperature = 2.0)
        => LogSumExp(logits / temperature) - logits[label] / temperature;
}
