using System;

namespace LossGen.Benchmarks;

/// <summary>The check every baseline's [GlobalSetup] makes: a baseline that computes another loss would time other work.</summary>
internal static class Agreement
{
    /// <summary>Throws when the two losses differ by more than 1e-4 relative.</summary>
    public static void Check(string loss, double lossGen, string baseline, double value)
    {
        if (Math.Abs(lossGen - value) > 1e-4 * Math.Abs(lossGen))
        {
            throw new InvalidOperationException($"{loss}: LossGen {lossGen} and {baseline} {value} disagree");
        }
    }
}
