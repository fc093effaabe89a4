using System;
using System.Linq;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Rows;

/// <summary>
/// MultiLabelMargin: PyTorch's documented example, a double reference written from the definition, central differences
/// away from the hinges, float, double and Half, every vector width bit for bit, the target format's edges (no targets,
/// a repeated target, entries after the first −1) and bad input before anything is written.
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class MultiLabelMarginTests
{
    /// <summary>Per-row losses from the definition, in double.</summary>
    private static double[] Reference(double[] x, int[] y, int c)
    {
        int n = x.Length / c;
        var losses = new double[n];
        for (int r = 0; r < n; r++)
        {
            int[] targets = y.Skip(r * c).Take(c).TakeWhile(t => t >= 0).ToArray();
            for (int i = 0; i < c; i++)
            {
                if (targets.Contains(i)) continue;
                foreach (int t in targets) losses[r] += Math.Max(0, 1 - (x[r * c + t] - x[r * c + i]));
            }

            losses[r] /= c;
        }

        return losses;
    }

    private static (double Loss, double[] Gradient, double[] Losses, long[] Bits) Run(Type element, double[] x, int[] y, int c, Reduction reduction)
    {
        Array logits = Data.ToArray(element, x);
        Array gradient = Data.Filled(element, x.Length, double.NaN), losses = Data.Filled(element, x.Length / c, double.NaN);
        object loss, lossOnly;
        switch (logits)
        {
            case float[] f:
                loss = Losses.MultiLabelMarginWithGradient(f, y, (float[])gradient, c, reduction);
                lossOnly = Losses.MultiLabelMargin(f, y, c, reduction);
                Losses.MultiLabelMarginElementwise(f, y, (float[])losses, c);
                break;
            case double[] d:
                loss = Losses.MultiLabelMarginWithGradient(d, y, (double[])gradient, c, reduction);
                lossOnly = Losses.MultiLabelMargin(d, y, c, reduction);
                Losses.MultiLabelMarginElementwise(d, y, (double[])losses, c);
                break;
            default:
                loss = Losses.MultiLabelMarginWithGradient((Half[])logits, y, (Half[])gradient, c, reduction);
                lossOnly = Losses.MultiLabelMargin((Half[])logits, y, c, reduction);
                Losses.MultiLabelMarginElementwise((Half[])logits, y, (Half[])losses, c);
                break;
        }

        Assert.Equal(Data.Bits(loss), Data.Bits(lossOnly));
        return (Data.ToDouble(loss), Data.ToDouble(gradient), Data.ToDouble(losses), [Data.Bits(loss), .. Data.Bits(gradient), .. Data.Bits(losses)]);
    }

    [Fact]
    public void PyTorchs_documented_example()
    {
        // torch.nn.MultiLabelMarginLoss: x = [[0.1, 0.2, 0.4, 0.8]], y = [[3, 0, -1, 1]] gives 0.85
        // (targets 3 and 0; the 1 after the -1 is ignored).
        float loss = Losses.MultiLabelMargin([0.1f, 0.2f, 0.4f, 0.8f], [3, 0, -1, 1], 4);
        Assert.Equal(0.85f, loss, 6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    public void Matches_the_definition_and_central_differences(int c)
    {
        var random = new Random(c);
        int n = 5;
        var y = new int[n * c];
        for (int r = 0; r < n; r++)
        {
            int[] classes = Enumerable.Range(0, c).OrderBy(_ => random.Next()).ToArray();
            int k = r % (c + 1);                      // 0 … c targets, the row with none included
            for (int j = 0; j < c; j++) y[r * c + j] = j < k ? classes[j] : j == k ? -1 : random.Next(-3, c); // junk after the -1
        }

        foreach (Type element in Data.ElementTypes)
        {
            // Scores the element type holds exactly, drawn until no hinge is within 1e-3 of its kink, so central
            // differences see one linear piece.
            double[] x;
            do
            {
                x = Data.ToDouble(Data.ToArray(element, Enumerable.Range(0, n * c).Select(_ => random.NextDouble() * 4 - 2).ToArray()));
            }
            while (!AwayFromKinks(x, c));

            double[] perRow = Reference(x, y, c);
            (double relative, double absolute) = Data.Tolerance(element);
            foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
            {
                var actual = Run(element, x, y, c, reduction);
                double expected = reduction == Reduction.Mean ? perRow.Average() : perRow.Sum();
                Assert.True(Data.Close(expected, actual.Loss, relative, absolute), $"{element.Name} C={c} {reduction}: {actual.Loss:R} vs {expected:R}");
                for (int r = 0; r < n; r++)
                    Assert.True(Data.Close(perRow[r], actual.Losses[r], relative, absolute), $"{element.Name} row {r}: {actual.Losses[r]:R} vs {perRow[r]:R}");
                double scale = reduction == Reduction.Mean ? 1.0 / n : 1;
                for (int i = 0; i < x.Length; i++)
                {
                    const double h = 1e-6;
                    double[] up = (double[])x.Clone(), down = (double[])x.Clone();
                    up[i] += h;
                    down[i] -= h;
                    double slope = scale * (Reference(up, y, c).Sum() - Reference(down, y, c).Sum()) / (2 * h);
                    Assert.True(Data.Close(slope, actual.Gradient[i], Math.Max(relative, 1e-6), absolute), $"{element.Name} C={c} {reduction} d/dx[{i}]: {actual.Gradient[i]:R} vs {slope:R}");
                }
            }
        }
    }

    private static bool AwayFromKinks(double[] x, int c)
    {
        for (int r = 0; r < x.Length / c; r++)
            for (int a = 0; a < c; a++)
                for (int b = 0; b < c; b++)
                    if (a != b && Math.Abs(1 - x[r * c + a] + x[r * c + b]) < 1e-3) return false;
        return true;
    }

    [Fact]
    public void A_repeated_target_counts_twice_as_in_PyTorch()
    {
        double once = Losses.MultiLabelMargin([0.5, 0.0, 0.2], [0, -1, -1], 3);
        double twice = Losses.MultiLabelMargin([0.5, 0.0, 0.2], [0, 0, -1], 3);
        Assert.Equal(2 * once, twice, 15);
    }

    [Fact]
    public void Every_vector_width_gives_the_same_bits()
    {
        var random = new Random(9);
        int c = 70, n = 4;
        double[] x = Enumerable.Range(0, n * c).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        int[] y = Enumerable.Range(0, n * c).Select(i => i % c < 3 ? (i * 7 + 1) % c : -1).ToArray();
        using (VectorWidth.Restored())
        {
            foreach (Type element in Data.ElementTypes)
            {
                long[]? first = null;
                foreach (int bits in new[] { 512, 256, 128, 0 })
                {
                    VectorPaths.MaxBits = bits;
                    long[] all = Run(element, x, y, c, Reduction.Mean).Bits;
                    first ??= all;
                    Assert.True(first.SequenceEqual(all), $"{element.Name}: {bits}-bit differs");
                }
            }
        }
    }

    [Fact]
    public void No_rows_give_NaN_for_the_mean_and_0_for_the_sum()
    {
        Assert.True(double.IsNaN(Losses.MultiLabelMargin(ReadOnlySpan<double>.Empty, ReadOnlySpan<int>.Empty, 4)));
        Assert.Equal(0f, Losses.MultiLabelMargin(ReadOnlySpan<float>.Empty, ReadOnlySpan<int>.Empty, 4, Reduction.Sum));
    }

    [Theory]
    [InlineData("ragged logits", "logits")]
    [InlineData("targets length", "targets")]
    [InlineData("target past the classes", "targets")]
    [InlineData("zero row length", "rowLength")]
    [InlineData("gradient length", "logitsGradient")]
    [InlineData("bad reduction", "reduction")]
    public void Bad_input_throws_before_anything_is_written(string which, string parameter)
    {
        double[] x = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        int[] y = [0, -1, -1, 2, 1, -1];
        var gradient = new double[6];
        Array.Fill(gradient, 42.0);
        int c = 3;
        var reduction = Reduction.Mean;
        switch (which)
        {
            case "ragged logits": x = x[..5]; break;
            case "targets length": y = y[..5]; break;
            case "target past the classes": y[3] = 3; break;
            case "zero row length": c = 0; break;
            case "gradient length": gradient = new double[5]; Array.Fill(gradient, 42.0); break;
            case "bad reduction": reduction = (Reduction)5; break;
        }

        var thrown = Assert.ThrowsAny<ArgumentException>(() => Losses.MultiLabelMarginWithGradient(x, y, gradient, c, reduction));
        Assert.Equal(parameter, thrown.ParamName);
        Assert.All(gradient, g => Assert.Equal(42.0, g));
    }
}
