using System;
using System.Linq;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Domains = LossGen.Tests.Infrastructure.Domains;
using Xunit;

namespace LossGen.Tests;

/// <summary>
/// Every elementwise loss of the catalogue, in every element type, against its own formula called in
/// double: values at every length 0..257 and beyond, gradients against central finite differences,
/// both reductions, every vector width bit for bit, and bad input.
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class CatalogueTests
{
    private static readonly LossUnderTest[] s_losses = LossUnderTest.All(typeof(Losses)).SelectMany(l => l.WithEachFlagFlipped()).ToArray();

    public static TheoryData<string, string> Cases() => LossUnderTest.ByElementType(s_losses);

    [Fact]
    public void The_catalogue_has_every_elementwise_loss_of_the_issue()
    {
        string[] expected =
        [
            "MeanSquaredError", "MeanAbsoluteError", "Huber", "SmoothL1", "LogCosh", "MeanSquaredLogarithmicError",
            "MeanAbsolutePercentageError", "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "Hinge", "SquaredHinge",
            "Poisson", "PoissonWithLogInput", "BinaryFocalWithLogits", "MarginRanking", "SoftMargin", "HingeEmbedding", "GaussianNll",
            "GanDiscriminatorReal", "GanDiscriminatorFake", "GanGeneratorMinimax", "GanGeneratorNonSaturating",
            "LeastSquaresGanReal", "LeastSquaresGanFake", "LeastSquaresGanGenerator",
            "WassersteinCriticReal", "WassersteinCriticFake", "WassersteinGenerator",
        ];
        Assert.Empty(expected.Except(s_losses.Select(l => l.Name)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Elementwise_losses_match_the_formula_at_every_length(string name, string elementName)
    {
        (LossUnderTest loss, Type element) = Find(name, elementName);
        var elementwise = loss.Elementwise(element);
        (double relative, double absolute) = Data.Tolerance(element);
        foreach (int n in Data.Lengths())
        {
            (double[][] inputs, Array[] arrays) = Inputs(loss, element, n, seed: n);
            Array losses = Data.Filled(element, n, double.NaN);
            elementwise([.. arrays, losses, .. Boxed(loss.HyperDefaults)]);
            double[] actual = Data.ToDouble(losses);
            for (int i = 0; i < n; i++)
            {
                double expected = loss.Formula(Column(inputs, i), loss.HyperDefaults);
                Assert.True(Data.Close(expected, actual[i], relative, absolute), $"{name}<{elementName}> n={n} i={i}: expected {expected:R}, got {actual[i]:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reduced_losses_and_gradients_match_the_formula_and_central_differences(string name, string elementName)
    {
        (LossUnderTest loss, Type element) = Find(name, elementName);
        var reduce = loss.Reduce(element);
        var withGradient = loss.WithGradient(element);
        (double relative, double absolute) = Data.Tolerance(element);
        foreach (int n in Data.Lengths().Where(n => n <= 300 || n == 4099))
        {
            foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
            {
                (double[][] inputs, Array[] arrays) = Inputs(loss, element, n, seed: 1000 + n);
                Array[] gradients = loss.DifferentiableInputs.Select(_ => Data.Filled(element, n, double.NaN)).ToArray();
                double value = Data.ToDouble(withGradient([.. arrays, .. gradients, .. Boxed(loss.HyperDefaults), reduction]));
                double forwardOnly = Data.ToDouble(reduce([.. arrays, .. Boxed(loss.HyperDefaults), reduction]));

                double sum = 0, magnitude = 0;
                for (int i = 0; i < n; i++)
                {
                    double l = loss.Formula(Column(inputs, i), loss.HyperDefaults);
                    sum += l;
                    magnitude += Math.Abs(l);
                }

                double scale = reduction == Reduction.Mean ? 1.0 / n : 1.0;
                double expected = reduction == Reduction.Mean && n == 0 ? double.NaN : sum * scale;
                if (element == typeof(Half) && Math.Abs(expected) > (double)Half.MaxValue)
                {
                    expected = double.CopySign(double.PositiveInfinity, expected); // beyond Half's range: the result rounds to ±∞
                }

                Assert.True(Data.Close(expected, value, relative, absolute, magnitude * scale), $"{name}<{elementName}> {reduction} n={n}: expected {expected:R}, got {value:R}");
                Assert.True(Data.Close(value, forwardOnly, 0, 0), $"{name}<{elementName}> {reduction} n={n}: the forward-only value {forwardOnly:R} differs from {value:R}");

                for (int g = 0; g < gradients.Length; g++)
                {
                    double[] actual = Data.ToDouble(gradients[g]);
                    int input = loss.DifferentiableInputs[g];
                    for (int i = 0; i < n; i++)
                    {
                        if (!CentralDifference(loss, Column(inputs, i), input, out double derivative))
                        {
                            continue;
                        }

                        double expectedGradient = derivative * scale;
                        Assert.True(
                            Data.Close(expectedGradient, actual[i], 100 * relative + 1e-6, (100 * absolute + 1e-7) * scale, Math.Max(1, Math.Abs(derivative))),
                            $"{name}<{elementName}> ∂/∂{loss.Inputs[input].Name} {reduction} n={n} i={i}: expected {expectedGradient:R}, got {actual[i]:R}");
                    }
                }
            }
        }
    }

    /// <summary>
    /// The unreduced form with gradients is the elementwise losses and the summed gradients (each element's own
    /// derivative), bit for bit, from one pass; the other forms are held to the formula above.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Elementwise_with_gradient_is_the_elementwise_losses_and_the_sum_gradients_bit_for_bit(string name, string elementName)
    {
        (LossUnderTest loss, Type element) = Find(name, elementName);
        var elementwise = loss.Elementwise(element);
        var withGradient = loss.WithGradient(element);
        var both = loss.ElementwiseWithGradient(element);
        foreach (int n in Data.Lengths().Where(n => n <= 70 || n == 257 || n == 4099))
        {
            (_, Array[] arrays) = Inputs(loss, element, n, seed: 3000 + n);
            Array expectedLosses = Data.Filled(element, n, double.NaN), losses = Data.Filled(element, n, double.NaN);
            Array[] expectedGradients = loss.DifferentiableInputs.Select(_ => Data.Filled(element, n, double.NaN)).ToArray();
            Array[] gradients = loss.DifferentiableInputs.Select(_ => Data.Filled(element, n, double.NaN)).ToArray();
            elementwise([.. arrays, expectedLosses, .. Boxed(loss.HyperDefaults)]);
            withGradient([.. arrays, .. expectedGradients, .. Boxed(loss.HyperDefaults), Reduction.Sum]);
            both([.. arrays, losses, .. gradients, .. Boxed(loss.HyperDefaults)]);
            Assert.True(Data.Bits(expectedLosses).SequenceEqual(Data.Bits(losses)), $"{name}<{elementName}> n={n}: the losses differ from the Elementwise form's");
            for (int g = 0; g < gradients.Length; g++)
            {
                Assert.True(Data.Bits(expectedGradients[g]).SequenceEqual(Data.Bits(gradients[g])), $"{name}<{elementName}> n={n}: gradient {g} differs from the summed WithGradient form's");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_vector_width_gives_the_same_bits(string name, string elementName)
    {
        (LossUnderTest loss, Type element) = Find(name, elementName);
        var withGradient = loss.WithGradient(element);
        var elementwise = loss.Elementwise(element);
        foreach (int n in Data.Lengths())
        {
            (_, Array[] arrays) = Inputs(loss, element, n, seed: 7 * n);
            long[]? reference = null;
            foreach (int bits in new[] { 512, 256, 128, 0 })
            {
                using (VectorWidth.Restored())
                {
                    VectorPaths.MaxBits = bits;
                    Array[] gradients = loss.DifferentiableInputs.Select(_ => Data.Filled(element, n, double.NaN)).ToArray();
                    Array losses = Data.Filled(element, n, double.NaN);
                    object? value = withGradient([.. arrays, .. gradients, .. Boxed(loss.HyperDefaults), Reduction.Sum]);
                    elementwise([.. arrays, losses, .. Boxed(loss.HyperDefaults)]);
                    long[] result = [Data.Bits(value), .. gradients.SelectMany(Data.Bits), .. Data.Bits(losses)];
                    reference ??= result;
                    Assert.True(reference.SequenceEqual(result), $"{name}<{elementName}> n={n}: the {bits}-bit path differs from the 512-bit path");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Mismatched_lengths_throw_naming_both_and_write_nothing(string name, string elementName)
    {
        (LossUnderTest loss, Type element) = Find(name, elementName);
        (double[][] inputs, Array[] arrays) = Inputs(loss, element, 40, seed: 3);
        Array[] gradients = loss.DifferentiableInputs.Select(_ => Data.Filled(element, 40, 123)).ToArray();
        if (loss.Inputs.Length > 1)
        {
            // Values from the loss's domain, so the length is the only thing wrong.
            Array[] shortLast = [.. arrays[..^1], Data.ToArray(element, inputs[^1][..39])];
            var e = Assert.Throws<ArgumentException>(() => loss.WithGradient(element)([.. shortLast, .. gradients, .. Boxed(loss.HyperDefaults), Reduction.Mean]));
            Assert.Contains(loss.Inputs[0].Name!, e.Message);
            Assert.Contains(loss.Inputs[^1].Name!, e.Message);
            Assert.Contains("39", e.Message);
            Assert.All(gradients, g => Assert.All(Data.ToDouble(g), v => Assert.Equal(123, v)));
        }

        Array[] shortGradient = [.. gradients[..^1], Data.Filled(element, 41, 123)];
        var g = Assert.Throws<ArgumentException>(() => loss.WithGradient(element)([.. arrays, .. shortGradient, .. Boxed(loss.HyperDefaults), Reduction.Mean]));
        Assert.Contains("41", g.Message);
        Assert.All(shortGradient, s => Assert.All(Data.ToDouble(s), v => Assert.Equal(123, v)));

        Array losses = Data.Filled(element, 41, 123);
        Assert.Throws<ArgumentException>(() => loss.Elementwise(element)([.. arrays, losses, .. Boxed(loss.HyperDefaults)]));
        Assert.All(Data.ToDouble(losses), v => Assert.Equal(123, v));
    }

    private static (LossUnderTest Loss, Type Element) Find(string name, string elementName)
        => (s_losses.Single(l => l.Id == name), Data.ElementTypes.Single(t => t.Name == elementName));

    /// <summary>Inputs drawn from the loss's domain, rounded to the element type; the doubles are the rounded values.</summary>
    private static (double[][] Inputs, Array[] Arrays) Inputs(LossUnderTest loss, Type element, int n, int seed)
    {
        var random = new Random(seed);
        var arrays = new Array[loss.Inputs.Length];
        var inputs = new double[loss.Inputs.Length][];
        for (int k = 0; k < arrays.Length; k++)
        {
            double[] values = new double[n];
            for (int i = 0; i < n; i++)
            {
                values[i] = Domains.Sample(loss.Name, k, random);
            }

            arrays[k] = Data.ToArray(element, values);
            inputs[k] = Data.ToDouble(arrays[k]);
        }

        return (inputs, arrays);
    }

    private static double[] Column(double[][] inputs, int i) => inputs.Select(x => x[i]).ToArray();

    private static object?[] Boxed(double[] values) => values.Select(v => (object?)v).ToArray();

    /// <summary>
    /// The central difference of the formula in input <paramref name="input"/>; false where the
    /// one-sided differences disagree, i.e. a kink lies within the step and no derivative is defined.
    /// </summary>
    private static bool CentralDifference(LossUnderTest loss, double[] point, int input, out double derivative)
    {
        double h = 1e-6 * Math.Max(1, Math.Abs(point[input]));
        double At(double x)
        {
            double[] shifted = (double[])point.Clone();
            shifted[input] = x;
            return loss.Formula(shifted, loss.HyperDefaults);
        }

        double center = At(point[input]), up = At(point[input] + h), down = At(point[input] - h);
        derivative = (up - down) / (2 * h);
        double forward = (up - center) / h, backward = (center - down) / h;
        return Math.Abs(forward - backward) <= 1e-3 * Math.Max(1, Math.Abs(derivative));
    }
}
