using System;

namespace LossGen.Kernels;

/// <summary>The one check of a <see cref="Reduction"/> argument, shared by every engine and hand-written loss.</summary>
internal static class ReductionChecks
{
    /// <summary>Throws unless <paramref name="reduction"/> is Mean or Sum.</summary>
    public static void ThrowIfNotMeanOrSum(Reduction reduction)
    {
        if (reduction is not (Reduction.Mean or Reduction.Sum))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "The reduction must be Reduction.Mean or Reduction.Sum.");
        }
    }

    /// <summary>Throws unless <paramref name="reduction"/> is one of <see cref="WeightedReduction"/>'s values.</summary>
    public static void ThrowIfUndefined(WeightedReduction reduction)
    {
        if (reduction is not (WeightedReduction.Mean or WeightedReduction.SumOverBatchSize or WeightedReduction.Sum))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "The reduction must be WeightedReduction.Mean, SumOverBatchSize or Sum.");
        }
    }

    /// <summary>
    /// What a weighted total is divided by: Σw (<paramref name="weightSum"/>, read only for the mean), the count, or 1.
    /// The gradients are scaled by its reciprocal.
    /// </summary>
    public static double Divisor(WeightedReduction reduction, int count, double weightSum) => reduction switch
    {
        WeightedReduction.Mean => weightSum,
        WeightedReduction.SumOverBatchSize => count,
        _ => 1,
    };
}
