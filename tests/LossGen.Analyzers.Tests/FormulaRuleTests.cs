using System.Threading.Tasks;
using LossGen.Analyzers.Tests.Infrastructure;

namespace LossGen.Analyzers.Tests;

/// <summary>
/// The formula rules LG0301–LG0306: for each, the formulas it reports and the nearest ones it must not (the
/// guards an author writes: offsets, clamps, Max, ?:, the stable functions, positive defaults).
/// </summary>
public sealed class FormulaRuleTests
{
    /// <summary>A partial class holding the given [Loss] members.</summary>
    private static string Losses(string members) => $$"""
        static partial class L
        {
        {{members}}
        }
        """;

    // ---- LG0301: Log of a value that can be 0 ----------------------------------------------------------------

    [Fact]
    public Task Log_of_a_raw_input_is_reported_with_the_input_named() => Verify.Formula(
        Losses("    [Loss] internal static double F(double pred) => -Log(pred);"),
        Verify.Diagnostic("LG0301").WithSpan(6, 54, 6, 63).WithArguments(
            "pred", "'pred' is an input", "add a small positive offset, or bound it below with Max(x, c) for some c > 0"));

    [Fact]
    public Task Binary_cross_entropy_without_a_clamp_is_reported_at_both_logs() => Verify.Formula(Losses("""
            [Loss] internal static double F(double p, [Target] double t) => -(t * {|LG0301:Log(p)|} + (1 - t) * {|LG0301:Log(1 - p)|});
        """));

    [Fact]
    public Task Log_of_a_probability_is_reported_with_the_clamp_advice() => Verify.Formula(
        Losses("    [Loss] internal static double F([Probability] double p) => -Log(1 - p);"),
        Verify.Diagnostic("LG0301").WithSpan(6, 65, 6, 75).WithArguments(
            "1 - p", "it is a difference", "clamp it to [Epsilon, 1 - Epsilon], the probability clamp chosen per element type"));

    [Fact]
    public Task Log_of_row_sums_means_and_products() => Verify.Formula(Losses("""
            [Loss] internal static double A(Row x) => {|LG0301:Log(Sum(x))|};
            [Loss] internal static double B(Row z) => -{|LG0301:Log(Mean(Sigmoid(z)))|};
            [Loss] internal static double C(Row p, [Target] Row t) => -Sum(t * {|LG0301:Log(p)|});
            [Loss] internal static double D(double a, double b) { var q = a * b; return {|LG0301:Log(q)|}; }
            [Loss] internal static double E(double x, [Hyper] double smooth = 0) => {|LG0301:Log(x + smooth)|};
            [Loss] internal static double G(double x) => {|LG0301:Math.Log(Abs(x))|};
        """));

    [Fact]
    public Task Log_with_an_offset_a_clamp_or_a_lower_bound_is_not_reported() => Verify.Formula(Losses("""
            [Loss] internal static double A(double x) => Log(x + 1e-8) + Log(x + Epsilon);
            [Loss] internal static double B(double x, [Hyper] double eps = 1e-7) => Log(x + eps) + Log(1 - x + eps);
            [Loss] internal static double C(double p) => Log(Clamp(p, Epsilon, 1 - Epsilon)) + Log(1 - Clamp(p, Epsilon, 1 - Epsilon));
            [Loss] internal static double D(double x) => Log(Max(x, 1e-12)) + Log(Max(Abs(x), Epsilon));
            [Loss] internal static double E(double x) => Log1p(x) + Log(Exp(x)) + Log(1 + Square(x)) + Log(2.0);
            [Loss] internal static double G([NonNegative] double count, [Target] double t) => Log(count + 1) + Xlogy(t, count);
            [Loss] internal static double H(double p) => p > 0 ? Log(p) : 0;
            [Loss] internal static double I(Row x) => Log(Length(x)) + Log(Sum(Exp(x - Max(x)))) + Max(x) + Log(Sum(Softmax(x)));
            [Loss] internal static double J(Row p, [Target] Row t) => -Sum(Xlogy(t, Clamp(p / Sum(p), Epsilon, 1 - Epsilon)));
        """));

    // ---- LG0302: Log of a sigmoid or softmax -------------------------------------------------------------------

    [Fact]
    public Task Log_of_a_sigmoid_is_reported_with_the_stable_form() => Verify.Formula(
        Losses("    [Loss] internal static double F(double z) => -Log(Sigmoid(z));"),
        Verify.Diagnostic("LG0302").WithSpan(6, 51, 6, 66).WithArguments(
            "Log(Sigmoid(z))", "the sigmoid underflows to 0 (an argument below about −88 in float)", "LogSigmoid(z)"));

