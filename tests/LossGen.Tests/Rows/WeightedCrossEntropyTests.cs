using System;
using System.Linq;
using Xunit;

namespace LossGen.Tests.Rows;

/// <summary>
/// SparseSoftmaxCrossEntropy with class weights and an ignored label, against PyTorch's definition written out in
/// double: row loss (1 − ε)·w[y]·(LSE − z[y]) + ε/C·Σ_c w_c·(LSE − z_c); the mean divides by Σ w[y] over the rows
/// that are not ignored.
/// </summary>
public sealed class WeightedCrossEntropyTests
{
    private static double Reference(double[] logits, int[] labels, double[] weights, int ignore, double smoothing, Reduction reduction)
    {
        int c = weights.Length;
        double total = 0, weightSum = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            if (labels[r] == ignore)
            {
                continue;
            }

            double[] z = logits.AsSpan(r * c, c).ToArray();
            double max = z.Max(), lse = max + Math.Log(z.Sum(v => Math.Exp(v - max)));
            double nll = weights[labels[r]] * (lse - z[labels[r]]);
            double smooth = Enumerable.Range(0, c).Sum(k => weights[k] * (lse - z[k])) / c;
            total += (1 - smoothing) * nll + smoothing * smooth;
            weightSum += weights[labels[r]];
        }

