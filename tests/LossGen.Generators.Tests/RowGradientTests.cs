using System.Linq;
using LossGen.Generators.Tests.Infrastructure;

namespace LossGen.Generators.Tests;

/// <summary>
/// Row formulas whose gradients once came out wrong or whose code did not compile, compiled together and
/// checked against the formula and central differences at several row lengths (a vector, a tail, one element).
/// </summary>
public sealed class RowGradientTests : IClassFixture<RowGradientTests.Fixture>
{
    private static readonly RowParam X = new("x", RowRole.Row);
    private static readonly RowParam Y = new("y", RowRole.TargetRow);
    private static readonly RowParam Label = new("label", RowRole.Label);
    private static readonly RowParam Value = new("v", RowRole.Value);
    private static readonly RowParam K = new("k", RowRole.Hyper, 1.3);

    private static readonly RowCase[] s_cases =
    [
        // A reduced scalar broadcast back over the row: its adjoint is the sum over the row.
        new("SumMinusLogSumExp", "Sum(x - LogSumExp(x))", X),
        new("MeanLogSoftmax", "Mean(LogSoftmax(x))", X),
        new("Centered", "Mean(x - Mean(x))", X),
        new("SumMinusMax", "Sum(x - Max(x))", X),
        new("SquaredCentered", "Sum(Square(x - Mean(x)))", X),
        new("ScaledByNorm", "Sum(x * Norm(x)) + Dot(x, y) * Sum(y - Min(x))", X, Y),
        new("BroadcastHyper", "Sum(x * k) + Sum(k - x)", X, K),
        // Max and min of a row expression that is not an input.
        new("MaxSoftmax", "Max(Softmax(x))", X),
        new("MinOfProduct", "Min(x * y) + Max(Exp(-x * x))", X, Y),
        new("MaxOfFused", "Max(x * y + 1) * Sum(x) - Min(x * x + y)", X, Y),
        new("MaxOfProductUsedAgain", "Max(x * y + 1) + Sum(x * y * Max(x * y + 1))", X, Y),
        new("MinOfSumUsedInGradient", "Min(x * x + y) * Dot(x, x) + Sum(Exp(-(x * x + y)))", X, Y),
        // Pow with a non-constant exponent between passes.
        new("PowOfHyper", "Pow(0.1, k) * Sum(x)", X, K),
        new("PowOfNorm", "Pow(Norm(x) + 1, 1.5)", X),
        new("PowOfNormByHyper", "Pow(SquaredNorm(x) + 1, k) + Pow(2 + Sum(x * x), Mean(Tanh(x)))", X, K),
        // An int label used as a number, in and between passes.
        new("LabelAsNumber", "label + Sum(x)", X, Label),
        new("LabelBetweenPasses", "Sum(x * label) + LogSumExp(x / (label + 1)) - x[label]", X, Label),
        new("ValueAndLabel", "v * LogSumExp(x) - x[label] + v * label", X, Label, Value),
    ];

    private readonly Fixture _fixture;

    public RowGradientTests(Fixture fixture) => _fixture = fixture;

    public static TheoryData<string> Names => new(s_cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Row_gradients_match_central_differences(string name)
    {
        RowCase c = s_cases.Single(x => x.Name == name);
        int compared = 0;
        foreach (int rowLength in new[] { 1, 2, 9, 17, 40 })
        {
            compared += _fixture.Losses.Check(c, batch: 3, rowLength, seed: rowLength + name.Length);
            compared += _fixture.Losses.Check(c, batch: 3, rowLength, seed: rowLength + name.Length, fullDoubles: true);
        }

        Assert.True(compared > 0, $"{name}: no gradient element was compared");
    }

    public sealed class Fixture
    {
        internal CompiledRowLosses Losses { get; } = new(s_cases);
    }
}
