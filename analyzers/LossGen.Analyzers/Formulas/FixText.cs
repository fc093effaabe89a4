using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LossGen.Analyzers.Formulas;

/// <summary>The pieces of replacement code the formula fixes write, spelled so they bind where they are written.</summary>
internal static class FixText
{
    /// <summary>
    /// How to name the LossMath member <paramref name="name"/> at <paramref name="site"/>: bare where
    /// <c>using static LossGen.LossMath</c> makes it mean that member, else <c>LossMath.</c>, else fully qualified.
    /// </summary>
    public static string LossMath(SemanticModel model, SyntaxNode site, string name)
    {
        if (IsLossMath(model, site, SyntaxFactory.IdentifierName(name)))
        {
            return name;
        }

        return IsLossMath(model, site, SyntaxFactory.ParseExpression("LossMath." + name)) ? "LossMath." + name : "global::LossGen.LossMath." + name;
    }

    /// <summary>−x, written without parentheses where none are needed: <c>-z</c>, <c>-(a + b)</c>, and <c>-z</c> of <c>--z</c> → <c>z</c>.</summary>
    public static string Negate(ExpressionSyntax expression)
    {
        expression = Peel(expression);
        if (expression is PrefixUnaryExpressionSyntax unary && unary.IsKind(SyntaxKind.UnaryMinusExpression))
        {
            return Text(unary.Operand);
        }

        return expression is IdentifierNameSyntax or InvocationExpressionSyntax or MemberAccessExpressionSyntax or ElementAccessExpressionSyntax
            or LiteralExpressionSyntax or ParenthesizedExpressionSyntax
            ? "-" + Text(expression)
            : "-(" + Text(expression) + ")";
    }

    /// <summary>The expression inside any parentheses.</summary>
    public static ExpressionSyntax Peel(ExpressionSyntax expression)
    {
        while (expression is ParenthesizedExpressionSyntax parenthesized)
        {
            expression = parenthesized.Expression;
        }

        return expression;
    }

    /// <summary>The expression as written, without its outer trivia.</summary>
    public static string Text(SyntaxNode node) => node.WithoutTrivia().ToString();

    /// <summary>The expression for a message: whitespace collapsed, long ones shortened.</summary>
    public static string Quote(SyntaxNode node)
    {
        string text = Regex.Replace(node.ToString(), @"\s+", " ").Trim();
        return text.Length <= 60 ? text : text.Substring(0, 57) + "...";
    }

    private static bool IsLossMath(SemanticModel model, SyntaxNode site, ExpressionSyntax name)
    {
        SymbolInfo info = model.GetSpeculativeSymbolInfo(site.SpanStart, name, SpeculativeBindingOption.BindAsExpression);
        ISymbol? symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
        return symbol?.ContainingType?.ToDisplayString() == "LossGen.LossMath";
    }
}
