using System.Linq;
using LossGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace LossGen.Generators.Tests;

/// <summary>Names and shapes that valid formulas may have; each must compile (and run) or be an LG error, never broken output.</summary>
public sealed class EdgeCaseTests
{
    /// <summary>A formula whose C# meaning the kernels could miss: each must run as the formula does, or be an LG error.</summary>
    [Theory]
    [InlineData("IntDivision", "{ var i = 2; return x * (i / 3); }")]
    [InlineData("IntLocal", "{ var i = 2; var j = i * 3 - 1; return x * j + i; }")]
    [InlineData("ConstantIntDivision", "x * (1 / 2) + x * (7 / 2)")]
    [InlineData("BoolLocal", "{ var big = x > 1; var small = !big && x < -1; return big ? x : small ? -x : x * x; }")]
    [InlineData("ConstLocal", "{ const double c = 1.5; return c * x * x; }")]
    public void Formulas_with_integers_and_booleans_mean_what_CSharp_says(string name, string body)
    {
        var c = new LossCase(name, body, Param.In("x")) { DoubleOnly = true };
        GeneratorResult result = GeneratorHarness.Run(LossCase.Source([c]));
        if (result.GeneratorDiagnostics.Any(d => d.Id.StartsWith("LG", System.StringComparison.Ordinal)))
        {
            Assert.Empty(result.Sources);
            return;
        }

        var compiled = new CompiledLosses([c]);
        compiled.CheckDouble(c, n: 33, seed: 5);
    }

    [Theory]
    [InlineData("ns", "namespace N;\npublic static partial class C\n{\n    [Loss] public static double F(double x, [Hyper] double p) { var @int = x * p; return @int * @int; }\n}")]
    [InlineData("field", "namespace N;\npublic static partial class C\n{\n    [Loss] public static double F(double x, [Hyper] double p) { var _p = x * p; return _p * _p; }\n}")]
    [InlineData("type", "namespace N;\npublic static partial class @event\n{\n    [Loss] public static double F(double x) => x * x;\n}")]
    [InlineData("namespace", "namespace @namespace.@class;\npublic static partial class C\n{\n    [Loss] public static double F(double x) => x * x;\n}")]
    [InlineData("method", "namespace N;\npublic static partial class C\n{\n    [Loss] public static double @checked(double x) => x * x;\n}")]
    [InlineData("locals", "namespace N;\npublic static partial class C\n{\n    [Loss] public static double F(double x, [Target] double y) { var T = x - y; var TVec = T * T; var unused1 = TVec + 1; var t0 = unused1 * x; return t0 + TVec; }\n}")]
    [InlineData("kernel name", "namespace N;\npublic static partial class C\n{\n    private struct FKernel { }\n    [Loss] public static double F(double x) => x * x;\n}")]
    [InlineData("nested kernel name", "namespace N;\npublic static partial class C\n{\n    private struct FKernel<T> { }\n    [Loss] public static double F(double x) => x * x;\n}")]
    [InlineData("top-level kernel name", "namespace N;\npublic struct FKernel<T> { }\npublic static partial class C\n{\n    [Loss] public static double F(Row x, int y) => LogSumExp(x) - x[y];\n}")]
    [InlineData("generated identifiers as parameter names", "namespace N;\npublic static partial class C\n{\n    [Loss] public static double F(Row TVec, Row state, int scalars, [Target] double TPass, [Hyper] double _TVec, [Hyper] double TEdge) { var TSoftmax = TVec * _TVec; return LogSumExp(TSoftmax) - state[scalars] * TPass + TEdge; }\n}")]
    [InlineData("elementwise parameters named like the kernel's", "namespace N;\npublic static partial class C\n{\n    [Loss] public static double F(double TVec, double T, double _k, [Hyper] double k) { var unused0 = TVec * k; return unused0 * T + _k; }\n}")]
    [InlineData("case-only differences", "#pragma warning disable CS8981\nnamespace N\n{\n    public static partial class C\n    {\n        [Loss] public static double F(double x) => x * x;\n        [Loss] public static double f(double x) => x * x * x;\n    }\n    public static partial class c\n    {\n        [Loss] public static double F(double x) => x;\n    }\n}\nnamespace n\n{\n    public static partial class C\n    {\n        [Loss] public static double F(double x) => x;\n    }\n}")]
    [InlineData("same loss name in two types", "namespace N;\npublic static partial class A\n{\n    [Loss] public static double F(double x) => x * x;\n}\npublic static partial class B\n{\n    [Loss] public static double F(double x) => x * x;\n}")]
    [InlineData("loss is a hyperparameter", "namespace N;\npublic static partial class C\n{\n    [Loss] public static double F(double x, [Hyper] double k) => k;\n}")]
    [InlineData("gradient is a hyperparameter", "namespace N;\npublic static partial class C\n{\n    [Loss] public static double F(double x, [Hyper] double k) => k * x;\n}")]
    [InlineData("loss is an input", "namespace N;\npublic static partial class C\n{\n    [Loss] public static double F([Target] double y, double x) => x;\n}")]
    [InlineData("loss is a constant", "namespace N;\npublic static partial class C\n{\n    [Loss] public static double F(double x) => 2.5;\n}")]
    [InlineData("loss is epsilon", "namespace N;\npublic static partial class C\n{\n    [Loss] public static double F(double x) => Epsilon;\n}")]
    public void Unusual_but_valid_formulas_compile_or_are_reported(string what, string source)
    {
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Usings + source);
        if (result.GeneratorDiagnostics.Any(d => d.Id.StartsWith("LG", System.StringComparison.Ordinal)))
        {
            Assert.Empty(result.Sources);
            return;
        }

        Assert.NotEmpty(result.HintNames);
        Assert.Equal(result.HintNames.Count(), result.HintNames.Distinct(System.StringComparer.OrdinalIgnoreCase).Count());
        Assert.True(!result.Problems().Any(), $"{what}: generated code does not compile:\n" + string.Join("\n", result.Problems()));
    }
}
