using System;

namespace LossGen.Tests.Infrastructure;

/// <summary>Where each catalogue loss's inputs live: the values the tests draw for input k of a loss.</summary>
internal static class Domains
{
    public static double Sample(string loss, int input, Random random)
    {
        double uniform = random.NextDouble();
        return (loss, input) switch
        {
            ("BinaryCrossEntropy", 0) => 0.001 + 0.998 * uniform,
            ("BinaryCrossEntropy" or "BinaryCrossEntropyWithLogits" or "BinaryFocalWithLogits", 1) => uniform,
            ("Hinge" or "SquaredHinge" or "SoftMargin" or "HingeEmbedding", 1) or ("MarginRanking", 2) => uniform < 0.5 ? -1 : 1,
            ("GaussianNll", 2) => 0.05 + 3 * uniform,
            ("Poisson", 0) => 0.05 + 4 * uniform,
            ("Poisson" or "PoissonWithLogInput", 1) => Math.Floor(6 * uniform),
            ("MeanSquaredLogarithmicError", _) => 0.01 + 5 * uniform,
            ("MeanAbsolutePercentageError", 1) => (uniform < 0.5 ? -1 : 1) * (0.5 + 3 * random.NextDouble()),
            _ => 8 * uniform - 4,
        };
    }
}
