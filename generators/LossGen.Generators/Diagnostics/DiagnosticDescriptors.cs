using System.Collections.Generic;
using System.Linq;
using LossGen.Kernels;
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
        "The [Loss] method '{0}' must be static: kernels are generated as static methods beside it",
        "LossGen adds a formula's kernels as static methods of its type and calls the formula itself as the double reference; an instance method can be neither. Declare the method static.");

    public static readonly DiagnosticDescriptor TypeMustBePartial = Error(
        "LG0002", Declaration, "Type of a loss must be partial",
        "The type '{0}' must be declared partial so LossGen can add the kernels of '{1}' to it",
        "The kernels go into a generated file that continues the loss's type, which needs 'partial' on that type and on every type it is nested in. Add 'partial' to the type named.");

    public static readonly DiagnosticDescriptor UnsupportedParameter = Error(
        "LG0003", Declaration, "Unsupported loss parameter",
        "The parameter '{0}' of a [Loss] formula must be a 'double', a 'LossGen.Row' or an 'int' label, passed by value ({1})",
        "A formula's parameters are per-element 'double' inputs, 'LossGen.Row' inputs and 'int' labels of a row formula, and [Hyper] settings ('double' or 'bool'), all passed by value. Change the type, drop the ref, in or out, or compute the value outside the loss.");

    public static readonly DiagnosticDescriptor ReturnTypeMustBeDouble = Error(
        "LG0004", Declaration, "Loss must return double",
        "The [Loss] method '{0}' must return 'double'",
        "A formula computes one element's loss in double; the kernels compute it in float, double or Half. Return 'double'.");

    public static readonly DiagnosticDescriptor WrongInputCount = Error(
        "LG0005", Declaration, "Unsupported number of inputs",
        "The [Loss] method '{0}' has {1} per-element inputs; a loss takes 1 to 4 (parameters not marked [Hyper])",
        "An elementwise loss takes 1 to 4 per-element inputs: its 'double' parameters that are not [Hyper] ([Target] ones count). Mark settings [Hyper], or split the formula.");

    public static readonly DiagnosticDescriptor TargetAndHyper = Error(
        "LG0006", Declaration, "Parameter is both [Target] and [Hyper]",
        "The parameter '{0}' cannot be both [Target] and [Hyper]",
        "[Target] marks per-element data that gets no gradient and [Hyper] one scalar setting; a parameter is one or the other. Remove one of the attributes.");

    public static readonly DiagnosticDescriptor GenericLoss = Error(
        "LG0007", Declaration, "Generic loss not supported",
        "The [Loss] method '{0}' and the types containing it must not be generic",
        "LossGen specializes the kernels per element type itself; a generic formula, or one in a generic type, would need them per type argument. Remove the type parameters.");

    public static readonly DiagnosticDescriptor OverloadedLoss = Error(
        "LG0008", Declaration, "Overloaded loss name",
        "More than one [Loss] method is named '{0}' in '{1}'; give each loss its own name",
        "Each loss generates overloads named after it (F, FWithGradient, FElementwise, FElementwiseWithGradient), so two losses of one name would clash. Rename one.");

    public static readonly DiagnosticDescriptor ReservedParameterName = Error(
        "LG0009", Declaration, "Reserved parameter name",
        "The parameter name '{0}' is taken by the generated methods ({1}); rename the parameter",
        "The generated overloads add parameters of their own ('reduction', 'losses', 'sampleWeights', 'rowLength', a '…Gradient' span per input) and write names without '@'. Rename the parameter.");

    public static readonly DiagnosticDescriptor WrongRowInputCount = Error(
        "LG0010", Declaration, "Unsupported inputs of a row formula",
        "The row formula '{0}' has {1}; a row formula takes 1 to 4 Row inputs, at most 2 int labels and at most 2 per-row double values",
        "A row formula takes 1 to 4 Row inputs (one at least not shared), at most 2 int labels and at most 2 per-row double values. Mark settings [Hyper], or split the formula.");

    public static readonly DiagnosticDescriptor RowValueMustBeTarget = Error(
        "LG0011", Declaration, "Per-row value must be a target",
        "The parameter '{0}' is one value per row of the row formula '{1}' and gets no gradient; mark it [Target], or [Hyper] if it is a setting",
        "In a row formula a 'double' that is not [Hyper] is one value per row, and only Row inputs get gradients. Mark it [Target] (data per row) or [Hyper] (one setting).");

    public static readonly DiagnosticDescriptor GeneratedMemberTaken = Error(
        "LG0012", Declaration, "Name taken by a generated method",
        "The {0} '{1}' has the name or the signature of a method LossGen generates for the loss '{2}'; rename it or the loss",
        "A member of the loss's type has the name or the signature of a generated overload. Rename the member or the loss.");

    public static readonly DiagnosticDescriptor LossInFileLocalType = Error(
        "LG0013", Declaration, "Loss in a file-local type",
        "The [Loss] method '{0}' is in the file-local type '{1}', which the generated file cannot extend; declare the type without 'file'",
        "A generated file cannot continue a 'file' type declared in another file. Declare the type without 'file' (internal keeps it inside the assembly).");

    public static readonly DiagnosticDescriptor InvalidElementTypes = Error(
        "LG0014", Declaration, "No valid element types",
        "ElementTypes of the loss '{0}' is {1}; combine LossElementTypes.Single, Double and Half (at least one, no other flags)",
        "ElementTypes combines LossElementTypes.Single, Double and Half: at least one, and no other value. Fix the flags, or leave the setting out for all three.");

    public static readonly DiagnosticDescriptor LossOnNonMethod = Error(
        "LG0015", Declaration, "[Loss] on something that is not a method",
        "[Loss] applies to a static method of a partial type; it is on {0}, which gets no kernels",
        "[Loss] works on a static method of a partial type; on a local function, lambda, operator or accessor it generates nothing. Move the formula into such a method.");

    public static readonly DiagnosticDescriptor DomainOnLabel = Error(
        "LG0016", Declaration, "Value domain that does not apply to the parameter",
        "The parameter '{0}' cannot declare [{1}]: {2}",
        "Data domains ([PlusOrMinusOne], [Probability], [NonNegative], [ClassIndex]) describe per-element inputs, ranges ([Positive], [NonNegative], [Probability], [InRange]) describe double settings; labels are always checked against the row length and flags take none. Remove the attribute.");

    public static readonly DiagnosticDescriptor RowFormulaTooLarge = Error(
        "LG0017", Declaration, "Row formula exceeds the row kernel's limits",
        "The row formula '{0}' needs {1}; a row kernel makes at most {2} passes over a row, with at most {3} reductions and {4} scalar slots in all",
        $"A row kernel makes at most {KernelContract.MaxRowPasses} passes over a row before its gradient pass, with at most {KernelContract.MaxRowReductions} reductions and {KernelContract.MaxRowSlots} scalar slots in all. Split the formula, or reuse what it computes (one LogSumExp instead of nested softmaxes).");

    public static readonly DiagnosticDescriptor InternalError = Error(
        "LG0018", Declaration, "LossGen could not generate a loss",
        "LossGen failed on the loss '{0}' ({1}); its kernels are not generated, the other losses are. Please report this with the formula.",
        "An unexpected failure inside LossGen; every other loss is generated. Report it with the formula; rewriting the formula (locals for long expressions) may avoid it meanwhile.");

    public static readonly DiagnosticDescriptor UnsupportedBody = Error(
        "LG0101", Formula, "Unsupported statement in a loss formula",
        "A [Loss] formula is an expression body, or a block of local declarations ending in 'return'; '{0}' is not allowed here",
        "A formula is an expression body, or a block of local declarations ('var' or 'double') ending in 'return'. Move loops, assignments and other statements out of it.");

    public static readonly DiagnosticDescriptor UnsupportedExpression = Error(
        "LG0102", Formula, "Unsupported expression in a loss formula",
        "{0} is not supported in a [Loss] formula: use literals, parameters, locals, + - * /, comparisons, && || !, ?: and LossMath functions",
        "A formula is made of literals, parameters, locals, + - * /, comparisons, && || !, ?: and LossMath functions, in double. Rewrite the expression with those.");

    public static readonly DiagnosticDescriptor UnsupportedFunction = Error(
        "LG0103", Formula, "Unsupported function in a loss formula",
        "'{0}' cannot be differentiated by LossGen: call the functions of LossMath (or their System.Math twins)",
        "LossGen differentiates the functions of LossMath and their System.Math twins. Call one of them, or write the function out in the supported operations.");

    public static readonly DiagnosticDescriptor UnsupportedName = Error(
        "LG0104", Formula, "Unsupported name in a loss formula",
        "'{0}' is not a parameter, a local or a constant of this formula",
        "A formula reads its parameters, its locals and constants. Pass other values (fields, properties) as [Hyper] settings.");

    public static readonly DiagnosticDescriptor IndexMustBeLabel = Error(
        "LG0105", Formula, "Row index must be a label",
        "'{0}' indexes a row with something other than an int label parameter of the formula; only row[label] is supported",
        "A row is indexed only by an int label parameter of the formula, as row[label]. Make the index a label parameter.");

    public static readonly DiagnosticDescriptor ValueOutsideDomain = Warning(
        "LG0201", CallSite, "Constant outside the domain of a loss input",
        "The value {0} passed as '{1}' of {2} is outside its domain: {3}",
        "The constant is outside the domain its parameter declares: the call throws at run time, and for {0, 1} labels of a ±1 loss the loss would be constant. Pass values inside the domain (the code fix maps {0, 1} labels to {−1, +1}).");

    public static readonly DiagnosticDescriptor ConstantLengthsDiffer = Warning(
        "LG0202", CallSite, "Spans of different constant lengths",
        "'{0}' has {1} elements but '{2}' has {3}: {4} throws ArgumentException when the lengths differ",
        "Spans of different lengths make the call throw ArgumentException before anything is written. Pass spans of the same length.");

    public static readonly DiagnosticDescriptor GradientOverwritesArgument = Warning(
        "LG0203", CallSite, "Gradient output overwrites another argument",
        "'{0}' of {1} is the same storage as '{2}': {3}",
        "A gradient may be written over its own input (an in-place update), but not over a target, another input or another gradient, which it would overwrite. Pass separate storage.");

    public static readonly DiagnosticDescriptor LogOfZero = Warning(
        "LG0301", FormulaNumerics, "Log of a value that can be 0",
        "Log of '{0}', which can be 0 ({1}): the loss is −∞ there and its gradient infinite; {2}",
        "Log of a value that can be 0 is −∞ there, with an infinite gradient. Clamp it, Log(Clamp(p, Epsilon, 1 - Epsilon)), add a positive offset, or use the log-domain function.");

    public static readonly DiagnosticDescriptor LogOfProbabilityFunction = Warning(
        "LG0302", FormulaNumerics, "Log of a sigmoid or softmax",
        "'{0}' is −∞ wherever {1}; '{2}' computes the same value exactly for every input",
        "Log of a sigmoid or softmax is −∞ once the probability rounds to 0, though the loss is finite. Use LogSigmoid(z), LogSigmoid(-z) for 1 - Sigmoid(z), or LogSoftmax(x) (the code fix writes it).");

    public static readonly DiagnosticDescriptor SqrtOfZero = Warning(
        "LG0303", FormulaNumerics, "Square root of a value that can be 0",
        "The square root of '{0}', which can be 0 ({1}), has an infinite gradient there; {2}",
        "The square root's derivative 1/(2√s) is infinite at s = 0. Use Norm, Distance or Abs, whose gradient at 0 is 0 (the code fix writes it), or add a small positive term under the root.");

    public static readonly DiagnosticDescriptor DivisionBySumThatCanBeZero = Warning(
        "LG0304", FormulaNumerics, "Division by a sum that can be 0",
        "The denominator '{0}' is 0 {1}, and the loss is then NaN; {2}",
        "A denominator made of row sums is 0 for an all-zero row (an empty mask), and the loss is NaN there. Add a positive smoothing term to both sides (Dice and Jaccard use 1), or bound a norm: Max(Norm(x) * Norm(y), 1e-8).");

    public static readonly DiagnosticDescriptor LogOfOverflowingExponential = Warning(
        "LG0305", FormulaNumerics, "Log of an exponential that can overflow",
        "'{0}' is ∞ once {1} exceeds about 88, where Exp overflows in float; {2}",
        "Exp overflows past about 88 in float, so the log of a sum of exponentials is ∞ where the true value is finite. Use Softplus(x) or LogSumExp(x) (the code fix writes it).");

    public static readonly DiagnosticDescriptor HyperparameterDefaultOutOfRange = Warning(
        "LG0306", FormulaNumerics, "Hyperparameter default outside its valid range",
        "The default {0} of '{1}' {2}",
        "A call that leaves the setting out gets its default, which this formula shows to be invalid (a division by 0, a guard that does not guard, a branch that never runs, a constant loss). Change the default.");

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = typeof(DiagnosticDescriptors)
        .GetFields()
        .Select(f => f.GetValue(null))
        .OfType<DiagnosticDescriptor>()
        .ToDictionary(d => d.Id);

    public static IEnumerable<DiagnosticDescriptor> All => s_byId.Values.OrderBy(d => d.Id, System.StringComparer.Ordinal);

    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    private static DiagnosticDescriptor Error(string id, string category, string title, string message, string description)
        => Create(id, category, title, message, description, DiagnosticSeverity.Error);

    private static DiagnosticDescriptor Warning(string id, string category, string title, string message, string description)
        => Create(id, category, title, message, description, DiagnosticSeverity.Warning);

    /// <summary>
    /// A descriptor whose description says why and what to do, so the IDE's tooltip needs no help page. No help link: the
    /// project has no public URL yet, and a link to an invented one would be dead. The longer pages ship in the package
    /// (docs/diagnostics/{id}.md), which the package README points to.
    /// </summary>
    private static DiagnosticDescriptor Create(string id, string category, string title, string message, string description, DiagnosticSeverity severity)
        => new(id, title, message, category, severity, isEnabledByDefault: true, description: description);
}
