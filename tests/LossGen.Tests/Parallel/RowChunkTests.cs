using System;
using System.Linq;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Xunit;
using static LossGen.Tests.Parallel.Chunked;

namespace LossGen.Tests.Parallel;

/// <summary>
/// Large row batches in chunks of whole rows: the same bits on 1, 2, 3 or 8 threads, the sum defined as the chunks'
/// own sums added in order, and each row's loss and gradient those of the row computed alone.
/// </summary>
[Collection(QuietProcessCollection.Name)]
public sealed class RowChunkTests
{
    /// <summary>Row lengths with several rows per chunk (a padded last vector, and a short row) and with one.</summary>
    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int rowLength in new[] { 1000, 7, 20000 })
        {
            int perChunk = RowEngine.RowsPerChunk(rowLength);
            data.Add((3 * perChunk) + 2, rowLength);
        }

        data.Add(RowEngine.RowsPerChunk(1000) + 1, 1000);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_form_gives_the_same_bits_on_1_2_3_and_8_threads(int batch, int rowLength)
    {
        int n = batch * rowLength;
        float[] logits = Floats(n, 1, -4, 4), other = Floats(n, 2, -1, 1), third = Floats(n, 3, -1, 1), weights = Floats(batch, 4, 0, 2);
        float[] probabilities = Softmax(Floats(n, 5, -2, 2), rowLength);
        int[] labels = Enumerable.Range(0, batch).Select(r => (r * 7919) % rowLength).ToArray();
        float[] Run(int threads) => Chunked.WithThreads(threads, () =>
        {
            float[] g1 = new float[n], g2 = new float[n], g3 = new float[n], g4 = new float[n], g5 = new float[n], g6 = new float[n], g7 = new float[n];
            float[] inPlace = (float[])logits.Clone();
            float[] losses = new float[batch], losses2 = new float[batch];
            float dense = Losses.SoftmaxCrossEntropyWithGradient(logits, probabilities, g1, rowLength);
            float sparse = Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, g2, rowLength, labelSmoothing: 0.1, reduction: Reduction.Sum);
            float weighted = Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, weights, g3, rowLength);
            float triplet = Losses.TripletWithGradient(logits, other, third, g4, g5, g6, rowLength);
            float sparseInPlace = Losses.SparseSoftmaxCrossEntropyWithGradient(inPlace, labels, inPlace, rowLength);
            float cosine = Losses.CosineProximity(logits, other, rowLength);
            Losses.CosineProximityElementwise(logits, other, losses, rowLength);
            Losses.SoftmaxCrossEntropyElementwiseWithGradient(logits, probabilities, losses2, g7, rowLength);
            return new[] { dense, sparse, weighted, triplet, sparseInPlace, cosine }
                .Concat(g1).Concat(g2).Concat(g3).Concat(g4).Concat(g5).Concat(g6).Concat(g7).Concat(inPlace).Concat(losses).Concat(losses2).ToArray();
        });

        AssertSameBitsOnMoreThreads(Run(1), Run, $"[{batch}, {rowLength}]");
    }

    /// <summary>The canonical sum: each chunk's rows, as a call over those rows alone adds them, then the chunks in order.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_sum_is_each_chunks_own_sum_added_in_order(int batch, int rowLength)
    {
        int n = batch * rowLength, perChunk = RowEngine.RowsPerChunk(rowLength);
        double[] logits = Doubles(n, 6, -4, 4);
        int[] labels = Enumerable.Range(0, batch).Select(r => (r * 31) % rowLength).ToArray();
        double expected = 0;
        for (int first = 0; first < batch; first += perChunk)
        {
            int rows = Math.Min(perChunk, batch - first);
            double chunk = Losses.SparseSoftmaxCrossEntropy(logits.AsSpan(first * rowLength, rows * rowLength), labels.AsSpan(first, rows), rowLength, reduction: Reduction.Sum);
            expected = first == 0 ? chunk : expected + chunk;
        }

        Assert.Equal(expected, Losses.SparseSoftmaxCrossEntropy(logits, labels, rowLength, reduction: Reduction.Sum));
        Assert.Equal(expected / batch, Losses.SparseSoftmaxCrossEntropy(logits, labels, rowLength));
        Assert.Equal(expected, Chunked.WithThreads(3, () => Losses.SparseSoftmaxCrossEntropy(logits, labels, rowLength, reduction: Reduction.Sum)));
    }

    /// <summary>
    /// A row's loss and gradient do not depend on the chunk it falls in: the last row of a chunk reads its last vector
    /// through a copy where, inside one whole batch, it read it in place.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Each_rows_loss_and_gradient_are_those_of_the_row_alone(int batch, int rowLength)
    {
        int n = batch * rowLength;
        float[] logits = Floats(n, 7, -4, 4);
        float[] probabilities = Softmax(Floats(n, 8, -2, 2), rowLength);
        float[] losses = new float[batch], gradient = new float[n];
        Chunked.WithThreads(2, () =>
        {
            Losses.SoftmaxCrossEntropyElementwiseWithGradient(logits, probabilities, losses, gradient, rowLength);
            return 0;
        });
        float[] alone = new float[1], rowGradient = new float[rowLength];
        for (int r = 0; r < batch; r++)
        {
            Losses.SoftmaxCrossEntropyElementwiseWithGradient(logits.AsSpan(r * rowLength, rowLength), probabilities.AsSpan(r * rowLength, rowLength), alone, rowGradient, rowLength);
            Assert.Equal(alone[0], losses[r]);
            Assert.True(rowGradient.AsSpan().SequenceEqual(gradient.AsSpan(r * rowLength, rowLength)), $"row {r}: gradients differ");
        }
    }

    /// <summary>Half rows are computed in float, chunk by chunk as the float path: the float path's bits on the widened values.</summary>
    [Fact]
    public void Half_gives_the_float_paths_bits_on_its_widened_values()
    {
        const int rowLength = 100;
        int batch = (3 * RowEngine.RowsPerChunk(rowLength)) + 5;
        Half[] logits = Floats(batch * rowLength, 9, -4, 4).Select(x => (Half)x).ToArray();
        float[] widened = logits.Select(x => (float)x).ToArray();
        int[] labels = Enumerable.Range(0, batch).Select(r => (r * 13) % rowLength).ToArray();
        Assert.Equal((Half)Losses.SparseSoftmaxCrossEntropy(widened, labels, rowLength, reduction: Reduction.Sum), Losses.SparseSoftmaxCrossEntropy(logits, labels, rowLength, reduction: Reduction.Sum));
        Assert.Equal((Half)Losses.SparseSoftmaxCrossEntropy(widened, labels, rowLength), Losses.SparseSoftmaxCrossEntropy(logits, labels, rowLength));
    }

    [Fact]
    public void Repeated_parallel_calls_allocate_nothing_on_the_calling_thread()
    {
        const int rowLength = 1000;
        int batch = (4 * RowEngine.RowsPerChunk(rowLength)) + 3, n = batch * rowLength;
        float[] logits = Floats(n, 10, -4, 4), gradient = new float[n], losses = new float[batch];
        int[] labels = Enumerable.Range(0, batch).Select(r => r % rowLength).ToArray();
        void All()
        {
            Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, gradient, rowLength);
            Losses.SparseSoftmaxCrossEntropyElementwise(logits, labels, losses, rowLength);
        }

        Chunked.WithThreads(2, () =>
        {
            Allocations.AssertNoneInSteadyState(All, calls: 20);
            return 0;
        });
    }

    private static float[] Softmax(float[] x, int rowLength)
    {
        var result = new float[x.Length];
        for (int start = 0; start < x.Length; start += rowLength)
        {
            double max = x.Skip(start).Take(rowLength).Max(), sum = 0;
            for (int i = start; i < start + rowLength; i++)
            {
                sum += Math.Exp(x[i] - max);
            }

            for (int i = start; i < start + rowLength; i++)
            {
                result[i] = (float)(Math.Exp(x[i] - max) / sum);
            }
        }

        return result;
    }

}