        return reduction == Reduction.Sum ? total : total / weightSum;
    }

    [Fact]
    public void Matches_a_value_worked_out_by_hand()
    {
        // Row 0: weight 3·(log(e + e² + e³) − 3); row 1 ignored. The weighted mean divides by 3.
        double loss = Losses.SparseSoftmaxCrossEntropy([1.0, 2.0, 3.0, 1.0, 0.0, -1.0], [2, -100], 3, [1.0, 2.0, 3.0]);
        Assert.Equal(0.40760596444438, loss, 12);
    }

    [Theory]
    [InlineData(0.0, Reduction.Mean)]
    [InlineData(0.0, Reduction.Sum)]
    [InlineData(0.2, Reduction.Mean)]
    [InlineData(0.2, Reduction.Sum)]
    public void Loss_and_gradient_match_pytorchs_definition_and_central_differences(double smoothing, Reduction reduction)
    {
        var random = new Random(11);
        foreach (int c in new[] { 1, 3, 17, 40 })
        {
            const int batch = 9;
            double[] logits = Enumerable.Range(0, batch * c).Select(_ => random.NextDouble() * 8 - 4).ToArray();
            double[] weights = Enumerable.Range(0, c).Select(_ => 0.2 + random.NextDouble() * 2).ToArray();
            int[] labels = Enumerable.Range(0, batch).Select(r => r % 4 == 1 ? 255 : random.Next(c)).ToArray();
            var gradient = new double[logits.Length];
            double loss = Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, gradient, c, weights, ignoreIndex: 255, labelSmoothing: smoothing, reduction: reduction);
            double expected = Reference(logits, labels, weights, 255, smoothing, reduction);
            Assert.Equal(expected, loss, 1e-12 * Math.Max(1, Math.Abs(expected)));
            Assert.Equal(loss, Losses.SparseSoftmaxCrossEntropy(logits, labels, c, weights, 255, smoothing, reduction));
            for (int i = 0; i < logits.Length; i++)
            {
                double x = logits[i], h = 1e-6;
                logits[i] = x + h;
                double up = Reference(logits, labels, weights, 255, smoothing, reduction);
                logits[i] = x - h;
                double down = Reference(logits, labels, weights, 255, smoothing, reduction);
                logits[i] = x;
                Assert.Equal((up - down) / (2 * h), gradient[i], 1e-6);
            }

            // Ignored rows get a zero gradient.
            Assert.All(Enumerable.Range(0, batch).Where(r => labels[r] == 255).SelectMany(r => gradient.Skip(r * c).Take(c)), g => Assert.Equal(0.0, g));
        }
    }

    [Fact]
    public void Float_and_half_agree_with_double()
    {
        var random = new Random(5);
        const int c = 10, batch = 33;
        double[] logits = Enumerable.Range(0, batch * c).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        double[] weights = Enumerable.Range(0, c).Select(_ => 0.5 + random.NextDouble()).ToArray();
        int[] labels = Enumerable.Range(0, batch).Select(r => r % 5 == 0 ? -100 : random.Next(c)).ToArray();
        float[] lf = logits.Select(v => (float)v).ToArray(), wf = weights.Select(v => (float)v).ToArray();
        double expected = Reference(lf.Select(v => (double)v).ToArray(), labels, wf.Select(v => (double)v).ToArray(), -100, 0.1, Reduction.Mean);
        Assert.Equal(expected, Losses.SparseSoftmaxCrossEntropy(lf, labels, c, wf, labelSmoothing: 0.1), 1e-5);
        Half[] lh = logits.Select(v => (Half)v).ToArray(), wh = weights.Select(v => (Half)v).ToArray();
        double expectedHalf = Reference(lh.Select(v => (double)v).ToArray(), labels, wh.Select(v => (double)v).ToArray(), -100, 0.1, Reduction.Mean);
        Assert.Equal(expectedHalf, (double)Losses.SparseSoftmaxCrossEntropy(lh, labels, c, wh, labelSmoothing: 0.1), 5e-3 * Math.Abs(expectedHalf));
    }

    [Fact]
    public void Weighted_nll_is_the_weighted_cross_entropy_of_the_log_softmax()
    {
        // NLLLoss(weight, ignore_index) on log_softmax(z) is CrossEntropyLoss(weight, ignore_index) on z, value and
        // gradient (the gradient through the log-softmax is the chain rule's; here each side's own, checked by value).
        double[] logits = [1.0, 2.0, 3.0, 1.0, 0.0, -1.0, 0.5, 0.5, -2.0], weights = [1.0, 2.0, 3.0];
        int[] labels = [2, -100, 0];
        double[] logProbs = new double[9];
        for (int r = 0; r < 3; r++)
        {
            double lse = Math.Log(logits.Skip(3 * r).Take(3).Sum(Math.Exp));
            for (int k = 0; k < 3; k++)
            {
                logProbs[3 * r + k] = logits[3 * r + k] - lse;
            }
        }

        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            double[] gradient = new double[9];
            double expected = Reference(logits, labels, weights, -100, 0, reduction);
            Assert.Equal(expected, Losses.Nll(logProbs, labels, 3, weights, reduction: reduction), 12);
            Assert.Equal(expected, Losses.NllWithGradient(logProbs, labels, gradient, 3, weights, reduction: reduction), 12);
            // −w[y] (over Σw = 3 + 1 for the mean) at the labelled column of each counted row, 0 elsewhere and on the ignored row.
            double scale = reduction == Reduction.Mean ? 1 / 4.0 : 1;
            Assert.Equal([0, 0, -3 * scale, 0, 0, 0, -1 * scale, 0, 0], gradient);
        }

        Assert.True(double.IsNaN(Losses.Nll(logProbs, [-100, -100, -100], 3, weights)));
        var length = Assert.Throws<ArgumentException>(() => Losses.Nll(logProbs, labels, 4, [1.0, 1.0, 1.0, 1.0]));
        Assert.Equal("logProbs", length.ParamName);
        Assert.Contains("'logProbs' has 9 elements", length.Message);
    }

    [Fact]
    public void Weighted_softmax_focal_averages_over_the_rows_that_count()
    {
        // Rows 0 and 2 count: −alpha[y]·(1 − p)^γ·log p each, the mean divides by 2 (not by Σ alpha).
        double[] logits = [1.0, 2.0, 3.0, 1.0, 0.0, -1.0, 0.5, 0.5, -2.0], alpha = [0.5, 2.0, 3.0];
        int[] labels = [2, -100, 0];
        double Row(int r, int y)
        {
            double[] z = logits.AsSpan(3 * r, 3).ToArray();
            double logP = z[y] - Math.Log(z.Sum(Math.Exp));
            return -alpha[y] * Math.Pow(1 - Math.Exp(logP), 2) * logP;
        }

        double sum = Row(0, 2) + Row(2, 0);
        Assert.Equal(sum / 2, Losses.SparseSoftmaxFocal(logits, labels, 3, alpha), 12);
        Assert.Equal(sum, Losses.SparseSoftmaxFocal(logits, labels, 3, alpha, reduction: Reduction.Sum), 12);
        Assert.True(double.IsNaN(Losses.SparseSoftmaxFocal(logits, [-100, -100, -100], 3, alpha)));
        var weights = Assert.Throws<ArgumentException>(() => Losses.SparseSoftmaxFocal(logits, labels, 3, [1.0, 1.0]));
        Assert.Equal("alpha", weights.ParamName);
    }

    [Fact]
    public void Every_row_ignored_gives_zero_for_the_mean_when_asked()
    {
        // pytorch#70348: 0 instead of NaN, with a zero gradient, for cross-entropy, NLL and the focal loss alike.
        float[] logits = [1, 2, 3, 0, 0, 0], gradient = [9, 9, 9, 9, 9, 9];
        int[] ignored = [-100, -100];
        Assert.Equal(0f, Losses.SparseSoftmaxCrossEntropyWithGradient(logits, ignored, gradient, 3, [1f, 2f, 3f], zeroWhenAllIgnored: true));
        Assert.All(gradient, g => Assert.Equal(0f, g));
        Assert.Equal(0f, Losses.NllWithGradient(logits, ignored, gradient, 3, [1f, 2f, 3f], zeroWhenAllIgnored: true));
        Assert.All(gradient, g => Assert.Equal(0f, g));
        Assert.Equal(0f, Losses.SparseSoftmaxFocalWithGradient(logits, ignored, gradient, 3, [1f, 2f, 3f], zeroWhenAllIgnored: true));
        Assert.All(gradient, g => Assert.Equal(0f, g));
        Assert.Equal(0.0, Losses.Nll([1.0, 2.0, 3.0], [-100], 3, [1.0, 1.0, 1.0], zeroWhenAllIgnored: true));
        Assert.Equal((Half)0, Losses.SparseSoftmaxCrossEntropy([(Half)1, (Half)2, (Half)3], [-100], 3, [Half.One, Half.One, Half.One], zeroWhenAllIgnored: true));
        // A row that counts: the option changes nothing.
        Assert.Equal(Losses.SparseSoftmaxCrossEntropy(logits, [2, -100], 3, [1f, 2f, 3f]), Losses.SparseSoftmaxCrossEntropy(logits, [2, -100], 3, [1f, 2f, 3f], zeroWhenAllIgnored: true));
    }

    [Fact]
    public void Every_row_ignored_gives_nan_for_the_mean_and_zero_for_the_sum()
    {
        float[] logits = new float[6], gradient = new float[6];
        Assert.True(float.IsNaN(Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [-100, -100], gradient, 3, [1f, 1f, 1f])));
        Assert.All(gradient, g => Assert.Equal(0f, g));
        Assert.Equal(0f, Losses.SparseSoftmaxCrossEntropy(logits, [-100, -100], 3, [1f, 1f, 1f], reduction: Reduction.Sum));
    }

    [Fact]
    public void Bad_labels_and_weights_throw_before_anything_is_written()
    {
        float[] logits = new float[6], gradient = [9, 9, 9, 9, 9, 9];
        var label = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [1, 3], gradient, 3, [1f, 1f, 1f]));
        Assert.Contains("'labels'[1] is 3", label.Message);
        var weights = Assert.Throws<ArgumentException>(() => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [1, 2], gradient, 3, [1f, 1f]));
        Assert.Contains("'classWeights' has 2", weights.Message);
        Assert.Throws<ArgumentException>(() => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [1, 2, 0], gradient, 3, [1f, 1f, 1f]));
        Assert.All(gradient, g => Assert.Equal(9f, g));
    }

    [Fact]
    public void Every_error_names_a_parameter_of_the_call()
    {
        float[] logits = new float[6], gradient = [9, 9, 9, 9, 9, 9];
        void Throws<TException>(string parameter, Action call)
            where TException : ArgumentException
        {
            Assert.Equal(parameter, Assert.Throws<TException>(call).ParamName);
            Assert.All(gradient, g => Assert.Equal(9f, g));
        }

        // A label span one row short: the labels, not the formula's internal per-row scale.
        Throws<ArgumentException>("labels", () => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [1], gradient, 3, [1f, 1f, 1f]));
        // Row length 0 with empty class weights: the row length, not labels[0].
