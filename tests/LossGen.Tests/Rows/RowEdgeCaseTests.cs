using System;
using System.Linq;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Rows;

/// <summary>Row losses at the edges: values worked out by hand, extreme logits, bad input, allocation.</summary>
[Collection(VectorWidthCollection.Name)]
public sealed class RowEdgeCaseTests
{
    [Fact]
    public void Known_values_worked_out_by_hand()
    {
        // log(e + e² + e³) − 3
        Assert.Equal(0.40760596444438, Losses.SparseSoftmaxCrossEntropy([1.0, 2.0, 3.0], [2], 3, reduction: Reduction.Sum), 12);
        Assert.Equal(0.40760596444438, Losses.SoftmaxCrossEntropy([1.0, 2.0, 3.0], [0.0, 0.0, 1.0], 3), 12);
        // ½·ln(0.5/0.25) + ½·ln(0.5/0.75)
        Assert.Equal(0.143841036225890, Losses.KLDivergence([Math.Log(0.25), Math.Log(0.75)], [0.5, 0.5], 2), 12);
        // The same with the target as log-probabilities (logTarget, PyTorch's log_target=True).
        Assert.Equal(0.143841036225890, Losses.KLDivergence([Math.Log(0.25), Math.Log(0.75)], [Math.Log(0.5), Math.Log(0.5)], 2, logTarget: true), 12);
        // A zero target contributes 0, not NaN (0·log 0 = 0).
        Assert.Equal(-Math.Log(0.25), Losses.KLDivergence([Math.Log(0.25), Math.Log(0.75)], [1.0, 0.0], 2), 12);
        Assert.Equal(-1.0, Losses.CosineProximity([1.0, 1.0], [2.0, 2.0], 2), 12);
        Assert.Equal(0.0, Losses.CosineProximity([1.0, 0.0], [0.0, 1.0], 2), 12);
        Assert.Equal(0.0, Losses.CosineProximity([0.0, 0.0], [0.0, 1.0], 2), 12); // eps guard: 0, not NaN
        Assert.Equal(0.0, Losses.Dice([1.0, 0.0], [1.0, 0.0], 2), 12);
        Assert.Equal(1 - 1.0 / 3.0, Losses.Jaccard([1.0, 0.0], [0.0, 1.0], 2, smooth: 1), 12);
        // ‖a − p‖ = 5, ‖a − n‖ = 1, margin 1; with PyTorch's eps 1e-6 inside each norm, ‖(−3, −4) + eps‖ − ‖(0, −1) + eps‖ + 1
        Assert.Equal(5.0, Losses.Triplet([0.0, 0.0], [3.0, 4.0], [0.0, 1.0], 2, eps: 0), 12);
        Assert.Equal(double.Hypot(-3 + 1e-6, -4 + 1e-6) - double.Hypot(1e-6, -1 + 1e-6) + 1, Losses.Triplet([0.0, 0.0], [3.0, 4.0], [0.0, 1.0], 2), 12);
        // swap: the positive is closer to the negative (‖p − n‖ = ‖(3, 0)‖ = 3 < ‖a − n‖ = 4), so 3 replaces 4
        Assert.Equal(5.0 - 3.0 + 1.0, Losses.Triplet([0.0, 0.0], [3.0, 4.0], [0.0, 4.0], 2, eps: 0, swap: true), 12);
        Assert.Equal(5.0 - 4.0 + 1.0, Losses.Triplet([0.0, 0.0], [3.0, 4.0], [0.0, 4.0], 2, eps: 0), 12);
        // TripletPNorm: ‖(3, 4)‖_1 = 7 and ‖(0, 1)‖_1 = 1; p = 2 is Triplet's value.
        Assert.Equal(7.0 - 1.0 + 1.0, Losses.TripletPNorm([0.0, 0.0], [3.0, 4.0], [0.0, 1.0], 2, p: 1, eps: 0), 12);
        Assert.Equal(Losses.Triplet([0.0, 0.0], [3.0, 4.0], [0.0, 1.0], 2), Losses.TripletPNorm([0.0, 0.0], [3.0, 4.0], [0.0, 1.0], 2), 12);
        // A zero distance to the positive: its gradient is 0, not NaN (pairwise_distance's backward), for p = 3.
        double[] ga = new double[2], gp = new double[2], gn = new double[2];
        Assert.Equal(10 - Math.Cbrt(27 + 64), Losses.TripletPNormWithGradient([0.0, 0.0], [0.0, 0.0], [3.0, 4.0], ga, gp, gn, 2, p: 3, margin: 10, eps: 0), 12);
        Assert.Equal([0.0, 0.0], gp);
        Assert.All(ga.Concat(gn), g => Assert.True(double.IsFinite(g) && g != 0));
        Assert.Equal(12.5, Losses.Contrastive([0.0, 0.0], [3.0, 4.0], [1.0], 2), 12);
        Assert.Equal(0.5, Losses.Contrastive([0.0, 0.0], [3.0, 4.0], [0.0], 2, margin: 6), 12);
        // max(0, 1 + max wrong score − true score): 1 + 3 − 2
        Assert.Equal(2.0, Losses.CategoricalHinge([2.0, 3.0, 1.0], [1.0, 0.0, 0.0], 3), 12);
    }

