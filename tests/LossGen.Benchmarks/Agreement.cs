using System;

namespace LossGen.Benchmarks;

/// <summary>The check every baseline's [GlobalSetup] makes: a baseline that computes another loss would time other work.</summary>
internal static class Agreement
{
    /// <summary>Throws when the two losses differ by more than <paramref name="relative"/> (1e-4 unless the baseline's own formula is known to lose digits).</summary>
    public static void Check(string loss, double lossGen, string baseline, double value, double relative = 1e-4)
    {
        if (Math.Abs(lossGen - value) > relative * Math.Abs(lossGen))
        {
            throw new InvalidOperationException($"{loss}: LossGen {lossGen} and {baseline} {value} disagree");
        }
    }
}
