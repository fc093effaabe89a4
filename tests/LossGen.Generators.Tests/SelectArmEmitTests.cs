using System;
using LossGen.Generators.Tests.Infrastructure;

namespace LossGen.Generators.Tests;

/// <summary>
/// A select's arm that holds an exp, log or power, or ten statements or more, is written in a block that a vector runs
/// only when some lane takes that arm; shorter arms and every arm of a memory-bound kernel are computed for every vector,
/// as before. (That no value, gradient or bit changes is tested in LossGen.Tests' SelectArmTests.)
/// </summary>
public sealed class SelectArmEmitTests
{
    [Fact]
    public void Arms_that_read_each_other_through_their_selects_are_not_both_skipped()
    {
        // The arm on x > 0 (with Exp(x)) reads b, whose arm on t > 0 (with the Log1p) reads a, the first arm's select: the
        // blocks could not both be written before their readers, so the arm that reads itself through the other loses its
        // test, and the kernel compiles. (LossGen.Tests' SelectArmTests runs this formula against its values.)
        const string source = GeneratorHarness.Usings + """
            namespace N;
            public static partial class Interlocked
            {
                [Loss]
                public static double F(double x, [Target] double t)
                {
                    var a = x > 0 ? Exp(x) : 0.0;
                    var b = t > 0 ? Log1p(x * x + a) : 0.0;
                    return a + (x > 0 ? Exp(b) : 0.0);
                }
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.Problems());
        Assert.Equal(1, KernelSizeTests.Count(KernelSizeTests.KernelMethod(result.Sources["N.Interlocked.F.g.cs"], "Loss"), "if (TSimd.AnyTrue("));
        GeneratorHarness.EmitAndLoad(result.Output);
    }

    [Fact]
    public void Only_arms_worth_their_test_are_skipped()
    {
        const string source = GeneratorHarness.Usings + """
            namespace N;
            public static partial class Arms
            {
                [Loss]
                public static double Overflow(double x, [Target] double t)
                {
                    var h = Exp(0.5 * x);
                    return x > 88 ? h * (h - x * (t / h)) : h * h - t * x;
                }

                [Loss]
                public static double Small(double x, [Target] double t) => Abs(x) <= 0.125 ? x * x * (0.5 - x * x / 12) : Log(1 + Exp(-2 * Abs(x))) + Abs(x) + t;

                [Loss]
                public static double Series(double x, [Target] double t) => x < 1 ? t * x * (1 + x * (0.5 + x * (0.25 + x * (0.125 + x * 0.0625)))) : t * x;

                [Loss]
                public static double ShortDivisions(double x, [Target] double t, [Hyper] double beta = 1)
                {
                    var d = Abs(x - t);
                    return (d < beta ? 0.5 * d * d / beta : d - 0.5 * beta) + Exp(t);
                }

                [Loss]
                public static double PowerGradient(double x, [Target] double t) => Pow(Abs(x), t) + Exp(x);

                [Loss]
                public static double Huber(double pred, [Target] double target)
                {
                    var d = Abs(pred - target);
                    return d <= 1 ? 0.5 * d * d : d - 0.5;
                }
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.Problems());

        // The overflow-safe arm (13 statements with its derivative) is skipped when no lane passes 88; the plain one is short.
        string overflow = KernelSizeTests.KernelMethod(result.Sources["N.Arms.Overflow.g.cs"], "LossAndGradient");
        Assert.Equal(1, KernelSizeTests.Count(overflow, "if (TSimd.AnyTrue("));
        Assert.DoesNotContain("TSimd.Not(", overflow);

        // Here the arm with the exp and the log is the false one.
        string small = KernelSizeTests.KernelMethod(result.Sources["N.Arms.Small.g.cs"], "Loss");
        Assert.Equal(1, KernelSizeTests.Count(small, "if (TSimd.AnyTrue(TSimd.Not("));

        // A series with its derivative is long enough without a transcendental function.
        string series = KernelSizeTests.KernelMethod(result.Sources["N.Arms.Series.g.cs"], "LossAndGradient");
        Assert.Equal(1, KernelSizeTests.Count(series, "if (TSimd.AnyTrue("));

        // Short arms, even with two divisions (smooth L1's ran 9–26% slower with a test where every vector took it), a lone
        // division (Pow's gradient, x^t / x away from x = 0), and a memory-bound kernel's arms are computed for every vector.
        Assert.DoesNotContain("AnyTrue", result.Sources["N.Arms.ShortDivisions.g.cs"]);
        Assert.DoesNotContain("AnyTrue", result.Sources["N.Arms.PowerGradient.g.cs"]);
        Assert.DoesNotContain("AnyTrue", result.Sources["N.Arms.Huber.g.cs"]);

        // The generated code compiles: each arm's results are declared before its block, its condition before that.
        GeneratorHarness.EmitAndLoad(result.Output);
    }
}
