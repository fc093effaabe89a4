namespace LossGen.Analyzers;

/// <summary>A set of values a loss input accepts, declared by a domain attribute on the [Loss] method's parameter.</summary>
internal enum Domain
{
    /// <summary><c>[PlusOrMinusOne]</c>: exactly −1 or +1.</summary>
    PlusOrMinusOne,

    /// <summary><c>[Probability]</c>: in [0, 1].</summary>
    Probability,

    /// <summary><c>[NonNegative]</c>: 0 or more.</summary>
    NonNegative,

    /// <summary><c>[ClassIndex]</c>: in [0, rowLength); the row length is known only at run time, so 0 or more here.</summary>
    ClassIndex,

    /// <summary><c>[Positive]</c> (a setting): greater than 0.</summary>
    Positive,

    /// <summary><c>[InRange(min, max)]</c> (a setting): in [min, max], the bounds kept with the parameter.</summary>
    InRange,
}

internal static class DomainFacts
{
    /// <summary>Metadata names of the attributes, in <see cref="Domain"/> order.</summary>
    public static readonly string[] AttributeNames =
    [
        "LossGen.PlusOrMinusOneAttribute",
        "LossGen.ProbabilityAttribute",
        "LossGen.NonNegativeAttribute",
        "LossGen.ClassIndexAttribute",
        "LossGen.PositiveAttribute",
        "LossGen.InRangeAttribute",
    ];

    /// <summary>Whether the domain holds the value; NaN is in none. <paramref name="range"/> is an <see cref="Domain.InRange"/>'s bounds.</summary>
    public static bool Contains(this Domain domain, double value, (double Min, double Max) range) => domain switch
    {
        Domain.PlusOrMinusOne => value is 1 or -1,
        Domain.Probability => value is >= 0 and <= 1,
        Domain.Positive => value > 0,
        Domain.InRange => value >= range.Min && value <= range.Max,
        _ => value >= 0,
    };

    /// <summary>The end of an LG0201 message: what the values must be, and the attribute that says so.</summary>
    public static string Describe(this Domain domain, (double Min, double Max) range) => domain switch
    {
        Domain.PlusOrMinusOne => "values must be exactly -1 or +1 ([PlusOrMinusOne])",
        Domain.Probability => "values must be probabilities in [0, 1] ([Probability])",
        Domain.NonNegative => "values must not be negative ([NonNegative])",
        Domain.Positive => "values must be greater than 0 ([Positive])",
        Domain.InRange => $"values must be in [{range.Min.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, {range.Max.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}] ([InRange])",
        _ => "values must be class indices, 0 or more ([ClassIndex])",
    };
}
