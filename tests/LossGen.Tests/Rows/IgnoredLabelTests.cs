using System;
using System.Linq;
using System.Reflection;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Rows;

/// <summary>
/// The ignoreIndex overloads without class weights (PyTorch's cross_entropy(..., ignore_index) and nll_loss(...,
/// ignore_index)): the plain overload over the rows that count, every element type, both reductions, label smoothing,
/// null ignoring nothing bit for bit, an all-ignored batch, and bad labels before anything is written.
/// </summary>
public sealed class IgnoredLabelTests
{
    private const int C = 7;

    private static (float[] Logits, int[] Labels, int[] Kept) Batch(int seed, int rows, double ignoredShare)
    {
        var random = new Random(seed);
        float[] logits = Enumerable.Range(0, rows * C).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
        int[] labels = Enumerable.Range(0, rows).Select(_ => random.NextDouble() < ignoredShare ? -100 : random.Next(C)).ToArray();
        int[] kept = Enumerable.Range(0, rows).Where(r => labels[r] != -100).ToArray();
        return (logits, labels, kept);
    }

    private static float[] RowsOf(float[] x, int[] rows) => rows.SelectMany(r => x.Skip(r * C).Take(C)).ToArray();

    [Theory]
    [InlineData(0.0, Reduction.Mean)]
    [InlineData(0.1, Reduction.Mean)]
    [InlineData(0.0, Reduction.Sum)]
    [InlineData(0.2, Reduction.Sum)]
    public void Cross_entropy_ignoring_a_label_is_the_plain_loss_over_the_other_rows(double smoothing, Reduction reduction)
    {
        (float[] logits, int[] labels, int[] kept) = Batch(1, 40, 0.3);
        Assert.InRange(kept.Length, 1, 39);
        float[] keptLogits = RowsOf(logits, kept);
        int[] keptLabels = kept.Select(r => labels[r]).ToArray();

        var gradient = new float[logits.Length];
        float loss = Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, gradient, C, ignoreIndex: -100, labelSmoothing: smoothing, reduction: reduction);
        var keptGradient = new float[keptLogits.Length];
        float expected = Losses.SparseSoftmaxCrossEntropyWithGradient(keptLogits, keptLabels, keptGradient, C, smoothing, reduction);