    [Fact]
    public void Label_smoothing_matches_pytorch()
    {
        // torch.nn.functional.cross_entropy(torch.tensor([[1., 2., 3.]]), torch.tensor([0]), label_smoothing=0.1)
        double lse = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        double expected = 0.9 * (lse - 1) + 0.1 * (lse - 2);
        Assert.Equal(expected, Losses.SparseSoftmaxCrossEntropy([1.0, 2.0, 3.0], [0], 3, labelSmoothing: 0.1), 12);
        Assert.Equal(expected, Losses.SoftmaxCrossEntropy([1.0, 2.0, 3.0], [1.0, 0.0, 0.0], 3, labelSmoothing: 0.1), 12);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(1000)]
    [InlineData(1100)]
    public void A_sum_adds_its_lanes_in_the_same_order_at_every_width(int rowLength)
    {
        // Small values and pairs of ±2^40 to ±2^60 that cancel: the sum is small, and whether its small part survives
        // depends on the order in which the lanes (and totals) are added, so two orders give different losses. Float
        // sums of ordinary values do not tell: widened to double, their lanes add exactly in any order.
        var random = new Random(rowLength);
        float[] pred = Enumerable.Range(0, 3 * rowLength).Select(_ => (float)random.Next(1, 5)).ToArray();
        for (int r = 0; r < 3; r++)
        {
            for (int pair = 0; pair < Math.Min(6, rowLength / 2); pair++)
            {
                float big = MathF.ScaleB(1, random.Next(40, 61));
                pred[(r * rowLength) + random.Next(rowLength)] = big;
                pred[(r * rowLength) + random.Next(rowLength)] = -big;
            }
        }

        float[] target = Enumerable.Repeat(1f, pred.Length).ToArray();
        using (VectorWidth.Restored())
        {
            long[]? first = null;
            foreach (int bits in new[] { 512, 256, 128, 0 })
            {
                VectorPaths.MaxBits = bits;
                var losses = new float[3];
                Losses.DiceElementwise(pred, target, losses, rowLength);
                long[] all = Data.Bits(losses);
                first ??= all;
                Assert.True(first.SequenceEqual(all), $"{bits}-bit: [{string.Join(", ", losses)}]");
            }
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(1000)]
    public void Log_sum_exp_is_exact_for_logits_far_apart_and_far_from_zero(int rowLength)
    {
        // Logits spread over ±300 around 10⁴: e^x overflows float and double, and the running reference of the
        // online log-sum-exp has to move many times. Every width must agree, and match the formula in double.
        var random = new Random(rowLength);
        float[] logits = Enumerable.Range(0, 3 * rowLength).Select(_ => (float)(10_000 + (random.NextDouble() * 600 - 300))).ToArray();
        int[] labels = [0, rowLength / 2, rowLength - 1];
        using (VectorWidth.Restored())
        {
            long[]? first = null;
            foreach (int bits in new[] { 512, 256, 128, 0 })
            {
                VectorPaths.MaxBits = bits;
                var gradient = new float[logits.Length];
                float loss = Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, gradient, rowLength, reduction: Reduction.Sum);
                long[] all = [Data.Bits(loss), .. Data.Bits(gradient)];
                first ??= all;
                Assert.Equal(first, all);

                double expected = 0;
                for (int r = 0; r < 3; r++)
                {
                    double[] row = logits.AsSpan(r * rowLength, rowLength).ToArray().Select(v => (double)v).ToArray();
                    expected += Losses.SparseSoftmaxCrossEntropy(new Row(row), labels[r]);
                }

                Assert.True(Math.Abs(loss - expected) <= 1e-5 * Math.Abs(expected) + 1e-3, $"{bits}-bit: {loss} vs {expected}");
                Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
            }
        }
    }

