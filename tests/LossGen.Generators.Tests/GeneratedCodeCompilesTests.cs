using System.Linq;
using LossGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace LossGen.Generators.Tests;

/// <summary>
/// Generated code compiles as a strict project builds it: nullable on, warnings as errors, and the
/// documentation checks of GenerateDocumentationFile, in every kind of containing type.
/// </summary>
public sealed class GeneratedCodeCompilesTests
{
    private const string Source = GeneratorHarness.Usings + """
        /// <summary>Losses in the global namespace.</summary>
        public static partial class GlobalLosses
        {
            /// <summary>Squared error.</summary>
            /// <param name="pred">Prediction.</param>
            /// <param name="target">Target.</param>
            /// <returns>The loss of one element.</returns>
            [Loss]
            public static double Squared(double pred, [Target] double target) => Square(pred - target);
        }

        namespace Deep.Inside
        {
            /// <summary>Outer.</summary>
            public static partial class Outer
            {
                /// <summary>Inner.</summary>
                public static partial class Inner
                {
                    /// <summary>A margin loss with 3 inputs.</summary>
                    /// <param name="a">First.</param>
                    /// <param name="b">Second.</param>
                    /// <param name="y">Label.</param>
                    /// <param name="margin">Margin.</param>
                    /// <returns>The loss of one element.</returns>
                    [Loss]
                    public static double Ranking(double a, double b, [Target] double y, [Hyper] double margin = 0.5)
                        => Max(0, -y * (a - b) + margin);
                }
            }

            internal static partial class InternalLosses
            {
                [Loss]
                internal static double Logistic(double x, [Target] double y) => Softplus(x) - x * y;
            }

            /// <summary>A struct holding a loss.</summary>
            public partial struct StructLosses
            {
                /// <summary>Huber.</summary>
                /// <param name="p">Prediction.</param>
                /// <param name="t">Target.</param>
                /// <param name="delta">Delta.</param>
                /// <returns>The loss of one element.</returns>
                [Loss]
                public static double Huber(double p, [Target] double t, [Hyper] double delta)
                {
                    var d = Abs(p - t);
                    return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
                }
            }

            /// <summary>A record holding a loss.</summary>
            public partial record RecordLosses
            {
                /// <summary>Four inputs, two of them targets.</summary>
                /// <param name="w">Weight.</param>
                /// <param name="a">A.</param>
                /// <param name="b">B.</param>
                /// <param name="s">Scale.</param>
                /// <returns>The loss of one element.</returns>
                [Loss]
                public static double Weighted([Target] double w, double a, double b, [Target] double s) => w * Square(a - b) * s;
            }

            /// <summary>A record struct holding a loss.</summary>
            public partial record struct RecordStructLosses
            {
                /// <summary>Pow with an exponent hyperparameter and an epsilon.</summary>
                /// <param name="x">Input.</param>
                /// <param name="p">Exponent.</param>
                /// <returns>The loss of one element.</returns>
                [Loss]
                public static double Power(double x, [Hyper] double p) => Pow(Abs(x) + Epsilon, p);
            }
        }
        """;

    [Fact]
    public void Generated_code_compiles_with_nullable_warnings_as_errors_and_doc_checks()
    {
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.DocumentedParseOptions, Source);
        Assert.Empty(result.Problems());
        Assert.Equal(6, result.Sources.Count);

        // Emitting checks what GetDiagnostics may not (e.g. file-local types across files).
        GeneratorHarness.EmitAndLoad(result.Output);
    }

    [Fact]
    public void Generated_members_take_the_accessibility_of_the_formula()
    {
        GeneratorResult result = GeneratorHarness.Run(Source);
        Assert.Contains("internal static float Logistic(", result.Sources["Deep.Inside.InternalLosses.Logistic.g.cs"]);
        Assert.Contains("partial record struct RecordStructLosses", result.Sources["Deep.Inside.RecordStructLosses.Power.g.cs"]);
        Assert.DoesNotContain("namespace", result.Sources["GlobalLosses.Squared.g.cs"]);
    }

    [Fact]
    public void A_row_formula_whose_names_are_the_kernels_own_compiles_and_names_its_slots()
    {
        // Row kernels name the row state's slots in a nested class Slots; a formula's own Slots (a row value, a local)
        // is renamed inside the kernel, as every identifier the kernels declare for themselves is.
        const string source = GeneratorHarness.Usings + """
            namespace N;
            public static partial class L
            {
                [Loss]
                public static double Scaled(Row x, [Target] double Slots)
                {
                    var total = Sum(x * x);
                    var Slots_ = total / Slots;
                    return Slots_ * Max(x);
                }
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.Problems());
        string kernel = result.Sources["N.L.Scaled.g.cs"];
        Assert.Contains("private static class Slots", kernel);
        Assert.Contains("public const int total = 0; // Sum(x * x)", kernel);
        Assert.Contains("state[Slots.total]", kernel);
        GeneratorHarness.EmitAndLoad(result.Output);
    }

    [Fact]
    public void An_undocumented_formula_under_warnings_as_errors_still_gets_kernels()
    {
        // CS1591 on the formula itself is the user's to fix; it must not also cost them the kernels
        // (the generator once treated the promoted warning as a compile error and emitted nothing).
        const string source = GeneratorHarness.Usings + """
            namespace N;
            /// <summary>Losses.</summary>
            public static partial class L
            {
                [Loss]
                public static double Sq(double x) => x * x;
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.DocumentedParseOptions, source);
        Assert.Single(result.Sources);
        Diagnostic[] problems = result.Problems().ToArray();
        Assert.NotEmpty(problems);
        Assert.All(problems, d =>
        {
            Assert.Equal("CS1591", d.Id);
            Assert.Equal("Source0.cs", d.Location.SourceTree?.FilePath);
        });
    }
}
