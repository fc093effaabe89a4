using System;
using LossGen;

namespace Consumer;

/// <summary>
/// Calls the package's call-site analyzers report. PackageTests.ExpectedCallSiteWarnings names the
/// warnings the build must show for this file.
/// </summary>
internal static class CallSiteCases
{
    /// <summary>Hinge takes labels ±1; these are {0, 1} (Keras converts them silently, LossGen does not).</summary>
    public static float HingeWithZeroOneLabels(ReadOnlySpan<float> scores)
        => Losses.Hinge(scores, new float[] { 0f, 1f, 1f, 0f });
}
