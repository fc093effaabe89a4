using System.Threading.Tasks;
using LossGen.Analyzers.Tests.Infrastructure;

namespace LossGen.Analyzers.Tests;

/// <summary>
/// The formula fixes, each applied one diagnostic at a time and all at once; the fixed source must compile
/// without warnings and have no LG03xx left.
/// </summary>
public sealed class FormulaCodeFixTests
{
    private static string Losses(string members) => $$"""
        static partial class L
        {
        {{members}}
        }
        """;

    // ---- LG0302 --------------------------------------------------------------------------------------------

    [Fact]
    public Task Log_of_Sigmoid_becomes_LogSigmoid() => Verify.FormulaFix(
        Losses("    [Loss] internal static double F(double z) => -{|LG0302:Log(Sigmoid(z))|};"),
        Losses("    [Loss] internal static double F(double z) => -LogSigmoid(z);"));

    [Fact]
    public Task Log_of_one_minus_Sigmoid_becomes_LogSigmoid_of_the_negation() => Verify.FormulaFix(
        Losses("""
                [Loss] internal static double A(double z) => {|LG0302:Log(1 - Sigmoid(z))|};
                [Loss] internal static double B(double a, double b) => {|LG0302:Log(1.0 - Sigmoid(a + b))|};
                [Loss] internal static double C(double z) => {|LG0302:Log(1 - Sigmoid(-z))|};
            """),
        Losses("""
                [Loss] internal static double A(double z) => LogSigmoid(-z);
                [Loss] internal static double B(double a, double b) => LogSigmoid(-(a + b));
                [Loss] internal static double C(double z) => LogSigmoid(z);
            """));

    [Fact]
    public Task Binary_cross_entropy_through_a_sigmoid_local() => Verify.FormulaFix(
        Losses("""
                [Loss]
                internal static double F(double z, [Target] double t)
                {
                    var p = Sigmoid(z);
                    return -(t * {|LG0302:Log(p)|} + (1 - t) * {|LG0302:Log(1 - p)|});
                }
            """),
        Losses("""
                [Loss]
                internal static double F(double z, [Target] double t)
                {
                    var p = Sigmoid(z);
                    return -(t * LogSigmoid(z) + (1 - t) * LogSigmoid(-z));
                }
            """));

    [Fact]
    public Task Log_of_Softmax_and_of_a_Softmax_column_become_LogSoftmax() => Verify.FormulaFix(
        Losses("""
                [Loss] internal static double A(Row x, [Target] Row t) => -Sum(t * {|LG0302:Log(Softmax(x))|});
                [Loss] internal static double B(Row x, int label) => -{|LG0302:Log(Softmax(x)[label])|};
            """),
        Losses("""
                [Loss] internal static double A(Row x, [Target] Row t) => -Sum(t * LogSoftmax(x));
                [Loss] internal static double B(Row x, int label) => -LogSoftmax(x)[label];
            """));

    [Fact]
    public Task Without_using_static_the_fix_qualifies_the_function() => Verify.FormulaFixWithUsings(
        "using System;\nusing LossGen;\n",
        Losses("    [Loss] internal static double F(double z) => {|LG0302:Math.Log(LossMath.Sigmoid(z))|};"),
        Losses("    [Loss] internal static double F(double z) => LossMath.LogSigmoid(z);"));

    // ---- LG0305 --------------------------------------------------------------------------------------------

    [Fact]
    public Task Log_of_one_plus_Exp_becomes_Softplus() => Verify.FormulaFix(
        Losses("""
                [Loss] internal static double A(double x) => {|LG0305:Log(1 + Exp(x))|};
                [Loss] internal static double B(double x) => {|LG0305:Log(Exp(-x) + 1)|} + {|LG0305:Log1p(Exp(2 * x))|};
            """),
        Losses("""
                [Loss] internal static double A(double x) => Softplus(x);
                [Loss] internal static double B(double x) => Softplus(-x) + Softplus(2 * x);
            """));

    [Fact]
    public Task Log_of_Sum_of_Exp_becomes_LogSumExp() => Verify.FormulaFix(
        Losses("    [Loss] internal static double F(Row logits, int label) => {|LG0305:Log(Sum(Exp(logits)))|} - logits[label];"),
        Losses("    [Loss] internal static double F(Row logits, int label) => LogSumExp(logits) - logits[label];"));

