using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LossGen.Generators.Tests.Infrastructure;

/// <summary>
/// Runs <see cref="LossGenerator"/> over in-memory sources, the way the compiler does: the .NET 10
/// reference assemblies (offline, from Basic.Reference.Assemblies) plus the LossGen runtime.
/// </summary>
internal static class GeneratorHarness
{
    /// <summary>Doc comments parsed (the generator reads summaries) but not required.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Parse);

    /// <summary>GenerateDocumentationFile's checks: with warnings as errors, a missing or bad doc comment fails the build.</summary>
    public static readonly CSharpParseOptions DocumentedParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    public static readonly ImmutableArray<MetadataReference> References = Basic.Reference.Assemblies.Net100.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(LossAttribute).Assembly.Location))
        .ToImmutableArray();

    /// <summary>Nullable on, every warning an error, as Directory.Build.props sets for real projects.</summary>
    public static readonly CSharpCompilationOptions Options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithGeneralDiagnosticOption(ReportDiagnostic.Error)
        .WithWarningLevel(9999)
        .WithOptimizationLevel(OptimizationLevel.Release)
        .WithDeterministic(true)
        // The SDK's defaults: assembly-version unification notes are not problems of the code.
        .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
        {
            ["CS1701"] = ReportDiagnostic.Suppress,
            ["CS1702"] = ReportDiagnostic.Suppress,
        });

    public const string Usings = "using System;\nusing LossGen;\nusing static LossGen.LossMath;\n";

    public static CSharpCompilation CreateCompilation(params string[] sources) => CreateCompilation(ParseOptions, sources);

    public static CSharpCompilation CreateCompilation(CSharpParseOptions parseOptions, params string[] sources)
        => CSharpCompilation.Create(
            "UserLosses" + Guid.NewGuid().ToString("N"),
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parseOptions, path: $"Source{i}.cs")),
            References,
            Options);

    public static GeneratorDriver CreateDriver(bool trackSteps = false, CSharpParseOptions? parseOptions = null)
        => CSharpGeneratorDriver.Create(
            new[] { new LossGenerator().AsSourceGenerator() },
            parseOptions: parseOptions ?? ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator; fails the test if it threw.</summary>
    public static GeneratorResult Run(params string[] sources) => Run(ParseOptions, sources);

    public static GeneratorResult Run(CSharpParseOptions parseOptions, params string[] sources)
    {
        CSharpCompilation compilation = CreateCompilation(parseOptions, sources);
        GeneratorDriver driver = CreateDriver(parseOptions: parseOptions).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult result = driver.GetRunResult();
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        return new GeneratorResult(compilation, (CSharpCompilation)output, result, generatorDiagnostics);
    }

    /// <summary>Emits a compilation and loads it into a collectible context; fails the test on any error or warning.</summary>
    public static Assembly EmitAndLoad(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emit = compilation.Emit(stream);
        Assert.True(emit.Success, "Emit failed:\n" + string.Join("\n", emit.Diagnostics));
        Assert.Empty(emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        stream.Position = 0;
        return new AssemblyLoadContext(compilation.AssemblyName, isCollectible: true).LoadFromStream(stream);
    }
}

internal sealed record GeneratorResult(
    CSharpCompilation Input,
    CSharpCompilation Output,
    GeneratorDriverRunResult RunResult,
    ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    /// <summary>The generated files' hint names as generated: the loss's full name, a hash of it, ".g.cs".</summary>
    public IEnumerable<string> HintNames => RunResult.Results.SelectMany(r => r.GeneratedSources).Select(s => s.HintName);

    /// <summary>The generated files, by hint name without its hash ("N.C.F.g.cs"), which every file must have.</summary>
    public IReadOnlyDictionary<string, string> Sources
        => RunResult.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => WithoutHash(s.HintName), s => s.SourceText.ToString());

    public static string WithoutHash(string hintName)
    {
        var match = System.Text.RegularExpressions.Regex.Match(hintName, @"^(.+)\.[0-9a-f]{8}\.g\.cs$");
        Assert.True(match.Success, $"hint name '{hintName}' is not '<full name>.<8 hex digits>.g.cs'");
        return match.Groups[1].Value + ".g.cs";
    }

    /// <summary>Diagnostics of the input compilation and the generator, errors and warnings only.</summary>
    public IEnumerable<Diagnostic> Problems(bool includeOutput = true)
        => (includeOutput ? Output.GetDiagnostics() : Input.GetDiagnostics())
            .Concat(GeneratorDiagnostics)
            .Where(d => d.Severity >= DiagnosticSeverity.Warning);
}
