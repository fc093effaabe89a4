using System;
using System.Linq;
using System.Reflection;
using LossGen.Generators.Tests.Infrastructure;

namespace LossGen.Generators.Tests;

/// <summary>
/// The JIT inlines no method with more than 32 IL locals, and an engine loop whose kernel is not inlined calls it once
/// per vector. A kernel method of a long formula must fit, however many temporaries the formula and its gradient need.
/// </summary>
public sealed class KernelSizeTests
{
    private const int MaxInlinedLocals = 32;

    [Fact]
    public void A_long_formula_keeps_every_kernel_method_within_the_JITs_locals_for_inlining()
    {
        // Log-cosh written out with its series, as the catalogue's: 55 temporaries for loss and gradient unfolded.
        const string source = GeneratorHarness.Usings + """
            namespace N;
            public static partial class Big
            {
                [Loss]
                public static double Long(double pred, [Target] double target, [Hyper] double scale = 1)
                {
                    double d = pred - target, a = Abs(d), q = d * d;
                    double series = q * (0.5 + q * (-1.0 / 12 + q * (1.0 / 45 + q * (-17.0 / 2520 + q * (31.0 / 14175 + q * (-691.0 / 935550 + q * 5461.0 / 21284010))))));
                    return scale * (a <= 0.125 ? series : a + Log1p(Exp(-2 * a)) - 0.6931471805599453);
                }
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.Problems());
        Assembly assembly = GeneratorHarness.EmitAndLoad(result.Output);

        MethodInfo[] kernelMethods = assembly.GetTypes()
            .Where(t => t.Name.Contains("LongKernel", StringComparison.Ordinal))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => m.IsGenericMethodDefinition && m.GetGenericArguments().Any(a => a.Name == "TVec"))
            .ToArray();
        Assert.Contains(kernelMethods, m => m.Name == "LossAndGradient");
        Assert.All(kernelMethods, m => Assert.True(
            m.GetMethodBody()!.LocalVariables.Count <= MaxInlinedLocals,
            $"{m.Name} has {m.GetMethodBody()!.LocalVariables.Count} locals"));
        Assert.Contains("TSimd.Multiply(TSimd.", result.Sources["N.Big.Long.g.cs"]);
    }

    [Fact]
    public void A_kernel_inlines_its_first_two_transcendental_functions_and_calls_the_rest()
    {
        // Each inlined exp or log brings the JIT dozens of locals; past 512 in the engine loop every operation left is a call.
        const string source = GeneratorHarness.Usings + """
            namespace N;
            public static partial class Three
            {
                [Loss]
                public static double Mixed(double pred, [Target] double target) => Exp(-pred * pred) + Log1p(target * pred * pred) + Log(1 + pred * pred);

                [Loss]
                public static double Powered(double pred, [Target] double target) => Exp(-pred * pred) * Pow(1 + pred * pred, target);
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.Problems());

        string mixed = KernelMethod(result.Sources["N.Three.Mixed.g.cs"], "LossAndGradient");
        Assert.Equal(2, Count(mixed, "Inlined("));
        Assert.Contains("TSimd.ExpInlined(", mixed);
        Assert.Contains("TSimd.Log1pInlined(", mixed);
        Assert.Contains("TSimd.Log(", mixed);

        // A Pow takes one of the two places (its general exponents are one call, with its own exp and log); its gradient
        // divides the forward's power instead of computing a second one.
        string powered = KernelMethod(result.Sources["N.Three.Powered.g.cs"], "LossAndGradient");
        Assert.Equal(1, Count(powered, "Inlined("));
        Assert.Contains("TSimd.ExpInlined(", powered);
        Assert.Equal(1, Count(powered, "SimdFunctions.Pow<"));
    }

    [Fact]
    public void Two_arms_of_one_condition_share_a_place_only_when_the_places_run_short()
    {
        // A vector runs one arm of a condition as a rule: with two places and a third function elsewhere, the other
        // arm's exp is a call and the log takes its place. With only the two arms' exps, both are inlined (a call even on
        // a path no vector takes makes the JIT keep the loop's vectors on the stack).
        const string source = GeneratorHarness.Usings + """
            namespace N;
            public static partial class Arms
            {
                [Loss]
                public static double Crowded(double pred, [Target] double target)
                {
                    var common = Exp(pred) - target * pred;
                    var rare = Exp(0.5 * pred) * target;
                    var stirling = target > 1 ? Log(target) * target : 0.0;
                    return (pred > 80 ? rare : common) + stirling;
                }

                [Loss]
                public static double Roomy(double pred, [Target] double target)
                    => pred > 80 ? Exp(0.5 * pred) * target : Exp(pred) - target * pred;
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.Problems());

        string crowded = KernelMethod(result.Sources["N.Arms.Crowded.g.cs"], "LossAndGradient");
        Assert.Equal(2, Count(crowded, "Inlined("));
        Assert.Equal(1, Count(crowded, "TSimd.ExpInlined(pred)"));
        Assert.Equal(1, Count(crowded, "TSimd.Exp("));
        Assert.Equal(1, Count(crowded, "TSimd.LogInlined(target)"));

        string roomy = KernelMethod(result.Sources["N.Arms.Roomy.g.cs"], "LossAndGradient");
        Assert.Equal(2, Count(roomy, "TSimd.ExpInlined("));
        Assert.Equal(0, Count(roomy, "TSimd.Exp("));
    }

    [Fact]
    public void What_depends_on_the_settings_alone_is_computed_once_per_call_not_per_vector()
    {
        const string source = GeneratorHarness.Usings + """
            namespace N;
            public static partial class Settings
            {
                [Loss]
                public static double Scaled(double x, [Target] double t, [Hyper] double tau = 2.0)
                    => (tau > 1 ? Exp(-tau * tau) : Log(2 + tau)) * Square(x - t) + (1 - tau) * x;
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.Problems());
        string file = result.Sources["N.Settings.Scaled.g.cs"];

        // The kernel reads them from fields the constructor fills: no exp, log or comparison of tau per vector.
        foreach (string method in new[] { "Loss", "LossAndGradient" })
        {
            string kernel = KernelMethod(file, method);
            Assert.Equal(0, Count(kernel, "TSimd.Exp") + Count(kernel, "TSimd.Log") + Count(kernel, "TSimd.GreaterThan") + Count(kernel, "TSimd.LessThan"));
            Assert.Contains("TSimd.Create(_", kernel);
        }

        Assert.Contains("private static void ComputeSettings<TSimd>(T tau, out T ", file);
        Assert.Contains("ComputeSettings<global::LossGen.Kernels.ScalarSimd<T>>(_tau, out _", file);
        Assert.Equal(1, Count(file, "TSimd.Exp("));
        Assert.Equal(1, Count(file, "TSimd.Log("));
    }

    internal static string KernelMethod(string source, string name)
    {
        int start = source.IndexOf($"public TVec {name}<TVec, TSimd>(", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no {name} in the generated source");
        int end = source.IndexOf("\n        }\n", start, StringComparison.Ordinal);
        return source.Substring(start, end - start);
    }

    internal static int Count(string text, string value)
    {
        int count = 0;
        for (int i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
