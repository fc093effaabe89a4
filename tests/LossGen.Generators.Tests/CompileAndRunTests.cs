using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using LossGen.Generators.Tests.Infrastructure;

namespace LossGen.Generators.Tests;

/// <summary>Compiles user-defined losses in memory, one compilation for the class, and runs their kernels.</summary>
public sealed class CompileAndRunTests : IClassFixture<CompileAndRunTests.Fixture>
{
    private static readonly LossCase[] s_cases =
    [
        new("Huber", "{ var d = Abs(pred - target); return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta); }",
            Param.In("pred"), Param.Target("target"), Param.Hyper("delta", 0.7, 1.0)),
        new("EveryUnary",
            "Log1p(x * x) + Expm1(0.1 * x) + Sqrt(1 + x * x) + Tanh(x) + LogCosh(x) + Sigmoid(x) + LogSigmoid(x) + Softplus(x)"
            + " + Relu(x) + Sign(x) * x + Abs(x) + Square(x) + Exp(-x * x) + Log(2 + x * x)",
            Param.In("x")),
        new("Binary", "20 + Max(a, b) + Min(a, t) + Clamp(a, -1, 1) + Xlogy(t, 1 + b * b) + Pow(1 + a * a, k) + Pow(b, 3) + Pow(1 + b * b, 0.5) + Pow(2 + a * a, -2)",
            Param.In("a"), Param.Target("t"), Param.In("b"), Param.Hyper("k", 1.5)),
        new("Four", "{ var z = a - b; var c = z > m && y > 0 || !(w < 0.5); double q = c ? s * z * z : Abs(z) + w * Softplus(y * a); return q; }",
            Param.Target("y"), Param.In("a"), Param.In("b"), Param.Target("w", 0, 1), Param.Hyper("m", 0.25, 0.5), Param.Hyper("s", 3, 2)),
        new("MarginRanking", "Max(0, -y * (x1 - x2) + margin)",
            Param.In("x1"), Param.In("x2"), Param.Target("y", -1, 1), Param.Hyper("margin", 0.3, 0.0)),
        new("MathTwins",
            "Math.Log(1 + x * x) + Math.Exp(x / 4) + Math.Sqrt(2 + y * y) + Math.Abs(x - y) + Math.Tanh(x) + Math.Max(x, y)"
            + " + Math.Min(x, 0.5) + Math.Clamp(x, -1.0, 1.0) + Math.Pow(2 + x * x, y) + Math.Sign(x)",
            Param.In("x"), Param.Target("y", -1, 1)),
        new("Bce", "-(y * Log(Clamp(p, Epsilon, 1 - Epsilon)) + (1 - y) * Log(1 - Clamp(p, LossMath.Epsilon, 1 - Epsilon)))",
            Param.In("p", 0.05, 0.95), Param.Target("y", 0, 1)),
        new("BceWithLogits", "posWeight * y * Softplus(-x) + (1 - y) * Softplus(x)",
            Param.In("x", -6, 6), Param.Target("y", 0, 1), Param.Hyper("posWeight", 2.5, 1.0)),
        new("Ratio", "{ double num = -a * 2; double den = 2 + a * a; return num / den + c / (1 + a * a) + (double)1 / 4 - +a; }",
            Param.In("a"), Param.Hyper("c", 0.5, 3)),
        new("Compare", "a == 0 ? 0 : a != b && a >= b ? a * a - b : b <= 1 ? a * b : (a < -1 ? -a : 2 * a)",
            Param.In("a"), Param.In("b")),
        new("AllTargetsButLast", "{ var d = x - (t1 + t2 + t3) / 3; return d * d * scale + offset; }",
            Param.Target("t1"), Param.Target("t2"), Param.Target("t3"), Param.In("x"), Param.Hyper("scale", 2), Param.Hyper("offset", 0.5, 0.25)),
        // Abs of an Abs once sent the simplifier into endless recursion (a stack overflow in the compiler).
        new("NestedAbs", "Abs(Abs(x) - 1) + Sigmoid(Abs(x)) + Softplus(-Abs(x)) + Abs(-Abs(x)) + Abs(Abs(x))", Param.In("x")),
        new("Reciprocal", "1 / (1 + Exp(-x)) - Pow(x, 2) / 10", Param.In("x")),
        // Values of the settings alone (a select, an exp, a log, a square root) are computed once per call, not per vector.
        new("SettingsOnly", "{ var g = k > 1 ? Exp(-k * k) : Log(2 + k); return g * Square(x - t) + Pow(1 + x * x, k) * Sqrt(1 + k) + (k >= 1 ? x : -x); }",
            Param.In("x"), Param.Target("t"), Param.Hyper("k", 1.5, 0.5)),
    ];

    private readonly Fixture _fixture;

    public CompileAndRunTests(Fixture fixture) => _fixture = fixture;

