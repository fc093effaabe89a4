using LossGen.Kernels;
using System;
using System.Linq;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Contrastive;

/// <summary>
/// InfoNce over [B, D] pairs: against a double reference written from the definition (loss by log-sum-exp, gradient by
/// central differences of that loss), every option and reduction, every vector width bit for bit (shapes that reach the
/// products' four-vector blocks and their tails), Half against float, worked values, bad input and allocations.
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class InfoNceTests
{
    /// <summary>The loss straight from the definition, in double.</summary>
    private static double Reference(double[] x1, double[] x2, int d, double temperature, bool symmetric, bool normalize, Reduction reduction)
    {
        int b = x1.Length / d;
        double[] u = Rows(x1, d, normalize), v = Rows(x2, d, normalize);
        var s = new double[b, b];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < b; j++)
            {
                double dot = 0;
                for (int k = 0; k < d; k++) dot += u[i * d + k] * v[j * d + k];
                s[i, j] = dot / temperature;
            }

        double rows = 0, columns = 0;
        for (int i = 0; i < b; i++)
        {
            rows += LogSumExp(Enumerable.Range(0, b).Select(j => s[i, j])) - s[i, i];
            columns += LogSumExp(Enumerable.Range(0, b).Select(j => s[j, i])) - s[i, i];
        }

        double total = symmetric ? 0.5 * rows + 0.5 * columns : rows;
        return reduction == Reduction.Mean ? total / b : total;
    }

    private static double[] Rows(double[] x, int d, bool normalize)
    {
        var u = (double[])x.Clone();
        if (!normalize) return u;
        for (int i = 0; i < x.Length / d; i++)
        {
            double norm = Math.Max(Math.Sqrt(Enumerable.Range(0, d).Sum(k => x[i * d + k] * x[i * d + k])), 1e-12);
            for (int k = 0; k < d; k++) u[i * d + k] = x[i * d + k] / norm;
        }
        return u;
    }

    private static double LogSumExp(System.Collections.Generic.IEnumerable<double> values)
    {
        double[] a = values.ToArray();
        double max = a.Max();
        return max + Math.Log(a.Sum(z => Math.Exp(z - max)));
    }

    private static (double Loss, double[] G1, double[] G2, long[] Bits) Run(Type element, double[] x1, double[] x2, int d,
        double temperature, bool symmetric, bool normalize, Reduction reduction)
    {
        Array a = Data.ToArray(element, x1), b = Data.ToArray(element, x2);
        Array g1 = Data.Filled(element, x1.Length, double.NaN), g2 = Data.Filled(element, x2.Length, double.NaN);
        object loss, lossOnly;
        switch (a)
        {
            case float[] f:
                loss = Losses.InfoNceWithGradient(f, (float[])b, (float[])g1, (float[])g2, d, temperature, symmetric, normalize, reduction);
                lossOnly = Losses.InfoNce(f, (float[])b, d, temperature, symmetric, normalize, reduction);
                break;
            case double[] dd:
                loss = Losses.InfoNceWithGradient(dd, (double[])b, (double[])g1, (double[])g2, d, temperature, symmetric, normalize, reduction);
                lossOnly = Losses.InfoNce(dd, (double[])b, d, temperature, symmetric, normalize, reduction);
                break;
            default:
                loss = Losses.InfoNceWithGradient((Half[])a, (Half[])b, (Half[])g1, (Half[])g2, d, temperature, symmetric, normalize, reduction);
                lossOnly = Losses.InfoNce((Half[])a, (Half[])b, d, temperature, symmetric, normalize, reduction);
                break;
        }

        Assert.Equal(Data.Bits(loss), Data.Bits(lossOnly));
        return (Data.ToDouble(loss), Data.ToDouble(g1), Data.ToDouble(g2), [Data.Bits(loss), .. Data.Bits(g1), .. Data.Bits(g2)]);
    }

    private static double[] Embeddings(Random random, int length) => Enumerable.Range(0, length).Select(_ => 2 * random.NextDouble() - 1).ToArray();

    private static readonly (bool Symmetric, bool Normalize, double Temperature)[] s_options =
        [(false, true, 0.1), (true, true, 0.07), (false, false, 1.0), (true, false, 2.0)];

    public static TheoryData<string, int, int> Shapes()
    {
        var data = new TheoryData<string, int, int>();
        foreach (Type element in Data.ElementTypes)
        {
            data.Add(element.Name, 1, 1);   // one pair: loss 0
            data.Add(element.Name, 1, 7);
            data.Add(element.Name, 2, 3);
            data.Add(element.Name, 5, 9);
            data.Add(element.Name, 9, 17);  // the products' blocks of four rows and a row past them, a vector and a tail
            data.Add(element.Name, 12, 40); // pairs of vectors and a lone one (256 bits), tails
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_definition_and_central_differences(string elementName, int b, int d)
    {
        Type element = Data.ElementTypes.Single(t => t.Name == elementName);
        var random = new Random(b * 100 + d);
        // Values the element type holds exactly, so the reference sees what the kernel sees.
        double[] x1 = Data.ToDouble(Data.ToArray(element, Embeddings(random, b * d)));
        double[] x2 = Data.ToDouble(Data.ToArray(element, Embeddings(random, b * d)));
        (double relative, double absolute) = Data.Tolerance(element);
        foreach ((bool symmetric, bool normalize, double temperature) in s_options)
        {
            foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
            {
                string id = $"B={b} D={d} symmetric={symmetric} normalize={normalize} τ={temperature} {reduction}";
                double expected = Reference(x1, x2, d, temperature, symmetric, normalize, reduction);
                var actual = Run(element, x1, x2, d, temperature, symmetric, normalize, reduction);
                // The similarities are divided by τ, so an error in them grows by 1/τ.
                double scale = Math.Max(1, Math.Abs(expected)) / Math.Min(1, temperature);
                Assert.True(Data.Close(expected, actual.Loss, relative, absolute, scale), $"{id}: {actual.Loss:R} vs {expected:R}");
                foreach ((double[] x, double[] g, string side) in new[] { (x1, actual.G1, "x1"), (x2, actual.G2, "x2") })
                {
                    for (int i = 0; i < x.Length; i++)
                    {
                        const double h = 1e-6;
                        double saved = x[i];
                        x[i] = saved + h;
                        double up = Reference(x1, x2, d, temperature, symmetric, normalize, reduction);
                        x[i] = saved - h;
                        double down = Reference(x1, x2, d, temperature, symmetric, normalize, reduction);
                        x[i] = saved;
                        double slope = (up - down) / (2 * h);
                        Assert.True(Data.Close(slope, g[i], Math.Max(relative, 1e-6), Math.Max(absolute, 1e-7), scale),
                            $"{id}: d/d{side}[{i}] {g[i]:R} vs central difference {slope:R}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Worked_values()
    {
        // One pair: the only candidate is the positive, so the loss and its gradients are 0.
        var g1 = new double[3];
        var g2 = new double[3];
        Assert.Equal(0.0, Losses.InfoNceWithGradient([1.0, 2.0, 3.0], [-1.0, 0.5, 2.0], g1, g2, 3));
        Assert.All(g1.Concat(g2), g => Assert.Equal(0.0, g));

        // Orthonormal pairs, τ = 1: S = I, each row's loss log(e + 1) − 1 = log(1 + e^−1), whichever direction.
        double[] identity = [1.0, 0.0, 0.0, 1.0];
        double expected = Math.Log(1 + Math.Exp(-1));
        Assert.Equal(expected, Losses.InfoNce(identity, identity, 2, temperature: 1), 15);
        Assert.Equal(expected, Losses.InfoNce(identity, identity, 2, temperature: 1, symmetric: true), 15);
        Assert.Equal(2 * expected, Losses.InfoNce(identity, identity, 2, temperature: 1, reduction: Reduction.Sum), 15);
        // Scaling an embedding changes nothing when normalized; without normalization it sharpens its row.
        Assert.Equal(expected, Losses.InfoNce([3.0, 0.0, 0.0, 0.5], identity, 2, temperature: 1), 15);
        Assert.Equal(0.5 * (Math.Log(1 + Math.Exp(-3)) + expected), Losses.InfoNce([3.0, 0.0, 0.0, 1.0], identity, 2, temperature: 1, normalize: false), 15);

        // A zero embedding is divided by 1e-12 (F.normalize), not by its norm: all its similarities are 0, its loss log B.
        Assert.Equal(Math.Log(2), 2 * Losses.InfoNce([0.0, 0.0, 0.0, 1.0], identity, 2, temperature: 1) - expected, 14);
    }

    [Fact]
    public void Every_vector_width_gives_the_same_bits()
    {
        foreach (Type element in Data.ElementTypes)
        {
            using (VectorWidth.Restored())
            {
                // The products run blocks of four rows by two vectors, then single rows; the columns past the last pair
                // of vectors take one vector, then one element at a time. B = 70 gives S 70 columns (pairs and a tail at
                // every width, a lone vector at 128 bits) and two rows past the blocks; D = 40 gives the gradients a lone
                // vector at 256 bits, D = 133 at 128.
                foreach ((int b, int d) in new[] { (3, 5), (70, 37), (20, 133), (9, 40) })
                {
                    var random = new Random(b + d);
                    double[] x1 = Embeddings(random, b * d), x2 = Embeddings(random, b * d);
                    foreach ((bool symmetric, bool normalize, double temperature) in s_options)
                    {
                        long[]? first = null;
                        foreach (int bits in new[] { 512, 256, 128, 0 })
                        {
                            VectorPaths.MaxBits = bits;
                            long[] all = Run(element, x1, x2, d, temperature, symmetric, normalize, Reduction.Mean).Bits;
                            first ??= all;
                            Assert.True(first.SequenceEqual(all), $"{element.Name} B={b} D={d} symmetric={symmetric} normalize={normalize}: {bits}-bit differs from 512-bit");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Half_is_float_on_the_same_values_rounded_once()
    {
        var random = new Random(31);
        int b = 12, d = 40;
        double[] x1 = Data.ToDouble(Data.ToArray(typeof(Half), Embeddings(random, b * d)));
        double[] x2 = Data.ToDouble(Data.ToArray(typeof(Half), Embeddings(random, b * d)));
        foreach ((bool symmetric, bool normalize, double temperature) in s_options)
        {
            var half = Run(typeof(Half), x1, x2, d, temperature, symmetric, normalize, Reduction.Mean);
            var single = Run(typeof(float), x1, x2, d, temperature, symmetric, normalize, Reduction.Mean);
            Assert.Equal((Half)(float)single.Loss, (Half)half.Loss);
            for (int i = 0; i < x1.Length; i++)
            {
                Assert.Equal((Half)single.G1[i], (Half)half.G1[i]);
                Assert.Equal((Half)single.G2[i], (Half)half.G2[i]);
            }
        }
    }

    [Fact]
    public void A_gradient_may_overwrite_its_own_input()
    {
        var random = new Random(5);
        double[] x1 = Embeddings(random, 6 * 4), x2 = Embeddings(random, 6 * 4);
        var g1 = new double[x1.Length];
        var g2 = new double[x2.Length];
        double loss = Losses.InfoNceWithGradient(x1, x2, g1, g2, 4, symmetric: true);
        double[] a = (double[])x1.Clone(), b = (double[])x2.Clone();
        Assert.Equal(loss, Losses.InfoNceWithGradient(a, b, a, b, 4, symmetric: true));
        Assert.Equal(g1, a);
        Assert.Equal(g2, b);
    }

    [Fact]
    public void No_pairs_give_NaN_for_the_mean_and_0_for_the_sum()
    {
        Assert.True(double.IsNaN(Losses.InfoNce(ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, 4)));
        Assert.Equal(0f, Losses.InfoNceWithGradient(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, Span<float>.Empty, Span<float>.Empty, 4, reduction: Reduction.Sum));
    }

    public static TheoryData<string> BadInputs() =>
    [
        "zero dimension", "zero temperature", "negative temperature", "NaN temperature", "infinite temperature", "bad reduction",
        "lengths differ", "ragged rows", "x1Gradient length", "x2Gradient length",
    ];

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_throws_before_anything_is_written(string which)
    {
        double[] x1 = Embeddings(new Random(1), 12), x2 = Embeddings(new Random(2), 12);
        var g1 = new double[12];
        var g2 = new double[12];
        Array.Fill(g1, 42.0);
        Array.Fill(g2, 42.0);
        int d = 4;
        double temperature = 0.1;
        var reduction = Reduction.Mean;
        string expectParam = which switch
        {
            "zero dimension" => "dimension",
            "bad reduction" => "reduction",
            "lengths differ" => "x2",
            "ragged rows" => "x1",
            "x1Gradient length" => "x1Gradient",
            "x2Gradient length" => "x2Gradient",
            _ => "temperature",
        };
        switch (which)
        {
            case "zero dimension": d = 0; break;
            case "zero temperature": temperature = 0; break;
            case "negative temperature": temperature = -0.1; break;
            case "NaN temperature": temperature = double.NaN; break;
            case "infinite temperature": temperature = double.PositiveInfinity; break;
            case "bad reduction": reduction = (Reduction)7; break;
            case "lengths differ": x2 = x2[..8]; break;
            case "ragged rows": d = 5; break;
            case "x1Gradient length": g1 = new double[11]; Array.Fill(g1, 42.0); break;
            case "x2Gradient length": g2 = new double[13]; Array.Fill(g2, 42.0); break;
        }

        var thrown = Assert.ThrowsAny<ArgumentException>(() => Losses.InfoNceWithGradient(x1, x2, g1, g2, d, temperature, reduction: reduction));
        Assert.Equal(expectParam, thrown.ParamName);
        Assert.All(g1.Concat(g2), g => Assert.Equal(42.0, g));
        if (!which.Contains("Gradient"))
        {
            Assert.Equal(expectParam, Assert.ThrowsAny<ArgumentException>(() => Losses.InfoNce(x1, x2, d, temperature, reduction: reduction)).ParamName);
        }
    }

    [Fact]
    public void Steady_calls_allocate_nothing()
    {
        var random = new Random(3);
        float[] x1 = Embeddings(random, 16 * 24).Select(v => (float)v).ToArray(), x2 = Embeddings(random, 16 * 24).Select(v => (float)v).ToArray();
        var g1 = new float[x1.Length];
        var g2 = new float[x2.Length];
        Allocations.AssertNoneInSteadyState(() => Losses.InfoNceWithGradient(x1, x2, g1, g2, 24, symmetric: true), 20);
        var h1 = x1.Select(v => (Half)v).ToArray();
        var h2 = x2.Select(v => (Half)v).ToArray();
        Half[] hg1 = new Half[h1.Length], hg2 = new Half[h2.Length];
        Allocations.AssertNoneInSteadyState(() => Losses.InfoNceWithGradient(h1, h2, hg1, hg2, 24), 20);
    }
}