    [Fact]
    public Task Log_of_one_minus_a_sigmoid_says_the_sigmoid_rounds_to_1() => Verify.Formula(
        Losses("    [Loss] internal static double F(double z) => -Log(1 - Sigmoid(z));"),
        Verify.Diagnostic("LG0302").WithSpan(6, 51, 6, 70).WithArguments(
            "Log(1 - Sigmoid(z))", "the sigmoid rounds to 1 (an argument above about 17 in float, 37 in double)", "LogSigmoid(-z)"));

    [Fact]
    public Task Log_of_one_minus_a_sigmoid_softmax_and_a_softmax_column() => Verify.Formula(Losses("""
            [Loss] internal static double A(double z, [Target] double t) => -(t * {|LG0302:Log(Sigmoid(z))|} + (1 - t) * {|LG0302:Log(1 - Sigmoid(z))|});
            [Loss] internal static double B(double z, [Target] double t) { var p = Sigmoid(z); return -(t * {|LG0302:Log(p)|} + (1 - t) * {|LG0302:Log(1 - p)|}); }
            [Loss] internal static double C(Row x, [Target] Row t) => -Sum(t * {|LG0302:Log(Softmax(x))|});
            [Loss] internal static double D(Row x, int label) => -{|LG0302:Log(Softmax(x)[label])|};
            [Loss] internal static double E(double z) => {|LG0302:Math.Log(Sigmoid(z))|};
        """));

    [Fact]
    public Task Stable_forms_and_guarded_or_clamped_sigmoids_are_not_reported() => Verify.Formula(Losses("""
            [Loss] internal static double A(double z) => LogSigmoid(z) + LogSigmoid(-z) + Softplus(z);
            [Loss] internal static double B(Row x, int label) => -LogSoftmax(x)[label] + LogSumExp(x);
            [Loss] internal static double C(double z) => z > -10 ? Log(Sigmoid(z)) : z;
            [Loss] internal static double D(double z) => Log(Clamp(Sigmoid(z), Epsilon, 1 - Epsilon)) + Log(Sigmoid(z) + Epsilon);
        """));

    // ---- LG0303: Sqrt of a value that can be 0 -----------------------------------------------------------------

    [Fact]
    public Task Sqrt_of_a_sum_of_squares_is_reported_with_Norm() => Verify.Formula(
        Losses("    [Loss] internal static double F(Row x) => Sqrt(Sum(x * x));"),
        Verify.Diagnostic("LG0303").WithSpan(6, 47, 6, 63).WithArguments(
            "Sum(x * x)", "a sum of values that can be 0", "use 'Norm(x)', the same value with a gradient of 0 there"));

    [Fact]
    public Task Sqrt_of_norms_distances_squares_and_inputs() => Verify.Formula(Losses("""
            [Loss] internal static double A(Row x, Row y) => {|LG0303:Sqrt(SquaredDistance(x, y))|} + {|LG0303:Sqrt(SquaredNorm(x))|} + {|LG0303:Sqrt(Dot(y, y))|};
            [Loss] internal static double B(Row a, Row b) => {|LG0303:Sqrt(Sum(Square(a - b)))|};
            [Loss] internal static double C(double pred, [Target] double target) => {|LG0303:Sqrt(Square(pred - target))|} + {|LG0303:Pow(pred * pred, 0.5)|};
            [Loss] internal static double D([NonNegative] double v) => {|LG0303:Sqrt(v)|} + {|LG0303:Math.Sqrt(Abs(v - 1))|};
        """));

    [Fact]
    public Task Norm_Distance_and_sqrt_with_an_epsilon_or_a_guard_are_not_reported() => Verify.Formula(Losses("""
            [Loss] internal static double A(Row x, Row y) => Norm(x) + Distance(x, y) + Sqrt(SquaredNorm(x) + 1e-12);
            [Loss] internal static double B(double x, [Hyper] double eps = 1e-8) => Sqrt(x * x + eps) + Sqrt(1 + x * x) + Sqrt(2.0);
            [Loss] internal static double C(Row x) { var n = SquaredNorm(x); return n > 0 ? Sqrt(n) : 0; }
        """));

    // ---- LG0304: division by a sum that can be 0 ---------------------------------------------------------------

