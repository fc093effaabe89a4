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
}
