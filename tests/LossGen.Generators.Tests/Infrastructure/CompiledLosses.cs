using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace LossGen.Generators.Tests.Infrastructure;

/// <summary>
/// A set of <see cref="LossCase"/>s compiled once with the generator, emitted and loaded, with the
/// checks every kernel is held to: elementwise values against the formula, reductions against the
/// sum of the formula, gradients against central differences of the formula in double.
/// </summary>
internal sealed class CompiledLosses
{
    public static readonly Type[] ElementTypes = [typeof(float), typeof(double), typeof(Half)];

    private readonly Type _driver;

    public CompiledLosses(IReadOnlyList<LossCase> cases, params string[] extraSources)
    {
        Cases = cases;
        GeneratorResult result = GeneratorHarness.Run([LossCase.Source(cases), .. extraSources]);
        Assert.True(result.GeneratorDiagnostics.IsEmpty, "LossGen reported:\n" + string.Join("\n", result.GeneratorDiagnostics.Select(d => $"{d} in {cases.FirstOrDefault(c => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains($"'{c.Name}'", StringComparison.Ordinal))?.Body}")));
        Assert.Empty(result.Problems());
        Generated = result;
        Assembly = GeneratorHarness.EmitAndLoad(result.Output);
        _driver = Assembly.GetType("Gen.Driver", throwOnError: true)!;
    }

    public IReadOnlyList<LossCase> Cases { get; }

    public GeneratorResult Generated { get; }

    public Assembly Assembly { get; }

    public double Formula(LossCase c, double[] inputs, double[] hypers)
        => (double)Method(c.Name + "_Formula").Invoke(null, [inputs, hypers])!;

    public Func<double[], double[], double> FormulaDelegate(LossCase c)
        => Method(c.Name + "_Formula").CreateDelegate<Func<double[], double[], double>>();

    /// <summary>Relative and absolute tolerance of a kernel in <paramref name="element"/> against a double reference.</summary>
    public static (double Relative, double Absolute) Tolerance(Type element)
        => element == typeof(double) ? (1e-11, 1e-12) : element == typeof(float) ? (2e-5, 2e-6) : (4e-3, 2e-3);

    public static bool Close(double expected, double actual, double relative, double absolute, double scale = 1)
        => expected.Equals(actual) || Math.Abs(expected - actual) <= (relative * Math.Abs(expected)) + (absolute * scale);

