using System;
using System.Linq;
using LossGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LossGen.Generators.Tests;

/// <summary>The generated overloads' XML docs: a &lt;param&gt; per parameter in the signature's order, and the user's own text kept.</summary>
public sealed class GeneratedDocsTests
{
    private const string Source = GeneratorHarness.Usings + """
        namespace N;
        public static partial class Documented
        {
            /// <summary>A Huber-like loss.</summary>
            /// <param name="pred">The model's output.</param>
            /// <param name="delta">Where the square turns linear, in the units of <paramref name="pred"/>.</param>
            [Loss]
            public static double Elementwise(double pred, [Target] double target, [Hyper] double delta = 1, [Hyper] double scale = 2)
                => scale * (Abs(pred - target) <= delta ? 0.5 * (pred - target) * (pred - target) : delta * (Abs(pred - target) - 0.5 * delta));

            /// <param name="temperature">Divides the logits.</param>
            [Loss]
            public static double Rows(Row logits, int label, [Hyper] double temperature = 1)
                => LogSumExp(logits / temperature) - logits[label] / temperature;
        }
        """;

    [Fact]
    public void Every_generated_method_documents_its_parameters_in_signature_order()
    {
        GeneratorResult result = GeneratorHarness.Run(Source);
        Assert.Empty(result.Problems());
        MethodDeclarationSyntax[] methods = result.Sources.Values
            .SelectMany(text => CSharpSyntaxTree.ParseText(text).GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
            .Where(m => m.Modifiers.Any(SyntaxKind.PublicKeyword) && m.Modifiers.Any(SyntaxKind.StaticKeyword))
            .Where(m => !m.Ancestors().OfType<TypeDeclarationSyntax>().Any(t => t.Modifiers.Any(SyntaxKind.FileKeyword))) // the kernels
            .ToArray();
        Assert.True(methods.Length >= 2 * 4 * 3, $"{methods.Length} public generated methods");
        Assert.All(methods, m =>
        {
            string[] documented = m.GetLeadingTrivia()
                .Select(t => t.GetStructure()).OfType<DocumentationCommentTriviaSyntax>()
                .SelectMany(d => d.Content.OfType<XmlElementSyntax>())
                .Where(e => e.StartTag.Name.LocalName.Text == "param")
                .Select(e => e.StartTag.Attributes.OfType<XmlNameAttributeSyntax>().Single().Identifier.Identifier.Text)
                .ToArray();
            Assert.Equal(m.ParameterList.Parameters.Select(p => p.Identifier.Text), documented);
        });
    }

    [Fact]
    public void Comments_in_a_formula_are_left_out_of_its_one_line_remark()
    {
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Usings + """
            namespace N;
            public static partial class Commented
            {
                [Loss]
                public static double F(double pred, [Target] double target)
                {
                    var d = pred - target; // the residual
                    /* squared */ return d * d;
                }
            }
            """);

        string source = result.Sources["N.Commented.F.g.cs"];
        Assert.Contains("<para>Formula for one element: <c>{ var d = pred - target; return d * d; }</c></para>", source, StringComparison.Ordinal);
        Assert.DoesNotContain("residual", source, StringComparison.Ordinal);
    }

    [Fact]
    public void The_users_param_text_is_kept_and_the_others_get_the_generic_one()
    {
        GeneratorResult result = GeneratorHarness.Run(Source);
        string elementwise = result.Sources["N.Documented.Elementwise.g.cs"], rows = result.Sources["N.Documented.Rows.g.cs"];
        Assert.Contains("<param name=\"pred\">The model's output.</param>", elementwise, StringComparison.Ordinal);
        Assert.Contains("<param name=\"delta\">Where the square turns linear, in the units of <paramref name=\"pred\"/>.</param>", elementwise, StringComparison.Ordinal);
        Assert.Contains("<param name=\"scale\">Hyperparameter <c>scale</c> of the formula.</param>", elementwise, StringComparison.Ordinal);
        Assert.Contains("<param name=\"target\">Per-element target (no gradient).</param>", elementwise, StringComparison.Ordinal);
        Assert.Contains("<param name=\"temperature\">Divides the logits.</param>", rows, StringComparison.Ordinal);
    }
}
