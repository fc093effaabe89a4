using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using CsCheck;
using LossGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace LossGen.Generators.Tests;

/// <summary>
/// Random declarations built to collide: names that differ only in case or that the generated code uses itself,
/// namespaces and nested types that spell the same dotted name, members named like generated methods, file-local,
/// generic, non-partial and non-static containers, odd parameter kinds and attributes, invalid element types, and
/// [Loss] on local functions. The generator must never throw, and the code it adds must never break the build: every
/// error of the compilation with the generated files was already there without them, or the declaration that caused
/// it got an LG error and no code.
/// </summary>
public sealed class HostileDeclarationTests
{
    private const int DeclarationsPerBatch = 12;

    public static TheoryData<uint> Streams => RandomBatches.Streams(201, 30);

    [Theory]
    [MemberData(nameof(Streams))]
    public void Hostile_declarations_never_crash_the_generator_nor_break_the_build(uint stream)
    {
        Gen.Int[0, 9999].Array[40].Array[DeclarationsPerBatch].Sample(
            batch =>
            {
                string source = Source(batch);
                GeneratorResult result = GeneratorHarness.Run(source); // fails if the generator threw
                Assert.All(result.GeneratorDiagnostics, d => Assert.StartsWith("LG", d.Id, StringComparison.Ordinal));
                Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id == "LG0018");

                // Errors the generated files bring: in them, or in the user's code because of them.
                var before = new HashSet<string>(result.Input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(Key));
                var added = result.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && !before.Contains(Key(d))).ToList();
                Assert.True(added.Count == 0, "the generated code does not compile:\n" + string.Join("\n", added.Take(10)) + "\n\nin:\n" + source);
            },
            seed: new PCG(stream, 20261206).ToString(),
            iter: 1,
            threads: 1,
            print: Source);
    }

    private static string Key(Diagnostic d) => d.Id + " " + d.Location.GetLineSpan() + " " + d.GetMessage(CultureInfo.InvariantCulture);

    private static readonly string[] s_namespaces = ["", "N", "n", "N.C", "N.c", "@class", "N.Kernels"];
    private static readonly string[] s_typeNames = ["C", "c", "D", "FWithGradient", "FElementwise", "FKernel", "Losses", "@event"];
    private static readonly string[] s_methodNames = ["F", "f", "F", "G", "F", "G", "FWithGradient", "FElementwise", "@checked", "Loss", "Kernel"];

    /// <summary>Parameter names, many of them identifiers of the generated code.</summary>
    private static readonly string[] s_parameterNames =
    [
        "x", "y", "z", "TVec", "TSimd", "TPass", "TEdge", "TSoftmax", "T", "scalars", "state", "row", "column", "lane", "stage", "inside",
        "exps", "softmax", "a0", "b3", "k", "index", "unused0", "unusedGradient1", "_k", "_x", "xGradient", "reduction", "losses", "sampleWeights",
        "rowLength", "Stage0", "Loss", "Accumulate", "Gradient", "global", "value", "@double", "t0", "t1", "Slots",
    ];

    private static readonly string[] s_parameterKinds =
    [
        "double {0}", "double {0}", "Row {0}", "Row {0}", "[Target] double {0}", "[Target] Row {0}", "int {0}", "[Hyper] double {0}",
        "[Hyper] double {0} = 0.5", "[Hyper] Row {0}", "[PlusOrMinusOne] double {0}", "[Probability] Row {0}", "[NonNegative] int {0}",
        "long {0}", "ref double {0}", "[Target, Hyper] double {0}", "float {0}",
    ];

    /// <summary>Valid kinds for an elementwise formula and for a row formula: most parameters get one, so most losses generate code.</summary>
    private static readonly string[] s_elementKinds = ["double {0}", "double {0}", "[Target] double {0}", "[Hyper] double {0}", "[Hyper] double {0} = 0.5", "[PlusOrMinusOne] double {0}"];

    private static readonly string[] s_rowKinds = ["Row {0}", "Row {0}", "[Target] Row {0}", "int {0}", "[Target] double {0}", "[Hyper] double {0}", "[Hyper] Row {0}", "[Probability] Row {0}"];

    private static readonly string[] s_typeKinds =
    [
        "static partial class", "static partial class", "static partial class", "partial class", "partial struct", "partial record",
        "static class", "file static partial class", "partial class<TX>",
    ];

    private static readonly string[] s_attributes = ["[Loss]", "[Loss]", "[Loss]", "[Loss]", "[Loss]", "[Loss]", "[Loss(ElementTypes = LossElementTypes.Double)]", "[Loss(ElementTypes = 0)]", "[Loss(ElementTypes = (LossElementTypes)12)]", "[Loss(ElementTypes = LossElementTypes.Half | LossElementTypes.Single)]"];

    /// <summary>Members beside the loss that may clash with what is generated for it.</summary>
    private static readonly string[] s_neighbours =
    [
        "", "", "", "", "", "", "private static int {0}WithGradient;", "public static int {0}Elementwise => 0;", "private struct {0}Kernel<T> {{ }}",
        "public static float {0}(ReadOnlySpan<float> a, Reduction r) => 0;", "public static void {0}Elementwise(ReadOnlySpan<double> a, Span<double> l) {{ }}",
        "private sealed class {0}WithGradient {{ }}", "public static double {0}(double a, double b, double c) => a;", "private const double {0}Kernel = 1;",
    ];

    /// <summary>A batch of namespaces, each with a type holding one hostile loss (and maybe a clashing neighbour).</summary>
    private static string Source(int[][] batch)
    {
        var text = new StringBuilder("#pragma warning disable CS0169, CS0414, CS1718, CS0219, CS8981, CS0162\n").Append(GeneratorHarness.Usings);
        foreach (int[] choices in batch)
        {
            var ch = new Choices(choices);
            string ns = s_namespaces[ch.Next(s_namespaces.Length)];
            string method = s_methodNames[ch.Next(s_methodNames.Length)];
            string bare = method.TrimStart('@');
            var declaration = new StringBuilder();

            // Parameters: distinct names (a repeated name is a C# error the generator never sees), then a body that uses them.
            bool rowFormula = ch.Next(5) < 2;
            var names = new List<string>();
            var parameters = new List<string>();
            int count = 1 + ch.Next(5);
            for (int i = 0; i < count; i++)
            {
                string name = s_parameterNames[ch.Next(s_parameterNames.Length)];
                if (names.Contains(name) || name == bare)
                {
                    continue;
                }

                names.Add(name);
                string[] kinds = ch.Next(8) == 0 ? s_parameterKinds : rowFormula ? s_rowKinds : s_elementKinds;
                parameters.Add(string.Format(CultureInfo.InvariantCulture, kinds[ch.Next(kinds.Length)], name));
            }

            string body = Body(parameters, names, ch);
            string attribute = s_attributes[ch.Next(s_attributes.Length)];
            string modifiers = ch.Next(8) == 0 ? "public" : ch.Next(6) == 0 ? "internal static" : "public static";
            string neighbour = string.Format(CultureInfo.InvariantCulture, s_neighbours[ch.Next(s_neighbours.Length)], bare);
            string loss = ch.Next(10) == 0
                ? $"public static double Outer(double q)\n    {{\n        return Local(q);\n        {attribute} static double Local({string.Join(", ", parameters)}) => {body};\n    }}"
                : $"{attribute} {modifiers} double {method}({string.Join(", ", parameters)}) => {body};";

            string kind = s_typeKinds[ch.Next(s_typeKinds.Length)];
            string type = s_typeNames[ch.Next(s_typeNames.Length)];
            string typeDeclaration = kind.EndsWith("<TX>", StringComparison.Ordinal) ? $"{kind[..^4]} {type}<TX>" : $"{kind} {type}";
            bool nested = ch.Next(4) == 0;
            declaration.Append(ns.Length > 0 ? $"namespace {ns}\n{{\n" : "");
            string inner = $"{typeDeclaration}\n{{\n    {neighbour}\n    {loss}\n}}\n";
            declaration.Append(nested && !kind.StartsWith("file", StringComparison.Ordinal) ? $"public static partial class Outer{type.TrimStart('@')}\n{{\n{inner}}}\n" : inner);
            declaration.Append(ns.Length > 0 ? "}\n" : "");
            text.Append(declaration);
        }

        return text.ToString();
    }

    /// <summary>A formula over the parameters: rows reduced, labels indexing a row, everything else added in.</summary>
    private static string Body(List<string> parameters, List<string> names, Choices ch)
    {
        var terms = new List<string>();
        string? row = null;
        for (int i = 0; i < names.Count; i++)
        {
            if (parameters[i].Contains("Row ", StringComparison.Ordinal) && !parameters[i].Contains("[Hyper]", StringComparison.Ordinal))
            {
                row ??= names[i];
            }
        }

        for (int i = 0; i < names.Count; i++)
        {
            string p = parameters[i], name = names[i];
            if (p.StartsWith("ref", StringComparison.Ordinal) || p.StartsWith("long", StringComparison.Ordinal) || p.StartsWith("float", StringComparison.Ordinal))
            {
                terms.Add($"(double){name}");
            }
            else if (p.Contains("Row ", StringComparison.Ordinal))
            {
                terms.Add(ch.Next(3) switch { 0 => $"Sum({name})", 1 => $"LogSumExp({name} * 2)", _ => $"Max({name} - Mean({name}))" });
            }
            else if (p.Contains("int ", StringComparison.Ordinal))
            {
                terms.Add(row is not null && ch.Next(2) == 0 ? $"{row}[{name}]" : $"{name} * 0.5");
            }
            else
            {
                terms.Add(ch.Next(2) == 0 ? $"Square({name})" : $"Softplus({name} - 1)");
            }
        }

        return terms.Count == 0 ? "1.0" : string.Join(" + ", terms);
    }
}
