using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using CsCheck;
using LossGen.Generators.Tests.Infrastructure;

namespace LossGen.Generators.Tests;

/// <summary>
/// Random row formulas: rows combined elementwise and reduced (every reduction, softmax and log-softmax, a labelled
/// element, scalars broadcast back over the row, labels and per-row values used as numbers, settings, <c>?:</c> and
/// locals). Each batch is generated, compiled with warnings as errors, loaded, and every formula's kernels are checked
/// against the formula called on <c>Row</c>s: each row's loss, and each gradient element against a central difference.
/// A formula past the row kernel's limits must be LG0017, never broken code. Seeds are fixed; CsCheck shrinks a failure
/// to a small batch. LOSSGEN_RANDOM_BATCHES sets the number of batches (thousands of formulas for a long run).
/// </summary>
public sealed class RowPropertyTests
{
    private const int FormulasPerBatch = 30;

    private static readonly RowParam[] s_parameters =
    [
        new("x", RowRole.Row), new("y", RowRole.TargetRow), new("z", RowRole.Row), new("label", RowRole.Label),
        new("v", RowRole.Value), new("k", RowRole.Hyper, 0.7),
    ];

    public static TheoryData<uint> Streams => RandomBatches.Streams(101, 6);

    [Theory]
    [MemberData(nameof(Streams))]
    public void Random_row_formulas_match_the_formula_and_central_differences(uint stream)
    {
        Gen.Int[0, 9999].Array[64].Array[FormulasPerBatch].Sample(
            batch =>
            {
                RowCase[] cases = batch.Select((choices, i) => new RowCase($"R{i}", Formula(choices), s_parameters)).ToArray();

                // Formulas past the row kernel's fixed state are LG0017 at the formula, with no code; the rest compile.
                GeneratorResult generated = GeneratorHarness.Run(RowCase.Source(cases));
                Assert.All(generated.GeneratorDiagnostics, d => Assert.Equal("LG0017", d.Id));
                var tooLarge = generated.GeneratorDiagnostics.Select(d => cases.Single(c => d.GetMessage(CultureInfo.InvariantCulture).Contains($"'{c.Name}'", StringComparison.Ordinal))).ToHashSet();
                RowCase[] kept = cases.Where(c => !tooLarge.Contains(c)).ToArray();
                Assert.True(kept.Length >= FormulasPerBatch / 2, $"{tooLarge.Count} of {cases.Length} formulas were past the limits");

                var compiled = new CompiledRowLosses(kept);
                int compared = 0;
                for (int i = 0; i < kept.Length; i++)
                {
                    foreach (int rowLength in new[] { 1, 5, 19 })
                    {
                        compared += compiled.Check(kept[i], batch: 2, rowLength, seed: ((int)stream * 1000) + (i * 31) + rowLength);
                    }

                    // Products that round: a multiply-add fused in one method and not in another shows here.
                    compared += compiled.Check(kept[i], batch: 2, rowLength: 7, seed: ((int)stream * 1000) + (i * 31), fullDoubles: true);
                }

                Assert.True(compared > kept.Length * 20, $"only {compared} gradient elements compared");
            },
            seed: new PCG(stream, 20261206).ToString(),
            iter: 1,
            threads: 1,
            print: batch => string.Join("\n", batch.Select((c, i) => $"R{i}: {Formula(c)}")));
    }

    /// <summary>A row formula's body: an expression, or a block with a scalar local and a row local.</summary>
    internal static string Formula(int[] choices)
    {
        var ch = new Choices(choices);
        var scope = new Scope(["x", "y", "z"], ["k", "v", "label"]);
        if (ch.Next(3) != 0)
        {
            return Scalar(ch, 3, scope);
        }

        string row = Row(ch, 2, scope);
        string scalar = Scalar(ch, 2, scope);
        var withLocals = new Scope([.. scope.Rows, "r0"], [.. scope.Scalars, "s0"]);
        return $"{{ var r0 = {row}; {(ch.Next(2) == 0 ? "var" : "double")} s0 = {scalar}; return {Scalar(ch, 2, withLocals)}; }}";
    }

    private sealed record Scope(string[] Rows, string[] Scalars);

    private static readonly string[] s_rowUnary =
    [
        "-({0})", "Exp(Tanh({0}))", "Log1p(Square({0}))", "Sqrt(1 + Square({0}))", "Abs({0})", "Tanh({0})", "Sigmoid({0})",
        "Softplus({0})", "LogSigmoid({0})", "LogCosh({0})", "Relu({0})", "Square({0})", "Softmax({0})", "LogSoftmax({0})",
        "Log(1 + Square({0}))", "Expm1(Tanh({0}))", "Clamp({0}, -1, 1)", "Pow(1 + Square({0}), 1.5)", "Sign({0}) * {0}",
    ];

