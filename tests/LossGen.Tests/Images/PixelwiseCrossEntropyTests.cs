using LossGen.Kernels;
using System;
using System.Collections.Generic;
using System.Linq;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Images;

/// <summary>
/// PixelwiseCrossEntropy on [N, C, H, W] logits: against SparseSoftmaxCrossEntropy on the same data transposed to
/// [N·H·W, C] rows, against a double reference with ignored pixels, central differences, every vector width bit for
/// bit (odd H·W, so every tail), Half against float, bad input and allocations.
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class PixelwiseCrossEntropyTests
{
    private const int Ignore = -100;

    // ------------------------------------------------------------------ helpers

    /// <summary>Calls the overload of <paramref name="element"/>; returns the loss, the gradient and the per-pixel losses as doubles (and their bits).</summary>
    private static (double Loss, double[] Gradient, double[] Losses, long[] Bits) Run(Type element, double[] logits, int[] labels,
        int c, int h, int w, Reduction reduction, int ignoreIndex = Ignore)
    {
        Array x = Data.ToArray(element, logits);
        Array gradient = Data.Filled(element, logits.Length, double.NaN);
        Array losses = Data.Filled(element, labels.Length, double.NaN);
        object loss, lossOnly;
        switch (x)
        {
            case float[] f:
                loss = Losses.PixelwiseCrossEntropyWithGradient(f, labels, (float[])gradient, c, h, w, reduction, ignoreIndex);
                lossOnly = Losses.PixelwiseCrossEntropy(f, labels, c, h, w, reduction, ignoreIndex);
                Losses.PixelwiseCrossEntropyElementwise(f, labels, (float[])losses, c, h, w, ignoreIndex);
                break;
            case double[] d:
                loss = Losses.PixelwiseCrossEntropyWithGradient(d, labels, (double[])gradient, c, h, w, reduction, ignoreIndex);
                lossOnly = Losses.PixelwiseCrossEntropy(d, labels, c, h, w, reduction, ignoreIndex);
                Losses.PixelwiseCrossEntropyElementwise(d, labels, (double[])losses, c, h, w, ignoreIndex);
                break;
            default:
                var hx = (Half[])x;
                loss = Losses.PixelwiseCrossEntropyWithGradient(hx, labels, (Half[])gradient, c, h, w, reduction, ignoreIndex);
                lossOnly = Losses.PixelwiseCrossEntropy(hx, labels, c, h, w, reduction, ignoreIndex);
                Losses.PixelwiseCrossEntropyElementwise(hx, labels, (Half[])losses, c, h, w, ignoreIndex);
                break;
        }
        Assert.Equal(Data.Bits(loss), Data.Bits(lossOnly));
        long[] bits = [Data.Bits(loss), .. Data.Bits(gradient), .. Data.Bits(losses)];
        return (Data.ToDouble(loss), Data.ToDouble(gradient), Data.ToDouble(losses), bits);
    }

    private static double[] RandomLogits(Random random, int length, double scale = 3.0)
        => Enumerable.Range(0, length).Select(_ => scale * (2 * random.NextDouble() - 1)).ToArray();

    private static int[] RandomLabels(Random random, int length, int classes, double ignoredFraction = 0, int ignoreIndex = Ignore)
        => Enumerable.Range(0, length).Select(_ => random.NextDouble() < ignoredFraction ? ignoreIndex : random.Next(classes)).ToArray();

    /// <summary>[N, C, H, W] to rows [N·H·W, C].</summary>
    private static double[] ToRows(double[] logits, int n, int c, int pixels)
    {
        var rows = new double[logits.Length];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < c; k++)
                for (int p = 0; p < pixels; p++)
                    rows[((long)i * pixels + p) * c + k] = logits[((long)i * c + k) * pixels + p];
        return rows;
    }

    /// <summary>Rows [N·H·W, C] back to [N, C, H, W].</summary>
    private static double[] FromRows(double[] rows, int n, int c, int pixels)
    {
        var logits = new double[rows.Length];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < c; k++)
                for (int p = 0; p < pixels; p++)
                    logits[((long)i * c + k) * pixels + p] = rows[((long)i * pixels + p) * c + k];
        return logits;
    }

    /// <summary>The loss in double, straight from the definition (ignored pixels out of the sum and the count).</summary>
    private static double Reference(double[] logits, int[] labels, int c, int pixels, Reduction reduction, int ignoreIndex, double[]? gradient = null)
    {
        int n = labels.Length / pixels;
        double sum = 0;
        int counted = labels.Count(l => l != ignoreIndex);
        double scale = reduction == Reduction.Sum ? 1 : 1.0 / counted;
        for (int i = 0; i < n; i++)
        {
            for (int p = 0; p < pixels; p++)
            {
                int label = labels[i * pixels + p];
                if (label == ignoreIndex)
                {
                    if (gradient != null) for (int k = 0; k < c; k++) gradient[(i * c + k) * pixels + p] = 0;
                    continue;
                }
                double max = double.NegativeInfinity;
                for (int k = 0; k < c; k++) max = Math.Max(max, logits[(i * c + k) * pixels + p]);
                double s = 0;
                for (int k = 0; k < c; k++) s += Math.Exp(logits[(i * c + k) * pixels + p] - max);
                sum += Math.Log(s) + max - logits[(i * c + label) * pixels + p];
                if (gradient != null)
                    for (int k = 0; k < c; k++)
                        gradient[(i * c + k) * pixels + p] = (Math.Exp(logits[(i * c + k) * pixels + p] - max) / s - (k == label ? 1 : 0)) * scale;
            }
        }
        return reduction == Reduction.Sum ? sum : sum / counted;
    }

    public static TheoryData<string, int, int, int, int> Shapes()
    {
        var data = new TheoryData<string, int, int, int, int>();
        foreach (Type element in Data.ElementTypes)
        {
            data.Add(element.Name, 2, 5, 3, 7);    // H·W = 21: a vector tail at every width
            data.Add(element.Name, 1, 1, 1, 1);    // one class, one pixel
            data.Add(element.Name, 3, 4, 1, 37);
            data.Add(element.Name, 2, 21, 17, 19); // VOC's 21 classes, 323 pixels
            data.Add(element.Name, 1, 3, 20, 16);  // whole vectors only
        }
        return data;
    }

    private static Type Element(string name) => Data.ElementTypes.Single(t => t.Name == name);

    // ------------------------------------------------------------------ against the row loss

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_SparseSoftmaxCrossEntropy_on_the_transposed_rows(string elementName, int n, int c, int h, int w)
    {
        Type element = Element(elementName);
        var random = new Random(n * 1000 + c * 100 + h * 10 + w);
        int pixels = h * w;
        // Values exactly representable in the element type, so both sides see the same inputs.
        double[] logits = Data.ToDouble(Data.ToArray(element, RandomLogits(random, n * c * pixels)));
        int[] labels = RandomLabels(random, n * pixels, c);
        double[] rows = ToRows(logits, n, c, pixels);
        (double relative, double absolute) = Data.Tolerance(element);
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            (double loss, double[] gradient, double[] losses, _) = Run(element, logits, labels, c, h, w, reduction);
            Array rowGradient = Data.Filled(element, rows.Length, double.NaN);
            Array rowLosses = Data.Filled(element, labels.Length, double.NaN);
            double expected;
            switch (Data.ToArray(element, rows))
            {
                case float[] f:
                    expected = Losses.SparseSoftmaxCrossEntropyWithGradient(f, labels, (float[])rowGradient, c, reduction: reduction);
                    Losses.SparseSoftmaxCrossEntropyElementwise(f, labels, (float[])rowLosses, c);
                    break;
                case double[] d:
                    expected = Losses.SparseSoftmaxCrossEntropyWithGradient(d, labels, (double[])rowGradient, c, reduction: reduction);
                    Losses.SparseSoftmaxCrossEntropyElementwise(d, labels, (double[])rowLosses, c);
                    break;
                default:
                    var hx = (Half[])Data.ToArray(element, rows);
                    expected = (double)Losses.SparseSoftmaxCrossEntropyWithGradient(hx, labels, (Half[])rowGradient, c, reduction: reduction);
                    Losses.SparseSoftmaxCrossEntropyElementwise(hx, labels, (Half[])rowLosses, c);
                    break;
            }
            Assert.True(Data.Close(expected, loss, relative, absolute), $"{reduction}: {loss:R} vs rows {expected:R}");
            double[] expectedGradient = FromRows(Data.ToDouble(rowGradient), n, c, pixels);
            for (int i = 0; i < gradient.Length; i++)
                Assert.True(Data.Close(expectedGradient[i], gradient[i], relative, absolute), $"{reduction} gradient {i}: {gradient[i]:R} vs rows {expectedGradient[i]:R}");
            double[] expectedLosses = Data.ToDouble(rowLosses);
            for (int i = 0; i < losses.Length; i++)
                Assert.True(Data.Close(expectedLosses[i], losses[i], relative, absolute), $"loss of pixel {i}: {losses[i]:R} vs rows {expectedLosses[i]:R}");
        }
    }

    // ------------------------------------------------------------------ against the definition, with ignored pixels

    [Theory]
    [InlineData(Ignore)]
    [InlineData(0)]   // an ignored class inside [0, C): the background
    [InlineData(255)] // the Cityscapes / VOC convention
    public void Ignored_pixels_count_for_nothing(int ignoreIndex)
    {
        var random = new Random(ignoreIndex + 1000);
        int n = 3, c = 6, h = 5, w = 9, pixels = h * w;
        double[] logits = RandomLogits(random, n * c * pixels, 4);
        int[] labels = RandomLabels(random, n * pixels, c, ignoredFraction: 0.3, ignoreIndex);
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            var expectedGradient = new double[logits.Length];
            double expected = Reference(logits, labels, c, pixels, reduction, ignoreIndex, expectedGradient);
            (double loss, double[] gradient, double[] losses, _) = Run(typeof(double), logits, labels, c, h, w, reduction, ignoreIndex);
            Assert.Equal(expected, loss, 1e-12);
            for (int i = 0; i < gradient.Length; i++) Assert.Equal(expectedGradient[i], gradient[i], 1e-14);
            for (int i = 0; i < losses.Length; i++)
            {
                if (labels[i] == ignoreIndex) Assert.Equal(0.0, losses[i]);
            }
            Assert.Equal(expected * (reduction == Reduction.Mean ? labels.Count(l => l != ignoreIndex) : 1), losses.Sum(), 1e-10);
        }
    }

    [Fact]
    public void Every_pixel_ignored_gives_NaN_for_the_mean_and_0_for_the_sum()
    {
        double[] logits = RandomLogits(new Random(3), 2 * 3 * 4);
        int[] labels = Enumerable.Repeat(Ignore, 2 * 4).ToArray();
        (double mean, double[] gradient, double[] losses, _) = Run(typeof(float), logits, labels, 3, 2, 2, Reduction.Mean);
        Assert.True(double.IsNaN(mean));
        Assert.All(gradient, g => Assert.Equal(0.0, g));
        Assert.All(losses, l => Assert.Equal(0.0, l));
        Assert.Equal(0.0, Run(typeof(double), logits, labels, 3, 2, 2, Reduction.Sum).Loss);
        // No images at all.
        Assert.True(double.IsNaN(Losses.PixelwiseCrossEntropy(ReadOnlySpan<double>.Empty, [], 3, 4, 5)));
        Assert.Equal(0f, Losses.PixelwiseCrossEntropy(ReadOnlySpan<float>.Empty, [], 3, 4, 5, Reduction.Sum));
    }

    [Fact]
    public void Every_pixel_ignored_gives_0_for_the_mean_when_asked()
    {
        // pytorch#70348: a batch of crops with nothing labelled should not poison the running loss.
        float[] logits = RandomLogits(new Random(4), 2 * 3 * 4).Select(v => (float)v).ToArray(), gradient = new float[2 * 3 * 4];
        int[] labels = Enumerable.Repeat(Ignore, 2 * 4).ToArray();
        Assert.Equal(0f, Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, 3, 2, 2, zeroWhenAllIgnored: true));
        Assert.All(gradient, g => Assert.Equal(0f, g));
        Assert.Equal(0.0, Losses.PixelwiseCrossEntropy(logits.Select(v => (double)v).ToArray(), labels, 3, 2, 2, zeroWhenAllIgnored: true));
        Assert.Equal((Half)0, Losses.PixelwiseCrossEntropy(logits.Select(v => (Half)v).ToArray(), labels, 3, 2, 2, zeroWhenAllIgnored: true));
        // One pixel counted: the option changes nothing.
        labels[3] = 1;
        Assert.Equal(Losses.PixelwiseCrossEntropy(logits, labels, 3, 2, 2), Losses.PixelwiseCrossEntropy(logits, labels, 3, 2, 2, zeroWhenAllIgnored: true));
    }

    [Fact]
    public void Known_value_worked_out_by_hand()
    {
        // One 1×2 image, 3 classes: pixel 0 has logits (1, 2, 3) and label 2, pixel 1 has (0, 0, 0) and label 0.
        double[] logits = [1, 0, 2, 0, 3, 0];
        double expected0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)) - 3, expected1 = Math.Log(3);
        Assert.Equal((expected0 + expected1) / 2, Losses.PixelwiseCrossEntropy(logits, [2, 0], 3, 1, 2), 14);
        Assert.Equal(expected0, Losses.PixelwiseCrossEntropy(logits, [2, Ignore], 3, 1, 2), 14);
        var gradient = new double[6];
        Losses.PixelwiseCrossEntropyWithGradient(logits, [2, 0], gradient, 3, 1, 2, Reduction.Sum);
        Assert.Equal(1.0 / 3 - 1, gradient[1], 14);
        Assert.Equal(1.0 / 3, gradient[3], 14);
        Assert.Equal(Math.Exp(3) / (Math.Exp(1) + Math.Exp(2) + Math.Exp(3)) - 1, gradient[4], 14);
    }

    // ------------------------------------------------------------------ gradients vs central differences

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void Gradient_matches_central_differences(Reduction reduction)
    {
        var random = new Random((int)reduction + 77);
        int n = 2, c = 4, h = 3, w = 5, pixels = h * w;
        double[] x = RandomLogits(random, n * c * pixels, 2);
        int[] labels = RandomLabels(random, n * pixels, c, ignoredFraction: 0.2);
        var gradient = new double[x.Length];
        Losses.PixelwiseCrossEntropyWithGradient(x, labels, gradient, c, h, w, reduction);
        const double step = 1e-5;
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + step;
            double up = Losses.PixelwiseCrossEntropy(x, labels, c, h, w, reduction);
            x[i] = saved - step;
            double down = Losses.PixelwiseCrossEntropy(x, labels, c, h, w, reduction);
            x[i] = saved;
            double fd = (up - down) / (2 * step);
            Assert.True(Math.Abs(fd - gradient[i]) <= 1e-8 + 1e-6 * Math.Abs(fd), $"entry {i}: analytic {gradient[i]:R}, central difference {fd:R}");
        }
        Assert.Contains(gradient, g => Math.Abs(g) > 1e-2);
    }

    // ------------------------------------------------------------------ widths, Half, extremes

    public static TheoryData<string> ElementNames() => [.. Data.ElementTypes.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(ElementNames))]
    public void Every_vector_width_gives_the_same_bits(string elementName)
    {
        Type element = Element(elementName);
        using (VectorWidth.Restored())
        {
            foreach (int pixels in new[] { 1, 3, 7, 15, 16, 17, 31, 33, 63, 65, 100, 257, 300 })
            {
                var random = new Random(pixels);
                int n = 2, c = pixels % 5 + 2;
                double[] logits = RandomLogits(random, n * c * pixels, 6);
                int[] labels = RandomLabels(random, n * pixels, c, ignoredFraction: 0.1);
                foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
                {
                    long[]? first = null;
                    foreach (int bits in new[] { 512, 256, 128, 0 })
                    {
                        VectorPaths.MaxBits = bits;
                        long[] all = Run(element, logits, labels, c, 1, pixels, reduction).Bits;
                        first ??= all;
                        Assert.True(first.SequenceEqual(all), $"{elementName} H·W={pixels} {reduction}: {bits}-bit differs from 512-bit");
                    }
                }
            }
        }
    }

    [Fact]
    public void Half_is_float_on_the_same_values_rounded_once()
    {
        var random = new Random(5);
        int n = 2, c = 7, h = 13, w = 23, pixels = h * w; // 299 pixels: a partial second tile
        double[] logits = Data.ToDouble(Data.ToArray(typeof(Half), RandomLogits(random, n * c * pixels)));
        int[] labels = RandomLabels(random, n * pixels, c, ignoredFraction: 0.1);
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            var half = Run(typeof(Half), logits, labels, c, h, w, reduction);
            var single = Run(typeof(float), logits, labels, c, h, w, reduction);
            Assert.Equal((Half)(float)single.Loss, (Half)half.Loss);
            for (int i = 0; i < logits.Length; i++) Assert.Equal((Half)single.Gradient[i], (Half)half.Gradient[i]);
            for (int i = 0; i < labels.Length; i++) Assert.Equal((Half)single.Losses[i], (Half)half.Losses[i]);
        }
    }

    [Fact]
    public void Masked_classes_and_huge_logits_stay_finite()
    {
        // −∞ logits (masked classes) get probability 0 and gradient 0; logits around 10⁴ overflow e^x but not the
        // shifted form.
        int n = 1, c = 4, pixels = 37;
        var random = new Random(9);
        float[] logits = new float[n * c * pixels];
        int[] labels = new int[pixels];
        for (int p = 0; p < pixels; p++)
        {
            for (int k = 0; k < c; k++) logits[k * pixels + p] = (float)(10_000 + 300 * (2 * random.NextDouble() - 1));
            logits[3 * pixels + p] = float.NegativeInfinity;
            labels[p] = p % 3;
        }
        var gradient = new float[logits.Length];
        float loss = Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, c, 1, pixels, Reduction.Sum);
        double expected = Reference(logits.Select(v => (double)v).ToArray(), labels, c, pixels, Reduction.Sum, Ignore);
        Assert.True(float.IsFinite(loss));
        Assert.True(Math.Abs(loss - expected) <= 1e-5 * Math.Abs(expected) + 1e-3, $"{loss} vs {expected}");
        Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
        for (int p = 0; p < pixels; p++) Assert.Equal(0f, gradient[3 * pixels + p]);
    }

    [Fact]
    public void The_gradient_may_be_the_logits_themselves()
    {
        var random = new Random(11);
        int n = 2, c = 5, h = 4, w = 9;
        float[] logits = RandomLogits(random, n * c * h * w).Select(v => (float)v).ToArray();
        int[] labels = RandomLabels(random, n * h * w, c, ignoredFraction: 0.2);
        var separate = new float[logits.Length];
        float a = Losses.PixelwiseCrossEntropyWithGradient(logits, labels, separate, c, h, w);
        Half[] halves = logits.Select(v => (Half)v).ToArray();
        var halfSeparate = new Half[halves.Length];
        Half ha = Losses.PixelwiseCrossEntropyWithGradient(halves, labels, halfSeparate, c, h, w);
        float b = Losses.PixelwiseCrossEntropyWithGradient(logits, labels, logits, c, h, w);
        Half hb = Losses.PixelwiseCrossEntropyWithGradient(halves, labels, halves, c, h, w);
        Assert.Equal(a, b);
        Assert.Equal(separate, logits);
        Assert.Equal(ha, hb);
        Assert.Equal(halfSeparate, halves);
    }

    // ------------------------------------------------------------------ bad input

    public static TheoryData<string> BadInputs() =>
    [
        "ragged logits", "labels length", "zero classes", "zero height", "negative width", "label too large", "label negative",
        "gradient length", "gradient shifted", "losses length", "bad reduction", "image past any span",
    ];

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_throws_before_anything_is_written(string which)
    {
        int n = 2, c = 3, h = 2, w = 3;
        double[] logits = RandomLogits(new Random(1), n * c * h * w);
        int[] labels = RandomLabels(new Random(2), n * h * w, c);
        labels[4] = Ignore;
        var gradient = new double[logits.Length];
        var losses = new double[labels.Length];
        var reduction = Reduction.Mean;
        int classes = c, height = h, width = w;
        bool shifted = false;
        string expectParam = which switch
        {
            "ragged logits" => "logits",
            "labels length" => "labels",
            "zero classes" or "image past any span" => "classes",
            "zero height" => "height",
            "negative width" => "width",
            "label too large" or "label negative" => "labels",
            "gradient length" or "gradient shifted" => "logitsGradient",
            "losses length" => "losses",
            _ => "reduction",
        };
        switch (which)
        {
            case "ragged logits": logits = logits[..^1]; break;
            case "labels length": labels = labels[..^1]; break;
            case "zero classes": classes = 0; break;
            case "image past any span": (classes, height, width) = (16, 1 << 30, 1 << 30); break; // C·H·W wraps a long to 0
            case "zero height": height = 0; break;
            case "negative width": width = -3; break;
            case "label too large": labels[7] = 3; break;
            case "label negative": labels[7] = -1; break;
            case "gradient length": gradient = new double[logits.Length + 1]; break;
            case "gradient shifted": shifted = true; break;
            case "losses length": losses = new double[labels.Length - 1]; break;
            default: reduction = (Reduction)9; break;
        }
        Array.Fill(gradient, 123.0);
        Array.Fill(losses, 123.0);
        double[] originalLogits = (double[])logits.Clone();

        var exceptions = new List<ArgumentException>();
        ArgumentException Catch(Action action) => Assert.ThrowsAny<ArgumentException>(action);
        if (which is not ("gradient length" or "gradient shifted" or "losses length"))
            exceptions.Add(Catch(() => Losses.PixelwiseCrossEntropy(logits, labels, classes, height, width, reduction)));
        if (which != "losses length")
        {
            if (shifted)
            {
                // The gradient starts one element into the logits.
                var buffer = new double[logits.Length + 1];
                logits.CopyTo(buffer, 0);
                exceptions.Add(Catch(() => Losses.PixelwiseCrossEntropyWithGradient(buffer.AsSpan(0, logits.Length), labels, buffer.AsSpan(1), classes, height, width)));
                Assert.Equal(logits, buffer[..logits.Length]);
            }
            else
            {
                exceptions.Add(Catch(() => Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, classes, height, width, reduction)));
                var gf = Enumerable.Repeat(123f, gradient.Length).ToArray();
                exceptions.Add(Catch(() => Losses.PixelwiseCrossEntropyWithGradient(logits.Select(v => (float)v).ToArray(), labels, gf, classes, height, width, reduction)));
                Assert.All(gf, g => Assert.Equal(123f, g));
                var gh = Enumerable.Repeat((Half)123, gradient.Length).ToArray();
                exceptions.Add(Catch(() => Losses.PixelwiseCrossEntropyWithGradient(logits.Select(v => (Half)v).ToArray(), labels, gh, classes, height, width, reduction)));
                Assert.All(gh, g => Assert.Equal((Half)123, g));
            }
        }
        if (which is not ("gradient length" or "gradient shifted" or "bad reduction"))
            exceptions.Add(Catch(() => Losses.PixelwiseCrossEntropyElementwise(logits, labels, losses, classes, height, width)));

        Assert.NotEmpty(exceptions);
        Assert.All(exceptions, e => Assert.Equal(expectParam, e.ParamName));
        Assert.All(gradient, g => Assert.Equal(123.0, g));
        Assert.All(losses, l => Assert.Equal(123.0, l));
        Assert.Equal(originalLogits, logits);
    }

    [Fact]
    public void A_bad_label_is_named_by_index_position_and_value()
    {
        int n = 2, c = 4, h = 3, w = 5;
        var logits = new float[n * c * h * w];
        int[] labels = new int[n * h * w];
        labels[3] = Ignore;           // ignored: fine
        labels[22] = 9;               // image 1, row 1, column 2
        labels[25] = -7;              // later: not reported
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.PixelwiseCrossEntropy(logits, labels, c, h, w));
        Assert.Equal("labels", ex.ParamName);
        Assert.Equal(9, ex.ActualValue);
        Assert.Contains("labels[22] (image 1, row 1, column 2) is 9", ex.Message);
        // With ignoreIndex = 9, 9 is ignored and −100 becomes a bad label, the first one.
        var ex2 = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.PixelwiseCrossEntropy(logits, labels, c, h, w, ignoreIndex: 9));
        Assert.Equal(Ignore, ex2.ActualValue);
        Assert.Contains("labels[3] (image 0, row 0, column 3)", ex2.Message);
        labels[3] = 9;
        var ex3 = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.PixelwiseCrossEntropy(logits, labels, c, h, w, ignoreIndex: 9));
        Assert.Equal(-7, ex3.ActualValue);
        Assert.Contains("labels[25]", ex3.Message);
    }

    // ------------------------------------------------------------------ allocations

    [Fact]
    public void Repeated_calls_allocate_nothing()
    {
        int n = 2, c = 5, h = 7, w = 11;
        var random = new Random(13);
        double[] ld = RandomLogits(random, n * c * h * w);
        float[] lf = ld.Select(v => (float)v).ToArray();
        Half[] lh = ld.Select(v => (Half)v).ToArray();
        int[] labels = RandomLabels(random, n * h * w, c, ignoredFraction: 0.1);
        double[] gd = new double[ld.Length], ed = new double[labels.Length];
        float[] gf = new float[ld.Length], ef = new float[labels.Length];
        Half[] gh = new Half[ld.Length], eh = new Half[labels.Length];
        double sink = 0;
        void All()
        {
            sink += Losses.PixelwiseCrossEntropy(ld, labels, c, h, w);
            sink += Losses.PixelwiseCrossEntropyWithGradient(ld, labels, gd, c, h, w);
            Losses.PixelwiseCrossEntropyElementwise(ld, labels, ed, c, h, w);
            sink += Losses.PixelwiseCrossEntropyWithGradient(lf, labels, gf, c, h, w, Reduction.Sum);
            Losses.PixelwiseCrossEntropyElementwise(lf, labels, ef, c, h, w);
            sink += (double)Losses.PixelwiseCrossEntropyWithGradient(lh, labels, gh, c, h, w);
            Losses.PixelwiseCrossEntropyElementwise(lh, labels, eh, c, h, w);
        }
        All();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) All();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(double.IsFinite(sink));
    }
}
