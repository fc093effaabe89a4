using System;
using System.Linq;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Images;

/// <summary>
/// The softmax overlap losses (Dice, Jaccard, Tversky and focal Tversky, generalized Dice from logits): against their
/// definitions written out in double (softmax per voxel, the per-class sums over the batch, the class-weighted mean),
/// hand-worked values, central differences, float and Half against double, every vector width bit for bit, and bad input.
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class SoftmaxOverlapTests
{
    private const int Ignore = -100;

    /// <summary>A loss under test: its name, its double reference, and its double, float and Half overloads with gradients.</summary>
    private sealed record Case(
        string Name,
        Func<double[], int[], int, int[], double[]?, double> Reference,
        Func<double[], int[], double[], int, int[], double[]?, double> Double,
        Func<float[], int[], float[], int, int[], float[]?, float> Single,
        Func<Half[], int[], Half[], int, int[], Half[]?, Half> Half,
        Func<double[], int[], int, int[], double[]?, double> ForwardOnly);

    private static readonly Case[] s_cases =
    [
        new("Dice", (x, y, c, s, w) => Reference(x, y, c, s, w, 2, 1, 1, 1, 1.0),
            (x, y, g, c, s, w) => Losses.SoftmaxDiceWithGradient(x, y, g, c, s, w ?? [], 1.0),
            (x, y, g, c, s, w) => Losses.SoftmaxDiceWithGradient(x, y, g, c, s, w ?? [], 1.0),
            (x, y, g, c, s, w) => Losses.SoftmaxDiceWithGradient(x, y, g, c, s, w ?? [], 1.0),
            (x, y, c, s, w) => Losses.SoftmaxDice(x, y, c, s, w ?? [], 1.0)),
        new("Jaccard", (x, y, c, s, w) => Reference(x, y, c, s, w, 1, 1, 1, 1, 0.5),
            (x, y, g, c, s, w) => Losses.SoftmaxJaccardWithGradient(x, y, g, c, s, w ?? [], 0.5),
            (x, y, g, c, s, w) => Losses.SoftmaxJaccardWithGradient(x, y, g, c, s, w ?? [], 0.5),
            (x, y, g, c, s, w) => Losses.SoftmaxJaccardWithGradient(x, y, g, c, s, w ?? [], 0.5),
            (x, y, c, s, w) => Losses.SoftmaxJaccard(x, y, c, s, w ?? [], 0.5)),
        new("FocalTversky", (x, y, c, s, w) => Reference(x, y, c, s, w, 1, 0.3, 0.7, 1.5, 1.0),
            (x, y, g, c, s, w) => Losses.SoftmaxTverskyWithGradient(x, y, g, c, s, w ?? [], 0.3, 0.7, 1.5),
            (x, y, g, c, s, w) => Losses.SoftmaxTverskyWithGradient(x, y, g, c, s, w ?? [], 0.3, 0.7, 1.5),
            (x, y, g, c, s, w) => Losses.SoftmaxTverskyWithGradient(x, y, g, c, s, w ?? [], 0.3, 0.7, 1.5),
            (x, y, c, s, w) => Losses.SoftmaxTversky(x, y, c, s, w ?? [], 0.3, 0.7, 1.5)),
        new("GeneralizedDice", (x, y, c, s, w) => GeneralizedReference(x, y, c, s, 1e-5),
            (x, y, g, c, s, w) => Losses.SoftmaxGeneralizedDiceWithGradient(x, y, g, c, s),
            (x, y, g, c, s, w) => Losses.SoftmaxGeneralizedDiceWithGradient(x, y, g, c, s),
            (x, y, g, c, s, w) => Losses.SoftmaxGeneralizedDiceWithGradient(x, y, g, c, s),
            (x, y, c, s, w) => Losses.SoftmaxGeneralizedDice(x, y, c, s)),
    ];

    public static TheoryData<string, int, int, int[], bool> Shapes()
    {
        var data = new TheoryData<string, int, int, int[], bool>();
        foreach (Case c in s_cases)
        {
            data.Add(c.Name, 2, 4, [5, 7], true);      // images, class weights
            data.Add(c.Name, 3, 3, [37], false);       // sequences: every tail
            data.Add(c.Name, 1, 6, [3, 4, 5], true);   // a volume
            data.Add(c.Name, 2, 5, [1100], false);     // more than one flush of the lanes
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_element_type_matches_the_definition_and_the_double_gradient_matches_central_differences(string name, int n, int c, int[] spatial, bool weighted)
    {
        Case loss = s_cases.Single(k => k.Name == name);
        var random = new Random(n * 100 + c + spatial.Length);
        int voxels = spatial.Aggregate(1, (a, b) => a * b);
        double[] logits = Enumerable.Range(0, n * c * voxels).Select(_ => 6 * random.NextDouble() - 3).ToArray();
        // Class c − 1 never appears: absent classes count (and get the generalized Dice's largest weight).
        int[] labels = Enumerable.Range(0, n * voxels).Select(_ => random.NextDouble() < 0.1 ? Ignore : random.Next(c - 1)).ToArray();
        double[]? weights = weighted ? Enumerable.Range(0, c).Select(_ => 0.25 + random.NextDouble()).ToArray() : null;
        double expected = loss.Reference(logits, labels, c, spatial, weights);

        var gradient = new double[logits.Length];
        double value = loss.Double(logits, labels, gradient, c, spatial, weights);
        Assert.True(Math.Abs(value - expected) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"{name} double: {value:R} vs {expected:R}");
        Assert.Equal(value, loss.ForwardOnly(logits, labels, c, spatial, weights));

        // Central differences at a sample of the logits; ignored voxels have gradient 0.
        for (int i = 0; i < logits.Length; i += Math.Max(1, logits.Length / 97))
        {
            double h = 1e-6;
            double[] up = (double[])logits.Clone(), down = (double[])logits.Clone();
            up[i] += h;
            down[i] -= h;
            double derivative = (loss.Reference(up, labels, c, spatial, weights) - loss.Reference(down, labels, c, spatial, weights)) / (2 * h);
            Assert.True(Math.Abs(derivative - gradient[i]) <= 1e-8 + 1e-5 * Math.Abs(derivative), $"{name} gradient [{i}]: {gradient[i]:R} vs {derivative:R}");
        }

        for (int i = 0; i < logits.Length; i++)
        {
            int image = i / (c * voxels), voxel = i % voxels;
            if (labels[(image * voxels) + voxel] == Ignore) Assert.Equal(0, gradient[i]);
        }

        // Float and Half on the same values rounded to them, against the double overload on those values.
        foreach (Type element in new[] { typeof(float), typeof(Half) })
        {
            double[] rounded = Data.ToDouble(Data.ToArray(element, logits));
            double[]? roundedWeights = weights is null ? null : Data.ToDouble(Data.ToArray(element, weights));
            var doubleGradient = new double[logits.Length];
            double reference = loss.Double(rounded, labels, doubleGradient, c, spatial, roundedWeights);
            (double actual, double[] actualGradient) = element == typeof(float)
                ? Single(loss, rounded, labels, c, spatial, roundedWeights)
                : HalfRun(loss, rounded, labels, c, spatial, roundedWeights);
            (double relative, double absolute) = element == typeof(float) ? (1e-5, 1e-6) : (4e-3, 1e-3);
            Assert.True(Data.Close(reference, actual, relative, absolute), $"{name} {element.Name}: {actual:R} vs {reference:R}");
            double scale = doubleGradient.Max(Math.Abs);
            for (int i = 0; i < logits.Length; i++)
            {
                Assert.True(Math.Abs(doubleGradient[i] - actualGradient[i]) <= (relative * Math.Abs(doubleGradient[i])) + (absolute * scale) + (element == typeof(Half) ? (double)Half.Epsilon : 0),
                    $"{name} {element.Name} gradient [{i}]: {actualGradient[i]:R} vs {doubleGradient[i]:R}");
            }
        }
    }

    [Fact]
    public void Known_values_worked_out_by_hand()
    {
        // Two classes, two voxels, logits 0 everywhere: p = ½ for every class. Labels 0 and 1: TP_c = ½, Σp_c = 1,
        // G_c = 1, so Dice_c = (2·½ + 1)/(1 + 1 + 1) = 2/3 and the loss 1/3; Jaccard_c = (½ + 1)/(1 + 1 − ½ + 1) = 0.6.
        double[] logits = [0, 0, 0, 0];
        int[] labels = [0, 1];
        Assert.Equal(1.0 / 3, Losses.SoftmaxDice(logits, labels, 2, [2]), 15);
        Assert.Equal(0.4, Losses.SoftmaxJaccard(logits, labels, 2, [2]), 15);
        // Tversky with α = β = ½ is the Dice loss with half the smoothing.
        Assert.Equal(Losses.SoftmaxDice(logits, labels, 2, [2], smooth: 1.0), Losses.SoftmaxTversky(logits, labels, 2, [2], smooth: 0.5), 15);
        // Generalized Dice: W = 1 for both classes, (2·(½ + ½) + s)/((1 + 1) + (1 + 1) + s) → ½ with s → 0.
        Assert.Equal(0.5, Losses.SoftmaxGeneralizedDice(logits, labels, 2, [2], smooth: 0), 15);
    }

    [Fact]
    public void Every_vector_width_gives_the_same_bits()
    {
        var random = new Random(4);
        int n = 2, c = 5;
        int[] spatial = [3, 37];
        float[] logits = Enumerable.Range(0, n * c * 111).Select(_ => (float)(6 * random.NextDouble() - 3)).ToArray();
        int[] labels = Enumerable.Range(0, n * 111).Select(_ => random.NextDouble() < 0.1 ? Ignore : random.Next(c)).ToArray();
        float[] weights = [1, 0.5f, 2, 1, 0.25f];
        using (VectorWidth.Restored())
        {
            long[]? reference = null;
            foreach (int bits in new[] { 512, 256, 128, 0 })
            {
                VectorPaths.MaxBits = bits;
                var gradient = new float[logits.Length];
                float dice = Losses.SoftmaxTverskyWithGradient(logits, labels, gradient, c, spatial, weights, 0.3, 0.7, 1.5);
                long[] result = [BitConverter.SingleToInt32Bits(dice), .. gradient.Select(v => (long)BitConverter.SingleToInt32Bits(v))];
                reference ??= result;
                Assert.True(reference.SequenceEqual(result), $"the {bits}-bit path differs from the 512-bit path");
            }
        }
    }

    [Fact]
    public void Bad_input_throws_naming_it_before_anything_is_written()
    {
        float[] logits = new float[2 * 3 * 8];
        int[] labels = new int[16];
        float[] gradient = Enumerable.Repeat(5f, logits.Length).ToArray();
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => Losses.SoftmaxDiceWithGradient(logits, labels[..15], gradient, 3, [8])).ParamName);
        Assert.Equal("logitsGradient", Assert.Throws<ArgumentException>(() => Losses.SoftmaxDiceWithGradient(logits, labels, logits, 3, [8])).ParamName);
        Assert.Equal("classWeights", Assert.Throws<ArgumentException>(() => Losses.SoftmaxJaccardWithGradient(logits, labels, gradient, 3, [8], [1f])).ParamName);
#pragma warning disable LG0201 // the analyzer sees the bad constants too; the run-time checks are what is tested here
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxTverskyWithGradient(logits, labels, gradient, 3, [8], gamma: 0)).ParamName);
        Assert.Equal("smooth", Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxGeneralizedDiceWithGradient(logits, labels, gradient, 3, [8], smooth: -1)).ParamName);
