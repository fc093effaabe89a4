using TorchSharp;

namespace LossGen.Benchmarks;

/// <summary>
/// What the TorchSharp (libtorch, CPU) baselines share. Each has its own [GlobalSetup] so the LossGen benchmarks'
/// processes never load libtorch. Each call is a training step's loss work: forward, backward into the input's
/// gradient, and the gradient dropped after (as zero_grad does by default), every temporary disposed in a scope.
/// </summary>
internal static class TorchSharpBaseline
{
    /// <summary>One thread, like LossGen's kernels (CTC's automatic mode aside): libtorch's intra-op pool would take every core.</summary>
    public static void Setup() => torch.set_num_threads(1);

    /// <summary>Throws when the two losses differ by more than 1e-4 relative: the two would not be timing the same loss.</summary>
    public static void Agree(string loss, double lossGen, double torchSharp) => Agreement.Check(loss, lossGen, "TorchSharp", torchSharp);
}
