using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using LossGen.Tests.Infrastructure;

namespace LossGen.Tests.Rows;

/// <summary>
/// One row formula and its generated overloads, found by reflection: the formula itself (called on
/// <see cref="Row"/>s in double, the reference) and, per element type, the reduced, with-gradient and
/// per-row kernels.
/// </summary>
internal sealed class RowLossUnderTest
{
    private readonly MethodInfo _formula;
    private readonly ParameterInfo[] _parameters;

    private RowLossUnderTest(Type owner, MethodInfo formula)
    {
        Owner = owner;
        _formula = formula;
        Name = formula.Name;
        Id = Name;
        _parameters = formula.GetParameters();
        // Settings: doubles, and bool flags (passed as 1 or 0 in the tests' double arrays).
        Hypers = _parameters.Where(p => IsHyper(p) && p.ParameterType != typeof(Row)).ToArray();
        HyperDefaults = Hypers.Select(p => p.HasDefaultValue ? Convert.ToDouble(p.DefaultValue) : 1.0).ToArray();
        RowCount = _parameters.Count(p => p.ParameterType == typeof(Row));
        LabelCount = _parameters.Count(p => p.ParameterType == typeof(int));
        ValueCount = _parameters.Count(p => p.ParameterType == typeof(double) && !IsHyper(p));
        PlusOrMinusOneValues = _parameters.Where(p => p.ParameterType == typeof(double) && !IsHyper(p))
            .Select(p => p.GetCustomAttribute<PlusOrMinusOneAttribute>() is not null).ToArray();
        SharedRows = _parameters.Where(p => p.ParameterType == typeof(Row)).Select(IsHyper).ToArray();
        DifferentiableRows = _parameters.Where(p => p.ParameterType == typeof(Row)).Select((p, k) => (p, k))
            .Where(x => x.p.GetCustomAttribute<TargetAttribute>() is null && !IsHyper(x.p)).Select(x => x.k).ToArray();
    }

    public Type Owner { get; }

    public string Name { get; }

    public ParameterInfo[] Hypers { get; }

    public double[] HyperDefaults { get; private set; }

    /// <summary>The name the tests know this case by: the loss's, with the flag set against its default if one is.</summary>
    public string Id { get; private set; }

    /// <summary>
    /// This loss and, for each <c>[Hyper] bool</c> flag, a copy with that flag set against its default: each value of a
    /// flag has a kernel of its own, so each is tested like a loss of its own.
    /// </summary>
    public IEnumerable<RowLossUnderTest> WithEachFlagFlipped()
    {
        yield return this;
        foreach ((string id, double[] defaults) in Data.FlagsFlipped(Name, Hypers, HyperDefaults))
        {
            var copy = (RowLossUnderTest)MemberwiseClone();
            copy.Id = id;
            copy.HyperDefaults = defaults;
            yield return copy;
        }
    }

    public int RowCount { get; }

    public int LabelCount { get; }

    public int ValueCount { get; }

    /// <summary>For each per-row value, whether it is declared [PlusOrMinusOne] (drawn as ±1 rather than 0/1).</summary>
    public bool[] PlusOrMinusOneValues { get; }

    /// <summary>For each Row input, whether it is a <c>[Hyper] Row</c>: one row shared by every row.</summary>
    public bool[] SharedRows { get; }

    /// <summary>Positions (among the Row inputs) of the rows that get a gradient.</summary>
    public int[] DifferentiableRows { get; }

    public override string ToString() => Id;

