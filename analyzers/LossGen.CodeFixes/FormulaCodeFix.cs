using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LossGen.Analyzers;
using LossGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LossGen.CodeFixes;

/// <summary>
/// The formula fixes: <c>Log(Sigmoid(z))</c> → <c>LogSigmoid(z)</c>, <c>Log(1 - Sigmoid(z))</c> → <c>LogSigmoid(-z)</c>,
/// <c>Log(Softmax(x))</c> → <c>LogSoftmax(x)</c> (LG0302); <c>Log(1 + Exp(x))</c> → <c>Softplus(x)</c>,
/// <c>Log(Sum(Exp(x)))</c> → <c>LogSumExp(x)</c> (LG0305); <c>Sqrt(Sum(x * x))</c> → <c>Norm(x)</c>, and
/// <c>Distance</c>, <c>Abs</c> alike (LG0303); a probability's <c>Log(p)</c> → <c>Log(Clamp(p, Epsilon, 1 - Epsilon))</c>
/// (LG0301). The analyzer, which has the formula's IR, writes the replacement of the reported expression; the
/// fix only puts it in place.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FormulaCodeFix)), Shared]
public sealed class FormulaCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.LogOfZero.Id,
        DiagnosticDescriptors.LogOfProbabilityFunction.Id,
        DiagnosticDescriptors.SqrtOfZero.Id,
        DiagnosticDescriptors.LogOfOverflowingExponential.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider()
        => FixAllProvider.Create(async (context, document, diagnostics) => await ReplaceAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc/>
    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (diagnostic.Properties.TryGetValue(FormulaAnalyzer.ReplacementProperty, out string? replacement) && replacement is not null
                && diagnostic.Properties.TryGetValue(FormulaAnalyzer.FixTitleProperty, out string? title) && title is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(title, cancellationToken => ReplaceAsync(context.Document, [diagnostic], cancellationToken), equivalenceKey: title),
                    diagnostic);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Each reported expression becomes its replacement; of nested ones, the outermost wins (it contains the others' text as it was).</summary>
    private static async Task<Document> ReplaceAsync(Document document, IEnumerable<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        var edits = new Dictionary<ExpressionSyntax, string>();
        foreach (Diagnostic diagnostic in diagnostics)
        {
            if (diagnostic.Location.SourceTree == root.SyntaxTree
                && diagnostic.Properties.TryGetValue(FormulaAnalyzer.ReplacementProperty, out string? replacement) && replacement is not null
                && root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is ExpressionSyntax expression
                && expression.Span == diagnostic.Location.SourceSpan)
            {
                edits[expression] = replacement;
            }
        }

        ExpressionSyntax[] outermost = edits.Keys.Where(e => !edits.Keys.Any(other => other != e && other.Span.Contains(e.Span))).ToArray();
        return document.WithSyntaxRoot(root.ReplaceNodes(outermost, (original, _) => SyntaxFactory.ParseExpression(edits[original]).WithTriviaFrom(original)));
    }
}
