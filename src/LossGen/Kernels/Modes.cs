namespace LossGen.Kernels;

/// <summary>Whether an engine's pass computes gradients; a type parameter so the JIT drops the unused half.</summary>
internal interface IMode
{
    static abstract bool WithGradient { get; }
}

/// <summary>The loss only: nothing is written but the result (and per-element losses, when asked).</summary>
internal readonly struct LossOnly : IMode
{
    public static bool WithGradient => false;
}

/// <summary>The loss and the gradients, in one pass.</summary>
internal readonly struct LossAndGradient : IMode
{
    public static bool WithGradient => true;
}
