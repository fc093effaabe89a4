using System;

namespace LossGen.Generators.Ir;

/// <summary>The operations of the formula IR. Functions of <c>LossMath</c> not listed here are lowered to these.</summary>
internal enum Op
{
    Constant,
    /// <summary>A per-element input; <see cref="Node.Index"/> is its position among the inputs.</summary>
    Input,
    /// <summary>A hyperparameter; <see cref="Node.Index"/> is its position among the hyperparameters.</summary>
    Hyper,
    /// <summary><c>LossMath.Epsilon</c>: the probability clamp, chosen per element type when emitted.</summary>
    Epsilon,

    /// <summary>A <c>Row</c> input of a row formula, row-valued; <see cref="Node.Index"/> is its position among the rows.</summary>
    RowInput,
    /// <summary>An <c>int</c> label of a row formula (one per row); <see cref="Node.Index"/> is its position among the labels.</summary>
    Label,
    /// <summary>A per-row <c>double</c> input of a row formula; <see cref="Node.Index"/> is its position among them.</summary>
    RowValue,
    /// <summary>The row length of a row formula.</summary>
    RowLength,
    /// <summary>The column index of each element of a row, row-valued (what a label is compared with).</summary>
    ElementIndex,
    /// <summary>Row input <see cref="Node.Index"/> at column A (a label): <c>row[label]</c>.</summary>
    Gather,

    Add,
    Subtract,
    Multiply,
    Divide,
    Negate,

    Exp,
    Log,
    Log1p,
    /// <summary>
    /// log(1 + x) for x in [0, 1] only, as the e^−|x| of softplus and log-cosh: <see cref="Lowering"/> puts it in place of
    /// <see cref="Log1p"/> of such an exp. A short series, where a general log1p needs a range reduction and a rounding
    /// correction (a third of BCE with logits' instructions).
    /// </summary>
    Log1pOnUnitInterval,
    Expm1,
    Sqrt,
    Abs,
    Tanh,
    Max,
    Min,
    /// <summary>x^y for a non-constant or non-integer exponent, with 0^y defined (see LossMath.Pow).</summary>
    Pow,
    /// <summary>
    /// log(1 + e^x), kept whole through differentiation so that its derivative is <see cref="Sigmoid"/>, not the kink
    /// rules of its stable form's max and |x| (which cancel, but only after some twenty operations per element);
    /// <see cref="Lowering"/> writes both in primitives before a kernel is planned.
    /// </summary>
    Softplus,
    /// <summary>1/(1 + e^−x), kept whole through differentiation (its derivative is σ(x)·σ(−x)); see <see cref="Softplus"/>.</summary>
    Sigmoid,

    /// <summary>Mask ? A : B, both computed; the gradient follows the branch that was taken.</summary>
    Select,

    /// <summary>Σ over a row of the row-valued A.</summary>
    ReduceSum,
    /// <summary>The largest element of the row-valued A.</summary>
    ReduceMax,
    /// <summary>The smallest element of the row-valued A.</summary>
    ReduceMin,
    /// <summary>log Σ e^A over a row, in the online max-rescaling form.</summary>
    LogSumExp,

    LessThan,
    LessThanOrEqual,
    GreaterThan,
    GreaterThanOrEqual,
    Equal,
    NotEqual,
    And,
    Or,
    Not,
}

/// <summary>What the pipeline knows of an op besides its derivative and its fold (see <see cref="OpFacts"/>).</summary>
/// <param name="Op">The op; the table is in enum order.</param>
/// <param name="Arity">Its operands: 0 for values the kernel reads, 1 to 3 otherwise.</param>
/// <param name="IsTranscendental">
/// A call into SimdMath rather than a few instructions (exp, log, tanh, pow and what is built of them): a kernel holding
/// one is not memory-bound, and a select arm holding one is skipped by vectors that do not take it.
/// </param>
/// <param name="IsCommutative">The graph orders its operands, so a·b and b·a are one node.</param>
/// <param name="HasInlinedTwin">ISimd has the function twice, as a call and as an ...Inlined twin (ExpInlined, LogInlined, …).</param>
internal readonly record struct OpFact(Op Op, int Arity, bool IsTranscendental, bool IsCommutative, bool HasInlinedTwin);

