using System;
using System.Linq;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Images;

/// <summary>
/// PixelwiseCrossEntropy over any number of spatial dimensions, with class weights and label smoothing: against the
/// weighted, smoothed SparseSoftmaxCrossEntropy on the same data transposed to rows (PyTorch's CrossEntropyLoss(weight,
/// ignore_index, label_smoothing), tested against PyTorch elsewhere), central differences in double, every vector width
/// bit for bit, the plain 2-D overload bit for bit when there is nothing to weigh, and bad input.
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class PixelwiseVolumeTests
{
    private const int Ignore = -100;

    public static TheoryData<string, int, int, int[], bool, double> Cases()
    {
        var data = new TheoryData<string, int, int, int[], bool, double>();
        foreach (Type element in Data.ElementTypes)
        {
            data.Add(element.Name, 2, 5, [3, 4, 5], true, 0.1);   // a volume [N, C, D, H, W], weights and smoothing
            data.Add(element.Name, 3, 4, [37], true, 0.0);        // a sequence [N, C, L], weights alone
            data.Add(element.Name, 1, 21, [7, 9], false, 0.2);    // an image, smoothing alone
            data.Add(element.Name, 2, 3, [2, 3, 2, 5], true, 1.0); // four spatial dimensions, all smoothing
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_weighted_smoothed_row_loss_on_the_transposed_rows(string elementName, int n, int c, int[] spatial, bool weighted, double smoothing)
    {
        Type element = Data.ElementTypes.Single(t => t.Name == elementName);
        var random = new Random(n * 100 + c * 10 + spatial.Length);
        int pixels = spatial.Aggregate(1, (a, b) => a * b);
        double[] logits = Data.ToDouble(Data.ToArray(element, Enumerable.Range(0, n * c * pixels).Select(_ => 6 * random.NextDouble() - 3).ToArray()));
        int[] labels = Enumerable.Range(0, n * pixels).Select(_ => random.NextDouble() < 0.2 ? Ignore : random.Next(c)).ToArray();
        double[] weights = weighted ? Data.ToDouble(Data.ToArray(element, Enumerable.Range(0, c).Select(_ => 0.25 + 2 * random.NextDouble()).ToArray())) : Enumerable.Repeat(1.0, c).ToArray();
        double[] rows = ToRows(logits, n, c, pixels);
        (double relative, double absolute) = Data.Tolerance(element);
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            (double loss, double[] gradient, double[] losses, _) = Run(element, logits, labels, c, spatial, weighted ? weights : null, smoothing, reduction);
            Array rowGradient = Data.Filled(element, rows.Length, double.NaN);
            double expected = Data.ToDouble(RowLoss(element, rows, labels, c, weights, smoothing, reduction, rowGradient));
            Assert.True(Data.Close(expected, loss, relative, absolute), $"{reduction}: {loss:R} vs rows {expected:R}");
            double[] expectedGradient = FromRows(Data.ToDouble(rowGradient), n, c, pixels);
            for (int i = 0; i < gradient.Length; i++)
            {
                Assert.True(Data.Close(expectedGradient[i], gradient[i], relative, absolute), $"{reduction} gradient {i}: {gradient[i]:R} vs rows {expectedGradient[i]:R}");
            }

            // The unreduced losses add up to the sum.
            if (reduction == Reduction.Sum)
            {
                Assert.True(Data.Close(loss, losses.Sum(), relative, absolute * losses.Length), $"the losses add to {losses.Sum():R}, not {loss:R}");
                Assert.All(labels.Select((label, i) => (label, i)).Where(x => x.label == Ignore), x => Assert.Equal(0, losses[x.i]));
            }
        }
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void Gradient_matches_central_differences(Reduction reduction)
    {
        var random = new Random(5);
        int n = 2, c = 4;
        int[] spatial = [2, 3, 3];
        double[] logits = Enumerable.Range(0, n * c * 18).Select(_ => 4 * random.NextDouble() - 2).ToArray();
        int[] labels = Enumerable.Range(0, n * 18).Select(_ => random.NextDouble() < 0.15 ? Ignore : random.Next(c)).ToArray();
        double[] weights = [0.5, 2, 1, 3];
        var gradient = new double[logits.Length];
        Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, c, spatial, weights, 0.3, reduction);
        for (int i = 0; i < logits.Length; i++)
        {
            double h = 1e-6;
            double[] up = (double[])logits.Clone(), down = (double[])logits.Clone();
            up[i] += h;
            down[i] -= h;
            double derivative = (Losses.PixelwiseCrossEntropy(up, labels, c, spatial, weights, 0.3, reduction) - Losses.PixelwiseCrossEntropy(down, labels, c, spatial, weights, 0.3, reduction)) / (2 * h);
            Assert.True(Math.Abs(derivative - gradient[i]) <= 1e-7 + 1e-6 * Math.Abs(derivative), $"{reduction} [{i}]: {gradient[i]:R} vs {derivative:R}");
        }
    }

    [Theory]
    [InlineData("Single")]
    [InlineData("Double")]
    [InlineData("Half")]
    public void Every_vector_width_gives_the_same_bits(string elementName)
    {
        Type element = Data.ElementTypes.Single(t => t.Name == elementName);
        var random = new Random(9);
        int n = 2, c = 6;
        int[] spatial = [3, 7, 5]; // 105 voxels: every tail
        double[] logits = Enumerable.Range(0, n * c * 105).Select(_ => 6 * random.NextDouble() - 3).ToArray();
        int[] labels = Enumerable.Range(0, n * 105).Select(_ => random.NextDouble() < 0.1 ? Ignore : random.Next(c)).ToArray();
        double[] weights = Enumerable.Range(0, c).Select(_ => 0.5 + random.NextDouble()).ToArray();
        using (VectorWidth.Restored())
        {
            long[]? reference = null;
            foreach (int bits in new[] { 512, 256, 128, 0 })
            {
                VectorPaths.MaxBits = bits;
                long[] result = Run(element, logits, labels, c, spatial, weights, 0.1, Reduction.Mean).Bits;
                reference ??= result;
                Assert.True(reference.SequenceEqual(result), $"{elementName}: the {bits}-bit path differs from the 512-bit path");
            }
        }
    }

    [Fact]
    public void Without_weights_or_smoothing_any_split_of_the_pixels_is_the_plain_overloads_bits()
    {
        var random = new Random(3);
        float[] logits = Enumerable.Range(0, 2 * 5 * 60).Select(_ => (float)(6 * random.NextDouble() - 3)).ToArray();
        int[] labels = Enumerable.Range(0, 2 * 60).Select(_ => random.Next(5)).ToArray();
        float[] expectedGradient = new float[logits.Length], gradient = new float[logits.Length];
        float expected = Losses.PixelwiseCrossEntropyWithGradient(logits, labels, expectedGradient, 5, 6, 10);
        foreach (int[] spatial in new[] { new[] { 6, 10 }, [60], [3, 4, 5], [2, 3, 2, 5] })
        {
            float value = Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, 5, spatial);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(value));
            Assert.Equal(expectedGradient, gradient);
        }
    }

    [Fact]
    public void Zero_weights_for_every_counted_voxel_give_nan_for_the_mean_and_a_zero_gradient()
    {
        double[] logits = [1, 2, 3, 4, 5, 6];
        int[] labels = [0, 0];
        var gradient = new double[6];
        Assert.True(double.IsNaN(Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, 3, [1], [0.0, 1, 1])));
        Assert.All(gradient, g => Assert.Equal(0, g));
        Assert.Equal(0, Losses.PixelwiseCrossEntropy(logits, labels, 3, [1], [0.0, 1, 1], zeroWhenAllIgnored: true));
    }

    [Fact]
    public void Bad_shapes_weights_and_smoothing_throw_naming_them_before_anything_is_written()
    {
        float[] logits = new float[2 * 3 * 12];
        int[] labels = new int[24];
        float[] gradient = Enumerable.Repeat(7f, logits.Length).ToArray();
        Assert.Equal("spatialShape", Assert.Throws<ArgumentException>(() => Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, 3, ReadOnlySpan<int>.Empty)).ParamName);
        Assert.Equal("spatialShape", Assert.Throws<ArgumentOutOfRangeException>(() => Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, 3, [3, 0, 4])).ParamName);
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, 3, [5])).ParamName);
        Assert.Equal("classWeights", Assert.Throws<ArgumentException>(() => Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, 3, [3, 4], [1f, 1f])).ParamName);
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, 3, [3, 4], [1f, -1f, 1f]));
        Assert.Equal("classWeights", negative.ParamName);
        Assert.Contains("classWeights[1]", negative.Message);
