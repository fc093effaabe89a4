using LossGen.Generators.Ir;

namespace LossGen.Generators.Model;

/// <summary>Everything the emitter needs to know about one [Loss] method; value-equal, so it caches.</summary>
internal sealed record LossSpec(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string MethodName,
    string Accessibility,
    string? Summary,
    EquatableArray<LossParameter> Parameters,
    int ElementTypes,
    Formula Formula);

/// <summary>A type the method is nested in, outermost first, e.g. ("class", "MyLosses").</summary>
internal readonly record struct ContainingType(string Keyword, string Name);

internal enum ParameterRole
{
    Input,
    Target,
    Hyper,
}

/// <summary>A formula parameter. <paramref name="Index"/> counts inputs (targets included) or hyperparameters.</summary>
internal readonly record struct LossParameter(string Name, ParameterRole Role, int Index, string? DefaultValue);

/// <summary>The parsed formula: its DAG, the node it returns, and the user's names for nodes (locals).</summary>
internal sealed record Formula(EquatableArray<Node> Nodes, int Root, EquatableArray<NamedNode> Names, string Text);

internal readonly record struct NamedNode(int Id, string Name);

/// <summary>The result of the transform step: a spec, or the diagnostics that prevented one (or both).</summary>
internal sealed record ParseResult(LossSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
