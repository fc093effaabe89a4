using System;
using System.Collections.Generic;
using System.Linq;
using System.Linq.Expressions;
using System.Reflection;

namespace LossGen.Tests.Infrastructure;

/// <summary>
/// One [Loss] formula and its generated overloads, found by reflection: the formula itself (called
/// in double, the reference) and, per element type, the reduced, with-gradient and elementwise kernels.
/// </summary>
internal sealed class LossUnderTest
{
    private readonly Func<double[], double> _formula;
    private readonly ParameterInfo[] _parameters;

    private LossUnderTest(Type owner, MethodInfo formula)
    {
        Owner = owner;
        Name = formula.Name;
        Id = Name;
        _parameters = formula.GetParameters();
        Inputs = _parameters.Where(p => !IsHyper(p)).ToArray();
        Hypers = _parameters.Where(IsHyper).ToArray();
        DifferentiableInputs = Inputs.Select((p, i) => (p, i)).Where(x => x.p.GetCustomAttribute<TargetAttribute>() is null).Select(x => x.i).ToArray();
        HyperDefaults = Hypers.Select(p => p.HasDefaultValue ? Convert.ToDouble(p.DefaultValue) : 1.0).ToArray();

        // Bool flags travel as doubles through the tests (1 or 0) and become true for any value but 0.
        var arguments = Expression.Parameter(typeof(double[]));
        _formula = Expression.Lambda<Func<double[], double>>(
            Expression.Call(formula, _parameters.Select((p, i) =>
            {
                Expression value = Expression.ArrayIndex(arguments, Expression.Constant(i));
                return p.ParameterType == typeof(bool) ? Expression.NotEqual(value, Expression.Constant(0.0)) : value;
            })),
            arguments).Compile();
    }

    public Type Owner { get; }

    public string Name { get; }

    public ParameterInfo[] Inputs { get; }

    public ParameterInfo[] Hypers { get; }

    /// <summary>Positions (among the inputs) of the inputs that get a gradient.</summary>
    public int[] DifferentiableInputs { get; }

    public double[] HyperDefaults { get; private set; }

    /// <summary>The name the tests know this case by: the loss's, with the flag set against its default if one is.</summary>
    public string Id { get; private set; }

    /// <summary>
    /// This loss and, for each <c>[Hyper] bool</c> flag, a copy with that flag set against its default: each value of a
    /// flag has a kernel of its own, so each is tested like a loss of its own.
    /// </summary>
    public IEnumerable<LossUnderTest> WithEachFlagFlipped()
    {
        yield return this;
        foreach ((string id, double[] defaults) in Data.FlagsFlipped(Name, Hypers, HyperDefaults))
        {
            var copy = (LossUnderTest)MemberwiseClone();
            copy.Id = id;
            copy.HyperDefaults = defaults;
            yield return copy;
        }
    }

    public override string ToString() => Id;

    /// <summary>
    /// The elementwise formulas of <paramref name="owner"/>: those with only double parameters and bool flags (row formulas
    /// are tested apart).
    /// </summary>
    public static IEnumerable<LossUnderTest> All(Type owner)
        => owner.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(m => m.GetCustomAttribute<LossAttribute>() is not null
                && m.GetParameters().All(p => p.ParameterType == typeof(double) || (p.ParameterType == typeof(bool) && IsHyper(p))))
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => new LossUnderTest(owner, m));

    /// <summary>Test cases: every loss's name with every element type's name.</summary>
    public static Xunit.TheoryData<string, string> ByElementType(IEnumerable<LossUnderTest> losses)
    {
        var data = new Xunit.TheoryData<string, string>();
        foreach (LossUnderTest loss in losses)
        {
            foreach (Type element in Data.ElementTypes)
            {
                data.Add(loss.Id, element.Name);
            }
        }

        return data;
    }

    /// <summary>The formula for one element, in double, with the inputs and hyperparameters in their own orders.</summary>
    public double Formula(double[] inputs, double[] hypers)
    {
        var arguments = new double[_parameters.Length];
        int input = 0, hyper = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            arguments[i] = IsHyper(_parameters[i]) ? hypers[hyper++] : inputs[input++];
        }

        return _formula(arguments);
    }

    public Func<object?[], object?> Reduce(Type element)
        => Find(Name, element, Inputs.Length, 0, withHypers: true, withReduction: true, losses: false);

    public Func<object?[], object?> WithGradient(Type element)
        => Find(Name + "WithGradient", element, Inputs.Length, DifferentiableInputs.Length, withHypers: true, withReduction: true, losses: false);

    public Func<object?[], object?> Elementwise(Type element)
        => Find(Name + "Elementwise", element, Inputs.Length, 0, withHypers: true, withReduction: false, losses: true);

    /// <summary>The unreduced form with gradients: inputs, losses, gradients, hypers.</summary>
    public Func<object?[], object?> ElementwiseWithGradient(Type element)
        => Find(Name + "ElementwiseWithGradient", element, Inputs.Length, DifferentiableInputs.Length, withHypers: true, withReduction: false, losses: true);

    /// <summary>The sample-weighted reduced form: inputs, weights, hypers, a <see cref="WeightedReduction"/>.</summary>
    public Func<object?[], object?> Weighted(Type element)
        => Find(Name, element, Inputs.Length, 0, withHypers: true, withReduction: true, losses: false, weighted: true);

    /// <summary>The sample-weighted form with gradients: inputs, weights, gradients, hypers, a <see cref="WeightedReduction"/>.</summary>
    public Func<object?[], object?> WeightedWithGradient(Type element)
        => Find(Name + "WithGradient", element, Inputs.Length, DifferentiableInputs.Length, withHypers: true, withReduction: true, losses: false, weighted: true);

    private Func<object?[], object?> Find(string name, Type element, int inputs, int gradients, bool withHypers, bool withReduction, bool losses, bool weighted = false)
    {
        var types = new List<Type>();
        types.AddRange(Enumerable.Repeat(typeof(ReadOnlySpan<>).MakeGenericType(element), inputs + (weighted ? 1 : 0)));
        types.AddRange(Enumerable.Repeat(typeof(Span<>).MakeGenericType(element), gradients + (losses ? 1 : 0)));
        int firstHyper = types.Count;
        types.AddRange(withHypers ? Hypers.Select(p => p.ParameterType) : []);
        if (withReduction)
        {
            types.Add(weighted ? typeof(WeightedReduction) : typeof(Reduction));
        }

        MethodInfo method = Owner.GetMethod(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, types.ToArray())
            ?? throw new InvalidOperationException($"No generated {name}({string.Join(", ", types.Select(t => t.Name))}) on {Owner.Name}.");
        Func<object?[], object?> call = SpanInvoker.Create(method);
        if (!types.Contains(typeof(bool)))
        {
            return call;
        }

        // The tests pass every setting as a double; a flag takes it as true for any value but 0.
        return arguments =>
        {
            for (int i = firstHyper; i < arguments.Length && i < types.Count; i++)
            {
                if (types[i] == typeof(bool) && arguments[i] is double value)
                {
                    arguments[i] = value != 0;
                }
            }

            return call(arguments);
        };
    }

    private static bool IsHyper(ParameterInfo p) => p.GetCustomAttribute<HyperAttribute>() is not null;
}
