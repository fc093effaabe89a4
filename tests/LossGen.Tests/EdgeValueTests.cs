using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests;

/// <summary>
/// Every elementwise loss of the catalogue at the edges of its element type: 0, ±0, subnormals, 1e±30, the
/// limits of exp, the largest value, each combined with every edge of the other inputs (within each input's
/// domain). Float and Half are held to the formula in double, where nothing overflows or loses its digits:
/// no NaN where that is a number, ±∞ only where it rounds to ±∞ in the element type, and otherwise close to
/// it. Their gradients are held the same way to the double kernel on the same inputs. Double is held to
/// its own formula: no NaN and no overflow that the formula does not have, and no NaN gradient at a finite loss.
/// </summary>
public sealed class EdgeValueTests
{
    private static readonly LossUnderTest[] s_losses = LossUnderTest.All(typeof(Losses)).ToArray();

    public static TheoryData<string, string> Cases() => LossUnderTest.ByElementType(s_losses);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Edge_values_give_no_NaN_and_overflow_only_where_the_true_value_does(string name, string elementName)
    {
        LossUnderTest loss = s_losses.Single(l => l.Name == name);
        Type element = Data.ElementTypes.Single(t => t.Name == elementName);
        double[][] columns = Combinations(loss.Inputs.Select(p => EdgeValues(element, p)).ToArray());
        int n = columns[0].Length;
        object?[] hypers = loss.HyperDefaults.Select(v => (object?)v).ToArray();

        Array losses = Data.Filled(element, n, double.NaN);
        loss.Elementwise(element)([.. columns.Select(c => Data.ToArray(element, c)), losses, .. hypers]);
        Array[] gradients = loss.DifferentiableInputs.Select(_ => Data.Filled(element, n, double.NaN)).ToArray();
        loss.WithGradient(element)([.. columns.Select(c => Data.ToArray(element, c)), .. gradients, .. hypers, Reduction.Sum]);

        // How much the true value moves when one input moves by the element type's rounding: a kernel in that
        // type cannot be held closer than this where the formula cancels (e^x − t·x at x·t ≈ e^x).
        double u = UnitRoundoff(element);
        double[] expected = Enumerable.Range(0, n).Select(i => Reference(loss, columns, i)).ToArray();
        double[] spread = Spread(expected, Perturbed(loss, columns, u).Select(c => Enumerable.Range(0, n).Select(i => Reference(loss, c, i)).ToArray()));

        // The narrower types' gradients are held to the double kernel on the same inputs (which the catalogue tests
        // hold to central differences), with the same allowance for cancellation.
        double[][] referenceGradients = [], gradientSpread = [];
        if (element != typeof(double))
        {
            referenceGradients = DoubleGradients(loss, columns, hypers);

            double[][][] perturbed = Perturbed(loss, columns, u).Select(c => DoubleGradients(loss, c, hypers)).ToArray();
            gradientSpread = referenceGradients.Select((g, k) => Spread(g, perturbed.Select(p => p[k]))).ToArray();
        }

        double max = MaxValue(element);
        double relative = Data.Tolerance(element).Relative, tiny = SmallestNormal(element);
        var failures = new List<string>();
        double[] actual = Data.ToDouble(losses);
        for (int i = 0; i < n; i++)
        {
            string at = $"{name}<{elementName}>({string.Join(", ", columns.Select(c => c[i].ToString("R")))})";
            if (!Acceptable(expected[i], actual[i], max, 8 * spread[i] + relative * Math.Abs(expected[i]) + tiny))
            {
                failures.Add($"{at}: loss {actual[i]:R}, true {expected[i]:R}");
            }

            double[] point = columns.Select(c => c[i]).ToArray();
            for (int g = 0; g < gradients.Length; g++)
            {
                double gradient = Data.ToDouble(gradients[g].GetValue(i));
                string of = loss.Inputs[loss.DifferentiableInputs[g]].Name!;
                if (GradientPastItsLimit(loss, point, max))
                {
                    continue;
                }

                if (Math.Abs(expected[i]) <= max && double.IsNaN(gradient))
                {
                    failures.Add($"{at}: ∂/∂{of} is NaN at a finite loss");
                }
                else if (element != typeof(double))
                {
                    double reference = referenceGradients[g][i];
                    if (!Acceptable(reference, gradient, max, 8 * gradientSpread[g][i] + 100 * relative * Math.Abs(reference) + 2 * u))
                    {
                        failures.Add($"{at}: ∂/∂{of} {gradient:R}, the double kernel's {reference:R}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {n} edge points:\n" + string.Join("\n", failures.Take(40)));
    }

    [Fact]
    public void Binary_cross_entropy_clamps_each_log_at_minus_100_in_every_element_type()
    {
        // PyTorch's BCELoss: torch.nn.functional.binary_cross_entropy(torch.tensor([0., 1., 0.]), torch.tensor([1., 0., .5]),
        // reduction='none') gives [100, 100, 50] in float32 and float64 alike.
        double[] p = [0, 1, 0], y = [1, 0, 0.5], expected = [100, 100, 50];
        double[] fromDouble = new double[3], fromFloat = new double[3], fromHalf = new double[3];
        Losses.BinaryCrossEntropyElementwise(p, y, fromDouble);
        var floats = new float[3];
        Losses.BinaryCrossEntropyElementwise(p.Select(v => (float)v).ToArray(), y.Select(v => (float)v).ToArray(), floats);
        var halves = new Half[3];
        Losses.BinaryCrossEntropyElementwise(p.Select(v => (Half)v).ToArray(), y.Select(v => (Half)v).ToArray(), halves);
        Assert.Equal(expected, fromDouble);
        Assert.Equal(expected, floats.Select(v => (double)v));
        Assert.Equal(expected, halves.Select(v => (double)v));

        // Where a clamp holds the gradient is 0, not the 0/0 of the log's derivative; inside it, (p − y)/(p(1 − p)).
        var gradient = new double[4];
        Losses.BinaryCrossEntropyWithGradient([0, 1, 0.25, 1e-300], [1, 0, 1, 1], gradient, reduction: Reduction.Sum);
        Assert.Equal([0, 0, (0.25 - 1) / (0.25 * 0.75), 0], gradient);
    }

    /// <summary>
    /// The three documented places where a gradient's intermediate overflows although the gradient does not (reverse
    /// mode multiplies the huge factor in before the vanishing one): the focal loss's ce·γ for |logits| ≥ max/γ
    /// (its gradient is then NaN), e^logRate of the Poisson loss on a log-rate past log(max), which leaves its
    /// gradient e^logRate − target at +∞ even where target is within a factor 2 of e^logRate, and the Gaussian NLL's
    /// error mean − target where it passes the type's range (its gradients divide that error by the variance).
    /// </summary>
    private static bool GradientPastItsLimit(LossUnderTest loss, double[] point, double max) => loss.Name switch
    {
        "BinaryFocalWithLogits" => Math.Abs(point[0]) >= max / loss.HyperDefaults[1],
        "PoissonWithLogInput" => point[0] > Math.Log(max),
        "GaussianNll" => Math.Abs(point[0] - point[1]) > max,
        _ => false,
    };

    /// <summary>
    /// The formula in double at point <paramref name="i"/>. No loss clamps per element type any more (BinaryCrossEntropy
    /// clamps its logs at −100 in every type), so the double formula is the reference for all of them.
    /// </summary>
    private static double Reference(LossUnderTest loss, double[][] columns, int i)
        => loss.Formula(columns.Select(c => c[i]).ToArray(), loss.HyperDefaults);

    /// <summary>Each input that is not a ±1 label scaled by 1 − u and by 1 + u (a probability at most 1; the others as they are).</summary>
    private static IEnumerable<double[][]> Perturbed(LossUnderTest loss, double[][] columns, double u)
    {
        for (int k = 0; k < columns.Length; k++)
        {
            if (loss.Inputs[k].GetCustomAttribute<PlusOrMinusOneAttribute>() is not null)
            {
                continue;
            }

            foreach (double factor in new[] { 1 - u, 1 + u })
            {
                double[][] shifted = (double[][])columns.Clone();
                bool probability = loss.Inputs[k].GetCustomAttribute<ProbabilityAttribute>() is not null;
                shifted[k] = columns[k].Select(v => probability ? Math.Min(v * factor, 1) : v * factor).ToArray(); // within the domain
                yield return shifted;
            }
        }
    }

    /// <summary>The largest finite change from <paramref name="center"/> among the perturbed values, per point.</summary>
    private static double[] Spread(double[] center, IEnumerable<double[]> perturbed)
    {
        var spread = new double[center.Length];
        foreach (double[] values in perturbed)
        {
            for (int i = 0; i < spread.Length; i++)
            {
                double change = Math.Abs(values[i] - center[i]);
                if (double.IsFinite(change))
                {
                    spread[i] = Math.Max(spread[i], change);
                }
            }
        }

        return spread;
    }

    private static double[][] DoubleGradients(LossUnderTest loss, double[][] columns, object?[] hypers)
    {
        double[][] gradients = loss.DifferentiableInputs.Select(_ => new double[columns[0].Length]).ToArray();
        loss.WithGradient(typeof(double))([.. columns.Select(c => (object?)c.Clone()), .. gradients, .. hypers, Reduction.Sum]);
        return gradients;
    }

    /// <summary>NaN only where the reference is NaN, ±∞ only where it passes the element type's range, otherwise within <paramref name="tolerance"/>.</summary>
    private static bool Acceptable(double expected, double actual, double max, double tolerance)
    {
        if (double.IsNaN(expected))
        {
            return true;
        }

        if (Math.Abs(expected) - tolerance > max)
        {
            return actual == double.CopySign(double.PositiveInfinity, expected);
        }

        return Math.Abs(actual - expected) <= tolerance
            || (Math.Abs(expected) + tolerance > max && actual == double.CopySign(double.PositiveInfinity, expected));
    }

    /// <summary>The edges of <paramref name="element"/> that lie in the domain <paramref name="input"/> declares.</summary>
    private static double[] EdgeValues(Type element, ParameterInfo input)
    {
        double max = MaxValue(element), logMax = Math.Log(max), logTiny = Math.Log(Subnormal(element));
        double[] magnitudes =
        [
            0, Subnormal(element), SmallestNormal(element), 1e-30, 1e-7, 0.5, 1, 2, 20, 1e30,
            Math.Floor(logMax), Math.Ceiling(logMax), -Math.Floor(logTiny), -Math.Ceiling(logTiny), max,
        ];
        IEnumerable<double> values = magnitudes.SelectMany(m => new[] { m, -m });
        if (input.GetCustomAttribute<PlusOrMinusOneAttribute>() is not null)
        {
            values = [-1, 1];
        }
        else if (input.GetCustomAttribute<ProbabilityAttribute>() is not null)
        {
            values = values.Where(v => v >= 0 && v <= 1);
        }
        else if (input.GetCustomAttribute<NonNegativeAttribute>() is not null)
        {
            values = values.Where(v => v >= 0);
        }

        // Rounded to the element type: an edge beyond its range (1e30 in Half) is not an edge of it.
        return Data.ToDouble(Data.ToArray(element, values.ToArray())).Where(double.IsFinite).DistinctBy(BitConverter.DoubleToInt64Bits).ToArray(); // by bits: 0 and −0 are two edges
    }

    /// <summary>Every combination of one value per input, as one column per input.</summary>
    private static double[][] Combinations(double[][] values)
    {
        IEnumerable<double[]> points = [[]];
        foreach (double[] choices in values)
        {
            points = points.SelectMany(p => choices.Select(v => (double[])[.. p, v])).ToArray();
        }

        double[][] rows = points.ToArray();
        return Enumerable.Range(0, values.Length).Select(k => rows.Select(r => r[k]).ToArray()).ToArray();
    }

    private static double MaxValue(Type element)
        => element == typeof(float) ? float.MaxValue : element == typeof(Half) ? (double)Half.MaxValue : double.MaxValue;

    private static double SmallestNormal(Type element)
        => element == typeof(float) ? 1.1754943508222875e-38 : element == typeof(Half) ? 6.103515625e-05 : 2.2250738585072014e-308;

    /// <summary>Half the distance from 1 to the next value of the element type.</summary>
    private static double UnitRoundoff(Type element)
        => element == typeof(float) ? Math.Pow(2, -24) : element == typeof(Half) ? Math.Pow(2, -11) : Math.Pow(2, -53);

    private static double Subnormal(Type element)
        => element == typeof(float) ? float.Epsilon : element == typeof(Half) ? (double)Half.Epsilon : double.Epsilon;
}