    [Fact]
    public Task Dice_with_smooth_0_is_reported_at_the_denominator_naming_the_default() => Verify.Formula(
        Losses("    [Loss] internal static double F(Row p, [Target] Row t, [Hyper] double smooth = 0) => 1 - (2 * Dot(p, t) + smooth) / (Sum(p) + Sum(t) + smooth);"),
        Verify.Diagnostic("LG0304").WithSpan(6, 121, 6, 147).WithArguments(
            "(Sum(p) + Sum(t) + smooth)",
            "when everything it sums is 0 (an all-zero row, such as an empty mask), because 'smooth' is 0 by default",
            "give 'smooth' a positive default (1 is usual)"));

    [Fact]
    public Task A_cosine_is_told_to_bound_its_norms_not_to_smooth_them() => Verify.Formula(
        Losses("    [Loss] internal static double F(Row x, [Target] Row y) => 1 - Dot(x, y) / (Norm(x) * Norm(y));"),
        Verify.Diagnostic("LG0304").WithSpan(6, 79, 6, 98).WithArguments(
            "(Norm(x) * Norm(y))",
            "when everything it sums is 0 (an all-zero row, such as an empty mask)",
            "bound it away from 0, as PyTorch's cosine_similarity does: 'Max(Norm(x) * Norm(y), 1e-8)'"));

    [Fact]
    public Task Plain_sums_dots_and_means_as_denominators() => Verify.Formula(Losses("""
            [Loss] internal static double A(Row p, [Target] Row t) => 1 - 2 * Dot(p, t) / {|LG0304:(Sum(p) + Sum(t))|};
            [Loss] internal static double B(Row p, [Target] Row t) { var i = Dot(p, t); return 1 - i / {|LG0304:(Sum(p) + Sum(t) - i)|}; }
            [Loss] internal static double C(Row p, [Target] Row t) => Dot(p, t) / {|LG0304:Mean(t)|};
            [Loss] internal static double D(Row p, [Target] Row t, [Hyper] double w = 0.5) => Sum(p) / {|LG0304:(w * Dot(p, t))|};
            [Loss] internal static double E(Row x, [Target] Row y) => -Dot(x, y) / {|LG0304:(Norm(x) * Norm(y))|} + Dot(x, y) / {|LG0304:Distance(x, y)|};
        """));

    [Fact]
    public Task Smoothed_clamped_and_normalizing_denominators_are_not_reported() => Verify.Formula(Losses("""
            [Loss] internal static double A(Row p, [Target] Row t, [Hyper] double smooth = 1) => 1 - (2 * Dot(p, t) + smooth) / (Sum(p) + Sum(t) + smooth);
            [Loss] internal static double B(Row p, [Target] Row t) => Dot(p, t) / (Sum(t) + 1) + Dot(p, t) / Max(Sum(p), 1e-7);
            [Loss] internal static double C(Row p, int label) => -Log(Clamp(p[label] / Sum(p), Epsilon, 1 - Epsilon)) + Sum(p / Sum(p));
            [Loss] internal static double D(Row p, [Target] Row t) => Dot(p, t) / Sum(Clamp(p, Epsilon, 1)) + Sum(p) / Length(p);
            [Loss] internal static double E(Row x, [Target] Row t) => Dot(Exp(x), t) / Sum(Exp(x - Max(x)));
            [Loss] internal static double G(Row x, [Target] Row y) => Dot(x, y) / (Norm(x) * Norm(y) + 1e-8) + Dot(x, y) / Max(Norm(x) * Norm(y), 1e-8);
        """));

    // ---- LG0305: Log of an exponential that can overflow -----------------------------------------------------

    [Fact]
    public Task Log_of_one_plus_exp_is_reported_with_Softplus() => Verify.Formula(
        Losses("    [Loss] internal static double F(double x) => Log(1 + Exp(x));"),
        Verify.Diagnostic("LG0305").WithSpan(6, 50, 6, 65).WithArguments(
            "Log(1 + Exp(x))", "'x'", "use 'Softplus(x)', the same value computed without overflow"));

    [Fact]
    public Task Log_of_sums_of_exponentials() => Verify.Formula(Losses("""
            [Loss] internal static double A(double x) => {|LG0305:Log(Exp(-x) + 1)|} + {|LG0305:Log1p(Exp(x))|} + {|LG0305:Math.Log(1 + Math.Exp(2 * x))|};
            [Loss] internal static double B(Row x, int label) => {|LG0305:Log(Sum(Exp(x)))|} - x[label];
            [Loss] internal static double C(Row x) => {|LG0305:Log(Mean(Exp(x)))|};
            [Loss] internal static double D(double a, double b) => {|LG0305:Log(Exp(a) + Exp(b))|};
        """));