    public static IEnumerable<RowLossUnderTest> All(Type owner)
        => owner.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(m => m.GetCustomAttribute<LossAttribute>() is not null && m.GetParameters().Any(p => p.ParameterType == typeof(Row) || p.ParameterType == typeof(int)))
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => new RowLossUnderTest(owner, m));

    /// <summary>The formula for one row, in double.</summary>
    public double Formula(double[][] rows, int[] labels, double[] values, double[] hypers)
    {
        var arguments = new object[_parameters.Length];
        int row = 0, label = 0, value = 0, hyper = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            ParameterInfo p = _parameters[i];
            arguments[i] = p.ParameterType == typeof(Row) ? new Row(rows[row++])
                : IsHyper(p) ? Setting(p, hypers[hyper++])
                : p.ParameterType == typeof(int) ? (object)labels[label++]
                : values[value++];
        }

        return (double)_formula.Invoke(null, arguments)!;
    }

    public Func<object?[], object?> Reduce(Type element) => Find(Name, element, gradients: false, losses: false);

    public Func<object?[], object?> WithGradient(Type element) => Find(Name + "WithGradient", element, gradients: true, losses: false);

    public Func<object?[], object?> Elementwise(Type element) => Find(Name + "Elementwise", element, gradients: false, losses: true);

    /// <summary>The unreduced form with gradients: its outputs are the losses, then the gradients.</summary>
    public Func<object?[], object?> ElementwiseWithGradient(Type element) => Find(Name + "ElementwiseWithGradient", element, gradients: true, losses: true);

    /// <summary>The sample-weighted reduced form: inputs, one weight per row, rowLength, hypers, a <see cref="WeightedReduction"/>.</summary>
    public Func<object?[], object?> Weighted(Type element) => Find(Name, element, gradients: false, losses: false, weighted: true);

    /// <summary>The sample-weighted form with gradients: inputs, weights, gradients, rowLength, hypers, a <see cref="WeightedReduction"/>.</summary>
    public Func<object?[], object?> WeightedWithGradient(Type element) => Find(Name + "WithGradient", element, gradients: true, losses: false, weighted: true);

    /// <summary>The arguments of a sample-weighted overload: as <see cref="Arguments"/>, the weights after the inputs.</summary>
    public object?[] WeightedArguments(Array[] rows, int[][] labels, Array[] values, Array weights, Array[] gradients, int rowLength, double[] hypers, WeightedReduction reduction)
    {
        object?[] arguments = Arguments(rows, labels, values, [weights, .. gradients], rowLength, hypers, null);
        return [.. arguments, reduction];
    }

    /// <summary>The arguments of a generated overload: inputs in the formula's order, then gradients or losses, rowLength, hypers, reduction.</summary>
    public object?[] Arguments(Array[] rows, int[][] labels, Array[] values, Array[] outputs, int rowLength, double[] hypers, Reduction? reduction)
    {
        var arguments = new List<object?>();
        int row = 0, label = 0, value = 0;
        foreach (ParameterInfo p in _parameters.Where(IsSpan))
        {
            arguments.Add(p.ParameterType == typeof(Row) ? rows[row++] : p.ParameterType == typeof(int) ? labels[label++] : values[value++]);
        }

        arguments.AddRange(outputs);
        arguments.Add(rowLength);
        arguments.AddRange(Hypers.Select((p, k) => (object?)Setting(p, hypers[k])));
        if (reduction is { } r)
        {
            arguments.Add(r);
        }

        return arguments.ToArray();
    }

    private Func<object?[], object?> Find(string name, Type element, bool gradients, bool losses, bool weighted = false)
    {
        var types = new List<Type>();
        foreach (ParameterInfo p in _parameters.Where(IsSpan))
        {
            types.Add(typeof(ReadOnlySpan<>).MakeGenericType(p.ParameterType == typeof(int) ? typeof(int) : element));
        }

        if (weighted)
        {
            types.Add(typeof(ReadOnlySpan<>).MakeGenericType(element));
        }

        types.AddRange(Enumerable.Repeat(typeof(Span<>).MakeGenericType(element), (gradients ? DifferentiableRows.Length : 0) + (losses ? 1 : 0)));
        types.Add(typeof(int));
        types.AddRange(Hypers.Select(p => p.ParameterType));
        if (!losses)
        {
            types.Add(weighted ? typeof(WeightedReduction) : typeof(Reduction));
        }

        MethodInfo method = Owner.GetMethod(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, types.ToArray())
            ?? throw new InvalidOperationException($"No generated {name}({string.Join(", ", types.Select(t => t.Name))}) on {Owner.Name}.");
        return SpanInvoker.Create(method);
    }

    private static bool IsHyper(ParameterInfo p) => p.GetCustomAttribute<HyperAttribute>() is not null;

    /// <summary>A setting's value as its parameter takes it: a bool flag is true for any value but 0.</summary>
    private static object Setting(ParameterInfo p, double value) => p.ParameterType == typeof(bool) ? value != 0 : value;

    /// <summary>Parameters the overloads take as spans: everything but the double settings.</summary>
    private static bool IsSpan(ParameterInfo p) => !IsHyper(p) || p.ParameterType == typeof(Row);
}
