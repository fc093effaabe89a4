using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace LossGen.Generators.Model;

/// <summary>
/// A set of values a <c>[Loss]</c> parameter declares with an attribute. One list for the generator (the inputs' run-time
/// checks, the settings' ranges), the call analyzer (LG0201: a constant argument outside it) and the formula analyzer
/// (the interval a parameter starts from).
/// </summary>
internal enum ValueDomain
{
    /// <summary><c>[PlusOrMinusOne]</c>: exactly −1 or +1 (data).</summary>
    PlusOrMinusOne,

    /// <summary><c>[Probability]</c>: in [0, 1].</summary>
    Probability,

    /// <summary><c>[NonNegative]</c>: 0 or more.</summary>
    NonNegative,

    /// <summary><c>[ClassIndex]</c>: in [0, rowLength) (data; labels are always checked so).</summary>
    ClassIndex,

    /// <summary><c>[Positive]</c>: greater than 0 (a setting).</summary>
    Positive,

    /// <summary><c>[InRange(min, max)]</c>: in [min, max] (a setting).</summary>
    InRange,
}

/// <summary>The attributes behind <see cref="ValueDomain"/>, read from a parameter.</summary>
internal static class ValueDomains
{
    /// <summary>Metadata names of the attributes, in <see cref="ValueDomain"/> order.</summary>
    private static readonly string[] s_attributeNames =
    [
        "LossGen.PlusOrMinusOneAttribute",
        "LossGen.ProbabilityAttribute",
        "LossGen.NonNegativeAttribute",
        "LossGen.ClassIndexAttribute",
        "LossGen.PositiveAttribute",
        "LossGen.InRangeAttribute",
    ];

    /// <summary>The attribute's metadata name, e.g. <c>LossGen.ProbabilityAttribute</c>.</summary>
    public static string AttributeName(this ValueDomain domain) => s_attributeNames[(int)domain];

    /// <summary>The attribute as written in source, e.g. <c>Probability</c>.</summary>
    public static string Written(this ValueDomain domain) => domain.ToString();

    /// <summary>The domain an attribute declares, or null for any other attribute.</summary>
    public static ValueDomain? Of(AttributeData attribute)
    {
        string? name = attribute.AttributeClass?.ToDisplayString();
        int index = name is null ? -1 : System.Array.IndexOf(s_attributeNames, name);
        return index < 0 ? null : (ValueDomain)index;
    }

    /// <summary>Every domain <paramref name="parameter"/> declares, with its attribute, in declaration order.</summary>
    public static IEnumerable<(ValueDomain Domain, AttributeData Attribute)> Declared(IParameterSymbol parameter)
    {
        foreach (AttributeData attribute in parameter.GetAttributes())
        {
            if (Of(attribute) is { } domain)
            {
                yield return (domain, attribute);
            }
        }
    }
}