    /// <summary>Runs every overload of <paramref name="c"/> in <paramref name="element"/> on n random elements and checks it.</summary>
    public void Check(LossCase c, Type element, int n, int seed, bool checkGradients = true, bool relaxed = false)
    {
        string s = element == typeof(float) ? "float" : element == typeof(double) ? "double" : "Half";
        var formula = FormulaDelegate(c);
        double[] hypers = c.Hypers.Select(p => p.Value).ToArray();
        (double relative, double absolute) = Tolerance(element);
        if (relaxed)
        {
            (relative, absolute) = (relative * 100, absolute * 100);
        }

        (double[][] inputs, Array xs) = Inputs(c, element, n, new Random(seed));
        double[] expected = new double[n];
        double sum = 0, magnitude = 0;
        for (int i = 0; i < n; i++)
        {
            expected[i] = formula(Column(inputs, i), hypers);
            sum += expected[i];
            magnitude += Math.Abs(expected[i]);
        }

        string where = $"{c.Name}<{s}> n={n} seed={seed}";

        // Elementwise.
        Array losses = Filled(element, n, double.NaN);
        Method($"{c.Name}_Map_{s}").Invoke(null, [xs, losses, hypers]);
        double[] elementwise = ToDoubles(losses);
        for (int i = 0; i < n; i++)
        {
            double actual = elementwise[i];
            Assert.True(Close(expected[i], actual, relative, absolute), $"{where} i={i} {Point(inputs, i)}: elementwise expected {expected[i]:R}, got {actual:R}");
        }

        double[][]? sumGradients = null;
        foreach (Reduction reduction in new[] { Reduction.Sum, Reduction.Mean })
        {
            double scale = reduction == Reduction.Mean ? 1.0 / n : 1.0;
            double expectedValue = reduction == Reduction.Mean && n == 0 ? double.NaN : sum * scale;
            if (element == typeof(Half) && Math.Abs(expectedValue) > (double)Half.MaxValue)
            {
                expectedValue = double.CopySign(double.PositiveInfinity, expectedValue); // rounds to ±∞ in Half
            }

            double reduced = (double)Method($"{c.Name}_Reduce_{s}").Invoke(null, [xs, hypers, (int)reduction])!;
            Assert.True(Close(expectedValue, reduced, relative, absolute, magnitude * scale), $"{where} {reduction}: expected {expectedValue:R}, got {reduced:R}");

            Array gradients = Array.CreateInstance(element.MakeArrayType(), c.Differentiable.Length);
            for (int k = 0; k < gradients.Length; k++)
            {
                gradients.SetValue(Filled(element, n, double.NaN), k);
            }

            double withGradient = (double)Method($"{c.Name}_Grad_{s}").Invoke(null, [xs, gradients, hypers, (int)reduction])!;
            sumGradients ??= Enumerable.Range(0, gradients.Length).Select(k => ToDoubles((Array)gradients.GetValue(k)!)).ToArray();
            Assert.True(Close(reduced, withGradient, 0, 0), $"{where} {reduction}: WithGradient returned {withGradient:R}, the forward-only kernel {reduced:R}");
            if (!checkGradients)
            {
                continue;
            }

            for (int k = 0; k < gradients.Length; k++)
            {
                double[] g = ToDoubles((Array)gradients.GetValue(k)!);
                int input = c.Differentiable[k];
                if (reduction == Reduction.Mean)
                {
                    // The mean's gradient is the sum's, scaled by 1/n in the element type.
                    for (int i = 0; i < n; i++)
                    {
                        double perElement = sumGradients![k][i], actual = g[i];
                        double floor = element == typeof(Half) ? 6e-8 : 0; // Half's subnormal spacing
                        Assert.True(Close(perElement * scale, actual, relative, (absolute * scale * Math.Max(1, Math.Abs(perElement))) + floor), $"{where} Mean i={i}: ∂/∂{c.Inputs[input].Name} is {actual:R}, the Sum's is {perElement:R}");
                    }

                    continue;
                }

                for (int i = 0; i < n; i++)
                {
                    if (!CentralDifference(formula, Column(inputs, i), input, hypers, out double derivative))
                    {
                        continue;
                    }

                    double actual = g[i];
                    Assert.True(
                        Close(derivative * scale, actual, (100 * relative) + 1e-6, ((100 * absolute) + 1e-7) * scale, Math.Max(1, Math.Abs(derivative))),
                        $"{where} {reduction} i={i} {Point(inputs, i)}: ∂/∂{c.Inputs[input].Name} expected {derivative * scale:R}, got {actual:R}");
                }
            }
        }
    }

    /// <summary>
    /// The double kernels of <paramref name="c"/> at n random points: each loss against the formula,
    /// each gradient against a central difference, with tolerances that allow for the rounding of
    /// formulas whose terms cancel (random formulas are not written to be well conditioned).
    /// </summary>
    public void CheckDouble(LossCase c, int n, int seed)
    {
        var formula = FormulaDelegate(c);
        double[] hypers = c.Hypers.Select(p => p.Value).ToArray();
        (double[][] inputs, Array xs) = Inputs(c, typeof(double), n, new Random(seed));
        var losses = new double[n];
        Method($"{c.Name}_Map_double").Invoke(null, [xs, losses, hypers]);
        double[][] gradients = c.Differentiable.Select(_ => new double[n]).ToArray();
        Method($"{c.Name}_Grad_double").Invoke(null, [xs, gradients, hypers, (int)Reduction.Sum]);
        for (int i = 0; i < n; i++)
        {
            double[] point = Column(inputs, i);
            double expected = formula(point, hypers);
            Assert.True(Close(expected, losses[i], 1e-9, 1e-9), $"{c.Name} = {c.Body} {Point(inputs, i)}: expected {expected:R}, got {losses[i]:R}");
            for (int k = 0; k < gradients.Length; k++)
            {
                int input = c.Differentiable[k];
                if (!CentralDifference(formula, point, input, hypers, out double derivative))
                {
                    continue;
                }

                // Rounding of f near x, divided by the step, bounds what a central difference can resolve.
                double h = 1e-6 * Math.Max(1, Math.Abs(point[input]));
                double noise = 1e-14 * Math.Max(1, Math.Abs(expected)) / h;
                Assert.True(
                    Math.Abs(derivative - gradients[k][i]) <= (1e-5 * Math.Max(1, Math.Abs(derivative))) + noise,
                    $"{c.Name} = {c.Body} {Point(inputs, i)}: ∂/∂{c.Inputs[input].Name} expected {derivative:R}, got {gradients[k][i]:R}");
            }
        }
    }

