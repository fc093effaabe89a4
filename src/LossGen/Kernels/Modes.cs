namespace LossGen.Kernels;

/// <summary>Whether an engine's pass computes gradients, and how it stores them; types so the JIT drops the unused code.</summary>
internal interface IMode
{
    static abstract bool WithGradient { get; }

    /// <summary>Gradients go out with aligned non-temporal stores: the destinations are pinned and aligned (elementwise engine only).</summary>
    static abstract bool NonTemporal { get; }
}

/// <summary>The loss only: nothing is written but the result (and per-element losses, when asked).</summary>
internal readonly struct LossOnly : IMode
{
    public static bool WithGradient => false;

    public static bool NonTemporal => false;
}

/// <summary>The loss and the gradients, in one pass.</summary>
internal readonly struct LossAndGradient : IMode
{
    public static bool WithGradient => true;

    public static bool NonTemporal => false;
}

/// <summary>The loss and the gradients, the gradients written with non-temporal stores.</summary>
internal readonly struct NonTemporalGradient : IMode
{
    public static bool WithGradient => true;

    public static bool NonTemporal => true;
}