#pragma warning disable LG0201 // the analyzer sees the 0 too ([Positive] rowLength); the run-time check is what is tested here
        Throws<ArgumentOutOfRangeException>("rowLength", () => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [1, 2], gradient, 0, []));
#pragma warning restore LG0201
        Throws<ArgumentException>("logits", () => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [1, 2], gradient, 4, [1f, 1f, 1f, 1f]));
        // Reductions other than Mean and Sum, as every other loss.
        Throws<ArgumentOutOfRangeException>("reduction", () => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [1, 2], gradient, 3, [1f, 1f, 1f], reduction: (Reduction)2));
        Throws<ArgumentOutOfRangeException>("reduction", () => Losses.SparseSoftmaxCrossEntropy(logits, [1, 2], 3, [1f, 1f, 1f], reduction: (Reduction)(-1)));
        // Weights and smoothing are checked too: NaN or negative weights, smoothing outside [0, 1].
        Throws<ArgumentOutOfRangeException>("classWeights", () => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [1, 2], gradient, 3, [1f, float.NaN, 1f]));
        Throws<ArgumentOutOfRangeException>("classWeights", () => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [1, 2], gradient, 3, [1f, -1f, 1f]));
#pragma warning disable LG0201 // the analyzer sees these constants too; the run-time check is what is tested here
        Throws<ArgumentOutOfRangeException>("labelSmoothing", () => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [1, 2], gradient, 3, [1f, 1f, 1f], labelSmoothing: 1.5));
        Throws<ArgumentOutOfRangeException>("labelSmoothing", () => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [1, 2], gradient, 3, [1f, 1f, 1f], labelSmoothing: double.NaN));
#pragma warning restore LG0201
    }

}

/// <summary>Alone in the process, so nothing else runs on the thread pool while the calling thread's bytes are counted.</summary>
[Collection(LossGen.Tests.Infrastructure.QuietProcessCollection.Name)]
public sealed class WeightedCrossEntropyAllocationTests
{
    [Fact]
    public void Repeated_calls_allocate_nothing()
    {
        float[] logits = new float[64 * 10], gradient = new float[64 * 10], weights = Enumerable.Repeat(1f, 10).ToArray();
        int[] labels = Enumerable.Range(0, 64).Select(i => i % 10).ToArray();

        // Past the JIT's tier-up threshold (30 calls) before counting: the one-off work of tiering is not the loss's.
        for (int i = 0; i < 40; i++)
        {
            Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, gradient, 10, weights);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, gradient, 10, weights);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
