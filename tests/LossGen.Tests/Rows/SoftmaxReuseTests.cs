using System;
using System.Linq;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Rows;

/// <summary>
/// The gradient pass of a softmax row takes e^(x − m) from the log-sum-exp pass instead of calling exp again
/// (<see cref="IRowSoftmax"/>). These tests pin the ways that can go wrong: a lane whose reference moves after it
/// had a sum (the kept values are stale, the row must recompute), where the kept values live (the gradient, or a
/// scratch row when the gradient is the input), and the last partial vector (read in place and blended, or copied).
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class SoftmaxReuseTests
{
    public static TheoryData<int> RowLengths => new() { 1, 7, 15, 16, 17, 33, 100, 1000, 1031 };

    [Theory]
    [MemberData(nameof(RowLengths))]
    public void A_reference_that_moves_after_the_first_vector_still_gives_the_softmax(int rowLength)
    {
        // Row 0 rises by 100 at its last column, after every lane has a sum: its kept exponentials are stale.
        // Row 1 stays within ±4 (kept values used), row 2 rises by only 10 (no move). Each row must match
        // softmax − target worked out in double, at every width, with the same bits at every width.
        const int batch = 3;
        var random = new Random(rowLength);
        double[] logits = new double[batch * rowLength];
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = (random.NextDouble() * 8) - 4;
        }

        logits[rowLength - 1] = 100;
        logits[(3 * rowLength) - 1] = 10;
        int[] labels = [rowLength - 1, 0, rowLength / 2];
        double[] target = OneHot(labels, rowLength);
        double[] expected = SoftmaxMinusTarget(logits, target, rowLength);

        ForEachWidth(bits =>
        {
            double[] dense = new double[logits.Length], sparse = new double[logits.Length];
            Losses.SoftmaxCrossEntropyWithGradient(logits, target, dense, rowLength, reduction: Reduction.Sum);
            Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, sparse, rowLength, reduction: Reduction.Sum);
            for (int i = 0; i < logits.Length; i++)
            {
                Assert.True(Math.Abs(dense[i] - expected[i]) <= 1e-15, $"{bits}-bit, dense [{i}]: {dense[i]:R} vs {expected[i]:R}");
                Assert.True(Math.Abs(sparse[i] - expected[i]) <= 1e-15, $"{bits}-bit, sparse [{i}]: {sparse[i]:R} vs {expected[i]:R}");
            }

            return [.. Data.Bits(dense), .. Data.Bits(sparse)];
        });
    }

    [Theory]
    [MemberData(nameof(RowLengths))]
    public void Float_kept_exponentials_match_the_double_softmax(int rowLength)
    {
        const int batch = 5;
        var random = new Random(100 + rowLength);
        float[] logits = Enumerable.Range(0, batch * rowLength).Select(_ => (float)((random.NextDouble() * 12) - 6)).ToArray();
        int[] labels = Enumerable.Range(0, batch).Select(_ => random.Next(rowLength)).ToArray();
        double[] target = OneHot(labels, rowLength);
        double[] expected = SoftmaxMinusTarget(logits.Select(v => (double)v).ToArray(), target, rowLength);

        ForEachWidth(bits =>
        {
            var gradient = new float[logits.Length];
            Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, gradient, rowLength, reduction: Reduction.Sum);
            for (int i = 0; i < logits.Length; i++)
            {
                // A few float roundings of a value in [−1, 1].
                Assert.True(Math.Abs(gradient[i] - expected[i]) <= 4e-7, $"{bits}-bit [{i}]: {gradient[i]:R} vs {expected[i]:R}");
            }

            return Data.Bits(gradient);
        });
    }

    [Theory]
    [MemberData(nameof(RowLengths))]
    public void A_gradient_written_over_its_logits_gives_the_same_bits(int rowLength)
    {
        // In place the kept exponentials go to a scratch row, not the gradient: a stale row (row 1 rises by 50 at
        // its end) recomputes from its logits, which must still be there. The last partial vector's blend rewrites
        // the next row's logits unchanged before that row reads them.
        const int batch = 4;
        var random = new Random(200 + rowLength);
        float[] logits = Enumerable.Range(0, batch * rowLength).Select(_ => (float)((random.NextDouble() * 8) - 4)).ToArray();
        logits[(2 * rowLength) - 1] = 50;
        float[] target = new float[logits.Length];
        for (int r = 0; r < batch; r++)
        {
            target[(r * rowLength) + random.Next(rowLength)] = 1;
        }

        ForEachWidth(bits =>
        {
            var apart = new float[logits.Length];
            float expected = Losses.SoftmaxCrossEntropyWithGradient(logits, target, apart, rowLength);
            float[] inPlace = (float[])logits.Clone();
            float loss = Losses.SoftmaxCrossEntropyWithGradient(inPlace, target, inPlace, rowLength);
            Assert.Equal(Data.Bits(expected), Data.Bits(loss));
            Assert.Equal(Data.Bits(apart), Data.Bits(inPlace));
            return Data.Bits(apart);
        });
    }

    [Theory]
    [MemberData(nameof(RowLengths))]
    public void A_row_gives_the_same_bits_alone_and_inside_a_batch(int rowLength)
    {
        // Inside a batch the last partial vector is read in place and its gradient blended into memory; the last
        // row (and a row alone) goes through padded copies. Nothing may be written past the gradient.
        const int batch = 3;
        var random = new Random(300 + rowLength);
        float[] logits = Enumerable.Range(0, batch * rowLength).Select(_ => (float)((random.NextDouble() * 8) - 4)).ToArray();
        int[] labels = Enumerable.Range(0, batch).Select(_ => random.Next(rowLength)).ToArray();

        ForEachWidth(bits =>
        {
            float[] padded = Enumerable.Repeat(float.NaN, (batch * rowLength) + 32).ToArray();
            Span<float> gradient = padded.AsSpan(0, batch * rowLength);
            float[] losses = new float[batch];
            Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, gradient, rowLength, reduction: Reduction.Sum);
            Losses.SparseSoftmaxCrossEntropyElementwise(logits, labels, losses, rowLength);
            Assert.All(padded.Skip(batch * rowLength), v => Assert.True(float.IsNaN(v)));
            for (int r = 0; r < batch; r++)
            {
                var alone = new float[rowLength];
                float loss = Losses.SparseSoftmaxCrossEntropyWithGradient(logits.AsSpan(r * rowLength, rowLength), labels.AsSpan(r, 1), alone, rowLength, reduction: Reduction.Sum);
                Assert.Equal(Data.Bits(loss), Data.Bits(losses[r]));
                Assert.Equal(Data.Bits(alone), Data.Bits(gradient.Slice(r * rowLength, rowLength).ToArray()));
            }

            return Data.Bits(gradient.ToArray());
        });
    }

    /// <summary>Runs <paramref name="run"/> at 512, 256, 128 bits and without vectors; every run must give the same bits.</summary>
    private static void ForEachWidth(Func<int, long[]> run)
    {
        using (VectorWidth.Restored())
        {
            long[]? first = null;
            foreach (int bits in new[] { 512, 256, 128, 0 })
            {
                VectorPaths.MaxBits = bits;
                long[] result = run(bits);
                first ??= result;
                Assert.Equal(first, result);
            }
        }
    }

    private static double[] OneHot(int[] labels, int rowLength)
    {
        double[] target = new double[labels.Length * rowLength];
        for (int r = 0; r < labels.Length; r++)
        {
            target[(r * rowLength) + labels[r]] = 1;
        }

        return target;
    }

    /// <summary>softmax(row) − target for each row, in double, from the row's maximum.</summary>
    private static double[] SoftmaxMinusTarget(double[] logits, double[] target, int rowLength)
    {
        double[] result = new double[logits.Length];
        for (int start = 0; start < logits.Length; start += rowLength)
        {
            double max = logits.Skip(start).Take(rowLength).Max();
            double sum = 0;
            for (int j = start; j < start + rowLength; j++)
            {
                sum += Math.Exp(logits[j] - max);
            }

            for (int j = start; j < start + rowLength; j++)
            {
                result[j] = (Math.Exp(logits[j] - max) / sum) - target[j];
            }
        }

        return result;
    }
}
