using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using LossGen.Tests.Infrastructure;
using LossGen.Tests.Rows;
using Xunit;

namespace LossGen.Tests;

/// <summary>
/// Every setting of the catalogue declares the values it accepts ([Positive], [NonNegative], [Probability],
/// [InRange]); the generated overloads reject a value outside the range, or NaN, with an
/// <see cref="ArgumentOutOfRangeException"/> naming the setting, before anything is written; the ends of the range
/// are accepted.
/// </summary>
public sealed class SettingRangeTests
{
    /// <summary>Every double setting of a catalogue formula: only flags (bool) and shared rows declare no range.</summary>
    public static TheoryData<string, string> Settings
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (MethodInfo formula in Formulas())
            {
                foreach (ParameterInfo p in formula.GetParameters().Where(p => p.GetCustomAttribute<HyperAttribute>() is not null && p.ParameterType == typeof(double)))
                {
                    data.Add(formula.Name, p.Name!);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Every_catalogue_setting_declares_its_range(string loss, string setting)
    {
        ParameterInfo p = Formulas().Single(f => f.Name == loss).GetParameters().Single(q => q.Name == setting);
        Assert.True(Range(p) is not null, $"{loss}'s setting '{setting}' declares no range");
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void A_setting_outside_its_range_throws_before_anything_is_written(string loss, string setting)
    {
        MethodInfo formula = Formulas().Single(f => f.Name == loss);
        (double min, double max, bool minExclusive) = Range(formula.GetParameters().Single(q => q.Name == setting))!.Value;
        var bad = new List<double> { double.NaN };
        if (double.IsFinite(min))
        {
            bad.Add(minExclusive ? min : min - 0.5);
        }

        if (double.IsFinite(max))
        {
            bad.Add(max + 0.5);
        }

        var good = new List<double>();
        if (double.IsFinite(min))
        {
            good.Add(minExclusive ? min + 1e-3 : min);
        }

        if (double.IsFinite(max))
        {
            good.Add(max);
        }

        foreach (double value in bad)
        {
            (Action call, double[] gradient) = Call(formula, setting, value);
            var e = Assert.Throws<ArgumentOutOfRangeException>(call);
            Assert.Equal(setting, e.ParamName);
            Assert.Contains($"'{setting}'", e.Message, StringComparison.Ordinal);
            Assert.All(gradient, g => Assert.Equal(-7.0, g)); // the sentinel: nothing written
        }

        foreach (double value in good)
        {
            (Action call, double[] gradient) = Call(formula, setting, value);
            call();
            Assert.DoesNotContain(-7.0, gradient);
        }
    }

    /// <summary>
    /// The double WithGradient overload of <paramref name="formula"/> on a small valid input, with every setting at its
    /// default except <paramref name="setting"/>; the gradient it writes starts as the sentinel −7.
    /// </summary>
    private static (Action Call, double[] Gradient) Call(MethodInfo formula, string setting, double value)
    {
        const int Batch = 3, RowLength = 4;
        if (formula.GetParameters().Any(p => p.ParameterType == typeof(Row) || p.ParameterType == typeof(int)))
        {
            RowLossUnderTest loss = RowLossUnderTest.All(formula.DeclaringType!).Single(l => l.Name == formula.Name);
            RowBatch data = RowData.Draw(loss, typeof(double), Batch, RowLength, seed: 5);
            double[] hypers = loss.Hypers.Select((p, k) => p.Name == setting ? value : loss.HyperDefaults[k]).ToArray();
            double[][] gradients = loss.DifferentiableRows.Select(_ => Enumerable.Repeat(-7.0, Batch * RowLength).ToArray()).ToArray();
            var withGradient = loss.WithGradient(typeof(double));
            return (() => withGradient(loss.Arguments(data.RowArrays, data.Labels, data.ValueArrays, gradients, RowLength, hypers, Reduction.Mean)), gradients[0]);
        }

        LossUnderTest elementwise = LossUnderTest.All(formula.DeclaringType!).Single(l => l.Name == formula.Name);
        double[][] inputs = elementwise.Inputs.Select(p => Enumerable.Repeat(p.GetCustomAttribute<PlusOrMinusOneAttribute>() is not null ? 1.0 : 0.5, Batch).ToArray()).ToArray();
        double[][] outputs = elementwise.DifferentiableInputs.Select(_ => Enumerable.Repeat(-7.0, Batch).ToArray()).ToArray();
        object?[] settings = elementwise.Hypers.Select((p, k) => (object?)(p.Name == setting ? value : elementwise.HyperDefaults[k])).ToArray();
        var call = elementwise.WithGradient(typeof(double));
        return (() => call([.. inputs, .. outputs, .. settings, Reduction.Mean]), outputs[0]);
    }

    private static (double Min, double Max, bool MinExclusive)? Range(ParameterInfo p)
        => p.GetCustomAttribute<PositiveAttribute>() is not null ? (0, double.PositiveInfinity, true)
            : p.GetCustomAttribute<NonNegativeAttribute>() is not null ? (0, double.PositiveInfinity, false)
            : p.GetCustomAttribute<ProbabilityAttribute>() is not null ? (0, 1, false)
            : p.GetCustomAttribute<InRangeAttribute>() is { } r ? (r.Min, r.Max, false)
            : null;

    /// <summary>The catalogue's [Loss] formulas, the private ones behind hand-written overloads included.</summary>
    private static IEnumerable<MethodInfo> Formulas()
        => typeof(Losses).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(m => m.GetCustomAttribute<LossAttribute>() is not null)
            .OrderBy(m => m.Name, StringComparer.Ordinal);
}
