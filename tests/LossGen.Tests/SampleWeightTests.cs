using System;
using System.Linq;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Domains = LossGen.Tests.Infrastructure.Domains;
using Xunit;

namespace LossGen.Tests;

/// <summary>
/// The sample-weighted overloads of every elementwise loss of the catalogue (those with at most three inputs), in every
/// element type: each element's loss and gradients times its weight, against the unreduced forms; the three
/// <see cref="WeightedReduction"/>s; weights of 1 against the unweighted forms bit for bit; every vector width; bad input.
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class SampleWeightTests
{
    private static readonly LossUnderTest[] s_losses = LossUnderTest.All(typeof(Losses))
        .Where(l => l.Inputs.Length < KernelContract.MaxInputs)
        .SelectMany(l => l.WithEachFlagFlipped())
        .ToArray();

    private static readonly WeightedReduction[] s_reductions = [WeightedReduction.Mean, WeightedReduction.SumOverBatchSize, WeightedReduction.Sum];

    private static readonly int[] s_lengths = [0, 1, 2, 5, 16, 17, 63, 64, 65, 257, 1031, 4099];

    public static TheoryData<string, string> Cases() => LossUnderTest.ByElementType(s_losses);

    [Fact]
    public void Keras_sample_weight_and_a_pytorch_weighted_mean_give_their_published_values()
    {
        // Keras's MeanSquaredError docs: y_true [[0, 1], [0, 0]], y_pred [[1, 1], [1, 0]], sample_weight [0.7, 0.3] gives
        // 0.25 with the default reduction; one weight per sample is one per element of its row here.
        float[] pred = [1, 1, 1, 0], target = [0, 1, 0, 0], weights = [0.7f, 0.7f, 0.3f, 0.3f];
        Assert.Equal(0.25f, Losses.MeanSquaredError(pred, target, weights, WeightedReduction.SumOverBatchSize), 6);
        // PyTorch by hand: (loss * w).sum() / w.sum() = 1.0 / 2.0, and (loss * w).sum().
        Assert.Equal(0.5f, Losses.MeanSquaredError(pred, target, weights), 6);
        Assert.Equal(1.0f, Losses.MeanSquaredError(pred, target, weights, WeightedReduction.Sum), 6);

        // The gradient of the weighted mean: 2(p − t)·w / Σw.
        var gradient = new float[4];
        Losses.MeanSquaredErrorWithGradient(pred, target, weights, gradient);
        Assert.Equal([0.7f, 0, 0.3f, 0], gradient.Select(g => MathF.Round(g, 6)).ToArray());
    }

    [Fact]
    public void Empty_input_and_weights_summing_to_zero_give_nan_for_the_means_and_zero_for_the_sum()
    {
        float[] none = [];
        Assert.True(float.IsNaN(Losses.MeanSquaredError(none, none, none)));
        Assert.True(float.IsNaN(Losses.MeanSquaredError(none, none, none, WeightedReduction.SumOverBatchSize)));
        Assert.Equal(0f, Losses.MeanSquaredError(none, none, none, WeightedReduction.Sum));
        float[] pred = [1, 2, 3], target = [0, 0, 0], zero = [0, 0, 0];
        Assert.True(float.IsNaN(Losses.MeanSquaredError(pred, target, zero)));
        Assert.Equal(0f, Losses.MeanSquaredError(pred, target, zero, WeightedReduction.SumOverBatchSize));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Weighted_losses_and_gradients_are_each_elements_times_its_weight(string name, string elementName)
    {
        (LossUnderTest loss, Type element) = Find(name, elementName);
        var weighted = loss.Weighted(element);
        var weightedWithGradient = loss.WeightedWithGradient(element);
        var unreduced = loss.ElementwiseWithGradient(element);
        (double relative, double absolute) = Data.Tolerance(element);
        foreach (int n in s_lengths)
        {
            (Array[] arrays, Array weightArray) = Inputs(loss, element, n, seed: 11 * n);
            double[] weights = Data.ToDouble(weightArray);
            Array lossArray = Data.Filled(element, n, double.NaN);
            Array[] elementGradients = loss.DifferentiableInputs.Select(_ => Data.Filled(element, n, double.NaN)).ToArray();
            unreduced([.. arrays, lossArray, .. elementGradients, .. Boxed(loss.HyperDefaults)]);
            double[] losses = Data.ToDouble(lossArray);
            foreach (WeightedReduction reduction in s_reductions)
            {
                double sum = 0, magnitude = 0;
                for (int i = 0; i < n; i++)
                {
                    sum += weights[i] * losses[i];
                    magnitude += Math.Abs(weights[i] * losses[i]);
                }

                double divisor = reduction switch
                {
                    WeightedReduction.Mean => weights.Sum(),
                    WeightedReduction.SumOverBatchSize => n,
                    _ => 1,
                };
                double expected = sum / divisor;
                if (element == typeof(Half) && Math.Abs(expected) > (double)Half.MaxValue)
                {
                    expected = double.CopySign(double.PositiveInfinity, expected);
                }

                Array[] gradients = loss.DifferentiableInputs.Select(_ => Data.Filled(element, n, double.NaN)).ToArray();
                double value = Data.ToDouble(weightedWithGradient([.. arrays, weightArray, .. gradients, .. Boxed(loss.HyperDefaults), reduction]));
                double forwardOnly = Data.ToDouble(weighted([.. arrays, weightArray, .. Boxed(loss.HyperDefaults), reduction]));
                string what = $"{name}<{elementName}> {reduction} n={n}";
                // In Half, each reference loss and gradient is itself rounded, subnormal ones to a step of Half.Epsilon: half a
                // step of each, times its weight, comes on top of the relative bound.
                double halfStep = element == typeof(Half) ? 0.5 * (double)Half.Epsilon : 0;
                double valueBound = (absolute * magnitude / Math.Abs(divisor)) + (halfStep * (1 + (weights.Sum() / Math.Abs(divisor))));
                Assert.True(Data.Close(expected, value, relative, 1, valueBound), $"{what}: expected {expected:R}, got {value:R}");
                Assert.True(Data.Close(value, forwardOnly, 0, 0), $"{what}: the forward-only value {forwardOnly:R} differs from {value:R}");
                for (int g = 0; g < gradients.Length; g++)
                {
                    double[] actual = Data.ToDouble(gradients[g]), perElement = Data.ToDouble(elementGradients[g]);
                    for (int i = 0; i < n; i++)
                    {
                        double wanted = weights[i] * perElement[i] / divisor;
                        double bound = (absolute * Math.Abs(perElement[i] / divisor)) + (halfStep * (1 + (weights[i] / Math.Abs(divisor))));
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
        (LossUnderTest loss, Type element) = Find(name, elementName);
        var weightedWithGradient = loss.WeightedWithGradient(element);
        var withGradient = loss.WithGradient(element);
        foreach (int n in new[] { 1, 17, 257, 4099 })
        {
            (Array[] arrays, _) = Inputs(loss, element, n, seed: 5 * n);
            Array ones = Data.Filled(element, n, 1);
            foreach ((WeightedReduction weightedReduction, Reduction reduction) in new[]
            {
                (WeightedReduction.Mean, Reduction.Mean), (WeightedReduction.SumOverBatchSize, Reduction.Mean), (WeightedReduction.Sum, Reduction.Sum),
            })
            {
                Array[] expectedGradients = loss.DifferentiableInputs.Select(_ => Data.Filled(element, n, double.NaN)).ToArray();
                Array[] gradients = loss.DifferentiableInputs.Select(_ => Data.Filled(element, n, double.NaN)).ToArray();
                object? expected = withGradient([.. arrays, .. expectedGradients, .. Boxed(loss.HyperDefaults), reduction]);
                object? value = weightedWithGradient([.. arrays, ones, .. gradients, .. Boxed(loss.HyperDefaults), weightedReduction]);
                long[] wanted = [Data.Bits(expected), .. expectedGradients.SelectMany(Data.Bits)];
                long[] actual = [Data.Bits(value), .. gradients.SelectMany(Data.Bits)];
                Assert.True(wanted.SequenceEqual(actual), $"{name}<{elementName}> {weightedReduction} n={n}: weights of 1 differ from the unweighted {reduction}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_vector_width_gives_the_same_bits(string name, string elementName)
    {
        (LossUnderTest loss, Type element) = Find(name, elementName);
        var weightedWithGradient = loss.WeightedWithGradient(element);
        foreach (int n in s_lengths)
        {
            (Array[] arrays, Array weights) = Inputs(loss, element, n, seed: 13 * n);
            long[]? reference = null;
            foreach (int bits in new[] { 512, 256, 128, 0 })
            {
                using (VectorWidth.Restored())
                {
                    VectorPaths.MaxBits = bits;
                    Array[] gradients = loss.DifferentiableInputs.Select(_ => Data.Filled(element, n, double.NaN)).ToArray();
                    object? value = weightedWithGradient([.. arrays, weights, .. gradients, .. Boxed(loss.HyperDefaults), WeightedReduction.Mean]);
                    long[] result = [Data.Bits(value), .. gradients.SelectMany(Data.Bits)];
                    reference ??= result;
                    Assert.True(reference.SequenceEqual(result), $"{name}<{elementName}> n={n}: the {bits}-bit path differs from the 512-bit path");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_weights_and_reductions_throw_naming_them_and_write_nothing(string name, string elementName)
    {
        (LossUnderTest loss, Type element) = Find(name, elementName);
        var weightedWithGradient = loss.WeightedWithGradient(element);
        (Array[] arrays, Array weights) = Inputs(loss, element, 40, seed: 3);
        Array[] gradients = loss.DifferentiableInputs.Select(_ => Data.Filled(element, 40, 123)).ToArray();
        Array shortWeights = Data.ToArray(element, Data.ToDouble(weights)[..39]);
        var mismatch = Assert.Throws<ArgumentException>(() => weightedWithGradient([.. arrays, shortWeights, .. gradients, .. Boxed(loss.HyperDefaults), WeightedReduction.Mean]));
        Assert.Equal("sampleWeights", mismatch.ParamName);
        Assert.Contains("'sampleWeights' has 39", mismatch.Message);
        var undefined = Assert.Throws<ArgumentOutOfRangeException>(() => weightedWithGradient([.. arrays, weights, .. gradients, .. Boxed(loss.HyperDefaults), (WeightedReduction)7]));
        Assert.Equal("reduction", undefined.ParamName);
        Assert.All(gradients, g => Assert.All(Data.ToDouble(g), v => Assert.Equal(123, v)));
    }

    private static (LossUnderTest Loss, Type Element) Find(string name, string elementName)
        => (s_losses.Single(l => l.Id == name), Data.ElementTypes.Single(t => t.Name == elementName));

    /// <summary>Inputs drawn from the loss's domain, and weights in [0, 2), each rounded to the element type.</summary>
    private static (Array[] Arrays, Array Weights) Inputs(LossUnderTest loss, Type element, int n, int seed)
    {
        var random = new Random(seed);
        var arrays = new Array[loss.Inputs.Length];
        for (int k = 0; k < arrays.Length; k++)
        {
            arrays[k] = Data.ToArray(element, Enumerable.Range(0, n).Select(_ => Domains.Sample(loss.Name, k, random)).ToArray());
        }

        return (arrays, Data.ToArray(element, Enumerable.Range(0, n).Select(_ => 2 * random.NextDouble()).ToArray()));
    }

    private static object?[] Boxed(double[] values) => values.Select(v => (object?)v).ToArray();
}
