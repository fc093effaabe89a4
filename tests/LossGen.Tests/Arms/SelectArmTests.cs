using System;
using System.Linq;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Arms;

/// <summary>
/// Kernels that skip a select's costlier arm in vectors where no lane takes it give what computing both arms gives: the
/// formula's values, its derivatives and the same bits at every width, with the rare arm taken in scattered lanes (one
/// lane of a vector), in a run of whole vectors, and nowhere in the rest.
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class SelectArmTests
{
    private static readonly LossUnderTest[] s_losses = LossUnderTest.All(typeof(RareArmLosses)).ToArray();

    public static TheoryData<string, string> Cases() => LossUnderTest.ByElementType(s_losses);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Skipped_arms_change_no_value_gradient_or_bit(string name, string elementName)
    {
        LossUnderTest loss = s_losses.Single(l => l.Id == name);
        Type element = Data.ElementTypes.Single(t => t.Name == elementName);
        (double relative, double absolute) = Data.Tolerance(element);
        var elementwise = loss.Elementwise(element);
        var withGradient = loss.WithGradient(element);
        foreach (int n in Data.Lengths().Where(n => n <= 257 || n == 1025))
        {
            double[] x = Enumerable.Range(0, n).Select(i => Rounded(element, RareOrCommon(i, n))).ToArray();
            double[] t = Enumerable.Range(0, n).Select(i => Rounded(element, Math.Sin(0.7 * i))).ToArray();
            long[]? reference = null;
            foreach (int bits in new[] { 512, 256, 128, 0 })
            {
                Array losses = Data.Filled(element, n, double.NaN), gradient = Data.Filled(element, n, double.NaN);
                object? sum = VectorWidth.With(bits, () =>
                {
                    elementwise([Data.ToArray(element, x), Data.ToArray(element, t), losses]);
                    return withGradient([Data.ToArray(element, x), Data.ToArray(element, t), gradient, Reduction.Sum]);
                });
                long[] result = [Data.Bits(sum), .. Data.Bits(losses), .. Data.Bits(gradient)];
                reference ??= result;
                Assert.True(reference.SequenceEqual(result), $"{name}<{elementName}> n={n}: the {bits}-bit path differs from the 512-bit path");
                if (bits != 512)
                {
                    continue;
                }

                double[] values = Data.ToDouble(losses), derivatives = Data.ToDouble(gradient);
                for (int i = 0; i < n; i++)
                {
                    double expected = loss.Formula([x[i], t[i]], []);
                    Assert.True(Data.Close(expected, values[i], relative, absolute), $"{name}<{elementName}> n={n} x={x[i]:R} t={t[i]:R}: expected {expected:R}, got {values[i]:R}");
                    double derivative = CentralDifference(loss, x[i], t[i]);
                    Assert.True(
                        Data.Close(derivative, derivatives[i], 100 * relative + 1e-6, 100 * absolute + 1e-7, Math.Max(1, Math.Abs(derivative))),
                        $"{name}<{elementName}> n={n} x={x[i]:R} t={t[i]:R}: ∂/∂x expected {derivative:R}, got {derivatives[i]:R}");
                }
            }
        }
    }

    /// <summary>
    /// The catalogue's Poisson loss on log-rates writes its overflow-safe form as the rare arm past 88: in double, where
    /// nothing overflows there, log-rates up to 300 scattered among ordinary ones give e^x − t·x and e^x − t.
    /// </summary>
    [Fact]
    public void Poisson_on_log_rates_past_88_in_some_lanes_gives_the_formula_at_every_width()
    {
        foreach (int n in new[] { 1, 7, 8, 9, 16, 17, 64, 257 })
        {
            double[] x = Enumerable.Range(0, n).Select(i => i % 11 == 3 ? 88 + i : Math.Sin(i) * 4).ToArray();
            double[] t = Enumerable.Range(0, n).Select(i => (double)(i % 6)).ToArray();
            foreach (int bits in new[] { 512, 256, 128, 0 })
            {
                double[] losses = new double[n], gradient = new double[n];
                VectorWidth.With(bits, () =>
                {
                    Losses.PoissonWithLogInputElementwise(x, t, losses);
                    return Losses.PoissonWithLogInputWithGradient(x, t, gradient, reduction: Reduction.Sum);
                });
                for (int i = 0; i < n; i++)
                {
                    double e = Math.Exp(x[i]);
                    Assert.True(Data.Close(e - t[i] * x[i], losses[i], 1e-13, 1e-13), $"{bits} bits, n={n}, x={x[i]}: loss {losses[i]:R}");
                    Assert.True(Data.Close(e - t[i], gradient[i], 1e-13, 1e-13), $"{bits} bits, n={n}, x={x[i]}: gradient {gradient[i]:R}");
                }
            }
        }
    }

    /// <summary>Common inputs in [−1.5, 1.5]; past ±2.5 in every 37th lane and in lanes 200–231 (whole vectors at every width), a third of them negative.</summary>
    private static double RareOrCommon(int i, int n)
    {
        bool rare = i % 37 == 5 || (i >= 200 && i < 232);
        double common = 1.5 * Math.Sin(1.3 * i);
        return rare ? (i % 3 == 0 ? -1 : 1) * (2.5 + Math.Abs(common)) : common;
    }

    private static double Rounded(Type element, double value) => Data.ToDouble(Data.ToArray(element, [value]))[0];

    private static double CentralDifference(LossUnderTest loss, double x, double t)
    {
        double h = 1e-6 * Math.Max(1, Math.Abs(x));
        return (loss.Formula([x + h, t], []) - loss.Formula([x - h, t], [])) / (2 * h);
    }
}
