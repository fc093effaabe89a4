using System;
using System.Linq;
using System.Reflection;
using LossGen.Generators.Tests.Infrastructure;

namespace LossGen.Generators.Tests;

/// <summary>
/// Settings a formula declares: a range ([Positive], [NonNegative], [Probability], [InRange], several intersecting)
/// checked by every overload before anything is written, and a <c>[Hyper] bool</c> flag, a condition in the formula
/// with a kernel of its own for each value (up to three flags).
/// </summary>
public sealed class SettingTests
{
    private const string Source = GeneratorHarness.Usings + """
        namespace N;

        public static partial class C
        {
            [Loss]
            public static double F(double x, [Target] double t, [Hyper, Positive] double scale, [Hyper, InRange(-1, 2), NonNegative] double shift = 0.5, [Hyper] bool squared = true)
                => squared ? scale * Square(x - t) + shift : scale * Abs(x - t) + shift;

            [Loss]
            public static double G(Row z, int label, [Hyper, Probability] double smoothing = 0.1, [Hyper] bool centered = false)
                => (1 - smoothing) * (LogSumExp(z) - z[label]) + smoothing * (centered ? LogSumExp(z) - Mean(z) : 0);

            // Four flags: past the three that get a kernel per combination, the flags stay numbers in one kernel.
            [Loss]
            public static double H(double x, [Hyper] bool a, [Hyper] bool b = true, [Hyper] bool c = false, [Hyper] bool d = false)
                => (a ? x : 0) + (b ? 2 * x : 0) + (c ? Exp(x) : 0) + (d ? -x : 0);
        }

        public static class Driver
        {
            public static double F(double[] x, double[] t, double[] g, double scale, double shift, bool squared) => C.FWithGradient(x, t, g, scale, shift, squared);
            public static double FDefaults(double[] x, double[] t, double scale) => C.F(x, t, scale);
            public static double G(double[] z, int[] labels, double[] g, double smoothing, bool centered) => C.GWithGradient(z, labels, g, 3, smoothing, centered);
            public static double H(double[] x, double[] g, bool a, bool b, bool c, bool d) => C.HWithGradient(x, g, a, b, c, d);
        }
        """;

    private static readonly Lazy<GeneratorResult> s_generated = new(() => GeneratorHarness.Run(Source));

    private static readonly Lazy<Type> s_driver = new(() =>
    {
        GeneratorResult result = s_generated.Value;
        Assert.Empty(result.Problems());
        return GeneratorHarness.EmitAndLoad(result.Output).GetType("N.Driver", throwOnError: true)!;
    });

