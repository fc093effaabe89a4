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

    [Fact]
    public Task Formula_help_page_examples_are_reported_as_they_say() => Verify.Formula("""
        static partial class L
        {
            [Loss]
            internal static double Bce([Probability] double p, [Target] double t)
                => -(t * {|LG0301:Log(p)|} + (1 - t) * {|LG0301:Log(1 - p)|});

            [Loss]
            internal static double Logistic(double z, [Target] double t)
            {
                var p = Sigmoid(z);
                return -(t * {|LG0302:Log(p)|} + (1 - t) * {|LG0302:Log(1 - p)|});
            }

            [Loss]
            internal static double Readme(double z, [Target] double t)
                => -(t * {|LG0302:Log(Sigmoid(z))|} + (1 - t) * {|LG0302:Log(1 - Sigmoid(z))|});

            [Loss]
            internal static double Euclidean(Row a, Row b) => {|LG0303:Sqrt(Sum(Square(a - b)))|};

            [Loss]
            internal static double Dice(Row pred, [Target] Row target, [Hyper] double smooth = 0)
                => 1 - (2 * Dot(pred, target) + smooth) / {|LG0304:(Sum(pred) + Sum(target) + smooth)|};

            [Loss]
            internal static double Softplus1(double x, [Target] double t) => {|LG0305:Log(1 + Exp(x))|} - t * x;

            [Loss]
            internal static double Huber(double pred, [Target] double target, [Hyper] double delta = {|LG0306:0|})
            {
                var d = Abs(pred - target);
                return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
            }
        }
        """);

    [Fact]
    public Task Formula_help_page_fixes_are_clean() => Verify.Formula("""
        static partial class L
        {
            [Loss]
            internal static double Bce([Probability] double p, [Target] double t)
                => -(t * Log(Clamp(p, Epsilon, 1 - Epsilon)) + (1 - t) * Log(Clamp(1 - p, Epsilon, 1 - Epsilon)));

            [Loss]
            internal static double Logistic(double z, [Target] double t) => -(t * LogSigmoid(z) + (1 - t) * LogSigmoid(-z));

            [Loss]
            internal static double Euclidean(Row a, Row b) => Distance(a, b);

            [Loss]
            internal static double Dice(Row pred, [Target] Row target, [Hyper] double smooth = 1.0)
                => 1 - (2 * Dot(pred, target) + smooth) / (Sum(pred) + Sum(target) + smooth);

            [Loss]
            internal static double Softplus1(double x, [Target] double t) => Softplus(x) - t * x;

            [Loss]
            internal static double Huber(double pred, [Target] double target, [Hyper] double delta = 1.0)
            {
                var d = Abs(pred - target);
                return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
            }

            [Loss]
            internal static double Poisson(double rate, [Target] double count) => rate - count * Log(rate + 1e-8) + Log(Max(rate, 1e-12));

            [Loss]
            internal static double LogMean(Row x) => LogSumExp(x) - Log(Length(x));
        }
        """);
}
