using System;
using System.IO;
using System.Threading.Tasks;
using LossGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace LossGen.Analyzers.Tests;

/// <summary>
/// The formula rules read formulas with the generator's parser: a formula the generator rejects, or that does
/// not compile, gets no LG03xx warning (its errors say what is wrong); and the formulas this repository ships
/// (the catalogue, the sample) get none at all.
/// </summary>
public sealed class FormulaParserSharingTests
{
    [Theory]
    [InlineData("LG0102 (%)", "static partial class L { [Loss] internal static double F(double p) => Log(p) + p % 2; }")]
    [InlineData("LG0103 (a helper)", "static partial class L { static double H(double x) => x; [Loss] internal static double F(double p) => Log(H(p)); }")]
    [InlineData("LG0104 (a field)", "static partial class L { static double s = 1; [Loss] internal static double F(double p) => Log(p * s); }")]
    [InlineData("LG0101 (an if)", "static partial class L { [Loss] internal static double F(double p) { if (p > 1) { p = 1; } return Log(p); } }")]
    [InlineData("LG0001 (instance)", "partial class L { [Loss] internal double F(double p) => Log(p); }")]
    [InlineData("LG0002 (not partial)", "static class L { [Loss] internal static double F(double p) => Log(Sigmoid(p)); }")]
    [InlineData("LG0003 (float)", "static partial class L { [Loss] internal static double F(float p) => Log(p); }")]
    [InlineData("LG0005 (no input)", "static partial class L { [Loss] internal static double F([Hyper] double p = 0) => Log(p) / p; }")]
    public Task A_formula_the_generator_rejects_gets_no_formula_warning(string why, string source)
    {
        _ = why;
        return Verify.Formula(source);
    }

    [Fact]
    public Task A_formula_with_compiler_errors_gets_no_formula_warning() => Verify.Formula(
        "static partial class L { [Loss] internal static double F(double p) => Log(p) + {|CS0103:q|}; }");

    [Fact]
    public Task The_same_formula_accepted_is_reported() => Verify.Formula(
        "static partial class L { [Loss] internal static double F(double p) => {|LG0301:Log(p)|} + p * 2; }");

    [Fact]
    public Task System_Math_twins_read_as_their_LossMath_functions() => Verify.Formula(
        "static partial class L { [Loss] internal static double F(double p, double q) => {|LG0301:Math.Log(p)|} + {|LG0303:Math.Sqrt(q * q)|} + Math.Log(Math.Max(p, 1e-9)); }");

    [Fact]
    public Task Only_Loss_methods_are_read() => Verify.Formula(
        "static partial class L { internal static double F(double p) => Log(p) + Sqrt(p); }");

    /// <summary>
    /// The catalogue's formulas and the sample's, as they are in the repository (under another namespace, so they
    /// do not clash with the referenced runtime's own <c>Losses</c>), get no formula warning. The build checks the
    /// same (the analyzers run on every project, warnings as errors); this says which file when it fails.
    /// </summary>
    [Theory]
    [InlineData("src/LossGen/Losses/Losses.Elementwise.cs", "src/LossGen/Losses/Losses.Rows.cs")]
    [InlineData("samples/LogisticRegression/SampleLosses.cs")]
    public async Task Shipped_formulas_get_no_formula_warning(params string[] paths)
    {
        var test = new CSharpAnalyzerTest<FormulaAnalyzer, DefaultVerifier>();
        foreach (string path in paths)
        {
            string source = File.ReadAllText(Path.Combine(RepositoryRoot(), path)).Replace("namespace LossGen;", "using LossGen;\nnamespace Catalogue;", StringComparison.Ordinal);
            Assert.Contains("[Loss]", source, StringComparison.Ordinal);
            test.TestState.Sources.Add((path, source));
        }

        Verify.Configure(test);
        await test.RunAsync();
    }

    /// <summary>The test above sees the catalogue's formulas: the same files with a guard taken out are reported.</summary>
    [Fact]
    public async Task The_catalogue_without_its_guards_is_reported()
    {
        var test = new CSharpAnalyzerTest<FormulaAnalyzer, DefaultVerifier>();
        foreach ((string path, string guarded, string unguarded) in new[]
        {
            ("src/LossGen/Losses/Losses.Elementwise.cs", "pred - target * Log(pred + eps)", "pred - target * {|LG0301:Log(pred)|}"),
            ("src/LossGen/Losses/Losses.Rows.cs", "Dice(Row pred, [Target] Row target, [Hyper, NonNegative] double smooth = 1.0)", "Dice(Row pred, [Target] Row target, [Hyper, NonNegative] double smooth = 0.0)"),
            ("src/LossGen/Losses/Losses.Rows.cs", "/ (Sum(pred) + Sum(target) + smooth);", "/ {|LG0304:(Sum(pred) + Sum(target) + smooth)|};"),
        })
        {
            int index = test.TestState.Sources.FindIndex(s => s.filename == path);
            string source = index >= 0
                ? test.TestState.Sources[index].content.ToString()
                : File.ReadAllText(Path.Combine(RepositoryRoot(), path)).Replace("namespace LossGen;", "using LossGen;\nnamespace Catalogue;", StringComparison.Ordinal);
            Assert.Contains(guarded, source, StringComparison.Ordinal);
            source = source.Replace(guarded, unguarded, StringComparison.Ordinal);
            if (index >= 0)
            {
                test.TestState.Sources[index] = (path, Microsoft.CodeAnalysis.Text.SourceText.From(source));
            }
            else
            {
                test.TestState.Sources.Add((path, source));
            }
        }

        Verify.Configure(test);
        await test.RunAsync();
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LossGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No LossGen.sln above {AppContext.BaseDirectory}.");
    }
}
