using System;
using System.Linq;
using System.Reflection;
using LossGen.Generators.Ir;
using LossGen.Generators.Parsing;
using Xunit;

namespace LossGen.Generators.Tests;

/// <summary>
/// The functions a user can call in a formula are the public members of <see cref="LossMath"/>; the parser knows them
/// through its own table. A function added to LossMath but not to the table would compile in the user's formula and
/// then be rejected by the generator (LG0103): every overload must lower to IR.
/// </summary>
public sealed class FunctionTableTests
{
    public static TheoryData<string> LossMathOverloads
        => new(typeof(LossMath).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => !m.IsSpecialName).Select(Describe));

    [Theory]
    [MemberData(nameof(LossMathOverloads))]
    public void Every_LossMath_function_lowers_to_IR(string overload)
    {
        MethodInfo method = typeof(LossMath).GetMethods(BindingFlags.Public | BindingFlags.Static).Single(m => Describe(m) == overload);
        var g = new Graph();
        // A Row parameter is a row input, a double an element input, as the parser makes them.
        int[] arguments = [.. method.GetParameters().Select((p, k) => p.ParameterType == typeof(Row) ? g.RowInput(k) : g.Input(k))];
        Assert.True(FunctionTable.TryLower("LossGen.LossMath", method.Name, g, arguments, out int node), $"The parser's FunctionTable has no {overload}.");
        Assert.InRange(node, 0, g.Nodes.Count - 1);
    }

    private static string Describe(MethodInfo m)
        => $"{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})";
}
