using LossGen;
using static LossGen.LossMath;

namespace TorchSharpTraining;

/// <summary>A loss declared by the user: in a project referencing LossGen.TorchSharp it also gets a tensor form with autograd.</summary>
public static partial class SampleLosses
{
    /// <summary>
    /// Pseudo-Huber: δ²(√(1 + (d/δ)²) − 1), d = pred − target. Quadratic near 0 and linear past δ, like Huber,
    /// but smooth everywhere, so a few wild targets pull on the fit with a bounded force.
    /// </summary>
    [Loss]
    public static double PseudoHuber(double pred, [Target] double target, [Hyper, Positive] double delta = 1.0)
    {
        var d = (pred - target) / delta;
        return delta * delta * (Sqrt(1 + d * d) - 1);
    }
}
