using System;
using System.Linq;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests;

/// <summary>The loop engine's promises that hold for every loss: accuracy, allocation, empty input, aliasing.</summary>
[Collection(VectorWidthCollection.Name)]
public sealed class EngineTests
{
    [Fact]
    public void The_float_mean_of_2_to_the_24_elements_is_within_1e_minus_6_of_a_double_reference()
    {
        const int n = 1 << 24;
        var pred = new float[n];
        var target = new float[n];
        var random = new Random(5);
        double reference = 0;
        for (int i = 0; i < n; i++)
        {
            pred[i] = (float)random.NextDouble();
            reference += (double)pred[i] * pred[i];
        }

        reference /= n;
        float naive = 0;
        for (int i = 0; i < n; i++)
        {
            naive += pred[i] * pred[i];
        }

        float mean = Losses.MeanSquaredError(pred, target);
        float meanWithGradient = Losses.MeanSquaredErrorWithGradient(pred, target, new float[n]);

        Assert.True(Math.Abs(mean - reference) / reference < 1e-6, $"mean {mean:R} vs reference {reference:R}");
        Assert.Equal(mean, meanWithGradient);
        // The same data summed by a plain float loop is far off: the check above has teeth.
        Assert.True(Math.Abs(naive / n - reference) / reference > 1e-3, $"naive {naive / n:R} vs reference {reference:R}");
    }

    [Fact]
    public void Repeated_calls_allocate_nothing()
    {
        float[] pf = new float[5000], tf = new float[5000], gf = new float[5000];
        double[] pd = new double[5000], td = new double[5000], gd = new double[5000], yd = Enumerable.Repeat(1.0, 5000).ToArray();
        Half[] ph = new Half[5000], th = new Half[5000], gh = new Half[5000];
        void All()
        {
            Losses.Huber(pf, tf, 0.5);
            Losses.HuberWithGradient(pf, tf, gf, 0.5);
            Losses.HuberElementwise(pf, tf, gf, 0.5);
            Losses.BinaryCrossEntropyWithLogitsWithGradient(pd, td, gd, 2.0, reduction: Reduction.Sum);
            Losses.MarginRankingWithGradient(pd, td, yd, gd, td);
            Losses.LogCoshWithGradient(ph, th, gh);
            Losses.LogCoshElementwise(ph, th, gh);
        }

        Allocations.AssertNoneInSteadyState(All, calls: 20);
    }

    [Fact]
    public void Empty_input_gives_NaN_for_the_mean_and_0_for_the_sum()
    {
        Assert.True(float.IsNaN(Losses.MeanSquaredError(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty)));
        Assert.True(double.IsNaN(Losses.HuberWithGradient(ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, Span<double>.Empty)));
        Assert.True(Half.IsNaN(Losses.MeanAbsoluteError(ReadOnlySpan<Half>.Empty, ReadOnlySpan<Half>.Empty)));
        Assert.Equal(0f, Losses.MeanSquaredError(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, Reduction.Sum));
        Assert.Equal(0.0, Losses.HuberWithGradient(ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, Span<double>.Empty, reduction: Reduction.Sum));
    }

    [Fact]
    public void An_undefined_reduction_is_rejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.MeanSquaredError(new float[3], new float[3], (Reduction)7));
        Assert.Equal("reduction", e.ParamName);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(0)]
    public void A_gradient_may_overwrite_its_own_input(int vectorBits)
    {
        using (VectorWidth.Restored())
        {
            VectorPaths.MaxBits = vectorBits;
            var random = new Random(vectorBits);
            for (int n = 0; n < 300; n += 7)
            {
                float[] pred = new float[n], target = new float[n], gradient = new float[n];
                for (int i = 0; i < n; i++)
                {
                    pred[i] = (float)random.NextDouble();
                    target[i] = (float)random.NextDouble();
                }

                float expected = Losses.LogCoshWithGradient(pred, target, gradient);
                float inPlace = Losses.LogCoshWithGradient(pred, target, pred);
                Assert.Equal(expected, inPlace);
                Assert.Equal(gradient, pred);
            }
        }
    }
}
