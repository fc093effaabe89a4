using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using LossGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LossGen.Generators.Tests;

/// <summary>
/// Random formulas. A formula is built from a stream of choices that CsCheck generates (and can
/// shrink: smaller choices build smaller formulas), so any valid formula the grammar allows can come
/// up; many are compiled in one batch. Seeds are fixed, so every run checks the same formulas.
/// </summary>
public sealed class PropertyTests
{
    private const int FormulasPerBatch = 30;

    private static readonly Gen<int[][]> s_batch = Gen.Int[0, 9999].Array[48].Array[FormulasPerBatch];

    private static readonly Param[] s_parameters = [Param.In("a"), Param.Target("t", -2, 2), Param.In("b"), Param.Hyper("k", 0.7)];

    public static TheoryData<uint> Streams => RandomBatches.Streams(1, 3);

    [Theory]
    [MemberData(nameof(Streams))]
    public void Random_formulas_have_kernels_that_match_the_formula_and_central_differences(uint stream)
    {
        s_batch.Sample(
            batch =>
            {
                LossCase[] cases = batch.Select((choices, i) => new LossCase($"P{i}", Formula(choices), s_parameters) { DoubleOnly = true }).ToArray();
                var compiled = new CompiledLosses(cases);
                for (int i = 0; i < cases.Length; i++)
                {
                    compiled.CheckDouble(cases[i], n: 24, seed: ((int)stream * 1000) + i);
                }
            },
            seed: new PCG(stream, 20261128).ToString(),
            iter: 1,
            threads: 1,
            print: batch => string.Join("\n", batch.Select((c, i) => $"P{i}: {Formula(c)}")));
    }

    [Theory]
    [InlineData(11u)]
    [InlineData(12u)]
    public void Random_invalid_code_in_a_formula_never_makes_the_generator_throw(uint stream)
    {
        Gen<(int[] Choices, int[] Mutations)> gen = Gen.Select(Gen.Int[0, 9999].Array[48], Gen.Int[0, 9999].Array[1, 8]);
        gen.Array[FormulasPerBatch].Sample(
            batch =>
            {
                var source = new StringBuilder(GeneratorHarness.Usings).Append("namespace R;\n");
                for (int i = 0; i < batch.Length; i++)
                {
                    // One type per formula: a broken one must not take its neighbours' parse down with it.
                    string formula = Formula(batch[i].Choices);
                    string body = Mutate(formula.StartsWith('{') ? formula : "=> " + formula + ";", batch[i].Mutations);
                    source.Append($"public static partial class C{i}\n{{\n    [Loss] public static double F(double a, [Target] double t, double b, [Hyper] double k)\n    {body}\n}}\n");
                }

                GeneratorResult result = GeneratorHarness.Run(source.ToString());
                Assert.DoesNotContain(result.Output.GetDiagnostics().Concat(result.GeneratorDiagnostics), d => d.Id is "CS8784" or "CS8785");
                Assert.All(result.GeneratorDiagnostics, d => Assert.StartsWith("LG", d.Id, StringComparison.Ordinal));
            },
            seed: new PCG(stream, 20261128).ToString(),
            iter: 1,
            threads: 1);
    }

    /// <summary>A body as <see cref="LossCase"/> takes it: an expression, or a block with locals.</summary>
    internal static string Formula(int[] choices)
    {
        var ch = new Choices(choices);
        var scope = new List<string> { "a", "t", "b", "k" };
        if (ch.Next(3) != 0)
        {
            return Expr(ch, 3, scope);
        }

        var block = new StringBuilder("{ ");
        for (int i = 0; i < 2; i++)
        {
            block.Append(ch.Next(2) == 0 ? "var" : "double").Append($" s{i} = {Expr(ch, 2, scope)}; ");
            scope.Add($"s{i}");
        }

        return block.Append($"return {Expr(ch, 2, scope)}; }}").ToString();
    }

    // Double literals: Math.Max(2, 3) would call Math's int overload, which LossGen rightly rejects.
    private static readonly string[] s_constants = ["0.5", "2.0", "3.0", "1.5", "-1.25", "0.0", "1.0", "LossMath.Epsilon"];

