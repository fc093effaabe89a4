using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;

namespace LossGen.Generators.Tests.Infrastructure;

/// <summary>What a row formula's parameter is: a row (input or target), an int label, a per-row target value or a setting.</summary>
internal enum RowRole
{
    Row,
    TargetRow,
    Label,
    Value,
    Hyper,
}

/// <summary>A row formula parameter; a hyperparameter is passed <see cref="HyperValue"/>.</summary>
internal sealed record RowParam(string Name, RowRole Role, double HyperValue = 0.7)
{
    public string Declaration => Role switch
    {
        RowRole.Row => $"Row {Name}",
        RowRole.TargetRow => $"[Target] Row {Name}",
        RowRole.Label => $"int {Name}",
        RowRole.Value => $"[Target] double {Name}",
        _ => $"[Hyper] double {Name}",
    };
}

/// <summary>A row [Loss] formula to compile in double, with a driver that reaches its overloads with arrays.</summary>
internal sealed record RowCase(string Name, string Body, params RowParam[] Parameters)
{
    public RowParam[] Rows => Parameters.Where(p => p.Role is RowRole.Row or RowRole.TargetRow).ToArray();

    public int[] Differentiable => Rows.Select((p, i) => (p, i)).Where(x => x.p.Role == RowRole.Row).Select(x => x.i).ToArray();

    public int LabelCount => Parameters.Count(p => p.Role == RowRole.Label);

    public int ValueCount => Parameters.Count(p => p.Role == RowRole.Value);

    public double[] HyperValues => Parameters.Where(p => p.Role == RowRole.Hyper).Select(p => p.HyperValue).ToArray();

    public override string ToString() => $"{Name} = {Body}";

    public static string Source(IEnumerable<RowCase> cases)
    {
        var text = new StringBuilder("#pragma warning disable CS1718, CS0219\n").Append(GeneratorHarness.Usings);
        text.Append("namespace Gen;\n\npublic static partial class L\n{\n");
        foreach (RowCase c in cases)
        {
            string body = c.Body.TrimStart().StartsWith('{') ? "\n    " + c.Body : " => " + c.Body + ";";
            text.Append($"    [Loss(ElementTypes = LossElementTypes.Single | LossElementTypes.Double)]\n    public static double {c.Name}({string.Join(", ", c.Parameters.Select(p => p.Declaration))}){body}\n");
        }

        text.Append("}\n\npublic static class Driver\n{\n");
        foreach (RowCase c in cases)
        {
            // Arguments in declaration order, each from the array of its kind.
            int row = 0, label = 0, value = 0, hyper = 0;
            var formula = new List<string>();
            var spans = new List<string>();
            foreach (RowParam p in c.Parameters)
            {
                switch (p.Role)
                {
                    case RowRole.Row or RowRole.TargetRow:
                        formula.Add($"new Row(x[{row}])");
                        spans.Add($"x[{row++}]");
                        break;
                    case RowRole.Label:
                        formula.Add($"labels[{label}][0]");
                        spans.Add($"labels[{label++}]");
                        break;
                    case RowRole.Value:
                        formula.Add($"values[{value}][0]");
                        spans.Add($"values[{value++}]");
                        break;
                    default:
                        formula.Add($"h[{hyper++}]");
                        break;
                }
            }

            string[] hypers = Enumerable.Range(0, hyper).Select(i => $"h[{i}]").ToArray();
            string[] gradients = c.Differentiable.Select((_, i) => $"g[{i}]").ToArray();
            const string Arrays = "double[][] x, int[][] labels, double[][] values";
            text.Append($"    public static double {c.Name}_Formula({Arrays}, double[] h) => L.{c.Name}({string.Join(", ", formula)});\n");
            text.Append($"    public static void {c.Name}_Map({Arrays}, double[] l, int n, double[] h) => L.{c.Name}Elementwise({string.Join(", ", spans.Append("l").Append("n").Concat(hypers))});\n");
            text.Append($"    public static double {c.Name}_Grad({Arrays}, double[][] g, int n, double[] h) => L.{c.Name}WithGradient({string.Join(", ", spans.Concat(gradients).Append("n").Concat(hypers).Append("Reduction.Sum"))});\n");
            text.Append($"    public static void {c.Name}_MapFloat(float[][] x, int[][] labels, float[][] values, float[] l, int n, double[] h) => L.{c.Name}Elementwise({string.Join(", ", spans.Append("l").Append("n").Concat(hypers))});\n");
        }

        return text.Append("}\n").ToString();
    }
}

/// <summary>
/// Row formulas compiled and loaded: each row's loss against the formula called on <c>Row</c>s in double, each
/// gradient element against a central difference of that formula.
/// </summary>
internal sealed class CompiledRowLosses
{
    private readonly Type _driver;

    public CompiledRowLosses(IReadOnlyList<RowCase> cases)
    {
        GeneratorResult result = GeneratorHarness.Run(RowCase.Source(cases));
        Assert.True(result.GeneratorDiagnostics.IsEmpty, "LossGen reported:\n" + string.Join("\n", result.GeneratorDiagnostics));
        Assert.True(!result.Problems().Any(), "Generated code does not compile:\n" + string.Join("\n", result.Problems().Take(20)));
        _driver = GeneratorHarness.EmitAndLoad(result.Output).GetType("Gen.Driver", throwOnError: true)!;
    }

