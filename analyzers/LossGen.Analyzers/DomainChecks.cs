using System.Globalization;
using LossGen.Generators.Model;

namespace LossGen.Analyzers;

/// <summary>What LG0201 asks of a <see cref="ValueDomain"/>: whether a constant argument lies in it, and how to say what it must be.</summary>
internal static class DomainChecks
{
    /// <summary>Whether the domain holds the value; NaN is in none. <paramref name="range"/> is an <see cref="ValueDomain.InRange"/>'s bounds.</summary>
    public static bool Contains(this ValueDomain domain, double value, (double Min, double Max) range) => domain switch
    {
        ValueDomain.PlusOrMinusOne => value is 1 or -1,
        ValueDomain.Probability => value is >= 0 and <= 1,
        ValueDomain.Positive => value > 0,
        ValueDomain.InRange => value >= range.Min && value <= range.Max,
        _ => value >= 0,
    };

    /// <summary>The end of an LG0201 message: what the values must be, and the attribute that says so.</summary>
    public static string Describe(this ValueDomain domain, (double Min, double Max) range) => domain switch
    {
        ValueDomain.PlusOrMinusOne => "values must be exactly -1 or +1 ([PlusOrMinusOne])",
        ValueDomain.Probability => "values must be probabilities in [0, 1] ([Probability])",
        ValueDomain.NonNegative => "values must not be negative ([NonNegative])",
        ValueDomain.Positive => "values must be greater than 0 ([Positive])",
        ValueDomain.InRange => $"values must be in [{range.Min.ToString("R", CultureInfo.InvariantCulture)}, {range.Max.ToString("R", CultureInfo.InvariantCulture)}] ([InRange])",
        _ => "values must be class indices, 0 or more ([ClassIndex])",
    };
}
