using System.Threading.Tasks;
using LossGen.Analyzers.Tests.Infrastructure;

namespace LossGen.Analyzers.Tests;

/// <summary>The examples the README's Diagnostics section and the help pages show, reported as they say.</summary>
public sealed class DocumentationExampleTests
{
    [Fact]
    public Task Readme_diagnostics_example() => Verify.Analyzer("""
        static class C
        {
            static float M(float[] scores, float[] pred, float[] gradient, float[] targets)
            {
                float[] labels = [.. scores.Select(s => s > 0 ? 1f : {|LG0201:0f|})];
                float loss = Losses.HingeWithGradient(pred, labels, gradient);
                Losses.HingeWithGradient(pred, targets, {|LG0203:targets|});
                Losses.MeanSquaredError(new float[3], {|LG0202:[0f, 1f]|});
                return loss;
            }
        }
        """);

    [Fact]
    public Task Help_page_fixes_compile_cleanly() => Verify.Analyzer("""
        static class C
        {
            static void M(float[] scores, float[] pred, float[] predGradient, float[] x1, float[] x2, float[] y, float[] x1Gradient, float[] x2Gradient)
            {
                float[] labels = [.. scores.Select(s => s > 0 ? 1f : -1f)];
                Losses.HingeWithGradient(pred, labels, predGradient);
                Losses.HingeWithGradient(pred, labels, pred);
                Losses.MarginRankingWithGradient(x1, x2, y, x1Gradient, x2Gradient);
                Losses.MeanSquaredError(new float[] { 0.2f, 0.4f, 0.9f }, [0f, 1f, 1f]);
            }
        }
        """);
}
