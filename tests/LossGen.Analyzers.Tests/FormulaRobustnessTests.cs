using System;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LossGen.Analyzers.Tests;

/// <summary>
/// The formula analyzer never throws: an exception would be an AD0001 warning, an error in a build with warnings
/// as errors. Random formulas (seeded, so a failure repeats) over every LossMath function, elementwise and on
/// rows, with selects, locals and hyperparameters whose defaults include 0 and negatives.
/// </summary>
public sealed class FormulaRobustnessTests
{
    private static readonly string[] s_unary = ["Log", "Exp", "Log1p", "Expm1", "Sqrt", "Square", "Abs", "Tanh", "Sigmoid", "Softplus", "LogSigmoid", "LogCosh", "Relu", "Sign", "Math.Log", "Math.Sqrt"];
    private static readonly string[] s_binary = ["Max", "Min", "Xlogy", "MultiplyNoNaN", "Pow"];
    private static readonly string[] s_reductions = ["Sum", "Mean", "Max", "Min", "LogSumExp", "Norm", "SquaredNorm"];
    private static readonly string[] s_rowBinary = ["Dot", "Distance", "SquaredDistance"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Random_formulas_never_make_the_analyzer_throw(int seed)
    {
        var random = new Random(seed);
        var source = new StringBuilder("using System;\nusing LossGen;\nusing static LossGen.LossMath;\nstatic partial class L\n{\n");
        for (int i = 0; i < 120; i++)
        {
            bool rows = i % 3 == 0;
            string hyper = random.Next(4) switch { 0 => "0", 1 => "-1", 2 => "1e-8", _ => "2" };
            string signature = rows ? $"Row x, [Target] Row t, int label, [Hyper] double h = {hyper}" : $"double x, [Target, Probability] double t, [Hyper] double h = {hyper}";
            string local = Expression(random, rows, 3, scalar: true, local: null);
            string body = Expression(random, rows, 4, scalar: true, local: "a");
            source.Append($"    [Loss] internal static double F{i}({signature}) {{ var a = {local}; return {body}; }}\n");
        }

        source.Append("}\n");
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Random",
            [CSharpSyntaxTree.ParseText(source.ToString(), new CSharpParseOptions(LanguageVersion.Latest))],
            [.. Basic.Reference.Assemblies.Net100.References.All, MetadataReference.CreateFromFile(typeof(Losses).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), (exception, analyzer, diagnostic) => throw exception, concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers([new FormulaAnalyzer()], options).GetAnalyzerDiagnosticsAsync();
        Assert.All(diagnostics, d => Assert.StartsWith("LG03", d.Id, StringComparison.Ordinal));
        Assert.NotEmpty(diagnostics);
    }

    private static string Expression(Random random, bool rows, int depth, bool scalar, string? local)
    {
        if (depth == 0 || random.Next(5) == 0)
        {
            return Leaf(random, rows, scalar, local);
        }

        string Sub(bool s) => Expression(random, rows, depth - 1, s, local);
        bool element = scalar || !rows;
        switch (random.Next(rows && scalar ? 8 : 6))
        {
            case 0:
                return $"{s_unary[random.Next(s_unary.Length)].Replace("Math.", element ? "Math." : "", StringComparison.Ordinal)}({Sub(scalar)})";
            case 1:
                string f = s_binary[random.Next(s_binary.Length)];
                return f == "Pow" ? $"Pow({Sub(scalar)}, {(random.Next(2) == 0 ? "h" : "0.5")})" : $"{f}({Sub(scalar)}, {Sub(scalar)})";
            case 2:
                return $"({Sub(scalar)} {"+-*/"[random.Next(4)]} {Sub(scalar)})";
            case 3:
                return $"({Sub(true)} {(random.Next(2) == 0 ? "<=" : ">")} {Sub(true)} ? {Sub(scalar)} : {Sub(scalar)})";
            case 4:
                return $"Clamp({Sub(scalar)}, {(random.Next(2) == 0 ? "Epsilon" : "h")}, 1 - Epsilon)";
            case 5:
                return $"-({Sub(scalar)})";
            case 6:
                return $"{s_reductions[random.Next(s_reductions.Length)]}({Sub(false)})";
            default:
                string g = s_rowBinary[random.Next(s_rowBinary.Length)];
                return random.Next(3) == 0 ? $"Softmax({Sub(false)})[label]" : $"{g}({Sub(false)}, {Sub(false)})";
        }
    }

    private static string Leaf(Random random, bool rows, bool scalar, string? local)
    {
        string[] leaves = rows
            ? scalar ? ["x[label]", "t[label]", "h", "1.0", "0.5", "Epsilon", "Length(x)"] : ["x", "t", "Softmax(x)", "Sigmoid(x)", "Exp(x)"]
            : ["x", "t", "h", "1.0", "2.0", "Epsilon"];
        // The local is a scalar.
        return local is not null && scalar && random.Next(4) == 0 ? local : leaves[random.Next(leaves.Length)];
    }
}