    /// <summary>The double overload with every defaulted hyperparameter and the reduction left out.</summary>
    public void CheckDefaults(LossCase c, int n, int seed)
    {
        var formula = FormulaDelegate(c);
        double[] passed = c.Hypers.Select(p => p.Value).ToArray();
        double[] effective = c.Hypers.Select(p => p.Default ?? p.Value).ToArray();
        (double[][] inputs, Array xs) = Inputs(c, typeof(double), n, new Random(seed));
        double sum = 0, magnitude = 0;
        for (int i = 0; i < n; i++)
        {
            double l = formula(Column(inputs, i), effective);
            sum += l;
            magnitude += Math.Abs(l);
        }

        double actual = (double)Method($"{c.Name}_ReduceDefaults").Invoke(null, [xs, passed])!;
        Assert.True(Close(sum / n, actual, 1e-11, 1e-12, magnitude / n), $"{c.Name} defaults n={n}: expected the mean {sum / n:R}, got {actual:R}");
    }

    /// <summary>
    /// The central difference of the formula in one input; false where the one-sided differences
    /// disagree (a kink or jump lies within the step, so no derivative is defined) or are not finite.
    /// </summary>
    public static bool CentralDifference(Func<double[], double[], double> formula, double[] point, int input, double[] hypers, out double derivative)
    {
        double h = 1e-6 * Math.Max(1, Math.Abs(point[input]));
        double At(double x)
        {
            double[] shifted = (double[])point.Clone();
            shifted[input] = x;
            return formula(shifted, hypers);
        }

        double center = At(point[input]), up = At(point[input] + h), down = At(point[input] - h);
        derivative = (up - down) / (2 * h);
        double forward = (up - center) / h, backward = (center - down) / h;
        return double.IsFinite(derivative) && Math.Abs(forward - backward) <= 1e-3 * Math.Max(1, Math.Abs(derivative));
    }

    private MethodInfo Method(string name) => _driver.GetMethod(name) ?? throw new InvalidOperationException($"No Driver.{name}.");

    private static (double[][] Inputs, Array Arrays) Inputs(LossCase c, Type element, int n, Random random)
    {
        Param[] parameters = c.Inputs;
        var inputs = new double[parameters.Length][];
        Array arrays = Array.CreateInstance(element.MakeArrayType(), parameters.Length);
        for (int k = 0; k < parameters.Length; k++)
        {
            var values = new double[n];
            for (int i = 0; i < n; i++)
            {
                values[i] = parameters[k].Lo + ((parameters[k].Hi - parameters[k].Lo) * random.NextDouble());
            }

            Array rounded = ToArray(element, values);
            arrays.SetValue(rounded, k);
            inputs[k] = ToDoubles(rounded);
        }

        return (inputs, arrays);
    }

    private static double[] Column(double[][] inputs, int i) => inputs.Select(x => x[i]).ToArray();

    private static string Point(double[][] inputs, int i) => "at (" + string.Join(", ", inputs.Select(x => x[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + ")";

    public static Array ToArray(Type element, double[] values)
        => element == typeof(float) ? Array.ConvertAll(values, v => (float)v)
            : element == typeof(Half) ? Array.ConvertAll(values, v => (Half)v)
            : (double[])values.Clone();

    public static double[] ToDoubles(Array values) => values switch
    {
        float[] f => Array.ConvertAll(f, v => (double)v),
        Half[] h => Array.ConvertAll(h, v => (double)v),
        double[] d => (double[])d.Clone(),
        _ => throw new ArgumentException("Unsupported element type.", nameof(values)),
    };

    public static Array Filled(Type element, int length, double value)
    {
        var values = new double[length];
        Array.Fill(values, value);
        return ToArray(element, values);
    }

    public static double ToDouble(object? value) => value switch
    {
        float f => f,
        Half h => (double)h,
        double d => d,
        _ => throw new ArgumentException("Unsupported value.", nameof(value)),
    };
}
