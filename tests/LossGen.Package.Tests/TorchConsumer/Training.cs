using LossGen;
using LossGen.TorchSharp;
using TorchSharp;
using static LossGen.LossMath;

namespace TorchConsumer;

public static partial class ConsumerLosses
{
    /// <summary>A declared loss: with LossGen.TorchSharp referenced, it gets a tensor form as well as its span overloads.</summary>
    [Loss]
    public static double ScaledSquare(double pred, [Target] double target, [Hyper] double scale = 1.0)
        => scale * Square(pred - target);
}

public static class Training
{
    /// <summary>Compiles only if the generator ran through the package's dependency and wrote the tensor forms.</summary>
    public static torch.Tensor Step(torch.Tensor pred, torch.Tensor target, torch.Tensor logits, torch.Tensor labels)
        => ConsumerLosses.ScaledSquare(pred, target, scale: 3.0)
            + ConsumerLosses.ScaledSquareElementwise(pred, target).sum()
            + TorchLosses.SparseSoftmaxCrossEntropy(logits, labels, labelSmoothing: 0.1);
}