    [Fact]
    public void A_row_of_four_million_floats_is_summed_to_double_accuracy()
    {
        // Each float lane moves into a double total every 64 values, as the elementwise engine's blocks do.
        const int n = 1 << 22;
        var random = new Random(3);
        float[] pred = new float[n], target = new float[n];
        double dot = 0, sumPred = 0, sumTarget = 0;
        for (int i = 0; i < n; i++)
        {
            pred[i] = (float)random.NextDouble();
            target[i] = random.Next(2);
            dot += (double)pred[i] * target[i];
            sumPred += pred[i];
            sumTarget += target[i];
        }

        double expected = 1 - ((2 * dot) + 1) / (sumPred + sumTarget + 1);
        float dice = Losses.Dice(pred, target, n);
        Assert.True(Math.Abs(dice - expected) / expected < 1e-6, $"{dice:R} vs {expected:R}");
    }

    [Fact]
    public void Negative_infinite_logits_give_a_finite_loss_and_a_zero_gradient()
    {
        double[] logits = [double.NegativeInfinity, 1.0, 2.0, double.NegativeInfinity, 0.5];
        var gradient = new double[5];
        double loss = Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [1], gradient, 5);
        double lse = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(0.5));
        Assert.Equal(lse - 1, loss, 12);
        Assert.Equal(0.0, gradient[0]);
        Assert.Equal(0.0, gradient[3]);
        Assert.Equal(Math.Exp(1 - lse) - 1, gradient[1], 12);
    }

    [Fact]
    public void Dense_targets_mask_negative_infinite_logits_as_the_sparse_form_does()
    {
        // Two rows with masked classes (−∞ logits, target 0), at a length that takes vector and tail paths.
        const int n = 37;
        var logits = new double[2 * n];
        var target = new double[2 * n];
        var random = new Random(5);
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = i % 3 == 0 ? double.NegativeInfinity : random.NextDouble() * 4 - 2;
        }

        int[] labels = [4, 7]; // elements 4 and n + 7, neither masked
        target[4] = 1;
        target[n + 7] = 1;

        var dense = new double[2 * n];
        var sparse = new double[2 * n];
        double denseLoss = Losses.SoftmaxCrossEntropyWithGradient(logits, target, dense, n);
        double sparseLoss = Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, sparse, n);
        Assert.True(double.IsFinite(denseLoss), $"dense loss {denseLoss}");
        Assert.Equal(sparseLoss, denseLoss, 12);
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.Equal(sparse[i], dense[i], 12);
            if (double.IsNegativeInfinity(logits[i]))
            {
                Assert.Equal(0.0, dense[i]);
            }
        }

        float[] logitsF = Array.ConvertAll(logits, v => (float)v), targetF = Array.ConvertAll(target, v => (float)v);
        Assert.Equal(sparseLoss, Losses.SoftmaxCrossEntropy(logitsF, targetF, n), 5);
        Half[] logitsH = Array.ConvertAll(logits, v => (Half)v), targetH = Array.ConvertAll(target, v => (Half)v);
        Assert.Equal(sparseLoss, (double)Losses.SoftmaxCrossEntropy(logitsH, targetH, n), 2);

        // With smoothing the target of a masked class is ε/n > 0: its log-probability is −∞, so the loss is +∞.
        Assert.Equal(double.PositiveInfinity, Losses.SoftmaxCrossEntropy(logits, target, n, labelSmoothing: 0.1));
    }

    [Fact]
    public void Bad_input_throws_before_anything_is_written()
    {
        float[] logits = new float[12], target = new float[12], gradient = Enumerable.Repeat(float.NaN, 12).ToArray();
        var ragged = Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropyWithGradient(logits, target, gradient, 5));
        Assert.Contains("'logits' has 12 elements", ragged.Message);
        var rows = Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropyWithGradient(logits, target.AsSpan(0, 8), gradient, 4));
        Assert.Contains("'target' has 8", rows.Message);
        var gradientLength = Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropyWithGradient(logits, target, gradient.AsSpan(0, 4), 4));
        Assert.Contains("'logitsGradient'", gradientLength.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxCrossEntropyWithGradient(logits, target, gradient, 0));

        var label = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [0, 4, -1], gradient, 4));
        Assert.Contains("'labels'[1] is 4", label.Message);
        Assert.Equal("labels", label.ParamName);
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [0, 1, -1], gradient, 4));
        Assert.Contains("'labels'[2] is -1", negative.Message);
        var count = Assert.Throws<ArgumentException>(() => Losses.SparseSoftmaxCrossEntropyWithGradient(logits, [0, 1], gradient, 4));
        Assert.Contains("'labels' has 2 labels", count.Message);
        var values = Assert.Throws<ArgumentException>(() => Losses.Contrastive(logits, target, new float[2], 4));
        Assert.Contains("'similar' has 2 values", values.Message);
        var losses = Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropyElementwise(logits, target, new float[2], 4));
        Assert.Contains("'losses' has 2", losses.Message);

        Assert.All(gradient, g => Assert.True(float.IsNaN(g)));
    }

    [Fact]
    public void No_rows_give_nan_for_the_mean_and_zero_for_the_sum()
    {
        Assert.True(float.IsNaN(Losses.SoftmaxCrossEntropy(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, 10)));
        Assert.Equal(0f, Losses.SoftmaxCrossEntropy(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, 10, reduction: Reduction.Sum));
    }

    [Fact]
    public void Repeated_calls_allocate_nothing()
    {
        float[] lf = new float[4 * 37], tf = new float[4 * 37], gf = new float[4 * 37], rf = new float[4];
        double[] ld = new double[4 * 1000], td = new double[4 * 1000], gd = new double[4 * 1000], gd2 = new double[4 * 1000], gd3 = new double[4 * 1000];
        Half[] lh = new Half[4 * 37], th = new Half[4 * 37], gh = new Half[4 * 37], rh = new Half[4];
        int[] labels = [1, 2, 3, 4];
        void All()
        {
            Losses.SoftmaxCrossEntropyWithGradient(lf, tf, gf, 37);
            Losses.SoftmaxCrossEntropyElementwise(lf, tf, rf, 37);
            Losses.SparseSoftmaxCrossEntropyWithGradient(ld, labels, gd, 1000);
            Losses.TripletWithGradient(ld, td, ld, gd, gd2, gd3, 1000);
            Losses.DiceWithGradient(lh, th, gh, 37);
            Losses.SparseSoftmaxCrossEntropyElementwise(lh, labels, rh, 37);
        }

        Allocations.AssertNoneInSteadyState(All, calls: 10);
    }
}
