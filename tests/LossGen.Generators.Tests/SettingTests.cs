using System;
using System.Linq;
using System.Reflection;
using LossGen.Generators.Tests.Infrastructure;

namespace LossGen.Generators.Tests;

/// <summary>
/// Settings a formula declares: a range ([Positive], [NonNegative], [Probability], [InRange], several intersecting)
/// checked by every overload before anything is written, and a <c>[Hyper] bool</c> flag, a condition in the formula.
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
        }

        public static class Driver
        {
            public static double F(double[] x, double[] t, double[] g, double scale, double shift, bool squared) => C.FWithGradient(x, t, g, scale, shift, squared);
            public static double FDefaults(double[] x, double[] t, double scale) => C.F(x, t, scale);
            public static double G(double[] z, int[] labels, double[] g, double smoothing, bool centered) => C.GWithGradient(z, labels, g, 3, smoothing, centered);
        }
        """;

    private static readonly Lazy<Type> s_driver = new(() =>
    {
        GeneratorResult result = GeneratorHarness.Run(Source);
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
