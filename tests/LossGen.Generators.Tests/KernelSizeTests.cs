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
