using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace LossGen.Generators.Diagnostics;

/// <summary>
/// Every diagnostic LossGen reports, in one place. IDs are grouped by stage: LG00xx declarations
/// the generator cannot compile into kernels, LG01xx constructs inside a formula, LG02xx call sites of
/// generated methods, LG03xx numerical hazards in formulas the generator accepts (both reported by the
/// analyzers in analyzers/LossGen.Analyzers, which compile this file too).
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Declaration = "LossGen.Declaration";
    private const string Formula = "LossGen.Formula";
    private const string CallSite = "LossGen.CallSite";
    private const string FormulaNumerics = "LossGen.FormulaNumerics";

    public static readonly DiagnosticDescriptor LossMustBeStatic = Error(
        "LG0001", Declaration, "Loss method must be static",
        "The [Loss] method '{0}' must be static: kernels are generated as static methods beside it");

    public static readonly DiagnosticDescriptor TypeMustBePartial = Error(
        "LG0002", Declaration, "Type of a loss must be partial",
        "The type '{0}' must be declared partial so LossGen can add the kernels of '{1}' to it");

    public static readonly DiagnosticDescriptor UnsupportedParameter = Error(
        "LG0003", Declaration, "Unsupported loss parameter",
        "The parameter '{0}' of a [Loss] formula must be a 'double', a 'LossGen.Row' or an 'int' label, passed by value ({1})");

    public static readonly DiagnosticDescriptor ReturnTypeMustBeDouble = Error(
        "LG0004", Declaration, "Loss must return double",
        "The [Loss] method '{0}' must return 'double'");

    public static readonly DiagnosticDescriptor WrongInputCount = Error(
        "LG0005", Declaration, "Unsupported number of inputs",
        "The [Loss] method '{0}' has {1} per-element inputs; a loss takes 1 to 4 (parameters not marked [Hyper])");

    public static readonly DiagnosticDescriptor TargetAndHyper = Error(
        "LG0006", Declaration, "Parameter is both [Target] and [Hyper]",
        "The parameter '{0}' cannot be both [Target] and [Hyper]");

    public static readonly DiagnosticDescriptor GenericLoss = Error(
        "LG0007", Declaration, "Generic loss not supported",
        "The [Loss] method '{0}' and the types containing it must not be generic");

    public static readonly DiagnosticDescriptor OverloadedLoss = Error(
        "LG0008", Declaration, "Overloaded loss name",
        "More than one [Loss] method is named '{0}' in '{1}'; give each loss its own name");

    public static readonly DiagnosticDescriptor ReservedParameterName = Error(
        "LG0009", Declaration, "Reserved parameter name",
        "The parameter name '{0}' is taken by the generated methods ({1}); rename the parameter");

    public static readonly DiagnosticDescriptor WrongRowInputCount = Error(
        "LG0010", Declaration, "Unsupported inputs of a row formula",
        "The row formula '{0}' has {1}; a row formula takes 1 to 4 Row inputs, at most 2 int labels and at most 2 per-row double values");

    public static readonly DiagnosticDescriptor RowValueMustBeTarget = Error(
        "LG0011", Declaration, "Per-row value must be a target",
        "The parameter '{0}' is one value per row of the row formula '{1}' and gets no gradient; mark it [Target], or [Hyper] if it is a setting");

    public static readonly DiagnosticDescriptor GeneratedMemberTaken = Error(
        "LG0012", Declaration, "Name taken by a generated method",
        "The {0} '{1}' has the name or the signature of a method LossGen generates for the loss '{2}'; rename it or the loss");

    public static readonly DiagnosticDescriptor LossInFileLocalType = Error(
        "LG0013", Declaration, "Loss in a file-local type",
        "The [Loss] method '{0}' is in the file-local type '{1}', which the generated file cannot extend; declare the type without 'file'");

    public static readonly DiagnosticDescriptor InvalidElementTypes = Error(
        "LG0014", Declaration, "No valid element types",
        "ElementTypes of the loss '{0}' is {1}; combine LossElementTypes.Single, Double and Half (at least one, no other flags)");

    public static readonly DiagnosticDescriptor LossOnNonMethod = Error(
        "LG0015", Declaration, "[Loss] on something that is not a method",
        "[Loss] applies to a static method of a partial type; it is on {0}, which gets no kernels");

    public static readonly DiagnosticDescriptor DomainOnLabel = Error(
        "LG0016", Declaration, "Value domain that does not apply to the parameter",
        "The parameter '{0}' cannot declare [{1}]: {2}");

    public static readonly DiagnosticDescriptor RowFormulaTooLarge = Error(
        "LG0017", Declaration, "Row formula exceeds the row kernel's limits",
        "The row formula '{0}' needs {1}; a row kernel makes at most {2} passes over a row, with at most {3} reductions and {4} scalar slots in all");

    public static readonly DiagnosticDescriptor InternalError = Error(
        "LG0018", Declaration, "LossGen could not generate a loss",
        "LossGen failed on the loss '{0}' ({1}); its kernels are not generated, the other losses are. Please report this with the formula.");

    public static readonly DiagnosticDescriptor UnsupportedBody = Error(
        "LG0101", Formula, "Unsupported statement in a loss formula",
        "A [Loss] formula is an expression body, or a block of local declarations ending in 'return'; '{0}' is not allowed here");

    public static readonly DiagnosticDescriptor UnsupportedExpression = Error(
        "LG0102", Formula, "Unsupported expression in a loss formula",
        "{0} is not supported in a [Loss] formula: use literals, parameters, locals, + - * /, comparisons, && || !, ?: and LossMath functions");

    public static readonly DiagnosticDescriptor UnsupportedFunction = Error(
        "LG0103", Formula, "Unsupported function in a loss formula",
        "'{0}' cannot be differentiated by LossGen: call the functions of LossMath (or their System.Math twins)");

    public static readonly DiagnosticDescriptor UnsupportedName = Error(
        "LG0104", Formula, "Unsupported name in a loss formula",
        "'{0}' is not a parameter, a local or a constant of this formula");

    public static readonly DiagnosticDescriptor IndexMustBeLabel = Error(
        "LG0105", Formula, "Row index must be a label",
        "'{0}' indexes a row with something other than an int label parameter of the formula; only row[label] is supported");

    public static readonly DiagnosticDescriptor ValueOutsideDomain = Warning(
        "LG0201", CallSite, "Constant outside the domain of a loss input",
        "The value {0} passed as '{1}' of {2} is outside its domain: {3}");

    public static readonly DiagnosticDescriptor ConstantLengthsDiffer = Warning(
        "LG0202", CallSite, "Spans of different constant lengths",
        "'{0}' has {1} elements but '{2}' has {3}: {4} throws ArgumentException when the lengths differ");

    public static readonly DiagnosticDescriptor GradientOverwritesArgument = Warning(
        "LG0203", CallSite, "Gradient output overwrites another argument",
        "'{0}' of {1} is the same storage as '{2}': {3}");

    public static readonly DiagnosticDescriptor LogOfZero = Warning(
        "LG0301", FormulaNumerics, "Log of a value that can be 0",
        "Log of '{0}', which can be 0 ({1}): the loss is −∞ there and its gradient infinite; {2}");

    public static readonly DiagnosticDescriptor LogOfProbabilityFunction = Warning(
        "LG0302", FormulaNumerics, "Log of a sigmoid or softmax",
        "'{0}' is −∞ wherever {1}; '{2}' computes the same value exactly for every input");

    public static readonly DiagnosticDescriptor SqrtOfZero = Warning(
        "LG0303", FormulaNumerics, "Square root of a value that can be 0",
        "The square root of '{0}', which can be 0 ({1}), has an infinite gradient there; {2}");

    public static readonly DiagnosticDescriptor DivisionBySumThatCanBeZero = Warning(
        "LG0304", FormulaNumerics, "Division by a sum that can be 0",
        "The denominator '{0}' is 0 {1}, and the loss is then NaN; {2}");

    public static readonly DiagnosticDescriptor LogOfOverflowingExponential = Warning(
        "LG0305", FormulaNumerics, "Log of an exponential that can overflow",
        "'{0}' is ∞ once {1} exceeds about 88, where Exp overflows in float; {2}");

    public static readonly DiagnosticDescriptor HyperparameterDefaultOutOfRange = Warning(
        "LG0306", FormulaNumerics, "Hyperparameter default outside its valid range",
        "The default {0} of '{1}' {2}");

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = typeof(DiagnosticDescriptors)
        .GetFields()
        .Select(f => f.GetValue(null))
        .OfType<DiagnosticDescriptor>()
        .ToDictionary(d => d.Id);

    public static IEnumerable<DiagnosticDescriptor> All => s_byId.Values.OrderBy(d => d.Id, System.StringComparer.Ordinal);

    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    private static DiagnosticDescriptor Error(string id, string category, string title, string message)
        => Create(id, category, title, message, DiagnosticSeverity.Error);

    private static DiagnosticDescriptor Warning(string id, string category, string title, string message)
        => Create(id, category, title, message, DiagnosticSeverity.Warning);

    private static DiagnosticDescriptor Create(string id, string category, string title, string message, DiagnosticSeverity severity)
        => new(id, title, message, category, severity, isEnabledByDefault: true,
            helpLinkUri: $"https://github.com/lossgen/lossgen/blob/main/docs/diagnostics/{id}.md");
}
