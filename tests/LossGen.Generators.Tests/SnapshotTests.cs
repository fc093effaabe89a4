using System.Linq;
using LossGen.Generators.Tests.Infrastructure;

namespace LossGen.Generators.Tests;

/// <summary>
/// The emitted code of representative losses, compared with committed files under Snapshots/ so a
/// change in the generator's output is reviewed (LOSSGEN_UPDATE_SNAPSHOTS=1 rewrites them).
/// </summary>
public sealed class SnapshotTests
{
    private const string Source = GeneratorHarness.Usings + """
        namespace Snap;

        public static partial class Losses
        {
            [Loss]
            public static double MeanSquaredError(double pred, [Target] double target) => Square(pred - target);

            /// <summary>Huber loss, quadratic within <c>delta</c>.</summary>
            [Loss]
            public static double Huber(double pred, [Target] double target, [Hyper] double delta = 1.0)
            {
                var d = Abs(pred - target);
                return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
            }

            [Loss]
            public static double BceWithLogits(double logit, [Target] double target, [Hyper] double posWeight = 1.0)
                => posWeight * target * Softplus(-logit) + (1 - target) * Softplus(logit);

            [Loss]
            public static double MarginRanking(double x1, double x2, [Target] double y, [Hyper] double margin = 0.0)
                => Max(0, -y * (x1 - x2) + margin);

            [Loss]
            public static double PowerError(double pred, [Target] double target, [Hyper] double p)
                => Pow(Abs(pred - target) + 1, p) - 1 + Pow(pred, 3) / 8;

            /// <summary>Cross-entropy of logits with integer labels.</summary>
            [Loss]
            public static double CrossEntropy(Row logits, int label) => LogSumExp(logits) - logits[label];

            [Loss]
            public static double Dice(Row pred, [Target] Row target, [Hyper] double smooth = 1.0)
                => 1 - (2 * Dot(pred, target) + smooth) / (Sum(pred) + Sum(target) + smooth);

            [Loss]
            public static double HingeOverMax(Row scores, [Target] Row target)
                => Relu(1 + Max((1 - target) * scores) - Dot(target, scores));
        }
        """;

    private static readonly string[] s_hintNames =
    [
        "Snap.Losses.BceWithLogits.g.cs",
        "Snap.Losses.CrossEntropy.g.cs",
        "Snap.Losses.Dice.g.cs",
        "Snap.Losses.HingeOverMax.g.cs",
        "Snap.Losses.Huber.g.cs",
        "Snap.Losses.MarginRanking.g.cs",
        "Snap.Losses.MeanSquaredError.g.cs",
        "Snap.Losses.PowerError.g.cs",
    ];

    public static TheoryData<string> HintNames => new(s_hintNames);

    [Fact]
    public void One_file_per_loss_named_by_namespace_type_and_method()
    {
        GeneratorResult result = GeneratorHarness.Run(Source);
        Assert.Empty(result.Problems());
        Assert.Equal(s_hintNames, result.Sources.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(HintNames))]
    public void Generated_code_matches_the_snapshot(string hintName)
    {
        GeneratorResult result = GeneratorHarness.Run(Source);
        Assert.True(result.Sources.TryGetValue(hintName, out string? text), $"{hintName} was not generated");
        Snapshot.Verify(hintName + ".txt", text!);
    }

    [Fact]
    public void No_generated_line_ends_in_whitespace()
    {
        GeneratorResult result = GeneratorHarness.Run(Source);
        Assert.All(result.Sources, source => GeneratedText.AssertNoTrailingWhitespace(source.Key, source.Value));
    }

    [Fact]
    public void Generation_is_deterministic()
    {
        var first = GeneratorHarness.Run(Source).Sources;
        var second = GeneratorHarness.Run(Source).Sources;
        Assert.Equal(first.OrderBy(kv => kv.Key), second.OrderBy(kv => kv.Key));
    }
}
