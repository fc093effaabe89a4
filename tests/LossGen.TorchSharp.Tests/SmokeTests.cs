using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LossGen.TorchSharp.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Mse_matches_torch_and_fills_grad()
    {
        Torch.Seed(1);
        Tensor pred = randn(5, 3, dtype: ScalarType.Float64), target = randn(5, 3, dtype: ScalarType.Float64);
        Tensor x = Torch.Leaf(pred), y = Torch.Leaf(pred);
        Tensor ours = TorchLosses.MeanSquaredError(x, target);
        Tensor theirs = nn.functional.mse_loss(y, target);
        ours.backward();
        theirs.backward();
        Torch.Close("loss", theirs, ours, 1e-14);
        Torch.Close("grad", y.grad!, x.grad!, 1e-14);
    }
}
