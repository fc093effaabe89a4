using System.Linq;
using LossGen.Generators.Tests.Infrastructure;

namespace LossGen.Generators.Tests;

/// <summary>
/// A log1p of e^z with z never positive (−|x|, or c·|x| with c ≤ 0: softplus's and log-cosh's) lies in [0, 1], and the
/// kernel computes it with <c>ISimd.Log1pOnUnitInterval</c>, a dozen operations where the general log1p needs a range
/// reduction and a rounding correction. Any other log1p keeps the general one. (Its accuracy and bits on every width are
/// tested in LossGen.Tests' SimdTests; the catalogue losses that use it against their formulas and libtorch.)
/// </summary>
public sealed class LoweringEmitTests
{
    [Fact]
    public void A_log1p_of_an_exp_that_is_at_most_1_takes_the_unit_interval_form_and_no_other_does()
    {
        const string source = GeneratorHarness.Usings + """
            namespace N;
            public static partial class Logs
            {
                [Loss] public static double Softplus1(double x, [Target] double t) => Softplus(x) - x * t;
                [Loss] public static double LogCosh1(double x, [Target] double t) => LogCosh(x - t);
                [Loss] public static double MinusAbs(double x, [Target] double t) => Log1p(Exp(-Abs(x))) * t;
                [Loss] public static double ScaledAbs(double x, [Target] double t) => Log1p(Exp(-3 * Abs(x))) * t;
                [Loss] public static double PlainArgument(double x, [Target] double t) => Log1p(x * x) * t;
                [Loss] public static double ExpOfInput(double x, [Target] double t) => Log1p(Exp(-x)) * t;
                [Loss] public static double GrowingExp(double x, [Target] double t) => Log1p(Exp(2 * Abs(x))) * t;
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.Problems());
        foreach (string unit in new[] { "Softplus1", "LogCosh1", "MinusAbs", "ScaledAbs" })
        {
            string kernel = KernelSizeTests.KernelMethod(result.Sources[$"N.Logs.{unit}.g.cs"], "LossAndGradient");
            Assert.True(KernelSizeTests.Count(kernel, "TSimd.Log1pOnUnitInterval(") == 1, unit + ":\n" + kernel);
            Assert.True(KernelSizeTests.Count(kernel, "TSimd.Log1p(") + KernelSizeTests.Count(kernel, "TSimd.Log1pInlined(") == 0, unit + ":\n" + kernel);
        }

        // It still counts as a log for select arms: log-cosh skips its log1p for vectors of small residuals, and its series
        // for vectors without one (a generated change once computed the log1p for every vector: 64 -> 72 us at 512 bits).
        Assert.Equal(2, KernelSizeTests.Count(KernelSizeTests.KernelMethod(result.Sources["N.Logs.LogCosh1.g.cs"], "LossAndGradient"), "if (TSimd.AnyTrue("));

        foreach (string general in new[] { "PlainArgument", "ExpOfInput", "GrowingExp" })
        {
            string kernel = KernelSizeTests.KernelMethod(result.Sources[$"N.Logs.{general}.g.cs"], "LossAndGradient");
            Assert.True(KernelSizeTests.Count(kernel, "TSimd.Log1pOnUnitInterval(") == 0, general + ":\n" + kernel);
            Assert.True(KernelSizeTests.Count(kernel, "TSimd.Log1p(") + KernelSizeTests.Count(kernel, "TSimd.Log1pInlined(") == 1, general + ":\n" + kernel);
        }

        // The generated documentation writes the function as the formula does.
        Assert.DoesNotContain("Log1pOnUnitInterval", string.Join("\n", result.Sources.Values.SelectMany(s => s.Split('\n')).Where(line => line.TrimStart().StartsWith("///"))));
        GeneratorHarness.EmitAndLoad(result.Output);
    }
}
