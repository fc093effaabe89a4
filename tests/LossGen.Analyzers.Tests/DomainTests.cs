using System.Threading.Tasks;
using LossGen.Analyzers.Tests.Infrastructure;

namespace LossGen.Analyzers.Tests;

/// <summary>LG0201: constants outside the domain a [Loss] parameter declares, wherever the code shows them.</summary>
public sealed class DomainTests
{
    private static string InMethod(string body) => $$"""
        static class C
        {
            static float[] p = new float[2];

            static void M(float[] x)
            {
        {{body}}
            }
        }
        """;

    [Fact]
    public Task Hinge_with_0_1_labels_in_an_array_initializer_is_reported_at_the_0_with_parameter_value_and_domain()
        => Verify.Analyzer(
            InMethod("        Losses.Hinge(p, new float[] { 0f, 1f });"),
            Verify.Diagnostic("LG0201").WithSpan(10, 39, 10, 41)
                .WithArguments("0", "target", "Losses.Hinge", "values must be exactly -1 or +1 ([PlusOrMinusOne])"));

    [Fact]
    public Task Settings_outside_their_declared_ranges_are_reported_at_the_constant()
        => Verify.Analyzer(
            InMethod("""
                    Losses.Huber(p, p, {|LG0201:-1.0|});
                    Losses.Huber(p, p, delta: {|LG0201:0|});
                    Losses.Huber(p, p, 0.5);
                    Losses.SmoothL1(p, p, beta: 0);
                    Losses.BinaryFocalWithLogits(p, p, alpha: {|LG0201:1.5|}, gamma: {|LG0201:-2|});
                    Losses.BinaryFocalWithLogits(p, p, alpha: -1, gamma: 0);
                    Losses.Tversky(p, p, 2, alpha: {|LG0201:-0.5|});
                    Losses.SoftmaxCrossEntropy(p, p, 2, labelSmoothing: {|LG0201:1.5|});
                    Losses.KLDivergence(p, p, 2, logTarget: true);
            """));

    [Fact]
    public Task Losses_written_by_hand_are_checked_against_the_domains_their_parameters_declare()
        => Verify.Analyzer(
            InMethod("""
                    Losses.InfoNce(p, p, {|LG0201:0|});
                    Losses.InfoNce(p, p, 2, temperature: {|LG0201:-0.1|});
                    Losses.InfoNce(p, p, 2, 0.07, symmetric: true);
                    Losses.TotalVariation(p, 1, {|LG0201:0|}, 2);
                    Losses.SparseSoftmaxCrossEntropy(p, new int[1], {|LG0201:0|}, p, labelSmoothing: {|LG0201:1.5|});
                    Losses.SparseSoftmaxCrossEntropy(p, new int[1], 2, p, labelSmoothing: 0.1);
                    Losses.MultiMargin(p, new int[1], 2, p, p: {|LG0201:3|});
                    Mine.Keep(p, {|LG0201:2|});
                    Mine.Keep(p, 0.5);
            """) + """

            static class Mine
            {
                public static float Keep(System.ReadOnlySpan<float> x, [Probability] double share) => 0;
            }
            """);

    [Fact]
    public Task A_hand_written_loss_message_names_its_parameter_and_domain()
        => Verify.Analyzer(
            InMethod("        Losses.InfoNce(p, p, 4, -1.0);"),
            Verify.Diagnostic("LG0201").WithSpan(10, 33, 10, 37)
                .WithArguments("-1", "temperature", "Losses.InfoNce", "values must be greater than 0 ([Positive])"));

    [Fact]
    public Task A_setting_range_message_names_the_setting_and_the_range()
        => Verify.Analyzer(
            InMethod("        Losses.BinaryFocalWithLogits(p, p, alpha: 2);"),
            Verify.Diagnostic("LG0201").WithSpan(10, 51, 10, 52)
                .WithArguments("2", "alpha", "Losses.BinaryFocalWithLogits", "values must be in [-Infinity, 1] ([InRange])"));