#pragma warning restore LG0201
        labels[9] = 7;
        var label = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxDiceWithGradient(logits, labels, gradient, 3, [2, 4]));
        Assert.Contains("labels[9] (image 1, row 0, column 1) is 7", label.Message);
        Assert.All(gradient, v => Assert.Equal(5f, v));
    }

    [Fact]
    public void Repeated_calls_allocate_nothing()
    {
        float[] logits = new float[2 * 4 * 50], gradient = new float[logits.Length], weights = [1, 2, 3, 4];
        int[] labels = new int[100];
        // The shape as an array made once: a collection expression in the call allocates per call in a Debug build.
        int[] spatial = [5, 10];
        void Call() => Losses.SoftmaxTverskyWithGradient(logits, labels, gradient, 4, spatial, weights, 0.3, 0.7, 1.5);
        Allocations.AssertNoneInSteadyState(Call, calls: 10);
    }

    private static (double, double[]) Single(Case loss, double[] logits, int[] labels, int c, int[] spatial, double[]? weights)
    {
        var gradient = new float[logits.Length];
        float value = loss.Single(logits.Select(v => (float)v).ToArray(), labels, gradient, c, spatial, weights?.Select(v => (float)v).ToArray());
        return (value, gradient.Select(v => (double)v).ToArray());
    }

    private static (double, double[]) HalfRun(Case loss, double[] logits, int[] labels, int c, int[] spatial, double[]? weights)
    {
        var gradient = new Half[logits.Length];
        Half value = loss.Half(logits.Select(v => (Half)v).ToArray(), labels, gradient, c, spatial, weights?.Select(v => (Half)v).ToArray());
        return ((double)value, gradient.Select(v => (double)v).ToArray());
    }

    /// <summary>Softmax per voxel, and per class over the batch the sums Σp, Σp·[y = c] and Σ[y = c] of the voxels that count.</summary>
    private static (double[] P, double[] Tp, double[] G) Sums(double[] logits, int[] labels, int c, int[] spatial)
    {
        int voxels = spatial.Aggregate(1, (a, b) => a * b), n = labels.Length / voxels;
        double[] p = new double[c], tp = new double[c], g = new double[c];
        for (int image = 0; image < n; image++)
        {
            for (int v = 0; v < voxels; v++)
            {
                int label = labels[(image * voxels) + v];
                if (label == Ignore) continue;
                double[] x = Enumerable.Range(0, c).Select(k => logits[((image * c) + k) * voxels + v]).ToArray();
                double max = x.Max(), sum = x.Sum(z => Math.Exp(z - max));
                for (int k = 0; k < c; k++)
                {
                    double pk = Math.Exp(x[k] - max) / sum;
                    p[k] += pk;
                    if (k == label)
                    {
                        tp[k] += pk;
                        g[k] += 1;
                    }
                }
            }
        }

        return (p, tp, g);
    }

    private static double Reference(double[] logits, int[] labels, int c, int[] spatial, double[]? weights, double k, double alpha, double beta, double gamma, double smooth)
    {
        (double[] p, double[] tp, double[] g) = Sums(logits, labels, c, spatial);
        double total = 0, weightSum = 0;
        for (int i = 0; i < c; i++)
        {
            double w = weights?[i] ?? 1;
            double fp = p[i] - tp[i], fn = g[i] - tp[i];
            double score = ((k * tp[i]) + smooth) / ((k * tp[i]) + (alpha * fp) + (beta * fn) + smooth);
            total += w * Math.Pow(1 - score, gamma);
            weightSum += w;
        }

        return total / weightSum;
    }

    private static double GeneralizedReference(double[] logits, int[] labels, int c, int[] spatial, double smooth)
    {
        (double[] p, double[] tp, double[] g) = Sums(logits, labels, c, spatial);
        double largest = Enumerable.Range(0, c).Where(i => g[i] > 0).Select(i => 1 / (g[i] * g[i])).DefaultIfEmpty(1).Max();
        double numerator = smooth, denominator = smooth;
        for (int i = 0; i < c; i++)
        {
            double w = g[i] > 0 ? 1 / (g[i] * g[i]) : largest;
            numerator += 2 * w * tp[i];
            denominator += w * (p[i] + g[i]);
        }

        return 1 - (numerator / denominator);
    }
}