    [Fact]
    public Task Stable_and_bounded_exponentials_are_not_reported() => Verify.Formula(Losses("""
            [Loss] internal static double A(double x) => Softplus(x) + Log(1 + Exp(-Abs(x))) + Log1p(Exp(-2 * Abs(x))) + Exp(x);
            [Loss] internal static double B(Row x) => LogSumExp(x) + Max(x) + Log(Sum(Exp(x - Max(x))));
            [Loss] internal static double C(double x) => Log(1 + Exp(Clamp(x, -20, 20)));
        """));

    // ---- LG0306: hyperparameter defaults -----------------------------------------------------------------------

    [Fact]
    public Task Huber_delta_0_makes_the_loss_constant() => Verify.Formula(
        Losses("""
                [Loss]
                internal static double Huber(double pred, [Target] double target, [Hyper] double delta = 0.0)
                {
                    var d = Abs(pred - target);
                    return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
                }
            """),
        Verify.Diagnostic("LG0306").WithSpan(7, 94, 7, 97).WithArguments("0.0", "delta", "makes the loss 0 for every input, with a zero gradient"));

    [Fact]
    public Task Negative_Huber_delta_makes_the_comparison_constant() => Verify.Formula(
        Losses("""
                [Loss]
                internal static double Huber(double pred, [Target] double target, [Hyper] double delta = -1)
                {
                    var d = Abs(pred - target);
                    return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
                }
            """),
        Verify.Diagnostic("LG0306").WithSpan(7, 94, 7, 96).WithArguments("-1", "delta", "is below 'd', which is never negative, so 'd <= delta' is always false"));

    [Fact]
    public Task Divisors_Max_guards_negative_smoothing_and_zero_weights() => Verify.Formula(Losses("""
            [Loss] internal static double A(double x, [Hyper] double temperature = {|LG0306:0|}) => Square(x) / temperature;
            [Loss] internal static double B(double x, [Hyper] double scale = {|LG0306:-2.0|}) => Square(x) / scale;
            [Loss] internal static double C(Row x, Row y, [Hyper] double eps = {|LG0306:0|}) => -Dot(x, y) / (Max(Norm(x), eps) * Max(Norm(y), eps));
            [Loss] internal static double D(Row p, [Target] Row t, [Hyper] double smooth = {|LG0306:-1|}) => 1 - (2 * Dot(p, t) + smooth) / (Sum(p) + Sum(t) + smooth);
            [Loss] internal static double E(double x, [Hyper] double eps = {|LG0306:0|}) => Log(Max(Abs(x), eps));
            [Loss] internal static double G(double x, [Target] double t, [Hyper] double weight = {|LG0306:0|}) => weight * Square(x - t);
            [Loss] internal static double H(double x, [Hyper] double scale = {|LG0306:0|}) => x * Log(scale);
            [Loss] internal static double I(double x, [Hyper] double scale = {|LG0306:-1|}) => x * Sqrt(scale);
            [Loss] internal static double J(double x, [Target] double t, [Hyper] double floor = {|LG0306:-1|}) => Xlogy(t, floor) + x;
        """));

    [Fact]
    public Task Valid_defaults_are_not_reported() => Verify.Formula(Losses("""
            [Loss]
            internal static double SmoothL1(double pred, [Target] double target, [Hyper] double beta = 0)
            {
                var d = Abs(pred - target);
                return d < beta ? 0.5 * d * d / beta : d - 0.5 * beta;
            }

            [Loss] internal static double A(double x1, double x2, [Target] double y, [Hyper] double margin = 0) => Relu(-y * (x1 - x2) + margin);
            [Loss] internal static double B(double x, [Target] double t, [Hyper] double alpha = -1) => (alpha >= 0 ? alpha : 1) * Square(x - t);
            [Loss] internal static double C(double x, [Hyper] double temperature) => Square(x) / temperature;
            [Loss] internal static double D(Row x, Row y, [Hyper] double eps = 1e-8) => -Dot(x, y) / (Max(Norm(x), eps) * Max(Norm(y), eps));
            [Loss] internal static double E(Row x, int label, [Hyper] double labelSmoothing = 0) => labelSmoothing == 0 ? LogSumExp(x) - x[label] : LogSumExp(x) - Mean(x);
            [Loss] internal static double G(double x, [Hyper] double scale = 0) => x * Sqrt(scale) + x * Sqrt(scale + 1);
        """));
}
