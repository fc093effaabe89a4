using System.Threading.Tasks;
using LossGen.Analyzers.Tests.Infrastructure;

namespace LossGen.Analyzers.Tests;

/// <summary>LG0202: spans of one call whose constant lengths differ (the generated method would throw).</summary>
public sealed class LengthTests
{
    private static string InMethod(string body) => $$"""
        static class C
        {
            static void M(float[] x)
            {
        {{body}}
            }
        }
        """;

    [Fact]
    public Task Two_initializers_of_different_counts_are_reported_at_the_second_with_both_lengths()
        => Verify.Analyzer(
            InMethod("        Losses.MeanSquaredError(new float[] { 1, 2, 3 }, new float[] { 1, 2 });"),
            Verify.Diagnostic("LG0202").WithSpan(8, 58, 8, 78)
                .WithArguments("target", "2", "pred", "3", "Losses.MeanSquaredError"));

    [Fact]
    public Task Collection_expressions_locals_and_outputs() => Verify.Analyzer(InMethod("""
                float[] pred = [1, 2, 3];
                Span<float> gradient = stackalloc float[4];
                Losses.HuberWithGradient(pred, {|LG0202:[1f, 2f]|}, {|LG0202:gradient|});
                Losses.LogCoshElementwise(pred, pred, {|LG0202:new float[2]|});
                Losses.HuberElementwiseWithGradient(pred, pred, {|LG0202:new float[2]|}, {|LG0202:gradient|});
        """));

    [Fact]
    public Task Equal_or_unknown_lengths_are_fine() => Verify.Analyzer(InMethod("""
                Losses.MeanSquaredError(new float[] { 1, 2 }, [3f, 4f]);
                Losses.MeanSquaredErrorWithGradient(new float[2], x, new float[2]);
                Losses.MeanSquaredError([.. x], [1f, 2f]);
                float[] grown = new float[2];
                grown = new float[3];
                Losses.MeanSquaredError(grown, new float[2]);
        """));
}
