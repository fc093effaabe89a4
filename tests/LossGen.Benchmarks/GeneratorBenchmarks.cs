extern alias Generators;

using System;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LossGen.Benchmarks;

/// <summary>
/// The generator's re-run after a one-character edit in a project of 500 [Loss] methods (ten files of 50, elementwise
/// and row formulas), the IDE's case: every keystroke re-runs it. The baseline is a generator that only selects the
/// same methods, the floor of any generator built on ForAttributeWithMetadataName.
/// </summary>
/// <remarks>dotnet run -c Release --project tests/LossGen.Benchmarks -- --filter '*GeneratorBenchmarks*'</remarks>
[MemoryDiagnoser]
[MedianColumn]
public class GeneratorBenchmarks
{
    private const int Files = 10;
    private const int LossesPerFile = 50;

    private SyntaxTree[] _trees = [];
    private Compilation _current = null!;
    private GeneratorDriver _lossGen = null!;
    private GeneratorDriver _selectOnly = null!;
    private int _next; // which version of the edited file the current compilation holds

    [GlobalSetup]
    public void Setup()
    {
        var references = Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(LossAttribute).Assembly.Location));
        var parse = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Parse);
        var trees = Enumerable.Range(0, Files).Select(f => CSharpSyntaxTree.ParseText(Source(f), parse, path: $"Losses{f}.cs")).ToArray();
        var original = CSharpCompilation.Create("Project", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        // Two versions of one file that differ by one character of one formula. Each run swaps them in a new compilation,
        // as an edit in the IDE does: the other files' trees are reused, but nothing bound in the last compilation is.
        SyntaxTree edited = trees[3].WithChangedText(trees[3].GetText().Replace(trees[3].ToString().IndexOf("0.5 *", StringComparison.Ordinal), 3, "0.6"));
        _trees = [trees[3], edited];
        _current = original;

        _lossGen = Create(new Generators::LossGen.Generators.LossGenerator(), parse);
        _selectOnly = Create(new SelectOnlyGenerator(), parse);
        if (_lossGen.GetRunResult().Diagnostics.Length != 0 || _lossGen.GetRunResult().GeneratedTrees.Length != Files * LossesPerFile)
        {
            throw new InvalidOperationException("The benchmark project must generate every loss without a diagnostic.");
        }

        GeneratorDriver Create(IIncrementalGenerator generator, CSharpParseOptions options)
        {
            GeneratorDriver driver = CSharpGeneratorDriver.Create([generator.AsSourceGenerator()], parseOptions: options);
            return driver.RunGenerators(Edit()).RunGenerators(Edit());
        }
    }

    [Benchmark(Baseline = true)]
    public GeneratorDriver SelectOnly() => _selectOnly = _selectOnly.RunGenerators(Edit());

    [Benchmark]
    public GeneratorDriver LossGenOneEdit() => _lossGen = _lossGen.RunGenerators(Edit());

    /// <summary>A new compilation with the edited file swapped (creating it costs next to nothing; binding in it is what a run pays).</summary>
    private Compilation Edit()
    {
        SyntaxTree from = _trees[_next & 1], to = _trees[++_next & 1];
        _current = _current.ReplaceSyntaxTree(from, to);
        return _current;
    }

    private static string Source(int file)
    {
        var text = new StringBuilder("using System;\nusing LossGen;\nusing static LossGen.LossMath;\n\nnamespace Project;\n\n");
        text.Append($"public static partial class Losses{file}\n{{\n");
        for (int i = 0; i < LossesPerFile; i++)
        {
            text.Append((i % 5) switch
            {
                0 => $"    [Loss] public static double Huber{i}(double pred, [Target] double target, [Hyper] double delta = 1.0)\n    {{\n        var d = Abs(pred - target);\n        return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);\n    }}\n",
                1 => $"    [Loss] public static double Bce{i}(double x, [Target] double y, [Hyper] double posWeight = 1.0) => posWeight * y * Softplus(-x) + (1 - y) * Softplus(x);\n",
                2 => $"    [Loss] public static double Mixed{i}(double a, double b, [Target] double t) => Square(a - t) + LogCosh(b - t) + Max(0, 1 - a * b);\n",
                3 => $"    [Loss] public static double CrossEntropy{i}(Row logits, int label) => LogSumExp(logits) - logits[label];\n",
                _ => $"    [Loss] public static double Dice{i}(Row pred, [Target] Row target, [Hyper] double smooth = 1.0) => 1 - (2 * Dot(pred, target) + smooth) / (Sum(pred) + Sum(target) + smooth);\n",
            });
        }

        return text.Append("}\n").ToString();
    }

    /// <summary>Finds the [Loss] methods and does nothing else: what any attribute-driven generator pays at least.</summary>
    private sealed class SelectOnlyGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var names = context.SyntaxProvider.ForAttributeWithMetadataName(
                "LossGen.LossAttribute",
                static (node, _) => node is MethodDeclarationSyntax,
                static (c, _) => c.TargetSymbol.Name);
            context.RegisterSourceOutput(names.Collect(), static (_, _) => { });
        }
    }
}
