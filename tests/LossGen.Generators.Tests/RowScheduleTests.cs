using System.Linq;
using LossGen.Generators.Tests.Infrastructure;

namespace LossGen.Generators.Tests;

/// <summary>
/// How row formulas are planned into passes: independent reductions share a pass, a reduction that reads
/// another's result waits for the next pass, a pass folds at most four reductions, and the gradient adds
/// the reductions it needs (a maximum's tie count).
/// </summary>
public sealed class RowScheduleTests
{
    [Theory]
    [InlineData("LogSumExp(z) - z[label]", "Row z, int label", 1, 1)]
    [InlineData("LogSumExp(z) * Sum(t) - Dot(t, z)", "Row z, [Target] Row t", 1, 3)]
    [InlineData("LogSumExp(z) - Dot(Softmax(z), z)", "Row z", 2, 2)]
    [InlineData("Sum(z) + Sum(z * z) + Sum(Abs(z)) + Sum(Exp(-z * z)) + Sum(Log1p(z * z))", "Row z", 2, 5)]
    [InlineData("Max(z)", "Row z", 2, 2)]
    // The mean's adjoint is a sum over the row of the norm's gradient (zero in exact arithmetic, not symbolically): a third pass.
    [InlineData("Norm(z - Mean(z))", "Row z", 3, 3)]
    public void Reductions_share_passes_as_their_dependencies_allow(string body, string parameters, int passes, int reductions)
    {
        string source = GeneratorHarness.Usings + $$"""
            namespace N;

            public static partial class C
            {
                [Loss]
                public static double F({{parameters}}) => {{body}};
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.Problems());
        string text = result.Sources.Single().Value;
        Assert.Contains($"public static int PassCount => {passes};", text);
        Assert.Contains($"public static int ReductionCount => {reductions};", text);
    }
}
