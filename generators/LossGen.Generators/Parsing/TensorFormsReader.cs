using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LossGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LossGen.Generators.Parsing;

/// <summary>
/// Reads what the TorchSharp tensor forms need: the signatures of losses, from a parsed spec (the user's own [Loss]) or
/// from compiled symbols (a type named by [TensorFormsOf], such as LossGen.Losses). Only signatures: the tensor forms call
/// the span overloads, so the formula's body is not needed, and a compiled loss was checked when it was built.
/// </summary>
internal static class TensorFormsReader
{
    public const string TensorFormsOfAttributeName = "LossGen.TorchSharp.TensorFormsOfAttribute";

    /// <summary>A type whose presence in the compilation means the project references LossGen.TorchSharp.</summary>
    public const string BridgeTypeName = "LossGen.TorchSharp.TensorKernel";

    /// <summary>
    /// Whether the tensor forms' kernel, a file-local type outside the loss's class, can call its span overloads: not for a
    /// private, protected or private protected loss (its span overloads have its accessibility), which gets none.
    /// </summary>
    public static bool IsReachable(LossSpec spec) => spec.Accessibility is "public" or "internal" or "protected internal";

    /// <summary>The tensor forms of the user's own loss, next to its span overloads.</summary>
    public static TensorForms FromSpec(LossSpec spec, string hintName)
    {
        string owner = "global::" + string.Join(".", new[] { spec.Namespace ?? "" }.Concat(spec.ContainingTypes.Select(t => SyntaxFacts.GetKeywordKind(t.Name) == SyntaxKind.None ? t.Name : "@" + t.Name)).Where(s => s.Length > 0));
        return new TensorForms(spec.Namespace, spec.ContainingTypes, spec.Accessibility, owner,
            new[] { new TensorLoss(spec.MethodName, spec.Parameters, spec.ElementTypes, spec.Summary) }.ToEquatableArray(), hintName);
    }

    /// <summary>The tensor forms [TensorFormsOf(typeof(S))] asks for on a partial class: one per attribute.</summary>
    public static IEnumerable<TensorForms> FromAttributes(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol target)
        {
            yield break;
        }

        var types = new List<ContainingType>();
        for (INamedTypeSymbol? type = target; type is not null; type = type.ContainingType)
        {
            types.Insert(0, new ContainingType(LossParser.Keyword(type), type.Name));
        }

        string? ns = target.ContainingNamespace.IsGlobalNamespace ? null : target.ContainingNamespace.ToDisplayString();
        foreach (AttributeData attribute in context.Attributes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (attribute.ConstructorArguments is not [{ Value: INamedTypeSymbol source }])
            {
                continue;
            }

            var losses = source.GetMembers().OfType<IMethodSymbol>()
                .Where(m => m.IsStatic && m.DeclaredAccessibility == Accessibility.Public && LossParser.HasAttribute(m, LossParser.LossAttributeName))
                .Select(Read)
                .Where(loss => loss is not null)
                .Select(loss => loss!)
                .ToEquatableArray();
            string owner = source.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            string hint = string.Join(".", new[] { ns ?? "" }.Concat(types.Select(t => t.Name)).Where(s => s.Length > 0)) + ".TensorFormsOf." + source.Name + ".g.cs";
            yield return new TensorForms(ns, types.ToEquatableArray(), SyntaxFacts.GetText(target.DeclaredAccessibility), owner, losses, hint.Replace("@", ""));
        }
    }

    // The signature of a compiled [Loss], by the parser's own rules (shape, role, default value, element types).
    private static TensorLoss? Read(IMethodSymbol method)
    {
        bool rowFormula = LossParser.IsRowFormula(method);
        var parameters = new List<LossParameter>();
        var counts = new Dictionary<ParameterShape, int>();
        int hypers = 0;
        foreach (IParameterSymbol p in method.Parameters)
        {
            bool target = LossParser.HasAttribute(p, LossParser.TargetAttributeName), hyper = LossParser.HasAttribute(p, LossParser.HyperAttributeName);
            if (LossParser.ShapeOf(p, rowFormula, hyper) is not { } shape)
            {
                return null;
            }

            ParameterRole role = LossParser.RoleOf(shape, target, hyper, out bool shared);
            counts.TryGetValue(shape, out int count);
            int index = role == ParameterRole.Hyper ? hypers++ : count;
            if (role != ParameterRole.Hyper)
            {
                counts[shape] = count + 1;
            }

            bool flag = hyper && p.Type.SpecialType == SpecialType.System_Boolean;
            parameters.Add(new LossParameter(p.Name, role, index, LossParser.DefaultValueOf(p), role == ParameterRole.Hyper ? ParameterShape.Element : shape, Shared: shared, IsFlag: flag));
        }

        int elementTypes = method.GetAttributes()
            .Where(a => a.AttributeClass?.ToDisplayString() == LossParser.LossAttributeName)
            .SelectMany(a => a.NamedArguments)
            .Where(a => a.Key == "ElementTypes" && a.Value.Value is int)
            .Select(a => (int)a.Value.Value!)
            .DefaultIfEmpty(LossParser.AllElementTypes)
            .First();
        return new TensorLoss(method.Name, parameters.ToEquatableArray(), elementTypes);
    }
}