    /// <summary>
    /// Checks <paramref name="c"/> on <paramref name="batch"/> random rows of <paramref name="rowLength"/>; returns the gradient
    /// elements compared. Inputs are values a float holds exactly, so the float kernels see what the double ones see, unless
    /// <paramref name="fullDoubles"/> asks for 53-bit values (products that round, so a fused multiply-add differs).
    /// </summary>
    public int Check(RowCase c, int batch, int rowLength, int seed, bool fullDoubles = false)
    {
        var random = new Random(seed);
        double Draw() => fullDoubles ? (random.NextDouble() * 4) - 2 : (float)Math.Round((random.NextDouble() * 4) - 2, 3);
        double[][] x = c.Rows.Select(_ => Enumerable.Range(0, batch * rowLength).Select(_ => Draw()).ToArray()).ToArray();
        int[][] labels = Enumerable.Range(0, c.LabelCount).Select(_ => Enumerable.Range(0, batch).Select(_ => random.Next(rowLength)).ToArray()).ToArray();
        double[][] values = Enumerable.Range(0, c.ValueCount).Select(_ => Enumerable.Range(0, batch).Select(_ => (double)(float)((random.NextDouble() * 2) - 1)).ToArray()).ToArray();
        double[] h = c.HyperValues;

        var losses = new double[batch];
        Invoke(c.Name + "_Map", x, labels, values, losses, rowLength, h);
        double[][] g = c.Differentiable.Select(_ => new double[batch * rowLength]).ToArray();
        Invoke(c.Name + "_Grad", x, labels, values, g, rowLength, h);

        var floatLosses = new float[batch];
        Invoke(c.Name + "_MapFloat", x.Select(a => Array.ConvertAll(a, v => (float)v)).ToArray(), labels, values.Select(a => Array.ConvertAll(a, v => (float)v)).ToArray(), floatLosses, rowLength, h);

        var formula = Method(c.Name + "_Formula");
        int compared = 0;
        for (int r = 0; r < batch; r++)
        {
            double[][] rowX = x.Select(a => a.AsSpan(r * rowLength, rowLength).ToArray()).ToArray();
            int[][] rowLabels = labels.Select(a => new[] { a[r] }).ToArray();
            double[][] rowValues = values.Select(a => new[] { a[r] }).ToArray();
            double At(double[][] point) => (double)formula.Invoke(null, [point, rowLabels, rowValues, h])!;
            double expected = At(rowX);
            string where = $"{c} row {r} of [{batch}, {rowLength}] seed {seed} at {Describe(rowX, rowLabels, rowValues)}";
            Assert.True(CompiledLosses.Close(expected, losses[r], 1e-9, 1e-9), $"{where}: loss expected {expected:R}, got {losses[r]:R}");
            // Float rounds every step at 6e-8; a formula's own conditioning can magnify that, but not past 1e-3.
            // (A loss past float's range, 3.4e38, is ∞ in float: nothing to compare.)
            Assert.True(fullDoubles || Math.Abs(expected) > 1e37 || CompiledLosses.Close(expected, floatLosses[r], 1e-3, 1e-3), $"{where}: float loss {floatLosses[r]:R}, double {expected:R}");
            for (int k = 0; k < g.Length; k++)
            {
                int input = c.Differentiable[k];
                for (int j = 0; j < rowLength; j++)
                {
                    double x0 = rowX[input][j], step = 1e-6 * Math.Max(1, Math.Abs(x0));
                    double Shifted(double delta)
                    {
                        rowX[input][j] = x0 + delta;
                        double value = At(rowX);
                        rowX[input][j] = x0;
                        return value;
                    }

                    double up = Shifted(step), down = Shifted(-step);
                    double derivative = (up - down) / (2 * step), forward = (up - expected) / step, backward = (expected - down) / step;
                    // A kink or jump within the step (the one-sided differences disagree): no derivative to compare with.
                    if (!double.IsFinite(derivative) || Math.Abs(forward - backward) > 1e-3 * Math.Max(1, Math.Abs(derivative)))
                    {
                        continue;
                    }

                    double noise = 1e-14 * Math.Max(1, Math.Abs(expected)) / step;
                    double actual = g[k][(r * rowLength) + j];
                    Assert.True(
                        Math.Abs(derivative - actual) <= (1e-5 * Math.Max(1, Math.Abs(derivative))) + noise,
                        $"{where}: ∂/∂{c.Rows[input].Name}[{j}] expected {derivative:R}, got {actual:R}");
                    compared++;
                }
            }
        }

        return compared;
    }

    private void Invoke(string name, params object[] arguments) => Method(name).Invoke(null, arguments);

    private MethodInfo Method(string name) => _driver.GetMethod(name) ?? throw new InvalidOperationException($"No Driver.{name}.");

    private static string Describe(double[][] rows, int[][] labels, double[][] values)
        => string.Join("; ", rows.Select(r => "[" + string.Join(", ", r.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]")
            .Concat(labels.Select(l => "label " + l[0].ToString(CultureInfo.InvariantCulture)))
            .Concat(values.Select(v => "value " + v[0].ToString("R", CultureInfo.InvariantCulture))));
}