    /// <summary>A row's own reduction broadcast back over it: the scalar's adjoint is a sum over the row.</summary>
    private static readonly string[] s_rowBroadcasts =
    [
        "({0}) - Max({0})", "({0}) - LogSumExp({0})", "({0}) - Mean({0})", "({0}) / (1 + SquaredNorm({0}))", "({0}) * Min({0})",
        "Softmax({0}) * Sum({0})", "Sum({0}) - ({0})", "({0}) - ({0})[label]",
    ];

    private static readonly string[] s_rowBinary =
    [
        "({0}) + ({1})", "({0}) - ({1})", "({0}) * ({1})", "({0}) / (2 + Square({1}))", "Max({0}, {1})", "Min({0}, {1})",
        "Xlogy(Sigmoid({0}), 1 + Square({1}))", "MultiplyNoNaN({0}, {1})",
    ];

    /// <summary>A row and a scalar combined: the scalar is broadcast over the row.</summary>
    private static readonly string[] s_rowWithScalar = ["({0}) + ({1})", "({1}) * ({0})", "({0}) - ({1})", "({0}) / (1 + Square({1}))", "Max({0}, {1})", "Min({1}, {0})"];

    private static readonly string[] s_reductions =
    [
        "Sum({0})", "Mean({0})", "Max({0})", "Min({0})", "LogSumExp({0})", "SquaredNorm({0})", "Norm(1 + Square({0}))",
        "({0})[label]", "Length({0}) * 0.25",
    ];

    private static readonly string[] s_reductions2 = ["Dot({0}, {1})", "SquaredDistance({0}, {1})", "Distance({0}, ({1}) + 0.5)"];

    private static readonly string[] s_scalarUnary =
    [
        "-({0})", "Exp(Tanh({0}))", "Log1p(Square({0}))", "Abs({0})", "Tanh({0})", "Sigmoid({0})", "Softplus({0})", "Square({0})",
        "Sqrt(2 + Square({0}))", "Pow(1 + Square({0}), k)", "Relu({0})",
    ];

    private static readonly string[] s_scalarBinary = ["({0}) + ({1})", "({0}) - ({1})", "({0}) * ({1})", "({0}) / (2 + Square({1}))", "Max({0}, {1})", "Min({0}, {1})", "Pow(1.5 + Tanh({0}), {1})"];

    private static readonly string[] s_conditions = ["({0}) < ({1})", "({0}) >= 0.25", "({0}) > 0 && ({1}) <= 1", "!(({0}) <= ({1}))"];

    private static readonly string[] s_constants = ["0.5", "2.0", "-1.25", "1.0", "3.0"];

    private static string Row(Choices ch, int depth, Scope scope)
    {
        switch (depth <= 0 ? 0 : ch.Next(11))
        {
            case 0 or 1:
                return scope.Rows[ch.Next(scope.Rows.Length)];
            case 9 or 10:
                return Format(s_rowBroadcasts[ch.Next(s_rowBroadcasts.Length)], Row(ch, depth - 1, scope));
            case 2 or 3:
                return Format(s_rowUnary[ch.Next(s_rowUnary.Length)], Row(ch, depth - 1, scope));
            case 4 or 5:
                return Format(s_rowBinary[ch.Next(s_rowBinary.Length)], Row(ch, depth - 1, scope), Row(ch, depth - 1, scope));
            case 6 or 7:
                return Format(s_rowWithScalar[ch.Next(s_rowWithScalar.Length)], Row(ch, depth - 1, scope), Scalar(ch, depth - 1, scope));
            default:
                string condition = Format(s_conditions[ch.Next(s_conditions.Length)], Scalar(ch, depth - 2, scope), Scalar(ch, depth - 2, scope));
                return $"({condition} ? {Row(ch, depth - 1, scope)} : {Row(ch, depth - 1, scope)})";
        }
    }

    private static string Scalar(Choices ch, int depth, Scope scope)
    {
        switch (depth <= 0 ? ch.Next(2) : ch.Next(12))
        {
            case 0:
                return scope.Scalars[ch.Next(scope.Scalars.Length)];
            case 1:
                return s_constants[ch.Next(s_constants.Length)];
            case 2 or 3 or 4:
                return Format(s_reductions[ch.Next(s_reductions.Length)], Row(ch, depth - 1, scope));
            case 5:
                return Format(s_reductions2[ch.Next(s_reductions2.Length)], Row(ch, depth - 1, scope), Row(ch, depth - 1, scope));
            case 6 or 7:
                return Format(s_scalarUnary[ch.Next(s_scalarUnary.Length)], Scalar(ch, depth - 1, scope));
            case 8 or 9 or 10:
                return Format(s_scalarBinary[ch.Next(s_scalarBinary.Length)], Scalar(ch, depth - 1, scope), Scalar(ch, depth - 1, scope));
            default:
                string condition = Format(s_conditions[ch.Next(s_conditions.Length)], Scalar(ch, depth - 2, scope), Scalar(ch, depth - 2, scope));
                return $"({condition} ? {Scalar(ch, depth - 1, scope)} : {Scalar(ch, depth - 1, scope)})";
        }
    }

    private static string Format(string format, params string[] arguments) => string.Format(CultureInfo.InvariantCulture, format, arguments);
}