    private static readonly string[] s_unary =
    [
        "-({0})", "Exp(Tanh({0}))", "Log(1 + Square({0}))", "Log1p(Square({0}))", "Expm1(Tanh({0}))", "Sqrt(1 + Square({0}))",
        "Abs({0})", "Tanh({0})", "Sigmoid({0})", "Softplus({0})", "LogSigmoid({0})", "LogCosh({0})", "Relu({0})", "Sign({0}) * Square({0})",
        "Square({0})", "Math.Exp(Math.Tanh({0}))", "Math.Sqrt(2 + Square({0}))", "Math.Abs({0})", "Pow(1 + Square({0}), k)", "Pow({0}, 3)",
        "Pow(2 + Square({0}), -1)", "Pow(1 + Square({0}), 0.5)", "Clamp({0}, -1, 1)", "(double)({0})", "+({0})", "Math.Tanh({0})",
    ];

    private static readonly string[] s_binary =
    [
        "({0}) + ({1})", "({0}) - ({1})", "({0}) * ({1})", "({0}) / (2 + Square({1}))", "Max({0}, {1})", "Min({0}, {1})",
        "Xlogy({0}, 1 + Square({1}))", "MultiplyNoNaN({0}, {1})", "Pow(1 + Square({0}), Tanh({1}))", "Math.Max({0}, {1})", "Math.Min({0}, {1})", "Math.Clamp({0}, -2.0, ({1}) * ({1}) - 1)",
    ];

    private static readonly string[] s_conditions =
    [
        "({0}) < ({1})", "({0}) >= ({1})", "({0}) > 0.5 && ({1}) <= 1", "({0}) < -1 || !(({1}) > 0)", "({0}) == ({1})", "({0}) != 0", "!(({0}) <= ({1}))",
    ];

    private static string Expr(Choices ch, int depth, List<string> scope)
    {
        int kind = depth <= 0 ? ch.Next(2) : ch.Next(10);
        switch (kind)
        {
            case 0:
                return scope[ch.Next(scope.Count)];
            case 1:
                return s_constants[ch.Next(s_constants.Length)];
            case 2 or 3 or 4:
                return string.Format(System.Globalization.CultureInfo.InvariantCulture, s_unary[ch.Next(s_unary.Length)], Expr(ch, depth - 1, scope));
            case 5 or 6 or 7 or 8:
                return string.Format(System.Globalization.CultureInfo.InvariantCulture, s_binary[ch.Next(s_binary.Length)], Expr(ch, depth - 1, scope), Expr(ch, depth - 1, scope));
            default:
                string condition = string.Format(System.Globalization.CultureInfo.InvariantCulture, s_conditions[ch.Next(s_conditions.Length)], Expr(ch, depth - 2, scope), Expr(ch, depth - 2, scope));
                return $"({condition} ? {Expr(ch, depth - 1, scope)} : {Expr(ch, depth - 1, scope)})";
        }
    }

    /// <summary>Token-level damage: deletes, duplicates, swaps and inserts tokens, including ones the grammar rejects.</summary>
    private static string Mutate(string body, int[] mutations)
    {
        string[] junk = ["%", "^", "=", "++", "if", "(", ")", "{", "}", ";", "new", "\"s\"", "x", "a.b", "out", "ref", "=>", "?", ":", "Math.Log(a, 2)", "return", "for", "[", "]", "@", "Foo(a)", "is", "&", "|", "<<", "!", "var", "default", "throw", "typeof(double)", "nameof(a)", "..", "$\"{a}\"", "stackalloc", "checked"];
        var tokens = SyntaxFactory.ParseTokens(body).Where(t => !t.IsKind(SyntaxKind.EndOfFileToken)).Select(t => t.ToFullString()).ToList();
        foreach (int m in mutations)
        {
            int at = tokens.Count == 0 ? 0 : (m / 7) % tokens.Count;
            switch (m % 5)
            {
                case 0 when tokens.Count > 0:
                    tokens.RemoveAt(at);
                    break;
                case 1 when tokens.Count > 0:
                    tokens.Insert(at, tokens[at]);
                    break;
                case 2 when tokens.Count > 1:
                    int other = (m / 13) % tokens.Count;
                    (tokens[at], tokens[other]) = (tokens[other], tokens[at]);
                    break;
                default:
                    tokens.Insert(at, " " + junk[(m / 5) % junk.Length] + " ");
                    break;
            }
        }

        return string.Concat(tokens);
    }
}
