using System;
using System.Linq;
using Xunit;

namespace LossGen.Tests.Rows;

/// <summary>
/// BinaryCrossEntropyWithLogits with one pos_weight per class, against PyTorch's definition written out in double: each
/// element's loss w_c·y·softplus(−x) + (1 − y)·softplus(x), the mean over all batch·C elements or their sum.
/// </summary>
public sealed class ClassWeightedBceTests
{
    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    private static double Element(double x, double y, double w) => w * y * Softplus(-x) + (1 - y) * Softplus(x);

    [Fact]
    public void Loss_and_gradient_are_pytorchs_over_every_element()
    {
        double[] logits = [1.5, -0.5, 2.0, -3.0, 0.25, 0.0], target = [1.0, 0.0, 0.3, 1.0, 0.0, 0.5], weights = [2.0, 0.5, 1.0];
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            double scale = reduction == Reduction.Mean ? 1.0 / logits.Length : 1.0;
            double expected = Enumerable.Range(0, logits.Length).Sum(i => Element(logits[i], target[i], weights[i % 3])) * scale;
            double[] gradient = new double[6];
            Assert.Equal(expected, Losses.BinaryCrossEntropyWithLogits(logits, target, weights, reduction: reduction), 12);
            Assert.Equal(expected, Losses.BinaryCrossEntropyWithLogitsWithGradient(logits, target, gradient, weights, reduction: reduction), 12);
            for (int i = 0; i < logits.Length; i++)
            {
                // d/dx = (1 − y)·σ(x) − w·y·σ(−x)
                double sigmoid = 1 / (1 + Math.Exp(-logits[i]));
                double derivative = (1 - target[i]) * sigmoid - weights[i % 3] * target[i] * (1 - sigmoid);
                Assert.Equal(derivative * scale, gradient[i], 12);
            }
        }
    }

    [Fact]
    public void Bad_weights_and_shapes_name_the_parameter()
    {
        float[] logits = new float[6], target = new float[6], gradient = [9, 9, 9, 9, 9, 9];
        Assert.Equal("posWeight", Assert.Throws<ArgumentException>(() => Losses.BinaryCrossEntropyWithLogits(logits, target, posWeight: ReadOnlySpan<float>.Empty)).ParamName);
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => Losses.BinaryCrossEntropyWithLogits(logits, target, posWeight: [1f, 1f, 1f, 1f])).ParamName);
#pragma warning disable LG0201 // the analyzer sees the negative weight too; the run-time check is what is tested here
        Assert.Equal("posWeight", Assert.Throws<ArgumentOutOfRangeException>(() => Losses.BinaryCrossEntropyWithLogitsWithGradient(logits, target, gradient, posWeight: [1f, -1f, 1f])).ParamName);
#pragma warning restore LG0201
        Assert.Equal("reduction", Assert.Throws<ArgumentOutOfRangeException>(() => Losses.BinaryCrossEntropyWithLogitsWithGradient(logits, target, gradient, posWeight: [1f, 1f, 1f], reduction: (Reduction)2)).ParamName);
        Assert.All(gradient, g => Assert.Equal(9f, g));
    }
}
