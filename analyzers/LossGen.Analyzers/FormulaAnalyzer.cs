using System.Collections.Immutable;
using System.Linq;
using LossGen.Analyzers.Formulas;
using LossGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LossGen.Analyzers;

/// <summary>
/// Numerical hazards inside <c>[Loss]</c> formulas (LG0301–LG0306): a log or square root of a value that can
/// be 0, the log of a sigmoid or softmax, a division by a sum that can be 0, the log of an exponential that
/// can overflow, and hyperparameter defaults outside their valid range.
/// </summary>
/// <remarks>
/// The formula is parsed by the generator's own parser (compiled into this assembly), and the rules run on
/// the IR the kernels are generated from, so the analyzer and the generator read every formula the same way.
/// A formula the generator rejects (LG00xx, LG01xx) or that does not compile gets no LG03xx warning.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FormulaAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: the code that replaces the reported expression, when a fix is clear.</summary>
    public const string ReplacementProperty = "Replacement";

    /// <summary>Diagnostic property: the title of that fix.</summary>
    public const string FixTitleProperty = "FixTitle";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.LogOfZero,
        DiagnosticDescriptors.LogOfProbabilityFunction,
        DiagnosticDescriptors.SqrtOfZero,
        DiagnosticDescriptors.DivisionBySumThatCanBeZero,
        DiagnosticDescriptors.LogOfOverflowingExponential,
        DiagnosticDescriptors.HyperparameterDefaultOutOfRange);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (start.Compilation.GetTypeByMetadataName("LossGen.LossAttribute") is not { } lossAttribute)
            {
                return;
            }

            start.RegisterSyntaxNodeAction(node => Analyze(node, lossAttribute), SyntaxKind.MethodDeclaration);
        });
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, INamedTypeSymbol lossAttribute)
    {
        var syntax = (MethodDeclarationSyntax)context.Node;
        if (syntax.AttributeLists.Count == 0 || context.SemanticModel.GetDeclaredSymbol(syntax, context.CancellationToken) is not { } method)
        {
            return;
        }

        AttributeData[] loss = method.GetAttributes().Where(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, lossAttribute)).ToArray();
        if (loss.Length == 0 || FormulaView.Parse(context.SemanticModel, method, syntax, loss, context.CancellationToken) is not { } formula)
        {
            return;
        }

        foreach (Finding finding in FormulaRules.Run(formula))
        {
            ImmutableDictionary<string, string?> properties = finding.Replacement is null
                ? ImmutableDictionary<string, string?>.Empty
                : ImmutableDictionary<string, string?>.Empty.Add(ReplacementProperty, finding.Replacement).Add(FixTitleProperty, finding.FixTitle);
            context.ReportDiagnostic(Diagnostic.Create(finding.Descriptor, finding.Location, properties, finding.Arguments));
        }
    }
}