    [Fact]
    public Task No_fix_for_a_log_of_two_exponentials() => Verify.FormulaFix(
        Losses("    [Loss] internal static double F(double a, double b) => {|LG0305:Log(Exp(a) + Exp(b))|};"),
        Losses("    [Loss] internal static double F(double a, double b) => {|LG0305:Log(Exp(a) + Exp(b))|};"));

    // ---- LG0303 --------------------------------------------------------------------------------------------

    [Fact]
    public Task Sqrt_of_sums_of_squares_become_Norm_and_Distance() => Verify.FormulaFix(
        Losses("""
                [Loss] internal static double A(Row x) => {|LG0303:Sqrt(Sum(x * x))|} + {|LG0303:Sqrt(SquaredNorm(x))|};
                [Loss] internal static double B(Row a, Row b) => {|LG0303:Sqrt(SquaredDistance(a, b))|} + {|LG0303:Sqrt(Sum(Square(a - b)))|};
                [Loss] internal static double C(Row a, Row b) { var d = a - b; return {|LG0303:Sqrt(Dot(d, d))|}; }
            """),
        Losses("""
                [Loss] internal static double A(Row x) => Norm(x) + Norm(x);
                [Loss] internal static double B(Row a, Row b) => Distance(a, b) + Distance(a, b);
                [Loss] internal static double C(Row a, Row b) { var d = a - b; return Norm(d); }
            """));

    [Fact]
    public Task Sqrt_of_a_square_becomes_Abs() => Verify.FormulaFix(
        Losses("    [Loss] internal static double F(double pred, [Target] double target) => {|LG0303:Sqrt(Square(pred - target))|} + {|LG0303:Pow(pred * pred, 0.5)|};"),
        Losses("    [Loss] internal static double F(double pred, [Target] double target) => Abs(pred - target) + Abs(pred);"));

    [Fact]
    public Task No_fix_for_the_square_root_of_an_input() => Verify.FormulaFix(
        Losses("    [Loss] internal static double F([NonNegative] double v) => {|LG0303:Sqrt(v)|};"),
        Losses("    [Loss] internal static double F([NonNegative] double v) => {|LG0303:Sqrt(v)|};"));

    // ---- LG0301 --------------------------------------------------------------------------------------------

    [Fact]
    public Task Log_of_a_probability_is_clamped() => Verify.FormulaFix(
        Losses("""
                [Loss]
                internal static double F([Probability] double p, [Target] double t)
                    => -(t * {|LG0301:Log(p)|} + (1 - t) * {|LG0301:Log(1 - p)|});
            """),
        Losses("""
                [Loss]
                internal static double F([Probability] double p, [Target] double t)
                    => -(t * Log(Clamp(p, Epsilon, 1 - Epsilon)) + (1 - t) * Log(Clamp(1 - p, Epsilon, 1 - Epsilon)));
            """));

    [Fact]
    public Task Log_of_a_mean_of_sigmoids_of_a_row_is_clamped() => Verify.FormulaFix(
        Losses("    [Loss] internal static double F(Row z) => -{|LG0301:Math.Log(Mean(Sigmoid(z)))|};"),
        Losses("    [Loss] internal static double F(Row z) => -Math.Log(Clamp(Mean(Sigmoid(z)), Epsilon, 1 - Epsilon));"));

    [Fact]
    public Task No_clamp_for_a_value_that_is_not_a_probability() => Verify.FormulaFix(
        Losses("    [Loss] internal static double F(double rate) => {|LG0301:Log(rate)|};"),
        Losses("    [Loss] internal static double F(double rate) => {|LG0301:Log(rate)|};"));

    // ---- LG0304, LG0306 have no fix --------------------------------------------------------------------------

    [Fact]
    public Task No_fix_for_a_denominator_or_a_default() => Verify.FormulaFix(
        Losses("    [Loss] internal static double F(Row p, [Target] Row t, [Hyper] double eps = {|LG0306:0|}) => Dot(p, t) / {|LG0304:Sum(t)|} - Dot(p, t) / Max(Norm(p), eps);"),
        Losses("    [Loss] internal static double F(Row p, [Target] Row t, [Hyper] double eps = {|LG0306:0|}) => Dot(p, t) / {|LG0304:Sum(t)|} - Dot(p, t) / Max(Norm(p), eps);"));
}
