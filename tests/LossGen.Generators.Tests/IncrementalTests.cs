using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using LossGen.Generators.Model;
using LossGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LossGen.Generators.Tests;

/// <summary>
/// The pipeline caches: an edit that does not touch a formula reruns nothing after the parse and
/// regenerates no source (as dotnet/runtime's JsonSourceGeneratorIncrementalTests check).
/// </summary>
public sealed class IncrementalTests
{
    private const string Source = GeneratorHarness.Usings + """
        namespace N;

        public static partial class C
        {
            /// <summary>Huber.</summary>
            [Loss]
            public static double Huber(double pred, [Target] double target, [Hyper] double delta = 1.0)
            {
                var d = Abs(pred - target);
                return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
            }

            [Loss]
            public static double Squared(double pred, [Target] double target) => Square(pred - target);

            public static int Helper(int x) => x + 1;
        }
        """;

    private static readonly string[] s_cachedSteps = [LossGenerator.StepNames.Parse, LossGenerator.StepNames.Specs];

    private static GeneratorDriverRunResult RunTwice(string first, Func<CSharpCompilation, CSharpCompilation> edit)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(first);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        Assert.Equal(2, driver.GetRunResult().GeneratedTrees.Length);
        return driver.RunGenerators(edit(compilation)).GetRunResult();
    }

    private static CSharpCompilation ReplaceSource(CSharpCompilation compilation, string text)
    {
        SyntaxTree old = compilation.SyntaxTrees.First();
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions, old.FilePath));
    }

    private static void AssertCached(GeneratorDriverRunResult run)
    {
        GeneratorRunResult result = Assert.Single(run.Results);
        Assert.Null(result.Exception);
        foreach (string step in s_cachedSteps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step {step} is not tracked");
            var reasons = result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }

        var outputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Adding_an_unrelated_file_reruns_nothing()
        => AssertCached(RunTwice(Source, c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public static class Other { public static int Two => 2; }", GeneratorHarness.ParseOptions, "Other.cs"))));

    [Fact]
    public void Editing_another_method_body_reruns_nothing()
        => AssertCached(RunTwice(Source, c => ReplaceSource(c, Source.Replace("x + 1", "x + 2", StringComparison.Ordinal))));

    [Fact]
    public void Moving_the_formulas_reruns_nothing()
        => AssertCached(RunTwice(Source, c => ReplaceSource(c, Source.Replace("namespace N;", "namespace N;\n\n// A comment that shifts every line.\n", StringComparison.Ordinal))));

    [Fact]
    public void Editing_a_formula_regenerates_its_source_only()
    {
        GeneratorDriverRunResult run = RunTwice(Source, c => ReplaceSource(c, Source.Replace("0.5 * d * d", "0.25 * d * d", StringComparison.Ordinal)));
        GeneratorRunResult result = Assert.Single(run.Results);
        var reasons = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Cached));
        Assert.Contains("0.25", result.GeneratedSources.Single(s => GeneratorResult.WithoutHash(s.HintName) == "N.C.Huber.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Specs_of_the_same_source_in_two_compilations_are_equal()
    {
        LossSpec[] first = Specs(Source), second = Specs(Source);
        Assert.Equal(2, first.Length);
        Assert.Equal(first, second);
        Assert.Equal(first.Select(s => s.GetHashCode()), second.Select(s => s.GetHashCode()));
        Assert.NotEqual(first[0], Specs(Source.Replace("0.5 * d * d", "0.25 * d * d", StringComparison.Ordinal))[0]);
    }

    [Fact]
    public void Pipeline_models_hold_no_symbols_syntax_locations_or_compilations()
    {
        const string withError = GeneratorHarness.Usings + "namespace N;\npublic static partial class D\n{\n    [Loss] public static double Bad(double x) => x % 2;\n}\n";
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(GeneratorHarness.CreateCompilation(Source, withError));
        GeneratorRunResult result = Assert.Single(driver.GetRunResult().Results);
        var models = result.TrackedSteps[LossGenerator.StepNames.Parse].SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
        Assert.Equal(3, models.Count);
        Assert.Contains(models, m => m is ParseResult { Spec: not null });
        Assert.Contains(models, m => m is ParseResult { Diagnostics.Count: > 0 });
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (object model in models)
        {
            Walk(model, "ParseResult", visited);
        }

        Assert.Contains(visited, o => o is LossSpec);
        Assert.Contains(visited, o => o is DiagnosticInfo);
    }

    private static LossSpec[] Specs(string source)
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(GeneratorHarness.CreateCompilation(source));
        return driver.GetRunResult().Results.Single().TrackedSteps[LossGenerator.StepNames.Specs]
            .SelectMany(s => s.Outputs).Select(o => (LossSpec)o.Value).OrderBy(s => s.MethodName, StringComparer.Ordinal).ToArray();
    }

    private static readonly Type[] s_forbidden = [typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Location), typeof(Compilation), typeof(SemanticModel), typeof(SyntaxToken)];

    /// <summary>Every object reachable from <paramref name="value"/> through fields, including private ones and array elements.</summary>
    private static void Walk(object? value, string path, HashSet<object> visited)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || value is Type)
        {
            return;
        }

        Type type = value.GetType();
        Assert.False(s_forbidden.Any(f => f.IsAssignableFrom(type)), $"{path} is a {type.Name}: a pipeline model must hold plain values only");
        if (!type.IsValueType && !visited.Add(value))
        {
            return;
        }

        if (value is Array array)
        {
            int i = 0;
            foreach (object? item in array)
            {
                Walk(item, $"{path}[{i++}]", visited);
            }

            return;
        }

        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Assert.False(s_forbidden.Any(f => f.IsAssignableFrom(field.FieldType) || field.FieldType.IsAssignableFrom(f) && field.FieldType != typeof(object)),
                    $"{path}.{field.Name} is declared as {field.FieldType.Name}");
                Walk(field.GetValue(value), $"{path}.{field.Name}", visited);
            }
        }
    }
}
