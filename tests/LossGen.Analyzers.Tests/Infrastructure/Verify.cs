using System.Threading.Tasks;
using LossGen.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace LossGen.Analyzers.Tests.Infrastructure;

/// <summary>
/// Runs <see cref="LossCallAnalyzer"/> (and <see cref="PlusOrMinusOneLabelsCodeFix"/>) over test sources
/// marked up with <c>{|LG0201:0f|}</c>, compiled against the .NET 10 reference assemblies (offline, from
/// Basic.Reference.Assemblies) and the built LossGen runtime, whose catalogue overloads are generated.
/// Compiler warnings count too: a test source, and every fixed source, must compile cleanly.
/// </summary>
internal static class Verify
{
    /// <summary>Opens every test source.</summary>
    public const string Usings = "using System;\nusing System.Linq;\nusing LossGen;\n";

    public static DiagnosticResult Diagnostic(string id) => new(id, DiagnosticSeverity.Warning);

    /// <summary>Exactly the expected diagnostics (markup and <paramref name="expected"/>), whether or not a fix is offered.</summary>
    public static Task Analyzer(string source, params DiagnosticResult[] expected) => Analyzer(source, usings: true, expected);

    /// <summary>As <see cref="Analyzer(string, DiagnosticResult[])"/>; <paramref name="usings"/> false leaves the source as it is (a file header must come first).</summary>
    public static async Task Analyzer(string source, bool usings, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<LossCallAnalyzer, DefaultVerifier> { TestCode = (usings ? Usings : "") + source };
        Configure(test);
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    /// <summary>The fix applied one diagnostic at a time and all at once (fix-all) gives <paramref name="fixedSource"/>; equal sources mean no fix is offered.</summary>
    public static async Task CodeFix(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new CSharpCodeFixTest<LossCallAnalyzer, PlusOrMinusOneLabelsCodeFix, DefaultVerifier> { TestCode = Usings + source, FixedCode = Usings + fixedSource };
        Configure(test);
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    /// <summary>Opens every formula test source: formulas are written as users write them, with LossMath imported statically.</summary>
    public const string FormulaUsings = "using System;\nusing LossGen;\nusing static LossGen.LossMath;\n";

    /// <summary>Exactly the expected LG03xx diagnostics of <see cref="FormulaAnalyzer"/> on the formulas of <paramref name="source"/>.</summary>
    public static async Task Formula(string source, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<FormulaAnalyzer, DefaultVerifier> { TestCode = FormulaUsings + source };
        Configure(test);
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    /// <summary><see cref="FormulaCodeFix"/> applied one diagnostic at a time and all at once gives <paramref name="fixedSource"/>, which must compile cleanly; equal sources mean no fix is offered.</summary>
    public static Task FormulaFix(string source, string fixedSource, params DiagnosticResult[] expected)
        => FormulaFixWithUsings(FormulaUsings, source, fixedSource, expected);

    /// <summary>As <see cref="FormulaFix"/>, with <paramref name="usings"/> in place of <see cref="FormulaUsings"/>.</summary>
    public static async Task FormulaFixWithUsings(string usings, string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new CSharpCodeFixTest<FormulaAnalyzer, FormulaCodeFix, DefaultVerifier> { TestCode = usings + source, FixedCode = usings + fixedSource };
        Configure(test);
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    /// <summary>References, warnings as failures, nullable on, the latest C#: for tests that build their own <see cref="AnalyzerTest{TVerifier}"/>.</summary>
    public static void Configure(AnalyzerTest<DefaultVerifier> test)
    {
        // No reference packages (they would be downloaded): the references are added below.
        test.ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        test.TestState.AdditionalReferences.AddRange(Basic.Reference.Assemblies.Net100.References.All);
        test.TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(Losses).Assembly.Location));
        test.CompilerDiagnostics = CompilerDiagnostics.Warnings;
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            Project project = solution.GetProject(projectId)!;
            var options = ((CSharpCompilationOptions)project.CompilationOptions!)
                .WithNullableContextOptions(NullableContextOptions.Enable)
                .WithSpecificDiagnosticOptions(project.CompilationOptions!.SpecificDiagnosticOptions
                    .SetItem("CS1701", ReportDiagnostic.Suppress)
                    .SetItem("CS1702", ReportDiagnostic.Suppress));
            return solution
                .WithProjectCompilationOptions(projectId, options)
                .WithProjectParseOptions(projectId, ((CSharpParseOptions)project.ParseOptions!).WithLanguageVersion(LanguageVersion.Latest));
        });
    }
}