    [Fact]
    public Task Collection_expression_labels() => Verify.Analyzer(InMethod(
        "        Losses.HingeWithGradient(p, [{|LG0201:0f|}, 1f], new float[2]);"));

    [Fact]
    public Task Stackalloc_initializer_labels() => Verify.Analyzer(InMethod(
        "        Losses.SquaredHinge(p, stackalloc float[] { 1, {|LG0201:0|} });"));

    [Fact]
    public Task Local_initialized_from_an_array_initializer() => Verify.Analyzer(InMethod("""
                float[] labels = { {|LG0201:0f|}, 1f };
                Losses.Hinge(p, labels);
                Console.WriteLine(labels.Length + labels[0]);
        """));

    [Fact]
    public Task Static_readonly_field_initialized_from_a_collection_expression() => Verify.Analyzer("""
        static class C
        {
            static readonly float[] Labels = [1f, {|LG0201:0f|}];
            static readonly float[] Pred = [0.5f, -0.5f];

            static float M() => Losses.Hinge(Pred, Labels);
        }
        """);

    [Fact]
    public Task Array_Fill_with_a_constant() => Verify.Analyzer(InMethod("""
                var labels = new float[2];
                Array.Fill(labels, {|LG0201:0f|});
                Losses.Hinge(p, labels);
        """));

    [Fact]
    public Task Span_Fill_with_a_constant() => Verify.Analyzer(InMethod("""
                Span<float> labels = stackalloc float[2];
                labels.Fill({|LG0201:2f|});
                Losses.Hinge(p, labels);
        """));

    [Fact]
    public Task Conditional_labels_in_an_initializer() => Verify.Analyzer(InMethod(
        "        Losses.Hinge(p, new[] { x[0] > 0 ? 1f : {|LG0201:0f|}, x[1] > 0 ? 1f : {|LG0201:0f|} });"));

    [Fact]
    public Task Conditional_labels_from_a_Select_lambda() => Verify.Analyzer(InMethod("""
                var labels = x.Select(v => v > 0 ? 1f : {|LG0201:0f|}).ToArray();
                Losses.Hinge(p, labels);
        """));

    [Fact]
    public Task Conditional_labels_from_a_spread_Select() => Verify.Analyzer(InMethod("""
                float[] labels = [.. x.Select(v => v > 0 ? 1f : {|LG0201:0f|})];
                Losses.Hinge(p, labels);
        """));

    [Fact]
    public Task Conditional_labels_written_element_by_element() => Verify.Analyzer(InMethod("""
                var labels = new float[x.Length];
                for (int i = 0; i < x.Length; i++)
                {
                    labels[i] = x[i] > 0 ? 1 : {|LG0201:0|};
                }

                Losses.Hinge(p, labels);
        """));

    [Fact]
    public Task Margin_ranking_labels() => Verify.Analyzer(InMethod(
        "        Losses.MarginRanking(p, p, [{|LG0201:0f|}, 1f]);"));

    [Fact]
    public Task Half_labels() => Verify.Analyzer(InMethod(
        "        Losses.Hinge(new Half[2], new Half[] { {|LG0201:(Half)0|}, (Half)1 });"));

    [Fact]
    public Task Probabilities_outside_0_1_for_binary_cross_entropy()
        => Verify.Analyzer(InMethod("        Losses.BinaryCrossEntropy([0.2, {|LG0201:1.5|}], [1.0, {|LG0201:-1.0|}]);"));

    [Fact]
    public Task Probability_message_names_the_domain()
        => Verify.Analyzer(
            InMethod("        Losses.BinaryCrossEntropyWithLogits(p, [0f, 2f]);"),
            Verify.Diagnostic("LG0201").WithSpan(10, 53, 10, 55)
                .WithArguments("2", "target", "Losses.BinaryCrossEntropyWithLogits", "values must be probabilities in [0, 1] ([Probability])"));

    [Fact]
    public Task Negative_Poisson_counts_and_rates() => Verify.Analyzer(InMethod(
        "        Losses.PoissonWithGradient([{|LG0201:-0.5f|}, 1f], [3f, {|LG0201:-1f|}], new float[2]);"));

