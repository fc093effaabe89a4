using LossGen;
using static LossGen.LossMath;

namespace Consumer;

/// <summary>A loss of the user's own: the generator in the package adds its span overloads here.</summary>
public static partial class ConsumerLosses
{
    /// <summary>scale · (pred − target)².</summary>
    [Loss]
    public static double ScaledSquare(double pred, [Target] double target, [Hyper] double scale = 1.0)
        => scale * Square(pred - target);
}
