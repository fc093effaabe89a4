using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using LossGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace LossGen.Analyzers;

/// <summary>
/// One parameter of a called generated method: a parameter of the [Loss] formula, in the formula's own
/// <see cref="ParameterRole"/>, or one the generator adds (a gradient or losses output, the reduction, the row length).
/// </summary>
internal readonly struct CallParameter
{
    private CallParameter(ParameterRole? formulaRole, string? gradientOf, bool isLosses, ImmutableArray<ValueDomain> domains, (double Min, double Max) range)
    {
        FormulaRole = formulaRole;
        GradientOf = gradientOf;
        IsLosses = isLosses;
        Domains = domains.IsDefault ? ImmutableArray<ValueDomain>.Empty : domains;
        Range = range;
    }

    /// <summary>The formula's parameter of the same name, in its role, with the domains it declares.</summary>
    public static CallParameter OfFormula(ParameterRole role, ImmutableArray<ValueDomain> domains, (double Min, double Max) range) => new(role, null, false, domains, range);

    /// <summary>The gradient output of the input named <paramref name="input"/>.</summary>
    public static CallParameter GradientOutput(string input) => new(null, input, false, default, default);

    /// <summary>The per-element (per-row) losses output.</summary>
    public static CallParameter LossesOutput => new(null, null, true, default, default);

    /// <summary>Anything else the generator adds: the reduction, the row length.</summary>
    public static CallParameter Added => new(null, null, false, default, default);

    /// <summary>The role of the formula's parameter it passes; null for one the generator adds.</summary>
    public ParameterRole? FormulaRole { get; }

    /// <summary>For a gradient output: the name of the input it is the gradient of.</summary>
    public string? GradientOf { get; }

    public bool IsGradient => GradientOf is not null;

    public bool IsLosses { get; }

    public ImmutableArray<ValueDomain> Domains { get; }

    /// <summary>The bounds of an <see cref="ValueDomain.InRange"/> setting.</summary>
    public (double Min, double Max) Range { get; }

    public bool IsPerElementSpan => FormulaRole is ParameterRole.Input or ParameterRole.Target || IsGradient || IsLosses;
}

/// <summary>
/// How a method called <c>X</c>, <c>XWithGradient</c>, <c>XElementwise</c> or <c>XElementwiseWithGradient</c> maps onto the [Loss] method
/// <c>X</c> of the same type: each parameter to the formula's parameter of the same name (or to a
/// gradient or losses output). The generator emits those overloads beside the formula, so the catalogue's
/// losses and a user's are found the same way.
/// </summary>
internal sealed class LossCallShape
{
    private LossCallShape(IMethodSymbol loss, ImmutableArray<CallParameter> parameters, bool withGradient)
    {
        Loss = loss;
        Parameters = parameters;
        WithGradient = withGradient;
        // Row formulas (Row and int label parameters) have spans of different lengths by design.
        IsElementwise = loss.Parameters.All(p => p.Type.SpecialType == SpecialType.System_Double);
    }

    /// <summary>The [Loss] formula; for a loss written by hand, the called method itself.</summary>
    public IMethodSymbol Loss { get; }

    /// <summary>By parameter ordinal of the called method.</summary>
    public ImmutableArray<CallParameter> Parameters { get; }

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

        // A loss written by hand (the catalogue's CTC, InfoNce, image and class-weighted losses, or a user's) has no
        // formula to map its parameters onto; the value domains it declares on them are checked all the same (LG0201).
        // Lengths and aliasing need a formula's shape, so they stay the formula's.
        if (method.Parameters.Any(p => symbols.Domains(p).Length > 0))
        {
            return new LossCallShape(method, method.Parameters.Select(p => DeclaredHere(p, symbols) ?? CallParameter.Added).ToImmutableArray(), withGradient: false);
        }

        return null;
    }

    /// <summary>A parameter of the called method itself that declares value domains (a hand-written overload's), or null.</summary>
    private static CallParameter? DeclaredHere(IParameterSymbol parameter, LossSymbols symbols)
        => symbols.Domains(parameter) is { Length: > 0 } domains
            ? CallParameter.OfFormula(symbols.IsSpan(parameter.Type) ? ParameterRole.Target : ParameterRole.Hyper, domains.ToImmutableArray(), symbols.RangeOf(parameter))
            : null;

    private static CallParameter Map(IParameterSymbol parameter, IMethodSymbol loss, bool withGradient, bool elementwise, LossSymbols symbols)
    {
        if (loss.Parameters.FirstOrDefault(p => p.Name == parameter.Name) is { } same)
        {
            ParameterRole role = symbols.HasAttribute(same, symbols.HyperAttribute) ? ParameterRole.Hyper
                : symbols.HasAttribute(same, symbols.TargetAttribute) ? ParameterRole.Target
                : ParameterRole.Input;
            return CallParameter.OfFormula(role, symbols.Domains(same).ToImmutableArray(), symbols.RangeOf(same));
        }

        if (withGradient && GeneratedNames.IsGradient(parameter.Name, out string of))
        {
            if (loss.Parameters.Any(p => p.Name == of && !symbols.HasAttribute(p, symbols.TargetAttribute) && !symbols.HasAttribute(p, symbols.HyperAttribute)))
            {
                return CallParameter.GradientOutput(of);
            }
        }

        // The sample weights of the weighted overloads: read like a target (a gradient written over them destroys them).
        if (parameter.Name == GeneratedNames.SampleWeights && symbols.IsSpan(parameter.Type))
        {
            return CallParameter.OfFormula(ParameterRole.Target, ImmutableArray<ValueDomain>.Empty, default);
        }

        // What the formula does not have: a generated output, or a parameter of a hand-written overload beside the formula's
        // (class weights, a row length), checked against the domains it declares itself.
        return elementwise && parameter.Name == GeneratedNames.Losses ? CallParameter.LossesOutput
            : DeclaredHere(parameter, symbols) ?? CallParameter.Added;
    }
}