internal static class OpFacts
{
    /// <summary>
    /// One row per op, every fact stated: a new op without its row fails OpFactsTests (the table must list the enum in
    /// order), and a row cannot leave a fact at a default. Log1pOnUnitInterval is not transcendental: a dozen operations,
    /// always inlined, and never alone (its argument is an exp).
    /// </summary>
    internal static readonly OpFact[] Table =
    [
        // op                     arity transc. commut. inlined twin
        new(Op.Constant,            0,  false,  false,  false),
        new(Op.Input,               0,  false,  false,  false),
        new(Op.Hyper,               0,  false,  false,  false),
        new(Op.Epsilon,             0,  false,  false,  false),
        new(Op.RowInput,            0,  false,  false,  false),
        new(Op.Label,               0,  false,  false,  false),
        new(Op.RowValue,            0,  false,  false,  false),
        new(Op.RowLength,           0,  false,  false,  false),
        new(Op.ElementIndex,        0,  false,  false,  false),
        new(Op.Gather,              1,  false,  false,  false),
        new(Op.Add,                 2,  false,  true ,  false),
        new(Op.Subtract,            2,  false,  false,  false),
        new(Op.Multiply,            2,  false,  true ,  false),
        new(Op.Divide,              2,  false,  false,  false),
        new(Op.Negate,              1,  false,  false,  false),
        new(Op.Exp,                 1,  true ,  false,  true),
        new(Op.Log,                 1,  true ,  false,  true),
        new(Op.Log1p,               1,  true ,  false,  true),
        new(Op.Log1pOnUnitInterval, 1,  false,  false,  false),
        new(Op.Expm1,               1,  true ,  false,  true),
        new(Op.Sqrt,                1,  false,  false,  false),
        new(Op.Abs,                 1,  false,  false,  false),
        new(Op.Tanh,                1,  true ,  false,  true),
        new(Op.Max,                 2,  false,  true ,  false),
        new(Op.Min,                 2,  false,  true ,  false),
        new(Op.Pow,                 2,  true ,  false,  false),
        new(Op.Softplus,            1,  true ,  false,  false),
        new(Op.Sigmoid,             1,  true ,  false,  false),
        new(Op.Select,              3,  false,  false,  false),
        new(Op.ReduceSum,           1,  false,  false,  false),
        new(Op.ReduceMax,           1,  false,  false,  false),
        new(Op.ReduceMin,           1,  false,  false,  false),
        new(Op.LogSumExp,           1,  true ,  false,  false),
        new(Op.LessThan,            2,  false,  false,  false),
        new(Op.LessThanOrEqual,     2,  false,  false,  false),
        new(Op.GreaterThan,         2,  false,  false,  false),
        new(Op.GreaterThanOrEqual,  2,  false,  false,  false),
        new(Op.Equal,               2,  false,  true ,  false),
        new(Op.NotEqual,            2,  false,  true ,  false),
        new(Op.And,                 2,  false,  true ,  false),
        new(Op.Or,                  2,  false,  true ,  false),
        new(Op.Not,                 1,  false,  false,  false),
    ];

    private static OpFact Fact(Op op)
        => (uint)op < (uint)Table.Length && Table[(int)op].Op == op
            ? Table[(int)op]
            : throw new ArgumentOutOfRangeException(nameof(op), op, "OpFacts.Table does not list this op in enum order.");

    public static bool IsMask(this Op op) => op is >= Op.LessThan and <= Op.Not;

    /// <inheritdoc cref="OpFact.IsTranscendental"/>
    public static bool IsTranscendental(this Op op) => Fact(op).IsTranscendental;

    /// <summary>
    /// The operations worth a branch to skip (see SelectArms): the transcendental ones, and
    /// <see cref="Op.Log1pOnUnitInterval"/>, whose dozen operations and division are one statement.
    /// </summary>
    public static bool IsCostly(this Op op) => op.IsTranscendental() || op == Op.Log1pOnUnitInterval;

    /// <inheritdoc cref="OpFact.HasInlinedTwin"/>
    public static bool HasInlinedTwin(this Op op) => Fact(op).HasInlinedTwin;

    /// <summary>The operations that turn a row into one number per row, each computed in a pass over the row.</summary>
    public static bool IsReduction(this Op op) => op is Op.ReduceSum or Op.ReduceMax or Op.ReduceMin or Op.LogSumExp;

    /// <summary>Values the kernel reads rather than computes.</summary>
    public static bool IsLeaf(this Op op) => op.Arity() == 0;

    /// <inheritdoc cref="OpFact.IsCommutative"/>
    public static bool IsCommutative(this Op op) => Fact(op).IsCommutative;

    /// <inheritdoc cref="OpFact.Arity"/>
    public static int Arity(this Op op) => Fact(op).Arity;

    /// <summary>
    /// The <c>ISimd</c> member a kernel calls for <paramref name="op"/> (its ...Inlined twin where
    /// <see cref="HasInlinedTwin"/>), or null where the emitter writes something else: leaves and gathers are read,
    /// reductions are the row passes, a power is <c>SimdFunctions.Pow</c>, and softplus and sigmoid are lowered to
    /// primitives before anything is emitted.
    /// </summary>
    public static string? SimdMethod(this Op op) => op switch
    {
        _ when op.IsLeaf() || op.IsReduction() => null,
        Op.Gather or Op.Pow or Op.Softplus or Op.Sigmoid => null,
        Op.Equal => "Equals",
        Op.NotEqual => "NotEquals",
        _ => op.ToString(),
    };
}
