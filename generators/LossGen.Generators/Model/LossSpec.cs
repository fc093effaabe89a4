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

/// <summary>What one value of a parameter covers: an element, a row, or a row's label or scalar.</summary>
internal enum ParameterShape
{
    /// <summary>A <c>double</c> per element of an elementwise formula (or a hyperparameter).</summary>
    Element,
    /// <summary>A <c>Row</c>: one row of a <c>[batch, rowLength]</c> input.</summary>
    Row,
    /// <summary>An <c>int</c> class label, one per row.</summary>
    Label,
    /// <summary>A <c>double</c> target, one per row.</summary>
    RowValue,
}

/// <summary>
/// A formula parameter. <paramref name="Index"/> counts the parameters of the same shape that are not
/// hyperparameters (targets included), or the hyperparameters.
/// </summary>
/// <remarks>
/// <paramref name="Shared"/> marks a <c>[Hyper] Row</c>: one row of settings (class weights) read by every row. A setting may
/// declare its <paramref name="Range"/>; <paramref name="IsFlag"/> marks a <c>[Hyper] bool</c>, 1 or 0 in the kernels. An input's
/// <paramref name="Domain"/> (PlusOrMinusOne, Probability or NonNegative) is checked by the generated overloads at run time.
/// </remarks>
internal readonly record struct LossParameter(
    string Name, ParameterRole Role, int Index, string? DefaultValue, ParameterShape Shape = ParameterShape.Element, ValueDomain? Domain = null,
    bool Shared = false, SettingRange? Range = null, bool IsFlag = false, string? Doc = null);

/// <summary>
/// The values a <c>[Hyper]</c> setting accepts, as its attributes declare them: [<paramref name="Min"/>, <paramref name="Max"/>],
/// open at <paramref name="Min"/> when <paramref name="MinExclusive"/>. <paramref name="Rule"/> ends the overloads' exception message.
/// </summary>
internal readonly record struct SettingRange(double Min, double Max, bool MinExclusive, string Rule);

/// <summary>The parsed formula: its DAG, the node it returns, and the user's names for nodes (locals).</summary>
internal sealed record Formula(EquatableArray<Node> Nodes, int Root, EquatableArray<NamedNode> Names, string Text);

internal readonly record struct NamedNode(int Id, string Name);

/// <summary>The result of the transform step: a spec, or the diagnostics that prevented one (or both).</summary>
internal sealed record ParseResult(LossSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
