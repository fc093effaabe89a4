using System;
using System.Linq;
using LossGen.Tests.Infrastructure;
using Xunit;
using static LossGen.Tests.Parallel.Chunked;

namespace LossGen.Tests.Parallel;

/// <summary>
/// Pixelwise cross-entropy in chunks of whole tiles of an image, total variation image by image: the same bits on 1, 2,
/// 3 or 8 threads, and the sums defined by the chunks.
/// </summary>
[Collection(QuietProcessCollection.Name)]
public sealed class ImageChunkTests
{
    /// <summary>[N, C, H, W] shapes: images of several chunks (21 classes: 3,072 pixels a chunk), of one, and of less.</summary>
    public static TheoryData<int, int, int, int> Shapes => new()
    {
        { 2, 21, 96, 100 },
        { 5, 21, 30, 40 },
        { 1, 3, 128, 257 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Pixelwise_cross_entropy_gives_the_same_bits_on_1_2_3_and_8_threads(int images, int classes, int height, int width)
    {
        int pixels = height * width, n = images * classes * pixels;
        float[] logits = Floats(n, 1, -4, 4), classWeights = Floats(classes, 2, 0.5, 2);
        int[] labels = Enumerable.Range(0, images * pixels).Select(i => i % 17 == 0 ? -100 : (i * 7919) % classes).ToArray();
        float[] Run(int threads) => Chunked.WithThreads(threads, () =>
        {
            float[] g1 = new float[n], g2 = new float[n];
            float plain = Losses.PixelwiseCrossEntropyWithGradient(logits, labels, g1, classes, height, width);
            float weighted = Losses.PixelwiseCrossEntropyWithGradient(logits, labels, g2, classes, [height, width], classWeights, labelSmoothing: 0.1);
            float sum = Losses.PixelwiseCrossEntropy(logits, labels, classes, height, width, Reduction.Sum);
            return new[] { plain, weighted, sum }.Concat(g1).Concat(g2).ToArray();
        });

        AssertSameBitsOnMoreThreads(Run(1), Run, $"[{images}, {classes}, {height}, {width}]");
    }

    /// <summary>Images of several chunks against a reference in double: every tile reads its own logits, labels and gradients.</summary>
    [Fact]
    public void Pixelwise_cross_entropy_over_images_of_several_chunks_matches_a_double_reference()
    {
        const int images = 2, classes = 21, height = 96, width = 100, pixels = height * width;
        float[] logits = Floats(images * classes * pixels, 6, -4, 4);
        int[] labels = Enumerable.Range(0, images * pixels).Select(i => (i * 7919) % classes).ToArray();
        var gradient = new float[logits.Length];
        float loss = Chunked.WithThreads(2, () => Losses.PixelwiseCrossEntropyWithGradient(logits, labels, gradient, classes, height, width));
        double total = 0;
        for (int k = 0; k < images; k++)
        {
            for (int j = 0; j < pixels; j++)
            {
                int At(int c) => (((k * classes) + c) * pixels) + j;
                double max = Enumerable.Range(0, classes).Max(c => (double)logits[At(c)]);
                double sum = Enumerable.Range(0, classes).Sum(c => Math.Exp(logits[At(c)] - max));
                int y = labels[(k * pixels) + j];
                total += max + Math.Log(sum) - logits[At(y)];
                for (int c = 0; c < classes; c++)
                {
                    double expected = (Math.Exp(logits[At(c)] - max) / sum - (c == y ? 1 : 0)) / (images * pixels);
                    Assert.True(Math.Abs(gradient[At(c)] - expected) < 1e-9, $"image {k}, pixel {j}, class {c}: {gradient[At(c)]:R}, expected {expected:R}");
                }
            }
        }

        Assert.True(Math.Abs(loss - (total / (images * pixels))) < 1e-6 * (total / (images * pixels)), $"loss {loss:R}, expected {total / (images * pixels):R}");
    }

    /// <summary>Images of one chunk or less: each image's sum, as a call over that image alone gives it, added in order.</summary>
    [Fact]
    public void Pixelwise_cross_entropy_adds_each_images_own_sum_in_order()
    {
        const int images = 5, classes = 21, height = 30, width = 40, pixels = height * width;
        double[] logits = Doubles(images * classes * pixels, 3, -4, 4);
        int[] labels = Enumerable.Range(0, images * pixels).Select(i => (i * 31) % classes).ToArray();
        double expected = 0;
        for (int k = 0; k < images; k++)
        {
            double image = Losses.PixelwiseCrossEntropy(logits.AsSpan(k * classes * pixels, classes * pixels), labels.AsSpan(k * pixels, pixels), classes, height, width, Reduction.Sum);
            expected = k == 0 ? image : expected + image;
        }

        Assert.Equal(expected, Losses.PixelwiseCrossEntropy(logits, labels, classes, height, width, Reduction.Sum));
        Assert.Equal(expected, Chunked.WithThreads(2, () => Losses.PixelwiseCrossEntropy(logits, labels, classes, height, width, Reduction.Sum)));
    }

    /// <summary>Half is computed in float through tiles that end where the float path's chunks do: its bits on the widened values.</summary>
    [Fact]
    public void Pixelwise_Half_gives_the_float_paths_bits_on_its_widened_values()
    {
        const int images = 2, classes = 21, height = 96, width = 100;
        Half[] logits = Floats(images * classes * height * width, 4, -4, 4).Select(x => (Half)x).ToArray();
        float[] widened = logits.Select(x => (float)x).ToArray();
        int[] labels = Enumerable.Range(0, images * height * width).Select(i => (i * 13) % classes).ToArray();
        Assert.Equal((Half)Losses.PixelwiseCrossEntropy(widened, labels, classes, height, width, Reduction.Sum), Losses.PixelwiseCrossEntropy(logits, labels, classes, height, width, Reduction.Sum));
    }

    [Theory]
    [InlineData(6, 3, 64, 70)]
    [InlineData(40, 1, 20, 33)]
    public void Total_variation_gives_the_same_bits_on_1_2_3_and_8_threads_and_adds_the_images_in_order(int images, int channels, int height, int width)
    {
        int n = images * channels * height * width;
        float[] x = Floats(n, 5, -1, 1);
        float[] Run(int threads) => Chunked.WithThreads(threads, () =>
        {
            float[] g = new float[n], losses = new float[images];
            float mean = Losses.TotalVariationWithGradient(x, g, channels, height, width);
            float l1 = Losses.TotalVariationWithGradient(x, g, channels, height, width, TotalVariationNorm.L1, Reduction.Sum);
            Losses.TotalVariationElementwise(x, losses, channels, height, width);
            return new[] { mean, l1 }.Concat(g).Concat(losses).ToArray();
        });

        AssertSameBitsOnMoreThreads(Run(1), Run, $"[{images}, {channels}, {height}, {width}]");

        double[] xd = x.Select(v => (double)v).ToArray(), each = new double[images];
        Losses.TotalVariationElementwise(xd, each, channels, height, width);
        double expected = 0;
        foreach (double value in each)
        {
            expected += value;
        }

        Assert.Equal(expected, Chunked.WithThreads(2, () => Losses.TotalVariation(xd, channels, height, width, reduction: Reduction.Sum)));
    }


}