    [Theory]
    [InlineData(0.0, 0.5, "scale")]
    [InlineData(-1.0, 0.5, "scale")]
    [InlineData(double.NaN, 0.5, "scale")]
    [InlineData(1.0, -0.25, "shift")] // inside [-1, 2] but not [NonNegative]: the ranges intersect
    [InlineData(1.0, 2.5, "shift")]
    [InlineData(1.0, double.NaN, "shift")]
    public void A_setting_outside_its_declared_range_throws_naming_it_before_anything_is_written(double scale, double shift, string name)
    {
        double[] gradient = [-7, -7];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Invoke("F", new double[] { 1, 2 }, new double[] { 0, 0 }, gradient, scale, shift, true));
        Assert.Equal(name, e.ParamName);
        Assert.Contains($"The setting '{name}' is", e.Message, StringComparison.Ordinal);
        Assert.Equal([-7.0, -7.0], gradient);
    }

    [Fact]
    public void The_ends_of_a_range_are_accepted_and_a_flag_picks_its_branch()
    {
        double[] gradient = new double[2];
        Assert.Equal(((1 * 1) + 2 + (1 * 1) + 2) / 2.0, Invoke("F", new double[] { 1, 2 }, new double[] { 0, 1 }, gradient, 1.0, 2.0, true));
        Assert.Equal([1.0, 1.0], gradient);
        Assert.Equal(((3 * 1) + 0 + (3 * 1) + 0) / 2.0, Invoke("F", new double[] { 1, 2 }, new double[] { 0, 1 }, gradient, 3.0, 0.0, false));
        Assert.Equal([1.5, 1.5], gradient);
        // Defaults: shift 0.5, squared true.
        Assert.Equal(((2 * 1) + 0.5 + (2 * 1) + 0.5) / 2.0, (double)s_driver.Value.GetMethod("FDefaults")!.Invoke(null, [new double[] { 1, 2 }, new double[] { 0, 1 }, 2.0])!);
    }

    [Fact]
    public void Row_formulas_check_their_settings_and_take_flags()
    {
        double[] z = [0.5, -1, 2], gradient = [-7, -7, -7];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Invoke("G", z, new[] { 2 }, gradient, 1.5, false));
        Assert.Equal("smoothing", e.ParamName);
        Assert.Equal([-7.0, -7.0, -7.0], gradient);

        double lse = Math.Log(z.Sum(Math.Exp));
        Assert.Equal(lse - 2, Invoke("G", z, new[] { 2 }, gradient, 0.0, true), 12);
        Assert.Equal((0.75 * (lse - 2)) + (0.25 * (lse - (1.5 / 3))), Invoke("G", z, new[] { 2 }, gradient, 0.25, true), 12);
        Assert.Equal(0.75 * (lse - 2), Invoke("G", z, new[] { 2 }, gradient, 0.25, false), 12);
    }

    [Fact]
    public void Each_value_of_a_flag_has_its_own_kernel_without_the_branch_it_rules_out()
    {
        string f = s_generated.Value.Sources["N.C.F.g.cs"];
        Assert.Contains("file readonly struct FKernel<T>", f, StringComparison.Ordinal);
        Assert.Contains("file readonly struct FKernel_squared<T>", f, StringComparison.Ordinal);
        Assert.Contains("if (squared)", f, StringComparison.Ordinal);
        // The flag is in the kernel's type, not a field: the kernels take the numeric settings only.
        Assert.Contains("new global::N.FKernel_squared<float>(scale, shift)", f, StringComparison.Ordinal);
        Assert.DoesNotContain("_squared", f.Replace("FKernel_squared", "", StringComparison.Ordinal), StringComparison.Ordinal);
        // squared = false computes |x − t| and no product of the difference with itself; squared = true the reverse.
        string plain = Between(f, "file readonly struct FKernel<T>", "file readonly struct FKernel_squared<T>");
        string squared = f[f.IndexOf("file readonly struct FKernel_squared<T>", StringComparison.Ordinal)..];
        Assert.Contains("TSimd.Abs(", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("TSimd.Abs(", squared, StringComparison.Ordinal);

        string g = s_generated.Value.Sources["N.C.G.g.cs"];
        Assert.Contains("file readonly struct GKernel<T>", g, StringComparison.Ordinal);
        Assert.Contains("file readonly struct GKernel_centered<T>", g, StringComparison.Ordinal);
    }

    [Fact]
    public void Past_three_flags_one_kernel_holds_them_and_each_still_picks_its_branch()
    {
        string h = s_generated.Value.Sources["N.C.H.g.cs"];
        Assert.Contains("file readonly struct HKernel<T>", h, StringComparison.Ordinal);
        Assert.DoesNotContain("HKernel_", h, StringComparison.Ordinal);
        foreach (bool a in new[] { false, true })
        {
            foreach (bool d in new[] { false, true })
            {
                double[] gradient = new double[1];
                double value = Invoke("H", new double[] { 0.5 }, gradient, a, true, false, d);
                Assert.Equal((a ? 0.5 : 0) + 1.0 + (d ? -0.5 : 0), value, 12);
                Assert.Equal((a ? 1 : 0) + 2.0 + (d ? -1 : 0), gradient[0], 12);
            }
        }
    }

    private static string Between(string text, string start, string end)
    {
        int from = text.IndexOf(start, StringComparison.Ordinal);
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
    }

    private static double Invoke(string name, params object[] arguments)
    {
        try
        {
            return (double)s_driver.Value.GetMethod(name)!.Invoke(null, arguments)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
