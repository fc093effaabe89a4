using System;

namespace LossGen.Generators.Ir;

/// <summary>
/// One node of the formula DAG. Operands are ids of earlier nodes, so ids are a topological order.
/// Value-equal: the pipeline model holds the node list as it is.
/// </summary>
internal readonly record struct Node(Op Op, int A = -1, int B = -1, int C = -1, double Value = 0, int Index = -1)
{
    public static Node ConstantOf(double value) => new(Op.Constant, Value: value);

    public bool IsConstant => Op == Op.Constant;

    public bool Is(double value) => Op == Op.Constant && Value.Equals(value);

    public int Operand(int k) => k switch
    {
        0 => A,
        1 => B,
        2 => C,
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };
}
