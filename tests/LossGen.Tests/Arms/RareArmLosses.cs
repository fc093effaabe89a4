using static LossGen.LossMath;

namespace LossGen.Tests.Arms;

/// <summary>
/// Formulas whose costlier arm is rare: the kernels test for it per vector and skip it when no lane takes it. Their
/// inputs (see <see cref="SelectArmTests"/>) take the rare arm in scattered lanes, in whole runs and nowhere.
/// </summary>
public static partial class RareArmLosses
{
    /// <summary>The rare arm is the true one: a softplus and a division past x = 2.</summary>
    [Loss]
    public static double RareTrue(double x, [Target] double t)
        => x > 2 ? Log1p(Exp(x)) * t / (1 + x * x) : 0.5 * x * x * t;

    /// <summary>The rare arm is the false one, with a log and an exp; the common one is a square.</summary>
    [Loss]
    public static double RareFalse(double x, [Target] double t)
        => Abs(x) <= 2 ? x * x - t * x : Exp(2 - Abs(x)) * (3 + t) + Log(Abs(x)) + 2 * Abs(x);

    /// <summary>Two arms that read each other through their selects: at most one of them can be skipped.</summary>
    [Loss]
    public static double Interlocked(double x, [Target] double t)
    {
        var a = x > 2 ? Exp(x - 2) : 0.0;
        var b = t > 0 ? Log1p(x * x + a) : 0.0;
        return a + (x > 2 ? Exp(0.5 * b) : 0.0);
    }

    /// <summary>A select inside the rare arm, and a second condition whose arm holds an exp of its own.</summary>
    [Loss]
    public static double Nested(double x, [Target] double t)
    {
        var inner = t > 0 ? Exp(-x) : Tanh(x);
        var outer = x > 2 ? inner * Sqrt(x) + Exp(x - 2) : x * t;
        return outer + (t > 0.5 ? Log1p(x * x) : 0.0);
    }
}
