using System.Threading.Tasks;
using LossGen.Analyzers.Tests.Infrastructure;

namespace LossGen.Analyzers.Tests;

/// <summary>The ±1 code fix: {0, 1} labels become {−1, +1} where the 0 is written; the fixed code compiles and is clean.</summary>
public sealed class CodeFixTests
{
    private static string InMethod(string body) => $$"""
        static class C
        {
            static float[] p = new float[3];

            static void M(float[] x)
            {
        {{body}}
            }
        }
        """;

    [Fact]
    public Task Array_initializer_every_0_at_once() => Verify.CodeFix(
        InMethod("        Losses.Hinge(p, new float[] { {|LG0201:0f|}, 1f, {|LG0201:0f|} });"),
        InMethod("        Losses.Hinge(p, new float[] { -1f, 1f, -1f });"));

    [Fact]
    public Task Collection_expression_of_int_literals() => Verify.CodeFix(
        InMethod("        Losses.HingeWithGradient(p, [1, {|LG0201:0|}, 1], new float[3]);"),
        InMethod("        Losses.HingeWithGradient(p, [1, -1, 1], new float[3]);"));

    [Fact]
    public Task Double_literal_in_a_local() => Verify.CodeFix(
        InMethod("""
                double[] labels = { {|LG0201:0.0|}, 1.0, 1.0 };
                Losses.SquaredHinge(new double[3], labels);
        """),
        InMethod("""
                double[] labels = { -1.0, 1.0, 1.0 };
                Losses.SquaredHinge(new double[3], labels);
        """));

    [Fact]
    public Task Conditional_in_a_Select_lambda() => Verify.CodeFix(
        InMethod("        Losses.Hinge(p, x.Select(v => v > 0 ? 1f : {|LG0201:0f|}).ToArray());"),
        InMethod("        Losses.Hinge(p, x.Select(v => v > 0 ? 1f : -1f).ToArray());"));

    [Fact]
    public Task Conditional_written_element_by_element() => Verify.CodeFix(
        InMethod("""
                var labels = new float[3];
                for (int i = 0; i < 3; i++)
                {
                    labels[i] = x[i] > 0 ? 1 : {|LG0201:0|};
                }

                Losses.Hinge(p, labels);
        """),
        InMethod("""
                var labels = new float[3];
                for (int i = 0; i < 3; i++)
                {
                    labels[i] = x[i] > 0 ? 1 : -1;
                }

                Losses.Hinge(p, labels);
        """));

    [Fact]
    public Task Half_cast_gets_parentheses() => Verify.CodeFix(
        InMethod("        Losses.Hinge(new Half[2], new Half[] { {|LG0201:(Half)0|}, (Half)1 });"),
        InMethod("        Losses.Hinge(new Half[2], new Half[] { (Half)(-1), (Half)1 });"));

    [Fact]
    public Task Fill_with_0() => Verify.CodeFix(
        InMethod("""
                var labels = new float[3];
                Array.Fill(labels, {|LG0201:0f|});
                Losses.Hinge(p, labels);
        """),
        InMethod("""
                var labels = new float[3];
                Array.Fill(labels, -1f);
                Losses.Hinge(p, labels);
        """));

    [Fact]
    public Task A_long_table_is_reported_at_its_first_eight_0s_and_fixed_whole() => Verify.CodeFix(
        InMethod("        Losses.Hinge(new float[10], new float[] { {|LG0201:0|}, {|LG0201:0|}, {|LG0201:0|}, {|LG0201:0|}, {|LG0201:0|}, {|LG0201:0|}, {|LG0201:0|}, {|LG0201:0|}, 0, 1 });"),
        InMethod("        Losses.Hinge(new float[10], new float[] { -1, -1, -1, -1, -1, -1, -1, -1, -1, 1 });"));

    [Fact]
    public Task Not_offered_when_a_label_is_neither_0_nor_1() => Verify.CodeFix(
        InMethod("        Losses.Hinge(p, new float[] { {|LG0201:0f|}, 1f, {|LG0201:2f|} });"),
        InMethod("        Losses.Hinge(p, new float[] { {|LG0201:0f|}, 1f, {|LG0201:2f|} });"));

    [Fact]
    public Task Not_offered_for_a_probability() => Verify.CodeFix(
        InMethod("        Losses.BinaryCrossEntropyWithLogits(p, [0f, 1f, {|LG0201:-1f|}]);"),
        InMethod("        Losses.BinaryCrossEntropyWithLogits(p, [0f, 1f, {|LG0201:-1f|}]);"));
}