#pragma warning disable LG0201 // the analyzer sees the bad constant too; the run-time check is what is tested here
        Assert.Equal("labelSmoothing", Assert.Throws<ArgumentOutOfRangeException>(() => Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, 3, [3, 4], labelSmoothing: 1.5)).ParamName);
#pragma warning restore LG0201
        labels[17] = 3;
        var label = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, 3, [2, 3, 2]));
        Assert.Contains("labels[17] (image 1, position [0, 2, 1]) is 3", label.Message);
        Assert.All(gradient, g => Assert.Equal(7f, g));
    }

    [Fact]
    public void Repeated_calls_allocate_nothing()
    {
        float[] logits = new float[2 * 4 * 30], gradient = new float[logits.Length], weights = [1, 2, 3, 4];
        int[] labels = new int[60];
        // The shape as an array made once: a collection expression in the call allocates per call in a Debug build.
        int[] spatial = [5, 6];
        void Call() => Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, 4, spatial, weights, 0.1);
        Allocations.AssertNoneInSteadyState(Call, calls: 10);
    }

    private static (double Loss, double[] Gradient, double[] Losses, long[] Bits) Run(Type element, double[] logits, int[] labels, int c, int[] spatial,
        double[]? weights, double smoothing, Reduction reduction)
    {
        Array x = Data.ToArray(element, logits);
        Array w = Data.ToArray(element, weights ?? []);
        Array gradient = Data.Filled(element, logits.Length, double.NaN);
        Array losses = Data.Filled(element, labels.Length, double.NaN);
        object loss, lossOnly;
        switch (x)
        {
            case float[] f:
                loss = Losses.PixelwiseCrossEntropyWithGradient(f, labels, (float[])gradient, c, spatial, (float[])w, smoothing, reduction);
                lossOnly = Losses.PixelwiseCrossEntropy(f, labels, c, spatial, (float[])w, smoothing, reduction);
                Losses.PixelwiseCrossEntropyElementwise(f, labels, (float[])losses, c, spatial, (float[])w, smoothing);
                break;
            case double[] d:
                loss = Losses.PixelwiseCrossEntropyWithGradient(d, labels, (double[])gradient, c, spatial, (double[])w, smoothing, reduction);
                lossOnly = Losses.PixelwiseCrossEntropy(d, labels, c, spatial, (double[])w, smoothing, reduction);
                Losses.PixelwiseCrossEntropyElementwise(d, labels, (double[])losses, c, spatial, (double[])w, smoothing);
                break;
            default:
                var hx = (Half[])x;
                loss = Losses.PixelwiseCrossEntropyWithGradient(hx, labels, (Half[])gradient, c, spatial, (Half[])w, smoothing, reduction);
                lossOnly = Losses.PixelwiseCrossEntropy(hx, labels, c, spatial, (Half[])w, smoothing, reduction);
                Losses.PixelwiseCrossEntropyElementwise(hx, labels, (Half[])losses, c, spatial, (Half[])w, smoothing);
                break;
        }

        Assert.Equal(Data.Bits(loss), Data.Bits(lossOnly));
        long[] bits = [Data.Bits(loss), .. Data.Bits(gradient), .. Data.Bits(losses)];
        return (Data.ToDouble(loss), Data.ToDouble(gradient), Data.ToDouble(losses), bits);
    }

    /// <summary>The class-weighted, smoothed softmax cross-entropy over rows [N·P, C], as PyTorch defines it.</summary>
    private static object RowLoss(Type element, double[] rows, int[] labels, int c, double[] weights, double smoothing, Reduction reduction, Array gradient)
        => Data.ToArray(element, rows) switch
        {
            float[] f => Losses.SparseSoftmaxCrossEntropyWithGradient(f, labels, (float[])gradient, c, (float[])Data.ToArray(element, weights), Ignore, smoothing, reduction),
            double[] d => Losses.SparseSoftmaxCrossEntropyWithGradient(d, labels, (double[])gradient, c, weights, Ignore, smoothing, reduction),
            Half[] h => Losses.SparseSoftmaxCrossEntropyWithGradient(h, labels, (Half[])gradient, c, (Half[])Data.ToArray(element, weights), Ignore, smoothing, reduction),
            _ => throw new ArgumentException(element.Name),
        };

    private static double[] ToRows(double[] x, int n, int c, int pixels)
    {
        var rows = new double[x.Length];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < c; k++)
            {
                for (int p = 0; p < pixels; p++)
                {
                    rows[(((long)i * pixels) + p) * c + k] = x[(((long)i * c) + k) * pixels + p];
                }
            }
        }

        return rows;
    }

    private static double[] FromRows(double[] rows, int n, int c, int pixels)
    {
        var x = new double[rows.Length];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < c; k++)
            {
                for (int p = 0; p < pixels; p++)
                {
                    x[(((long)i * c) + k) * pixels + p] = rows[(((long)i * pixels) + p) * c + k];
                }
            }
        }

        return x;
    }
}