        Assert.Equal(expected, loss, 5);
        Assert.Equal(loss, Losses.SparseSoftmaxCrossEntropy(logits, labels, C, ignoreIndex: -100, labelSmoothing: smoothing, reduction: reduction));
        for (int r = 0, k = 0; r < labels.Length; r++)
        {
            for (int c = 0; c < C; c++)
            {
                float expectedGradient = labels[r] == -100 ? 0f : keptGradient[k * C + c];
                Assert.True(Math.Abs(expectedGradient - gradient[r * C + c]) <= 1e-6f, $"row {r} class {c}: {gradient[r * C + c]} vs {expectedGradient}");
            }

            if (labels[r] != -100) k++;
        }
    }

    [Fact]
    public void Nll_ignoring_a_label_is_the_plain_loss_over_the_other_rows_in_every_element_type()
    {
        (float[] logits, int[] labels, int[] kept) = Batch(2, 30, 0.4);
        int[] keptLabels = kept.Select(r => labels[r]).ToArray();
        double[] logProbs = logits.Select(v => (double)v - 2).ToArray();
        double[] keptLogProbs = kept.SelectMany(r => logProbs.Skip(r * C).Take(C)).ToArray();

        var g = new double[logProbs.Length];
        double loss = Losses.NllWithGradient(logProbs, labels, g, C, ignoreIndex: -100);
        Assert.Equal(Losses.Nll(keptLogProbs, keptLabels, C), loss, 12);
        for (int r = 0; r < labels.Length; r++)
            for (int c = 0; c < C; c++)
                Assert.Equal(labels[r] != -100 && c == labels[r] ? -1.0 / kept.Length : 0.0, g[r * C + c], 15);

        float single = Losses.Nll(logProbs.Select(v => (float)v).ToArray(), labels, C, ignoreIndex: -100);
        Half half = Losses.Nll(logProbs.Select(v => (Half)v).ToArray(), labels, C, ignoreIndex: -100);
        Assert.Equal(loss, single, 5);
        Assert.Equal(loss, (double)half, 2);
    }

    [Fact]
    public void Softmax_focal_ignoring_a_label_is_the_plain_loss_over_the_other_rows()
    {
        (float[] logits, int[] labels, int[] kept) = Batch(4, 30, 0.3);
        double[] x = logits.Select(v => (double)v).ToArray();
        double[] keptX = kept.SelectMany(r => x.Skip(r * C).Take(C)).ToArray();
        int[] keptLabels = kept.Select(r => labels[r]).ToArray();
        var g = new double[x.Length];
        var keptG = new double[keptX.Length];
        double loss = Losses.SparseSoftmaxFocalWithGradient(x, labels, g, C, ignoreIndex: -100, alpha: 0.5, gamma: 1.5);
        Assert.Equal(Losses.SparseSoftmaxFocalWithGradient(keptX, keptLabels, keptG, C, 0.5, 1.5), loss, 12);
        for (int r = 0, k = 0; r < labels.Length; r++)
        {
            for (int c = 0; c < C; c++)
                Assert.Equal(labels[r] == -100 ? 0.0 : keptG[k * C + c], g[r * C + c], 12);
            if (labels[r] != -100) k++;
        }

#pragma warning disable LG0201 // the analyzer sees the negative α too; the run-time check is what is tested here
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SparseSoftmaxFocal(x, labels, C, ignoreIndex: -100, alpha: -1));
#pragma warning restore LG0201
    }

    [Fact]
    public void Categorical_cross_entropy_on_probabilities_ignoring_a_label_is_the_plain_loss_over_the_other_rows()
    {
        (float[] logits, int[] labels, int[] kept) = Batch(5, 30, 0.3);
        // Probabilities in (0, 1], not normalized: the loss renormalizes each row.
        double[] p = logits.Select(v => (double)(v + 3.5f) / 7).ToArray();
        double[] keptP = kept.SelectMany(r => p.Skip(r * C).Take(C)).ToArray();
        int[] keptLabels = kept.Select(r => labels[r]).ToArray();
        var g = new double[p.Length];
        var keptG = new double[keptP.Length];
        double loss = Losses.SparseCategoricalCrossEntropyWithGradient(p, labels, g, C, ignoreIndex: -100);
        Assert.Equal(Losses.SparseCategoricalCrossEntropyWithGradient(keptP, keptLabels, keptG, C), loss, 12);
        Assert.Equal(loss, Losses.SparseCategoricalCrossEntropy(p, labels, C, ignoreIndex: -100), 15);
        for (int r = 0, k = 0; r < labels.Length; r++)
        {
            for (int c = 0; c < C; c++)
                Assert.Equal(labels[r] == -100 ? 0.0 : keptG[k * C + c], g[r * C + c], 12);
            if (labels[r] != -100) k++;
        }

        float[] pf = p.Select(v => (float)v).ToArray();
        Assert.Equal(Losses.SparseCategoricalCrossEntropy(pf, labels.Select(l => l == -100 ? 0 : l).ToArray(), C),
            Losses.SparseCategoricalCrossEntropy(pf, labels.Select(l => l == -100 ? 0 : l).ToArray(), C, ignoreIndex: null));
    }

    [Fact]
    public void Null_ignores_nothing_and_gives_the_plain_overloads_bits()
    {
        (float[] logits, int[] labels, _) = Batch(3, 20, 0.0);
        double[] logitsD = logits.Select(v => (double)v).ToArray();
        Assert.Equal(Losses.SparseSoftmaxCrossEntropy(logits, labels, C, 0.1), Losses.SparseSoftmaxCrossEntropy(logits, labels, C, ignoreIndex: null, labelSmoothing: 0.1));
        Assert.Equal(Losses.Nll(logitsD, labels, C), Losses.Nll(logitsD, labels, C, ignoreIndex: null));
        var a = new float[logits.Length];
        var b = new float[logits.Length];
        Assert.Equal(Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, a, C), Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, b, C, ignoreIndex: null));
        Assert.Equal(a, b);
    }

    [Fact]
    public void An_all_ignored_batch_is_NaN_or_0_and_its_gradient_0()
    {
        float[] logits = [1f, 2f, 3f, 4f, 5f, 6f, 7f];
        int[] labels = [-1];
        var g = new float[C];
        Array.Fill(g, 9f);
        Assert.True(float.IsNaN(Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, g, C, ignoreIndex: -1)));
        Assert.All(g, v => Assert.Equal(0f, v));
        Assert.Equal(0f, Losses.SparseSoftmaxCrossEntropy(logits, labels, C, ignoreIndex: -1, zeroWhenAllIgnored: true));
    }

    [Fact]
    public void A_label_outside_the_classes_that_is_not_the_ignored_one_throws_before_anything_is_written()
    {
        float[] logits = new float[2 * C];
        var g = new float[2 * C];
        Array.Fill(g, 9f);
        var thrown = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [-100, -5], g, C, ignoreIndex: -100));
        Assert.Equal("labels", thrown.ParamName);
        Assert.All(g, v => Assert.Equal(9f, v));
    }

    /// <summary>
    /// The ignored label is an int? with no default: a positional integer after rowLength is then never taken for it
    /// ((logits, labels, C, 0) is ambiguous, CS0121, where it meant label smoothing 0), only ignoreIndex: -100 or a nullable.
    /// </summary>
    [Fact]
    public void The_ignored_label_is_a_nullable_without_a_default()
    {
        var overloads = typeof(Losses).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name is "SparseSoftmaxCrossEntropy" or "SparseSoftmaxCrossEntropyWithGradient" or "Nll" or "NllWithGradient"
                or "SparseSoftmaxFocal" or "SparseSoftmaxFocalWithGradient" or "SparseCategoricalCrossEntropy" or "SparseCategoricalCrossEntropyWithGradient")
            .Where(m => m.GetParameters().Any(p => p.Name == "ignoreIndex" && p.ParameterType == typeof(int?)))
            .ToList();
        Assert.Equal(24, overloads.Count);
        Assert.All(overloads, m => Assert.False(m.GetParameters().Single(p => p.Name == "ignoreIndex").HasDefaultValue, m.ToString()));
    }
}
