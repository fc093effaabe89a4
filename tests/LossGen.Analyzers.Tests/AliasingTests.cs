using System.Threading.Tasks;
using LossGen.Analyzers.Tests.Infrastructure;

namespace LossGen.Analyzers.Tests;

/// <summary>
/// LG0203: a gradient output that is the same storage as a target, another input or another gradient.
/// Writing a gradient over its own input is documented as allowed (an in-place update), and so is
/// writing elementwise losses over an input.
/// </summary>
public sealed class AliasingTests
{
    private static string InMethod(string body) => $$"""
        static class C
        {
            static void M(float[] p, float[] y, float[] x1, float[] x2, float[] g)
            {
        {{body}}
            }
        }
        """;

    [Fact]
    public Task A_gradient_written_over_the_targets_is_reported_with_the_reason()
        => Verify.Analyzer(
            InMethod("        Losses.HingeWithGradient(p, y, y);"),
            Verify.Diagnostic("LG0203").WithSpan(8, 40, 8, 41)
                .WithArguments("predGradient", "Losses.HingeWithGradient", "target", "the gradient of 'pred' overwrites the targets"));

    [Fact]
    public Task Through_AsSpan_a_span_constructor_and_a_field() => Verify.Analyzer("""
        class C
        {
            private readonly float[] _labels = new float[4];

            float M(float[] p) => Losses.MeanSquaredErrorWithGradient(p, _labels, {|LG0203:new Span<float>(_labels)|})
                + Losses.LogCoshWithGradient(p, _labels, {|LG0203:_labels.AsSpan()|});
        }
        """);

    [Fact]
    public Task A_gradient_written_over_the_sample_weights_is_reported() => Verify.Analyzer(InMethod("""
                Losses.MeanSquaredErrorWithGradient(p, y, g, {|LG0203:g|});
                Losses.MeanSquaredErrorWithGradient(p, y, g, p);
        """));

    [Fact]
    public Task Two_gradients_in_one_buffer_and_a_gradient_over_another_input() => Verify.Analyzer(InMethod("""
                Losses.MarginRankingWithGradient(x1, x2, y, g, {|LG0203:g|});
                Losses.MarginRankingWithGradient(x1, x2, y, {|LG0203:x2|}, g);
        """));

    [Fact]
    public Task A_gradient_over_its_own_input_and_losses_over_an_input_are_fine() => Verify.Analyzer(InMethod("""
                Losses.LogCoshWithGradient(p, y, p);
                Losses.MarginRankingWithGradient(x1, x2, y, x1, x2);
                Losses.MarginRankingWithGradient(x1, x2, x1, g, x2);
                Losses.HuberElementwise(p, y, p);
                Losses.HuberElementwise(p, y, y);
                Losses.HingeWithGradient(p, y, g);
                Losses.MeanSquaredError(p, p);
        """));
}
