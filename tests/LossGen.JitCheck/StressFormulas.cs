namespace LossGen.JitCheck;

/// <summary>
/// Formulas at the generator's limits, compiled by this project's own generator run: the check covers them as it covers
/// the catalogue.
/// </summary>
public static partial class StressFormulas
{
    /// <summary>
    /// Near the longest kernel that still inlines two transcendental functions (log-cosh's series, with its exp and log1p,
    /// and a few more operations: 60 statements with the gradient, the generator's limit for two), in float and double.
    /// </summary>
    [Loss]
    public static double NearTheLimit(double pred, [Target] double target, [Hyper] double scale = 1.0)
        => LossMath.LogCosh(pred - target) + scale * pred * pred;

    /// <summary>Two tanhs, the largest of the inlined functions, in a kernel near the same limit.</summary>
    [Loss]
    public static double TwoTanhs(double pred, [Target] double target, [Hyper] double scale = 1.0)
        => LossMath.Tanh(pred - target) * LossMath.Tanh(scale * pred) * (1 + pred * (0.5 + pred * (0.25 + pred * (0.125 + pred * (0.0625 + pred * (0.03125 + pred * (0.015625 + pred * (0.0078125 + pred * 0.00390625))))))));
}
