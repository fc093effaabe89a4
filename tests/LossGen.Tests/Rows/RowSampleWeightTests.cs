using System;
using System.Linq;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Rows;

/// <summary>
/// The sample-weighted overloads of every row loss of the catalogue and the test formulas: one weight per row, which
/// multiplies the row's loss and gradient, against the unreduced forms; the three <see cref="WeightedReduction"/>s;
/// weights of 1 against the unweighted forms bit for bit; every vector width; bad input.
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class RowSampleWeightTests
{
    private static readonly RowLossUnderTest[] s_losses = RowLossUnderTest.All(typeof(Losses)).Concat(RowLossUnderTest.All(typeof(UserRowLosses)))
        .SelectMany(l => l.WithEachFlagFlipped()).ToArray();

    private static readonly (int Batch, int RowLength)[] s_shapes = [(0, 3), (1, 1), (3, 5), (2, 17), (5, 63), (1, 1031), (40, 5)];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (RowLossUnderTest loss in s_losses)
        {
            foreach (Type element in Data.ElementTypes)
            {
                data.Add(loss.Id, element.Name);
            }
        }

        return data;
    }

    [Fact]
    public void A_weighted_batch_of_softmax_cross_entropy_is_the_weighted_mean_of_its_rows()
    {
        // Two rows of three logits, labels 0 and 2, weights 3 and 1: (3·ℓ0 + ℓ1) / 4, ℓ = log Σe^z − z[y], from the rows.
        float[] logits = [2, 1, 0, 0, 1, 2], weights = [3, 1];
        int[] labels = [0, 2];
        double row = Math.Log(Math.Exp(2) + Math.Exp(1) + 1) - 2;
        Assert.Equal(row, Losses.SparseSoftmaxCrossEntropy(logits, labels, weights, 3), 6);
        Assert.Equal(4 * row / 2, Losses.SparseSoftmaxCrossEntropy(logits, labels, weights, 3, reduction: WeightedReduction.SumOverBatchSize), 6);
        Assert.Equal(4 * row, Losses.SparseSoftmaxCrossEntropy(logits, labels, weights, 3, reduction: WeightedReduction.Sum), 6);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Weighted_losses_and_gradients_are_each_rows_times_its_weight(string name, string elementName)
    {
        (RowLossUnderTest loss, Type element) = Find(name, elementName);
        var weighted = loss.Weighted(element);
        var weightedWithGradient = loss.WeightedWithGradient(element);
        var unreduced = loss.ElementwiseWithGradient(element);
        (double relative, double absolute) = Data.Tolerance(element);
        foreach ((int batch, int rowLength) in s_shapes)
        {
            RowBatch data = RowData.Draw(loss, element, batch, rowLength, seed: 17 * rowLength + batch);
            Array weightArray = Weights(element, batch, seed: batch + rowLength);
            double[] weights = Data.ToDouble(weightArray);
            Array lossArray = Data.Filled(element, batch, double.NaN);
            Array[] rowGradients = loss.DifferentiableRows.Select(_ => Data.Filled(element, batch * rowLength, double.NaN)).ToArray();
            unreduced(loss.Arguments(data.RowArrays, data.Labels, data.ValueArrays, [lossArray, .. rowGradients], rowLength, loss.HyperDefaults, null));
            double[] losses = Data.ToDouble(lossArray);
            foreach (WeightedReduction reduction in new[] { WeightedReduction.Mean, WeightedReduction.SumOverBatchSize, WeightedReduction.Sum })
            {
                double sum = 0, magnitude = 0;
                for (int r = 0; r < batch; r++)
                {
                    sum += weights[r] * losses[r];
                    magnitude += Math.Abs(weights[r] * losses[r]);
                }

                double divisor = reduction switch
                {
                    WeightedReduction.Mean => weights.Sum(),
                    WeightedReduction.SumOverBatchSize => batch,
                    _ => 1,
                };
                double expected = sum / divisor;
                Array[] gradients = loss.DifferentiableRows.Select(_ => Data.Filled(element, batch * rowLength, double.NaN)).ToArray();
                double value = Data.ToDouble(weightedWithGradient(loss.WeightedArguments(data.RowArrays, data.Labels, data.ValueArrays, weightArray, gradients, rowLength, loss.HyperDefaults, reduction)));
                double forwardOnly = Data.ToDouble(weighted(loss.WeightedArguments(data.RowArrays, data.Labels, data.ValueArrays, weightArray, [], rowLength, loss.HyperDefaults, reduction)));
                string what = $"{name}<{elementName}> {reduction} [{batch}, {rowLength}]";
                // In Half, each reference loss and gradient is itself rounded, subnormal ones to a step of Half.Epsilon: half a
                // step of each, times its weight, comes on top of the relative bound.
                double halfStep = element == typeof(Half) ? 0.5 * (double)Half.Epsilon : 0;
                double valueBound = (absolute * magnitude / Math.Abs(divisor)) + (halfStep * (1 + (weights.Sum() / Math.Abs(divisor))));
                Assert.True(Data.Close(expected, value, relative, 1, valueBound), $"{what}: expected {expected:R}, got {value:R}");
                Assert.True(Data.Close(value, forwardOnly, 0, 0), $"{what}: the forward-only value {forwardOnly:R} differs from {value:R}");
                for (int g = 0; g < gradients.Length; g++)
                {
                    double[] actual = Data.ToDouble(gradients[g]), perRow = Data.ToDouble(rowGradients[g]);
                    for (int i = 0; i < actual.Length; i++)
                    {
                        double wanted = weights[i / rowLength] * perRow[i] / divisor;
                        double bound = (absolute * Math.Abs(perRow[i] / divisor)) + (halfStep * (1 + (weights[i / rowLength] / Math.Abs(divisor))));
                        Assert.True(Data.Close(wanted, actual[i], relative, 1, bound), $"{what} gradient {g} [{i}]: expected {wanted:R}, got {actual[i]:R}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Weights_of_one_give_the_unweighted_bits(string name, string elementName)
    {
        (RowLossUnderTest loss, Type element) = Find(name, elementName);
        var weightedWithGradient = loss.WeightedWithGradient(element);
        var withGradient = loss.WithGradient(element);
        foreach ((int batch, int rowLength) in s_shapes.Where(s => s.Batch > 0))
        {
            RowBatch data = RowData.Draw(loss, element, batch, rowLength, seed: 19 * rowLength + batch);
            Array ones = Data.Filled(element, batch, 1);
            foreach ((WeightedReduction weightedReduction, Reduction reduction) in new[]
            {
                (WeightedReduction.Mean, Reduction.Mean), (WeightedReduction.SumOverBatchSize, Reduction.Mean), (WeightedReduction.Sum, Reduction.Sum),
            })
            {
                Array[] expectedGradients = loss.DifferentiableRows.Select(_ => Data.Filled(element, batch * rowLength, double.NaN)).ToArray();
                Array[] gradients = loss.DifferentiableRows.Select(_ => Data.Filled(element, batch * rowLength, double.NaN)).ToArray();
                object? expected = withGradient(loss.Arguments(data.RowArrays, data.Labels, data.ValueArrays, expectedGradients, rowLength, loss.HyperDefaults, reduction));
                object? value = weightedWithGradient(loss.WeightedArguments(data.RowArrays, data.Labels, data.ValueArrays, ones, gradients, rowLength, loss.HyperDefaults, weightedReduction));
                long[] wanted = [Data.Bits(expected), .. expectedGradients.SelectMany(Data.Bits)];
                long[] actual = [Data.Bits(value), .. gradients.SelectMany(Data.Bits)];
                Assert.True(wanted.SequenceEqual(actual), $"{name}<{elementName}> {weightedReduction} [{batch}, {rowLength}]: weights of 1 differ from the unweighted {reduction}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_vector_width_gives_the_same_bits(string name, string elementName)
    {
        (RowLossUnderTest loss, Type element) = Find(name, elementName);
        var weightedWithGradient = loss.WeightedWithGradient(element);
        foreach ((int batch, int rowLength) in s_shapes)
        {
            RowBatch data = RowData.Draw(loss, element, batch, rowLength, seed: 23 * rowLength + batch);
            Array weights = Weights(element, batch, seed: 3 * batch);
            long[]? reference = null;
            foreach (int bits in new[] { 512, 256, 128, 0 })
            {
                using (VectorWidth.Restored())
                {
                    VectorPaths.MaxBits = bits;
                    Array[] gradients = loss.DifferentiableRows.Select(_ => Data.Filled(element, batch * rowLength, double.NaN)).ToArray();
                    object? value = weightedWithGradient(loss.WeightedArguments(data.RowArrays, data.Labels, data.ValueArrays, weights, gradients, rowLength, loss.HyperDefaults, WeightedReduction.Mean));
                    long[] result = [Data.Bits(value), .. gradients.SelectMany(Data.Bits)];
                    reference ??= result;
                    Assert.True(reference.SequenceEqual(result), $"{name}<{elementName}> [{batch}, {rowLength}]: the {bits}-bit path differs from the 512-bit path");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_weight_per_row_is_required_and_named(string name, string elementName)
    {
        (RowLossUnderTest loss, Type element) = Find(name, elementName);
        var weightedWithGradient = loss.WeightedWithGradient(element);
        RowBatch data = RowData.Draw(loss, element, 4, 6, seed: 5);
        Array[] gradients = loss.DifferentiableRows.Select(_ => Data.Filled(element, 24, 123)).ToArray();
        var perElement = Assert.Throws<ArgumentException>(() => weightedWithGradient(loss.WeightedArguments(data.RowArrays, data.Labels, data.ValueArrays, Weights(element, 24, 1), gradients, 6, loss.HyperDefaults, WeightedReduction.Mean)));
        Assert.Equal("sampleWeights", perElement.ParamName);
        Assert.Contains("one weight per row", perElement.Message);
        var undefined = Assert.Throws<ArgumentOutOfRangeException>(() => weightedWithGradient(loss.WeightedArguments(data.RowArrays, data.Labels, data.ValueArrays, Weights(element, 4, 1), gradients, 6, loss.HyperDefaults, (WeightedReduction)9)));
        Assert.Equal("reduction", undefined.ParamName);
        Assert.All(gradients, g => Assert.All(Data.ToDouble(g), v => Assert.Equal(123, v)));
    }

    private static Array Weights(Type element, int count, int seed)
    {
        var random = new Random(seed);
        return Data.ToArray(element, Enumerable.Range(0, count).Select(_ => 2 * random.NextDouble()).ToArray());
    }

    private static (RowLossUnderTest Loss, Type Element) Find(string name, string elementName)
        => (s_losses.Single(l => l.Id == name), Data.ElementTypes.Single(t => t.Name == elementName));
}
