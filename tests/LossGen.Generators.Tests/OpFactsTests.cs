using System;
using System.Linq;
using System.Reflection;
using LossGen.Generators.Ir;
using LossGen.Kernels;
using Xunit;

namespace LossGen.Generators.Tests;

/// <summary>
/// Every IR op is complete in each place that needs it, so adding one fails here, not at a user's compile: its row of
/// facts (arity, transcendental, commutative, inlined twin), a derivative or a declaration that it has none (never a
/// silent gradient of 0), a constant fold that agrees with the kernel's function, and, where a kernel calls it, an ISimd
/// member of the name the emitter writes.
/// </summary>
public sealed class OpFactsTests
{
    /// <summary>Every op, by name (Op is internal to the generator).</summary>
    public static TheoryData<string> AllOps => new(Enum.GetNames<Op>());

    /// <summary>One row per op, in enum order: a new op must state its arity and every flag, none left at a default.</summary>
    [Fact]
    public void The_facts_table_lists_every_op_in_order() => Assert.Equal(Enum.GetValues<Op>(), OpFacts.Table.Select(f => f.Op));

    [Theory]
    [MemberData(nameof(AllOps))]
    public void Every_op_has_an_arity(string opName) => Assert.InRange(Enum.Parse<Op>(opName).Arity(), 0, 3);

    [Theory]
    [MemberData(nameof(AllOps))]
    public void Every_op_is_differentiated_or_declared_to_have_no_gradient(string opName)
    {
        Op op = Enum.Parse<Op>(opName);
        var g = new Graph();
        int node = Build(g, op);
        // A row-valued node is summed over the row, so the differentiator meets it with an adjoint.
        int root = g.IsRow(node) ? g.Reduce(Op.ReduceSum, node) : node;
        // The differentiator throws for an op it has no rule for, where it once gave a gradient of 0.
        Exception? noRule = Record.Exception(() => Differentiator.Gradients(g, root, 2));
        Assert.True(noRule is null, $"{op}: {noRule?.Message}");
    }

    [Theory]
    [MemberData(nameof(AllOps))]
    public void Every_op_written_as_a_call_is_an_ISimd_member_of_that_name(string opName)
    {
        Op op = Enum.Parse<Op>(opName);
        if (op.SimdMethod() is not string name)
        {
            return;
        }

        Type simd = typeof(ISimd<,>);
        MethodInfo? method = simd.GetMethod(name, BindingFlags.Public | BindingFlags.Static);
        Assert.True(method is not null, $"ISimd has no {name} for {op}.");
        Assert.Equal(op.Arity(), method!.GetParameters().Length);
        if (op.HasInlinedTwin())
        {
            Assert.True(simd.GetMethod(name + "Inlined", BindingFlags.Public | BindingFlags.Static) is not null, $"ISimd has no {name}Inlined for {op}.");
            // A function worth inlining is one a memory-bound kernel must not hold (see KernelPlan.IsMemoryBound).
            Assert.True(op.IsTranscendental(), $"{op} has an inlined twin but is not transcendental.");
        }
    }

    [Theory]
    [MemberData(nameof(AllOps))]
    public void Every_function_folds_a_constant_as_the_kernel_computes_it(string opName)
    {
        Op op = Enum.Parse<Op>(opName);
        if (op.Arity() != 1 || op.IsReduction() || op is Op.Gather or Op.Not or Op.Negate)
        {
            return;
        }

        foreach (double x in new[] { 0.25, 0.75 })
        {
            var g = new Graph();
            Node folded = g[g.Unary(op, g.Constant(x))];
            Assert.True(folded.IsConstant, $"{op}({x}) is not folded.");
            double kernel = op switch
            {
                // Lowered before any kernel is written: the kernel computes their primitives.
                Op.Softplus => Math.Max(x, 0) + ScalarSimd<double>.Log1p(ScalarSimd<double>.Exp(-Math.Abs(x))),
                Op.Sigmoid => 1 / (1 + ScalarSimd<double>.Exp(-x)),
                _ => (double)typeof(ScalarSimd<double>).GetMethod(op.SimdMethod()!, [typeof(double)])!.Invoke(null, [x])!,
            };
            Assert.True(Math.Abs(folded.Value - kernel) <= 4e-16 * Math.Abs(kernel), $"{op}({x}): folded {folded.Value:R}, kernel {kernel:R}.");
        }
    }

    [Theory]
    [MemberData(nameof(AllOps))]
    public void Every_op_that_no_kernel_calls_is_read_a_row_pass_a_power_or_lowered(string opName)
    {
        Op op = Enum.Parse<Op>(opName);
        if (op.SimdMethod() is not null || op.IsLeaf() || op.IsReduction() || op is Op.Gather or Op.Pow)
        {
            return;
        }

        // The emitter writes every other op as an ISimd call; one with no member must be gone before it runs.
        var g = new Graph();
        Build(g, op);
        Graph lowered = Lowering.Lower(g, out _);
        Assert.DoesNotContain(lowered.Nodes, n => n.Op == op);
    }

    /// <summary>A node of <paramref name="op"/> over inputs (row inputs and a label for the row ops).</summary>
    private static int Build(Graph g, Op op)
    {
        int x = g.Input(0), y = g.Input(1);
        return op switch
        {
            Op.Constant => g.Constant(2),
            Op.Input => x,
            Op.Hyper => g.Hyper(0),
            Op.Epsilon => g.Epsilon(),
            Op.RowInput => g.RowInput(0),
            Op.Label => g.Label(0),
            Op.RowValue => g.RowValue(0),
            Op.RowLength => g.RowLength(),
            Op.ElementIndex => g.ElementIndex(),
            Op.Gather => g.Gather(0, g.Label(0)),
            _ when op.IsReduction() => g.Reduce(op, g.Multiply(g.RowInput(0), g.RowInput(1))),
            Op.Not => g.Not(g.Compare(Op.LessThan, x, y)),
            Op.And or Op.Or => g.Build(op, g.Compare(Op.LessThan, x, y), g.Compare(Op.LessThan, y, g.Constant(3)), -1, 0, 0),
            Op.Select => g.Select(g.Compare(Op.LessThan, x, y), g.Multiply(x, y), g.Add(x, y)),
            _ when op.IsMask() => g.Compare(op, x, y),
            _ when op.Arity() == 1 => g.Unary(op, x),
            _ => g.Build(op, x, y, -1, 0, 0),
        };
    }
}
