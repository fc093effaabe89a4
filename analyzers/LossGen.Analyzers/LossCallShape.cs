using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using LossGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace LossGen.Analyzers;

/// <summary>What a parameter of a generated loss method (or of the [Loss] formula itself) stands for.</summary>
internal enum Role
{
    /// <summary>Not a per-element value: <c>reduction</c>, a row length.</summary>
    Other,

    /// <summary>A per-element input that gets a gradient.</summary>
    Input,

    /// <summary>A <c>[Target]</c> input: no gradient.</summary>
    Target,

    /// <summary>A <c>[Hyper]</c> scalar setting.</summary>
    Hyper,

    /// <summary>The <c>xGradient</c> output of a <c>WithGradient</c> method.</summary>
    Gradient,

    /// <summary>The <c>losses</c> output of an <c>Elementwise</c> method.</summary>
    Losses,
}

/// <summary>One parameter of a called loss method: its role and the domains of the [Loss] parameter it maps to.</summary>
internal readonly struct LossParameter(Role role, string? gradientOf, ImmutableArray<Domain> domains, (double Min, double Max) range = default)
{
    /// <summary>The bounds of an <see cref="Domain.InRange"/> setting.</summary>
    public (double Min, double Max) Range { get; } = range;

    public Role Role { get; } = role;

    /// <summary>For a <see cref="Role.Gradient"/>: the name of the input it is the gradient of.</summary>
    public string? GradientOf { get; } = gradientOf;

    public ImmutableArray<Domain> Domains { get; } = domains;

    public bool IsPerElementSpan => Role is Role.Input or Role.Target or Role.Gradient or Role.Losses;
}

/// <summary>
/// How a method called <c>X</c>, <c>XWithGradient</c>, <c>XElementwise</c> or <c>XElementwiseWithGradient</c> maps onto the [Loss] method
/// <c>X</c> of the same type: each parameter to the formula's parameter of the same name (or to a
/// gradient or losses output). The generator emits those overloads beside the formula, so the catalogue's
/// losses and a user's are found the same way.
/// </summary>
internal sealed class LossCallShape
{
    private LossCallShape(IMethodSymbol loss, ImmutableArray<LossParameter> parameters, bool withGradient)
    {
        Loss = loss;
        Parameters = parameters;
        WithGradient = withGradient;
        // Row formulas (Row and int label parameters) have spans of different lengths by design.
        IsElementwise = loss.Parameters.All(p => p.Type.SpecialType == SpecialType.System_Double);
    }

    /// <summary>The [Loss] formula.</summary>
    public IMethodSymbol Loss { get; }

    /// <summary>By parameter ordinal of the called method.</summary>
    public ImmutableArray<LossParameter> Parameters { get; }

    public bool WithGradient { get; }

    /// <summary>Every per-element span of a call has one length.</summary>
    public bool IsElementwise { get; }

    public static LossCallShape? Resolve(IMethodSymbol method, LossSymbols symbols)
    {
        if (!method.IsStatic || method.ContainingType is not { } type)
        {
            return null;
        }

        foreach ((string name, bool withGradient, bool elementwise) in GeneratedNames.Origins(method.Name))
        {
            foreach (IMethodSymbol loss in type.GetMembers(name).OfType<IMethodSymbol>())
            {
                if (symbols.HasAttribute(loss, symbols.LossAttribute))
                {
                    return new LossCallShape(loss, method.Parameters.Select(p => Map(p, loss, withGradient, elementwise, symbols)).ToImmutableArray(), withGradient);
                }
            }
        }

        return null;
    }

    private static LossParameter Map(IParameterSymbol parameter, IMethodSymbol loss, bool withGradient, bool elementwise, LossSymbols symbols)
    {
        if (loss.Parameters.FirstOrDefault(p => p.Name == parameter.Name) is { } same)
        {
            Role role = symbols.HasAttribute(same, symbols.HyperAttribute) ? Role.Hyper
                : symbols.HasAttribute(same, symbols.TargetAttribute) ? Role.Target
                : Role.Input;
            return new LossParameter(role, null, symbols.Domains(same).ToImmutableArray(), symbols.RangeOf(same));
        }

        if (withGradient && GeneratedNames.IsGradient(parameter.Name, out string of))
        {
            if (loss.Parameters.Any(p => p.Name == of && !symbols.HasAttribute(p, symbols.TargetAttribute) && !symbols.HasAttribute(p, symbols.HyperAttribute)))
            {
                return new LossParameter(Role.Gradient, of, ImmutableArray<Domain>.Empty);
            }
        }

        return new LossParameter(elementwise && parameter.Name == GeneratedNames.Losses ? Role.Losses : Role.Other, null, ImmutableArray<Domain>.Empty);
    }
}
