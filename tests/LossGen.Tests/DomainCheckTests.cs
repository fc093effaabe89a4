using System;
using System.Linq;
using Xunit;

// These tests pass out-of-domain constants on purpose, to see the run-time check the analyzer warns about.
#pragma warning disable LG0201

namespace LossGen.Tests;

/// <summary>
/// Inputs declared [PlusOrMinusOne], [Probability] or [NonNegative] are checked before the kernel runs: the first
/// value outside the domain throws, naming the parameter, its index and its value, and nothing is written.
/// </summary>
public sealed class DomainCheckTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(1000)]
    [InlineData(1022)]
    public void Hinge_labels_that_are_not_plus_or_minus_one_throw_at_the_first_bad_index(int bad)
    {
        float[] pred = new float[1023], labels = Enumerable.Range(0, 1023).Select(i => i % 3 == 0 ? -1f : 1f).ToArray();
        labels[bad] = 0;
        if (bad + 3 < labels.Length)
        {
            labels[bad + 3] = 2; // a later bad value is not the one reported
        }

        float[] gradient = Enumerable.Repeat(float.NaN, 1023).ToArray();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.HingeWithGradient(pred, labels, gradient));
        Assert.Equal("target", e.ParamName);
        Assert.Contains($"'target'[{bad}] is 0", e.Message);
        Assert.Contains("-1 or +1", e.Message);
        Assert.All(gradient, g => Assert.True(float.IsNaN(g)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.Hinge(pred, labels));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.HingeElementwise(pred, labels, gradient));
    }

    [Fact]
    public void Probabilities_outside_zero_one_and_nan_throw_in_every_element_type()
    {
        double[] pred = [0.5, 0.25, 0.75], target = [0, 1, 1.5];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.BinaryCrossEntropy(pred, target));
        Assert.Contains("'target'[2] is 1.5", e.Message);
        var nan = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.BinaryCrossEntropyWithLogits(new float[] { 0, 0 }, new float[] { 1, float.NaN }));
        Assert.Contains("'target'[1] is NaN", nan.Message);
        var half = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.BinaryCrossEntropy(new Half[] { (Half)(-0.5f) }, new Half[] { Half.One }));
        Assert.Equal("pred", half.ParamName);
    }

    [Fact]
    public void Negative_counts_throw_and_valid_inputs_do_not()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.PoissonWithLogInput(new double[4], new double[] { 0, 1, 2, -1 }));
        Assert.Contains("'target'[3] is -1", e.Message);
        Assert.Equal(0.0, Losses.PoissonWithLogInput(new double[4], new double[] { 0, 0, 0, 0 }, reduction: Reduction.Sum) - 4.0, 12);
        Assert.True(float.IsFinite(Losses.Hinge(new float[] { 0.5f }, new float[] { -1f })));
    }
}
