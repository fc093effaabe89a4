using LossGen.Kernels;
using System;
using System.Collections.Generic;
using System.Linq;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Images;

/// <summary>
/// TotalVariation on [N, C, H, W] images: against a brute-force double reference (both norms, every reduction, tiny
/// and wide images), central differences, the L1 kink, every vector width bit for bit, Half against float, bad input
/// and allocations.
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class TotalVariationTests
{
    private static readonly TotalVariationNorm[] s_norms = [TotalVariationNorm.Squared, TotalVariationNorm.L1];

    /// <summary>Per-image TV and its gradient (of the reduced value), straight from the definition, in double.</summary>
    private static double[] Reference(double[] x, int c, int h, int w, TotalVariationNorm norm, double[]? gradient = null, double scale = 1)
    {
        int n = x.Length / (c * h * w);
        var perImage = new double[n];
        double F(double d) => norm == TotalVariationNorm.Squared ? d * d : Math.Abs(d);
        double Slope(double d) => norm == TotalVariationNorm.Squared ? 2 * d : Math.Sign(d);
        if (gradient != null) Array.Clear(gradient);
        for (int b = 0; b < n; b++)
            for (int k = 0; k < c; k++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++)
                    {
                        int at = ((b * c + k) * h + i) * w + j;
                        if (i + 1 < h)
                        {
                            double d = x[at + w] - x[at];
                            perImage[b] += F(d);
                            if (gradient != null) { gradient[at + w] += scale * Slope(d); gradient[at] -= scale * Slope(d); }
                        }
                        if (j + 1 < w)
                        {
                            double d = x[at + 1] - x[at];
                            perImage[b] += F(d);
                            if (gradient != null) { gradient[at + 1] += scale * Slope(d); gradient[at] -= scale * Slope(d); }
                        }
                    }
        return perImage;
    }

    private static (double Loss, double[] Gradient, double[] PerImage, long[] Bits) Run(Type element, double[] images, int c, int h, int w,
        TotalVariationNorm norm, Reduction reduction)
    {
        Array x = Data.ToArray(element, images);
        int n = images.Length / (c * h * w);
        Array gradient = Data.Filled(element, images.Length, double.NaN);
        Array perImage = Data.Filled(element, n, double.NaN);
        object loss, lossOnly;
        switch (x)
        {
            case float[] f:
                loss = Losses.TotalVariationWithGradient(f, (float[])gradient, c, h, w, norm, reduction);
                lossOnly = Losses.TotalVariation(f, c, h, w, norm, reduction);
                Losses.TotalVariationElementwise(f, (float[])perImage, c, h, w, norm);
                break;
            case double[] d:
                loss = Losses.TotalVariationWithGradient(d, (double[])gradient, c, h, w, norm, reduction);
                lossOnly = Losses.TotalVariation(d, c, h, w, norm, reduction);
                Losses.TotalVariationElementwise(d, (double[])perImage, c, h, w, norm);
                break;
            default:
                var hx = (Half[])x;
                loss = Losses.TotalVariationWithGradient(hx, (Half[])gradient, c, h, w, norm, reduction);
                lossOnly = Losses.TotalVariation(hx, c, h, w, norm, reduction);
                Losses.TotalVariationElementwise(hx, (Half[])perImage, c, h, w, norm);
                break;
        }
        Assert.Equal(Data.Bits(loss), Data.Bits(lossOnly));
        return (Data.ToDouble(loss), Data.ToDouble(gradient), Data.ToDouble(perImage), [Data.Bits(loss), .. Data.Bits(gradient), .. Data.Bits(perImage)]);
    }

    private static double[] RandomImages(Random random, int length) => Enumerable.Range(0, length).Select(_ => random.NextDouble()).ToArray();

    public static TheoryData<string, int, int, int, int> Shapes()
    {
        var data = new TheoryData<string, int, int, int, int>();
        foreach (Type element in Data.ElementTypes)
        {
            data.Add(element.Name, 1, 1, 1, 1);     // one pixel: 0
            data.Add(element.Name, 2, 3, 1, 9);     // 1×W: horizontal terms only
            data.Add(element.Name, 2, 1, 9, 1);     // H×1: vertical terms only
            data.Add(element.Name, 3, 2, 5, 7);
            data.Add(element.Name, 2, 3, 6, 33);    // vectors, tails and both edge columns
            data.Add(element.Name, 1, 2, 3, 300);   // rows longer than a block of lanes (256 floats, 128 doubles)
            data.Add(element.Name, 2, 1, 2, 2);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_brute_force_definition(string elementName, int n, int c, int h, int w)
    {
        Type element = Data.ElementTypes.Single(t => t.Name == elementName);
        var random = new Random(n * 1000 + c * 100 + h * 10 + w);
        double[] images = Data.ToDouble(Data.ToArray(element, RandomImages(random, n * c * h * w)));
        (double relative, double absolute) = Data.Tolerance(element);
        foreach (TotalVariationNorm norm in s_norms)
        {
            foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
            {
                var expectedGradient = new double[images.Length];
                double[] perImage = Reference(images, c, h, w, norm, expectedGradient, reduction == Reduction.Mean ? 1.0 / n : 1);
                double expected = reduction == Reduction.Mean ? perImage.Average() : perImage.Sum();
                var actual = Run(element, images, c, h, w, norm, reduction);
                double scale = Math.Max(1, Math.Abs(expected));
                Assert.True(Data.Close(expected, actual.Loss, relative, absolute, scale), $"{norm} {reduction}: {actual.Loss:R} vs {expected:R}");
                for (int b = 0; b < n; b++)
                    Assert.True(Data.Close(perImage[b], actual.PerImage[b], relative, absolute, Math.Max(1, perImage[b])), $"{norm} image {b}: {actual.PerImage[b]:R} vs {perImage[b]:R}");
                for (int i = 0; i < images.Length; i++)
                    Assert.True(Data.Close(expectedGradient[i], actual.Gradient[i], relative, absolute, 4), $"{norm} {reduction} gradient {i}: {actual.Gradient[i]:R} vs {expectedGradient[i]:R}");
            }
        }
    }

    [Fact]
    public void Tiny_images_worked_out_by_hand()
    {
        // 1×1: nothing to compare.
        var g = new double[1] { 42 };
        Assert.Equal(0.0, Losses.TotalVariationWithGradient([5.0], g, 1, 1, 1));
        Assert.Equal(0.0, g[0]);
        // 1×3 row (1, 4, 2): squared 9 + 4, L1 3 + 2.
        Assert.Equal(13.0, Losses.TotalVariation([1.0, 4.0, 2.0], 1, 1, 3));
        Assert.Equal(5.0, Losses.TotalVariation([1.0, 4.0, 2.0], 1, 1, 3, TotalVariationNorm.L1));
        // The same values as a 3×1 column give the same value.
        Assert.Equal(13.0, Losses.TotalVariation([1.0, 4.0, 2.0], 1, 3, 1));
        var g3 = new double[3];
        Losses.TotalVariationWithGradient([1.0, 4.0, 2.0], g3, 1, 3, 1, TotalVariationNorm.Squared, Reduction.Sum);
        Assert.Equal([-6.0, 6.0 + 4.0, -4.0], g3);
        Losses.TotalVariationWithGradient([1.0, 4.0, 2.0], g3, 1, 1, 3, TotalVariationNorm.L1, Reduction.Sum);
        Assert.Equal([-1.0, 2.0, -1.0], g3);
        // Two 2×2 images with two channels, Mean over the images.
        double[] x = [0, 1, 2, 3, 0, 0, 0, 0, /* image 1 */ 1, 1, 1, 1, 0, 2, 0, 2];
        // image 0: channel 0 gives 1 + 1 (rows) + 4 + 4 (columns), channel 1 gives 0; image 1: 0, then 4 + 4.
        Assert.Equal((10.0 + 8.0) / 2, Losses.TotalVariation(x, 2, 2, 2));
    }

    [Fact]
    public void L1_gradient_is_zero_where_neighbours_are_equal()
    {
        // A flat image and a step: differences of exactly 0 get the subgradient 0.
        double[] flat = Enumerable.Repeat(0.25, 2 * 5 * 6).ToArray();
        var g = new double[flat.Length];
        Assert.Equal(0.0, Losses.TotalVariationWithGradient(flat, g, 2, 5, 6, TotalVariationNorm.L1));
        Assert.All(g, v => Assert.Equal(0.0, v));
        float[] step = new float[4 * 4];
        for (int i = 0; i < 4; i++) for (int j = 2; j < 4; j++) step[i * 4 + j] = 1;
        var gs = new float[step.Length];
        Assert.Equal(4f, Losses.TotalVariationWithGradient(step, gs, 1, 4, 4, TotalVariationNorm.L1, Reduction.Sum));
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal([0f, -1f, 1f, 0f], gs.AsSpan(i * 4, 4).ToArray());
        }
    }

    [Theory]
    [InlineData(TotalVariationNorm.Squared, Reduction.Mean)]
    [InlineData(TotalVariationNorm.Squared, Reduction.Sum)]
    [InlineData(TotalVariationNorm.L1, Reduction.Mean)]
    [InlineData(TotalVariationNorm.L1, Reduction.Sum)]
    public void Gradient_matches_central_differences(TotalVariationNorm norm, Reduction reduction)
    {
        var random = new Random(17 + (int)norm * 2 + (int)reduction);
        int n = 2, c = 2, h = 4, w = 19;
        double[] x = RandomImages(random, n * c * h * w);
        var gradient = new double[x.Length];
        Losses.TotalVariationWithGradient(x, gradient, c, h, w, norm, reduction);
        // Random values differ by far more than the step, so |d| has no kink within it.
        const double step = 1e-7;
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + step;
            double up = Losses.TotalVariation(x, c, h, w, norm, reduction);
            x[i] = saved - step;
            double down = Losses.TotalVariation(x, c, h, w, norm, reduction);
            x[i] = saved;
            double fd = (up - down) / (2 * step);
            Assert.True(Math.Abs(fd - gradient[i]) <= 1e-6 + 1e-6 * Math.Abs(fd), $"{norm} entry {i}: analytic {gradient[i]:R}, central difference {fd:R}");
        }
    }

    [Fact]
    public void Float_sums_of_a_large_batch_are_accurate()
    {
        var random = new Random(23);
        int n = 2, c = 3, h = 128, w = 96;
        float[] images = RandomImages(random, n * c * h * w).Select(v => (float)v).ToArray();
        double[] exact = images.Select(v => (double)v).ToArray();
        foreach (TotalVariationNorm norm in s_norms)
        {
            double expected = Reference(exact, c, h, w, norm).Sum();
            float actual = Losses.TotalVariation(images, c, h, w, norm, Reduction.Sum);
            Assert.True(Math.Abs(actual - expected) <= 2e-7 * expected, $"{norm}: {actual} vs {expected}");
        }
    }

    public static TheoryData<string> ElementNames() => [.. Data.ElementTypes.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(ElementNames))]
    public void Every_vector_width_gives_the_same_bits(string elementName)
    {
        Type element = Data.ElementTypes.Single(t => t.Name == elementName);
        using (VectorWidth.Restored())
        {
            (int H, int W)[] shapes = [(1, 1), (1, 2), (3, 1), (2, 3), (5, 17), (4, 18), (3, 33), (2, 64), (3, 65), (2, 130), (2, 258), (1, 600)];
            foreach ((int h, int w) in shapes)
            {
                var random = new Random(h * 1000 + w);
                double[] images = RandomImages(random, 2 * 2 * h * w).Select(v => 10 * v).ToArray();
                foreach (TotalVariationNorm norm in s_norms)
                {
                    foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
                    {
                        long[]? first = null;
                        foreach (int bits in new[] { 512, 256, 128, 0 })
                        {
                            VectorPaths.MaxBits = bits;
                            long[] all = Run(element, images, 2, h, w, norm, reduction).Bits;
                            first ??= all;
                            Assert.True(first.SequenceEqual(all), $"{elementName} {h}×{w} {norm} {reduction}: {bits}-bit differs from 512-bit");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Half_is_float_on_the_same_values_rounded_once()
    {
        var random = new Random(29);
        int n = 3, c = 2, h = 7, w = 37;
        double[] images = Data.ToDouble(Data.ToArray(typeof(Half), RandomImages(random, n * c * h * w)));
        foreach (TotalVariationNorm norm in s_norms)
        {
            foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
            {
                var half = Run(typeof(Half), images, c, h, w, norm, reduction);
                var single = Run(typeof(float), images, c, h, w, norm, reduction);
                Assert.Equal((Half)(float)single.Loss, (Half)half.Loss);
                for (int i = 0; i < images.Length; i++) Assert.Equal((Half)single.Gradient[i], (Half)half.Gradient[i]);
                for (int b = 0; b < n; b++) Assert.Equal((Half)single.PerImage[b], (Half)half.PerImage[b]);
            }
        }
    }

    [Fact]
    public void No_images_give_NaN_for_the_mean_and_0_for_the_sum()
    {
        Assert.True(double.IsNaN(Losses.TotalVariation(ReadOnlySpan<double>.Empty, 3, 4, 4)));
        Assert.Equal(0f, Losses.TotalVariation(ReadOnlySpan<float>.Empty, 3, 4, 4, reduction: Reduction.Sum));
        Losses.TotalVariationElementwise(ReadOnlySpan<Half>.Empty, Span<Half>.Empty, 3, 4, 4);
    }

    public static TheoryData<string> BadInputs() =>
    [
        "ragged images", "zero channels", "zero height", "zero width", "bad norm", "bad reduction", "gradient length",
        "gradient overlaps", "gradient is images", "losses length", "image past any span",
    ];

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_throws_before_anything_is_written(string which)
    {
        int n = 2, c = 2, h = 3, w = 4;
        double[] images = RandomImages(new Random(1), n * c * h * w);
        var gradient = new double[images.Length];
        var losses = new double[n];
        int channels = c, height = h, width = w;
        var norm = TotalVariationNorm.Squared;
        var reduction = Reduction.Mean;
        string expectParam = which switch
        {
            "ragged images" => "images",
            "zero channels" or "image past any span" => "channels",
            "zero height" => "height",
            "zero width" => "width",
            "bad norm" => "norm",
            "bad reduction" => "reduction",
            "losses length" => "losses",
            _ => "imagesGradient",
        };
        switch (which)
        {
            case "ragged images": images = images[..^3]; break;
            case "zero channels": channels = 0; break;
            case "image past any span": (channels, height, width) = (16, 1 << 30, 1 << 30); break; // C·H·W wraps a long to 0
            case "zero height": height = 0; break;
            case "zero width": width = 0; break;
            case "bad norm": norm = (TotalVariationNorm)5; break;
            case "bad reduction": reduction = (Reduction)5; break;
            case "gradient length": gradient = new double[images.Length - 1]; break;
            case "losses length": losses = new double[n + 1]; break;
        }
        Array.Fill(gradient, 123.0);
        Array.Fill(losses, 123.0);
        double[] original = (double[])images.Clone();
        var exceptions = new List<ArgumentException>();
        ArgumentException Catch(Action action) => Assert.ThrowsAny<ArgumentException>(action);
        if (which is "gradient overlaps")
        {
            var buffer = new double[images.Length + 5];
            images.CopyTo(buffer, 0);
            exceptions.Add(Catch(() => Losses.TotalVariationWithGradient(buffer.AsSpan(0, images.Length), buffer.AsSpan(5), channels, height, width)));
            Assert.Equal(images, buffer[..images.Length]);
        }
        else if (which is "gradient is images")
        {
            exceptions.Add(Catch(() => Losses.TotalVariationWithGradient(images, images, channels, height, width)));
            var hx = images.Select(v => (Half)v).ToArray();
            exceptions.Add(Catch(() => Losses.TotalVariationWithGradient(hx, hx, channels, height, width)));
        }
        else
        {
            if (which is not ("gradient length" or "losses length"))
                exceptions.Add(Catch(() => Losses.TotalVariation(images, channels, height, width, norm, reduction)));
            if (which != "losses length")
            {
                exceptions.Add(Catch(() => Losses.TotalVariationWithGradient(images, gradient, channels, height, width, norm, reduction)));
                var gf = Enumerable.Repeat(123f, gradient.Length).ToArray();
                exceptions.Add(Catch(() => Losses.TotalVariationWithGradient(images.Select(v => (float)v).ToArray(), gf, channels, height, width, norm, reduction)));
                Assert.All(gf, v => Assert.Equal(123f, v));
                var gh = Enumerable.Repeat((Half)123, gradient.Length).ToArray();
                exceptions.Add(Catch(() => Losses.TotalVariationWithGradient(images.Select(v => (Half)v).ToArray(), gh, channels, height, width, norm, reduction)));
                Assert.All(gh, v => Assert.Equal((Half)123, v));
            }
            if (which is not ("gradient length" or "bad reduction"))
                exceptions.Add(Catch(() => Losses.TotalVariationElementwise(images, losses, channels, height, width, norm)));
        }
        Assert.NotEmpty(exceptions);
        Assert.All(exceptions, e => Assert.Equal(expectParam, e.ParamName));
        Assert.All(gradient, v => Assert.Equal(123.0, v));
        Assert.All(losses, v => Assert.Equal(123.0, v));
        Assert.Equal(original, images);
    }

    [Fact]
    public void Repeated_calls_allocate_nothing()
    {
        int n = 2, c = 3, h = 9, w = 21;
        double[] xd = RandomImages(new Random(31), n * c * h * w);
        float[] xf = xd.Select(v => (float)v).ToArray();
        Half[] xh = xd.Select(v => (Half)v).ToArray();
        double[] gd = new double[xd.Length], ed = new double[n];
        float[] gf = new float[xd.Length];
        Half[] gh = new Half[xd.Length], eh = new Half[n];
        double sink = 0;
        void All()
        {
            sink += Losses.TotalVariation(xd, c, h, w);
            sink += Losses.TotalVariationWithGradient(xd, gd, c, h, w, TotalVariationNorm.L1);
            Losses.TotalVariationElementwise(xd, ed, c, h, w);
            sink += Losses.TotalVariationWithGradient(xf, gf, c, h, w, reduction: Reduction.Sum);
            sink += (double)Losses.TotalVariationWithGradient(xh, gh, c, h, w);
            Losses.TotalVariationElementwise(xh, eh, c, h, w, TotalVariationNorm.L1);
        }
        All();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) All();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(double.IsFinite(sink));
    }
}
