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
/// LG0201 on a <c>[PlusOrMinusOne]</c> input whose visible labels are all 0 or 1: writes −1 wherever the
/// code writes one of those 0s (<c>[0f, 1f]</c> → <c>[-1f, 1f]</c>, <c>c ? 1 : 0</c> → <c>c ? 1 : -1</c>),
/// the mapping Keras applies silently to hinge labels. The analyzer marks the diagnostics it applies to
/// and lists the label set's other 0s as additional locations, so one fix converts the whole set.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PlusOrMinusOneLabelsCodeFix)), Shared]
public sealed class PlusOrMinusOneLabelsCodeFix : CodeFixProvider
{
    private const string Title = "Use -1 for the negative class";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.ValueOutsideDomain.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider()
        => FixAllProvider.Create(async (context, document, diagnostics) => await ReplaceAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc/>
    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics.Where(d => d.Properties.ContainsKey(LossCallAnalyzer.ZeroToMinusOneProperty)))
        {
            context.RegisterCodeFix(
                CodeAction.Create(Title, cancellationToken => ReplaceAsync(context.Document, [diagnostic], cancellationToken), equivalenceKey: Title),
                diagnostic);
        }

        return Task.CompletedTask;
    }

    /// <summary>Every 0 the diagnostics point at (the reported one and the set's others) becomes −1, in one edit.</summary>
    private static async Task<Document> ReplaceAsync(Document document, IEnumerable<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        LiteralExpressionSyntax[] zeros = diagnostics
            .Where(d => d.Properties.ContainsKey(LossCallAnalyzer.ZeroToMinusOneProperty))
            .SelectMany(d => d.AdditionalLocations.Prepend(d.Location))
            .Where(l => l.SourceTree == root.SyntaxTree)
            .Select(l => root.FindNode(l.SourceSpan, getInnermostNodeForTie: true) is ExpressionSyntax e ? Literal(e) : null)
            .OfType<LiteralExpressionSyntax>()
            .Distinct()
            .ToArray();
        return document.WithSyntaxRoot(root.ReplaceNodes(zeros, (original, _) => MinusOne(original)));
    }

    private static ExpressionSyntax MinusOne(LiteralExpressionSyntax zero)
    {
        ExpressionSyntax minusOne = SyntaxFactory.PrefixUnaryExpression(SyntaxKind.UnaryMinusExpression, SyntaxFactory.LiteralExpression(
            SyntaxKind.NumericLiteralExpression, SyntaxFactory.ParseToken(One(zero.Token.Text))));
        // (Half)-1 would parse as a subtraction: a cast of a negative number needs parentheses.
        return (zero.Parent is CastExpressionSyntax ? SyntaxFactory.ParenthesizedExpression(minusOne) : minusOne).WithTriviaFrom(zero);
    }

    /// <summary>The 0 literal of <c>0</c>, <c>0f</c>, <c>(float)0</c>, <c>(Half)0</c>.</summary>
    private static LiteralExpressionSyntax? Literal(ExpressionSyntax zero)
        => (zero is CastExpressionSyntax cast ? cast.Expression : zero) is LiteralExpressionSyntax literal && literal.IsKind(SyntaxKind.NumericLiteralExpression)
            ? literal
            : null;

    /// <summary>1 written the way the 0 was: <c>0</c> → <c>1</c>, <c>0f</c> → <c>1f</c>, <c>0.0</c> → <c>1.0</c>, <c>0e3f</c> → <c>1f</c>, <c>0x0</c> → <c>1</c>.</summary>
    private static string One(string zero)
    {
        if (zero.Length > 1 && (zero[1] is 'x' or 'X' or 'b' or 'B'))
        {
            return "1";
        }

        if (zero.IndexOfAny(['e', 'E']) >= 0)
        {
            return "1" + zero.Substring(zero.TrimEnd('f', 'F', 'd', 'D', 'm', 'M').Length);
        }

        int digits = 0;
        while (digits < zero.Length && zero[digits] is '0' or '_')
        {
            digits++;
        }

        return "1" + zero.Substring(digits);
    }
}
