using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace LossGen.Generators.Tests.Infrastructure;

internal enum Role
{
    Input,
    Target,
    Hyper,
}

/// <summary>
/// A formula parameter. Inputs draw test values from [Lo, Hi]; a hyperparameter is passed
/// <see cref="Value"/> (and has <see cref="Default"/> in the declaration, if any).
/// </summary>
internal sealed record Param(string Name, Role Role, double Lo = -3, double Hi = 3, double Value = 1.0, double? Default = null)
{
    public static Param In(string name, double lo = -3, double hi = 3) => new(name, Role.Input, lo, hi);

    public static Param Target(string name, double lo = -3, double hi = 3) => new(name, Role.Target, lo, hi);

    public static Param Hyper(string name, double value, double? @default = null) => new(name, Role.Hyper, Value: value, Default: @default);

    public string Declaration => Role switch
    {
        Role.Target => $"[Target] double {Name}",
        Role.Hyper when Default is { } d => $"[Hyper] double {Name} = {Lit(d)}",
        Role.Hyper => $"[Hyper] double {Name}",
        _ => $"double {Name}",
    };

    public static string Lit(double value)
    {
        string s = value.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.', StringComparison.Ordinal) || s.Contains('E', StringComparison.Ordinal) ? s : s + ".0";
    }
}

/// <summary>
/// A [Loss] formula to compile: its name, parameters and body (an expression, or a block if it starts
/// with '{'). <see cref="Source"/> declares it; <see cref="DriverSource"/> calls its generated overloads
/// with arrays, so tests reach them by reflection without spans.
/// </summary>
internal sealed record LossCase(string Name, string Body, params Param[] Parameters)
{
    /// <summary>Only double kernels (and drivers): random formulas are checked in double, and compile faster.</summary>
    public bool DoubleOnly { get; init; }

    public Param[] Inputs => Parameters.Where(p => p.Role != Role.Hyper).ToArray();

    public Param[] Hypers => Parameters.Where(p => p.Role == Role.Hyper).ToArray();

    /// <summary>Positions, among the inputs, of those that get a gradient.</summary>
    public int[] Differentiable => Inputs.Select((p, i) => (p, i)).Where(x => x.p.Role == Role.Input).Select(x => x.i).ToArray();

    public override string ToString() => Name;

    public string Declaration()
    {
        string body = Body.TrimStart().StartsWith('{') ? "\n    " + Body : " => " + Body + ";";
        string attribute = DoubleOnly ? "[Loss(ElementTypes = LossElementTypes.Double)]" : "[Loss]";
        return $"    {attribute}\n    public static double {Name}({string.Join(", ", Parameters.Select(p => p.Declaration))}){body}\n";
    }

    /// <summary>The losses in <c>Gen.L</c>, and <c>Gen.Driver</c> calling every overload.</summary>
    public static string Source(IEnumerable<LossCase> cases)
    {
        // Random formulas compare a value with itself and leave locals unused: legal, if odd.
        var text = new StringBuilder("#pragma warning disable CS1718, CS0219\n").Append(GeneratorHarness.Usings);
        text.Append("namespace Gen;\n\npublic static partial class L\n{\n");
        foreach (LossCase c in cases)
        {
            text.Append(c.Declaration());
        }

        text.Append("}\n\n").Append(DriverSource(cases));
        return text.ToString();
    }

    public static string DriverSource(IEnumerable<LossCase> cases)
    {
        var text = new StringBuilder("public static class Driver\n{\n");
        foreach (LossCase c in cases)
        {
            string[] x = c.Inputs.Select((_, i) => $"x[{i}]").ToArray();
            string[] g = c.Differentiable.Select((_, i) => $"g[{i}]").ToArray();
            string[] h = c.Hypers.Select((_, i) => $"h[{i}]").ToArray();
            int input = 0, hyper = 0;
            string[] formulaArguments = c.Parameters.Select(p => p.Role == Role.Hyper ? $"h[{hyper++}]" : $"x[{input++}]").ToArray();
            text.Append($"    public static double {c.Name}_Formula(double[] x, double[] h) => L.{c.Name}({string.Join(", ", formulaArguments)});\n");
            foreach (string t in c.DoubleOnly ? ["double"] : new[] { "float", "double", "System.Half" })
            {
                string s = t.Replace("System.", "");
                text.Append($"    public static double {c.Name}_Reduce_{s}({t}[][] x, double[] h, int r) => (double)L.{c.Name}({Join(x, h, ["(Reduction)r"])});\n");
                text.Append($"    public static double {c.Name}_Grad_{s}({t}[][] x, {t}[][] g, double[] h, int r) => (double)L.{c.Name}WithGradient({Join(x, g, h, ["(Reduction)r"])});\n");
                text.Append($"    public static void {c.Name}_Map_{s}({t}[][] x, {t}[] l, double[] h) => L.{c.Name}Elementwise({Join(x, ["l"], h)});\n");
            }

            // The defaults: hyperparameters that have one are left out, and so is the reduction (Mean).
            string[] required = c.Hypers.Select((p, i) => (p, i)).Where(q => q.p.Default is null).Select(q => $"h[{q.i}]").ToArray();
            text.Append($"    public static double {c.Name}_ReduceDefaults(double[][] x, double[] h) => L.{c.Name}({Join(x, required)});\n");
        }

        return text.Append("}\n").ToString();

        static string Join(params string[][] parts) => string.Join(", ", parts.SelectMany(p => p));
    }
}