    public static TheoryData<string> Names => new(s_cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Kernels_match_the_formula_and_central_differences(string name)
    {
        LossCase c = s_cases.Single(x => x.Name == name);
        foreach (Type element in CompiledLosses.ElementTypes)
        {
            foreach (int n in Enumerable.Range(0, 71).Append(517).Append(2100))
            {
                _fixture.Losses.Check(c, element, n, seed: (n * 31) + name.Length);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Default_hyperparameters_and_reduction_are_those_of_the_formula(string name)
    {
        LossCase c = s_cases.Single(x => x.Name == name);
        foreach (int n in new[] { 1, 7, 64 })
        {
            _fixture.Losses.CheckDefaults(c, n, seed: n);
        }
    }

    [Fact]
    public void Every_overload_exists_for_every_element_type_with_the_documented_signature()
    {
        Type l = _fixture.Losses.Assembly.GetType("Gen.L", throwOnError: true)!;
        MethodInfo huber = l.GetMethods().Single(m => m.Name == "HuberWithGradient" && m.GetParameters()[0].ParameterType == typeof(ReadOnlySpan<float>)
            && m.GetParameters()[^1].ParameterType == typeof(Reduction));
        Assert.Equal(
            ["pred", "target", "predGradient", "delta", "reduction"],
            huber.GetParameters().Select(p => p.Name));
        Assert.Equal([typeof(ReadOnlySpan<float>), typeof(ReadOnlySpan<float>), typeof(Span<float>), typeof(double), typeof(Reduction)], huber.GetParameters().Select(p => p.ParameterType));
        Assert.Equal(1.0, huber.GetParameters()[3].DefaultValue);
        Assert.Equal(Reduction.Mean, huber.GetParameters()[4].DefaultValue);
        foreach (string method in new[] { "Huber", "HuberWithGradient", "HuberElementwise" })
        {
            Assert.Equal(
                ["Double", "Half", "Single"],
                l.GetMethods().Where(m => m.Name == method && m.GetParameters()[0].ParameterType.IsGenericType && m.GetParameters().All(p => p.Name != "sampleWeights"))
                    .Select(m => m.GetParameters()[0].ParameterType.GetGenericArguments()[0].Name).Order());
        }

        MethodInfo four = l.GetMethods().Single(m => m.Name == "FourWithGradient" && m.GetParameters()[0].ParameterType == typeof(ReadOnlySpan<double>));
        Assert.Equal(["y", "a", "b", "w", "aGradient", "bGradient", "m", "s", "reduction"], four.GetParameters().Select(p => p.Name));

        // The sample-weighted overloads: the weights after the inputs, a WeightedReduction; none for four inputs (no slot left).
        MethodInfo weighted = l.GetMethods().Single(m => m.Name == "HuberWithGradient" && m.GetParameters()[0].ParameterType == typeof(ReadOnlySpan<float>)
            && m.GetParameters()[^1].ParameterType == typeof(WeightedReduction));
        Assert.Equal(["pred", "target", "sampleWeights", "predGradient", "delta", "reduction"], weighted.GetParameters().Select(p => p.Name));
        Assert.Equal(WeightedReduction.Mean, weighted.GetParameters()[^1].DefaultValue);
        foreach (string method in new[] { "Huber", "HuberWithGradient" })
        {
            Assert.Equal(
                ["Double", "Half", "Single"],
                l.GetMethods().Where(m => m.Name == method && m.GetParameters().Any(p => p.Name == "sampleWeights")).Select(m => m.GetParameters()[0].ParameterType.GetGenericArguments()[0].Name).Order());
        }

        Assert.DoesNotContain(l.GetMethods(), m => m.Name.StartsWith("Four", StringComparison.Ordinal) && m.GetParameters().Any(p => p.Name == "sampleWeights"));
    }

    [Fact]
    public void ElementTypes_limits_the_generated_overloads()
    {
        const string source = GeneratorHarness.Usings + """
            namespace Gen;
            public static partial class Only
            {
                [Loss(ElementTypes = LossElementTypes.Double | LossElementTypes.Half)]
                public static double Sq(double x) => x * x;
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.Problems());
        Type only = GeneratorHarness.EmitAndLoad(result.Output).GetType("Gen.Only", throwOnError: true)!;
        Assert.Equal(
            [typeof(ReadOnlySpan<double>), typeof(ReadOnlySpan<Half>)],
            only.GetMethods().Where(m => m.Name == "Sq" && m.GetParameters().Length == 2).Select(m => m.GetParameters()[0].ParameterType).OrderBy(t => t.Name));
    }

    [Fact]
    public void Mismatched_lengths_throw_ArgumentException()
    {
        Type l = _fixture.Losses.Assembly.GetType("Gen.Driver", throwOnError: true)!;
        MethodInfo reduce = l.GetMethod("Huber_Reduce_double")!;
        var e = Assert.Throws<TargetInvocationException>(() => reduce.Invoke(null, [new[] { new double[3], new double[2] }, new[] { 1.0 }, 0]));
        Assert.IsAssignableFrom<ArgumentException>(e.InnerException);
    }

    public sealed class Fixture
    {
        internal CompiledLosses Losses { get; } = new(s_cases);
    }
}