    [Fact]
    public Task A_scalar_constant_passed_to_the_formula_itself() => Verify.Analyzer(InMethod(
        "        Console.WriteLine(Losses.Hinge(0.3, {|LG0201:0|}));"));

    [Fact]
    public Task A_users_loss_with_its_own_domains_and_a_negative_class_index() => Verify.Analyzer("""
        static partial class MyLosses
        {
            [Loss]
            public static double Ranked(double score, [Target, PlusOrMinusOne] double sign, [Hyper, NonNegative] double margin = 0)
                => LossMath.Relu(margin - sign * score);

            // Stands in for the generated overload: the analyzer finds overloads by name beside the [Loss] method.
            public static float RankedWithGradient(ReadOnlySpan<float> score, ReadOnlySpan<float> sign, Span<float> scoreGradient, double margin = 0, Reduction reduction = Reduction.Mean)
                => score.Length + sign.Length + scoreGradient.Length + (float)margin + (int)reduction;

            // A class index is an int label of a row formula; the analyzer reads the domain off the [Loss] parameter.
            [Loss]
            public static double Picked(double x, [Target, ClassIndex] double label) => x - label;

            public static void PickedElementwise(ReadOnlySpan<float> x, ReadOnlySpan<int> label, Span<float> losses)
                => losses[0] = x[0] + label[0];
        }

        static class Use
        {
            static void M(float[] s)
            {
                MyLosses.RankedWithGradient(s, [1f, {|LG0201:0f|}], new float[2], margin: {|LG0201:-1|});
                MyLosses.PickedElementwise(s, [2, {|LG0201:-1|}], new float[2]);
            }
        }
        """);

    [Fact]
    public Task Array_ConvertAll_Enumerable_Repeat_and_AsSpan_Fill() => Verify.Analyzer(InMethod("""
                Losses.Hinge(p, Array.ConvertAll(x, v => v > 0 ? 1f : {|LG0201:0f|}));
                Losses.Hinge(p, Enumerable.Repeat({|LG0201:0f|}, 2).ToArray());
                var filled = new float[2];
                filled.AsSpan().Fill({|LG0201:0.5f|});
                Losses.Hinge(p, filled);
        """));

    [Fact]
    public Task Element_writes_after_a_fill() => Verify.Analyzer(InMethod("""
                var labels = new float[4];
                Array.Fill(labels, -1f);
                labels[2] = {|LG0201:0f|};
                Losses.Hinge(new float[4], labels);
        """));

    [Fact]
    public Task Reads_keep_a_local_visible() => Verify.Analyzer(InMethod("""
                float[] labels = { {|LG0201:0f|}, 1f };
                float sum = labels.Sum() + labels[1] + labels.Length;
                foreach (float label in labels)
                {
                    sum += label;
                }

                Console.WriteLine(sum + Losses.MeanSquaredError(p, labels) + Losses.Hinge(p, labels));
        """));

    [Fact]
    public Task A_fill_after_the_call_does_not_hide_the_initializer() => Verify.Analyzer(InMethod("""
                float[] labels = { {|LG0201:0f|}, 1f };
                Losses.Hinge(p, labels);
                Array.Fill(labels, -1f);
        """));

    [Fact]
    public Task Readonly_instance_field() => Verify.Analyzer("""
        sealed class Trainer
        {
            private readonly float[] _labels = { 1f, {|LG0201:0f|} };

            public float Step(float[] pred) => Losses.SquaredHinge(pred, _labels);
        }
        """);

        // ---- Nearest true negatives ----

    [Fact]
    public Task Plus_minus_one_labels_are_fine() => Verify.Analyzer(InMethod("""
                Losses.Hinge(p, new float[] { -1f, 1f });
                Losses.HingeWithGradient(p, [1, -1], new float[2]);
                Losses.Hinge(p, new[] { x[0] > 0 ? 1f : -1f, -1f });
                float[] labels = [.. x.Select(v => v > 0 ? 1f : -1f)];
                Losses.Hinge(p, labels);
        """));

