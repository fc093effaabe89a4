using System;
using System.Collections.Generic;
using System.Linq;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Images;

/// <summary>
/// Perceptual over concatenated layers: a double reference, the weighted sum of MeanSquaredError per layer, central
/// differences, every vector width, Half against float, validation and allocations.
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class PerceptualTests
{
    private static double[] Random(int seed, int length) { var r = new Random(seed); return Enumerable.Range(0, length).Select(_ => 2 * r.NextDouble() - 1).ToArray(); }

    private static (double Loss, double[] Gradient) Reference(double[] pred, double[] target, int[] lengths, double[] weights, Reduction reduction)
    {
        double loss = 0;
        var gradient = new double[pred.Length];
        int offset = 0;
        for (int l = 0; l < lengths.Length; l++)
        {
            double scale = reduction == Reduction.Mean ? 1.0 / lengths[l] : 1;
            double sum = 0;
            for (int i = offset; i < offset + lengths[l]; i++)
            {
                double d = pred[i] - target[i];
                sum += d * d;
                gradient[i] = 2 * weights[l] * d * scale;
            }
            loss += weights[l] * sum * scale;
            offset += lengths[l];
        }
        return (loss, gradient);
    }

    private static (object Loss, Array Gradient) Run(Type element, double[] pred, double[] target, int[] lengths, double[] weights, Reduction reduction)
    {
        Array p = Data.ToArray(element, pred), t = Data.ToArray(element, target);
        Array g = Data.Filled(element, pred.Length, double.NaN);
        object loss, lossOnly;
        switch (p)
        {
            case float[] f:
                loss = Losses.PerceptualWithGradient(f, (float[])t, (float[])g, lengths, weights, reduction);
                lossOnly = Losses.Perceptual(f, (float[])t, lengths, weights, reduction);
                break;
            case double[] d:
                loss = Losses.PerceptualWithGradient(d, (double[])t, (double[])g, lengths, weights, reduction);
                lossOnly = Losses.Perceptual(d, (double[])t, lengths, weights, reduction);
                break;
            default:
                loss = Losses.PerceptualWithGradient((Half[])p, (Half[])t, (Half[])g, lengths, weights, reduction);
                lossOnly = Losses.Perceptual((Half[])p, (Half[])t, lengths, weights, reduction);
                break;
        }
        Assert.Equal(Data.Bits(loss), Data.Bits(lossOnly));
        return (loss, g);
    }

    // A VGG-like stack: shrinking layers, one of them longer than a Half chunk (1024), one a single value.
    private static readonly int[] s_lengths = [2048, 515, 64, 1, 33];
    private static readonly double[] s_weights = [1.0, 0.5, 0.25, 2.0, 0.0];

    public static TheoryData<string> ElementNames() => [.. Data.ElementTypes.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(ElementNames))]
    public void Matches_the_definition_and_the_weighted_mean_squared_errors(string elementName)
    {
        Type element = Data.ElementTypes.Single(t => t.Name == elementName);
        int n = s_lengths.Sum();
        double[] pred = Data.ToDouble(Data.ToArray(element, Random(1, n))), target = Data.ToDouble(Data.ToArray(element, Random(2, n)));
        (double relative, double absolute) = Data.Tolerance(element);
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            (double expected, double[] expectedGradient) = Reference(pred, target, s_lengths, s_weights, reduction);
            (object loss, Array gradient) = Run(element, pred, target, s_lengths, s_weights, reduction);
            double scale = Math.Max(1, Math.Abs(expected));
            Assert.True(Data.Close(expected, Data.ToDouble(loss), relative, absolute, scale), $"{reduction}: {loss} vs {expected:R}");
            double[] actual = Data.ToDouble(gradient);
            for (int i = 0; i < n; i++)
                Assert.True(Data.Close(expectedGradient[i], actual[i], relative, absolute, 4), $"{reduction} gradient {i}: {actual[i]:R} vs {expectedGradient[i]:R}");

            // The same as Σ w_l · MeanSquaredError over each layer's slice.
            double viaMse = 0;
            int offset = 0;
            for (int l = 0; l < s_lengths.Length; l++)
            {
                viaMse += s_weights[l] * Losses.MeanSquaredError(pred.AsSpan(offset, s_lengths[l]), target.AsSpan(offset, s_lengths[l]), reduction);
                offset += s_lengths[l];
            }
            Assert.True(Data.Close(viaMse, Data.ToDouble(loss), relative, absolute, scale), $"{reduction}: {loss} vs Σ w·MSE {viaMse:R}");
        }
    }

    [Fact]
    public void One_layer_of_weight_one_is_mean_squared_error_and_the_seed_sum()
    {
        double[] pred = Random(3, 100), target = Random(4, 100);
        Assert.Equal(Losses.MeanSquaredError(pred, target), Losses.Perceptual(pred, target, [100], [1.0]));
        // The seed: Σ ‖φ(y) − φ(ŷ)‖² is the Sum reduction.
        Assert.Equal(pred.Zip(target, (p, t) => (p - t) * (p - t)).Sum(), Losses.Perceptual(pred, target, [100], [1.0], Reduction.Sum), 12);
        Assert.Equal(0.0, Losses.Perceptual(ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, [], []));
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void Gradient_matches_central_differences(Reduction reduction)
    {
        int[] lengths = [7, 3, 12];
        double[] weights = [0.3, 1.5, 1.0];
        double[] pred = Random(5, 22), target = Random(6, 22);
        var gradient = new double[22];
        Losses.PerceptualWithGradient(pred, target, gradient, lengths, weights, reduction);
        const double step = 1e-6;
        for (int i = 0; i < pred.Length; i++)
        {
            double saved = pred[i];
            pred[i] = saved + step;
            double up = Losses.Perceptual(pred, target, lengths, weights, reduction);
            pred[i] = saved - step;
            double down = Losses.Perceptual(pred, target, lengths, weights, reduction);
            pred[i] = saved;
            double fd = (up - down) / (2 * step);
            Assert.True(Math.Abs(fd - gradient[i]) <= 1e-8 + 1e-7 * Math.Abs(fd), $"entry {i}: analytic {gradient[i]:R}, central difference {fd:R}");
        }
    }

    [Fact]
    public void Half_gradient_is_the_float_gradient_rounded_once()
    {
        int n = s_lengths.Sum();
        double[] pred = Data.ToDouble(Data.ToArray(typeof(Half), Random(7, n))), target = Data.ToDouble(Data.ToArray(typeof(Half), Random(8, n)));
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            (object halfLoss, Array halfGradient) = Run(typeof(Half), pred, target, s_lengths, s_weights, reduction);
            (object floatLoss, Array floatGradient) = Run(typeof(float), pred, target, s_lengths, s_weights, reduction);
            Assert.Equal(((float[])floatGradient).Select(v => (Half)v).ToArray(), (Half[])halfGradient);
            float f = (float)floatLoss;
            Assert.True(Math.Abs((double)(Half)halfLoss - f) <= Math.Abs(f) * 1e-3, $"{halfLoss} vs {f}");
        }
    }

    [Fact]
    public void Every_vector_width_gives_the_same_bits()
    {
        int n = s_lengths.Sum();
        double[] pred = Random(9, n), target = Random(10, n);
        using (VectorWidth.Restored())
        {
            foreach (Type element in Data.ElementTypes)
            {
                long[]? first = null;
                foreach (int bits in new[] { 512, 256, 128, 0 })
                {
                    VectorPaths.MaxBits = bits;
                    (object loss, Array gradient) = Run(element, pred, target, s_lengths, s_weights, Reduction.Mean);
                    long[] all = [Data.Bits(loss), .. Data.Bits(gradient)];
                    first ??= all;
                    Assert.True(first.SequenceEqual(all), $"{element.Name}: {bits}-bit differs");
                }
            }
        }
    }

    public static TheoryData<string> BadInputs() =>
        ["target length", "gradient length", "weights count", "lengths sum short", "lengths sum long", "zero length", "negative weight", "NaN weight", "infinite weight", "bad reduction"];

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_throws_before_anything_is_written(string which)
    {
        double[] pred = Random(11, 10), target = Random(12, 10);
        var gradient = Enumerable.Repeat(123.0, 10).ToArray();
        int[] lengths = [4, 6];
        double[] weights = [1, 1];
        var reduction = Reduction.Mean;
        (string param, Type type) expect = which switch
        {
            "target length" => ("targetFeatures", typeof(ArgumentException)),
            "gradient length" => ("predFeaturesGradient", typeof(ArgumentException)),
            "weights count" => ("layerWeights", typeof(ArgumentException)),
            "lengths sum short" or "lengths sum long" => ("layerLengths", typeof(ArgumentException)),
            "zero length" => ("layerLengths", typeof(ArgumentOutOfRangeException)),
            "bad reduction" => ("reduction", typeof(ArgumentOutOfRangeException)),
            _ => ("layerWeights", typeof(ArgumentOutOfRangeException)),
        };
        switch (which)
        {
            case "target length": target = target[..9]; break;
            case "gradient length": gradient = Enumerable.Repeat(123.0, 11).ToArray(); break;
            case "weights count": weights = [1]; break;
            case "lengths sum short": lengths = [4, 5]; break;
            case "lengths sum long": lengths = [4, 6, 1]; weights = [1, 1, 1]; break;
            case "zero length": lengths = [4, 0, 6]; weights = [1, 1, 1]; break;
            case "negative weight": weights = [1, -0.5]; break;
            case "NaN weight": weights = [double.NaN, 1]; break;
            case "infinite weight": weights = [1, double.PositiveInfinity]; break;
            default: reduction = (Reduction)4; break;
        }
        var exceptions = new List<ArgumentException>
        {
            Assert.ThrowsAny<ArgumentException>(() => Losses.PerceptualWithGradient(pred, target, gradient, lengths, weights, reduction)),
        };
        var gh = Enumerable.Repeat((Half)123, gradient.Length).ToArray();
        exceptions.Add(Assert.ThrowsAny<ArgumentException>(() => Losses.PerceptualWithGradient(pred.Select(v => (Half)v).ToArray(), target.Select(v => (Half)v).ToArray(), gh, lengths, weights, reduction)));
        if (which != "gradient length")
            exceptions.Add(Assert.ThrowsAny<ArgumentException>(() => Losses.Perceptual(pred.Select(v => (float)v).ToArray(), target.Select(v => (float)v).ToArray(), lengths, weights, reduction)));
        foreach (ArgumentException e in exceptions)
        {
            Assert.Equal(expect.param, e.ParamName);
            Assert.IsType(expect.type, e);
        }
        Assert.All(gradient, v => Assert.Equal(123.0, v));
        Assert.All(gh, v => Assert.Equal((Half)123, v));
        if (which == "negative weight") Assert.Contains("layerWeights[1] is -0.5", exceptions[0].Message);
    }

    [Fact]
    public void Repeated_calls_allocate_nothing()
    {
        int n = s_lengths.Sum();
        double[] pd = Random(13, n), td = Random(14, n), gd = new double[n];
        float[] pf = pd.Select(v => (float)v).ToArray(), tf = td.Select(v => (float)v).ToArray(), gf = new float[n];
        Half[] ph = pd.Select(v => (Half)v).ToArray(), th = td.Select(v => (Half)v).ToArray(), gh = new Half[n];
        int[] lengths = s_lengths;
        double[] weights = s_weights;
        double sink = 0;
        void All()
        {
            sink += Losses.PerceptualWithGradient(pd, td, gd, lengths, weights);
            sink += Losses.Perceptual(pf, tf, lengths, weights, Reduction.Sum);
            sink += Losses.PerceptualWithGradient(pf, tf, gf, lengths, weights);
            sink += (double)Losses.PerceptualWithGradient(ph, th, gh, lengths, weights);
            sink += (double)Losses.Perceptual(ph, th, lengths, weights);
        }
        All();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) All();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(double.IsFinite(sink));
    }
}
