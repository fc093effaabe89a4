using System.Linq;
using LossGen.Generators.Tests.Infrastructure;

namespace LossGen.Generators.Tests;

/// <summary>
/// How row formulas are planned into passes: independent reductions share a pass, a reduction that reads
/// another's result waits for the next pass, a pass folds at most four reductions, and the gradient adds
/// the reductions it needs (a maximum's tie count). A log-sum-exp whose softmax the gradient reads lends that
/// gradient its pass's exponentials.
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

    [Theory]
    // Softmax cross-entropy: the gradient's e^(z − lse) reads the log-sum-exp pass's exponentials.
    [InlineData("LogSumExp(z) - z[label]", "Row z, int label", true)]
    [InlineData("LogSumExp(z) * Sum(t) - Dot(t, z)", "Row z, [Target] Row t", true)]
    // A temperature: the log-sum-exp is of z / temperature, and so is the softmax.
    [InlineData("LogSumExp(z / temperature) - z[label] / temperature", "Row z, int label, [Hyper] double temperature = 2", true)]
    // Two log-sum-exps: only one lends its exponentials; the other softmax calls exp.
    [InlineData("LogSumExp(z) + LogSumExp(2 * z)", "Row z", true)]
    // No softmax in the gradient.
    [InlineData("Sum(z * z)", "Row z", false)]
    [InlineData("Max(z)", "Row z", false)]
    public void The_gradient_reuses_the_softmax_of_one_log_sum_exp(string body, string parameters, bool reuses)
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
        Assert.Equal(reuses, !text.Contains("public static int SoftmaxReduction => -1;"));
        Assert.Equal(reuses ? 1 : 0, text.Split("TSoftmax.Softmax<TVec, T, TSimd>(").Length - 1);
        Assert.Equal(reuses ? 1 : 0, text.Split(", ref state, out exps);").Length - 1);
        if (body.Contains("2 * z"))
        {
            // The other log-sum-exp's softmax is computed: one exp left in the gradient.
            string gradient = text[text.IndexOf("public void Gradient<", System.StringComparison.Ordinal)..];
            Assert.Single(gradient.Split('\n'), line => line.Contains("= TSimd.Exp(") || line.Contains("= TSimd.ExpInlined("));
        }
    }
}