    [Fact]
    public Task Labels_not_visible_at_compile_time_are_not_reported() => Verify.Analyzer(InMethod("""
                var random = new Random(1);
                var fresh = new float[2];
                Losses.Hinge(p, fresh);
                var drawn = new float[2];
                for (int i = 0; i < drawn.Length; i++)
                {
                    drawn[i] = random.Next(2);
                }

                Losses.Hinge(p, drawn);
                Losses.Hinge(p, x);
                Losses.Hinge(p, x.Select(v => (float)Math.Sign(v)).ToArray());
        """));

    [Fact]
    public Task A_loss_without_a_domain_takes_0_1_labels() => Verify.Analyzer(InMethod("""
                Losses.MeanSquaredError(p, new float[] { 0f, 1f });
                Losses.BinaryCrossEntropyWithLogits(p, [0f, 1f]);
                Losses.BinaryCrossEntropy([0.2, 1.0], [1.0, 0.0]);
        """));

    [Fact]
    public Task A_local_that_may_have_changed_is_not_reported() => Verify.Analyzer(InMethod("""
                float[] reassigned = { 0f, 1f };
                reassigned = x;
                Losses.Hinge(p, reassigned);
                float[] mutated = { 0f, 1f };
                Mutate(mutated);
                Losses.Hinge(p, mutated);
                float[] overwritten = { 0f, 1f };
                overwritten[0] = -1f;
                Losses.Hinge(p, overwritten);
                float[] conditionallyFilled = { 0f, 1f };
                if (x.Length > 0)
                {
                    Array.Fill(conditionallyFilled, -1f);
                }

                Losses.Hinge(p, conditionallyFilled);
            }

            static void Mutate(float[] labels)
            {
                labels[0] = -1;
        """));

    [Fact]
    public Task A_field_the_type_writes_or_that_is_not_readonly_is_not_followed() => Verify.Analyzer("""
        static class C
        {
            static readonly float[] Written = { 0f, 1f };
            static float[] NotReadonly = { 0f, 1f };

            static void Flip() => Written[0] = -1f;

            static float M(float[] p) => Losses.Hinge(p, Written) + Losses.Hinge(p, NotReadonly);
        }
        """);

    [Fact]
    public async Task A_field_declared_in_another_file_is_not_followed()
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<LossCallAnalyzer, Microsoft.CodeAnalysis.Testing.DefaultVerifier>();
        Verify.Configure(test);
        test.TestState.Sources.Add(Verify.Usings + "static partial class C { static readonly float[] Labels = { 0f, 1f }; }");
        test.TestState.Sources.Add(Verify.Usings + "static partial class C { static float M(float[] p) => Losses.Hinge(p, Labels); }");
        await test.RunAsync();
    }

    [Fact]
    public Task A_fill_before_the_call_replaces_the_initializer() => Verify.Analyzer(InMethod("""
                float[] labels = { 0f, 1f };
                Array.Fill(labels, 1f);
                Losses.Hinge(p, labels);
        """));

    [Fact]
    public Task Generated_code_is_not_analyzed() => Verify.Analyzer("""
        [System.CodeDom.Compiler.GeneratedCode("tool", "1")]
        static class C
        {
            static float M(float[] p) => Losses.Hinge(p, new float[] { 0f, 1f });
        }
        """);

    [Fact]
    public Task A_file_with_an_auto_generated_header_is_not_analyzed() => Verify.Analyzer(
        "// <auto-generated/>\n" + Verify.Usings + """
        static class C
        {
            static float M(float[] p) => Losses.Hinge(p, new float[] { 0f, 1f });
        }
        """,
        usings: false);

    [Fact]
    public Task A_label_shared_by_two_calls_is_reported_once() => Verify.Analyzer(InMethod("""
                float[] labels = { {|LG0201:0f|}, 1f };
                Losses.Hinge(p, labels);
                Losses.HingeWithGradient(p, labels, new float[2]);
        """));
}
