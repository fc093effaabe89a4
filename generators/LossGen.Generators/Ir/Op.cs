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

internal static class OpFacts
{
    public static bool IsMask(this Op op) => op is >= Op.LessThan and <= Op.Not;

    /// <summary>
    /// Exp, log, tanh and pow: the operations that are calls into SimdMath rather than a few instructions. Not
    /// <see cref="Op.Log1pOnUnitInterval"/>: a dozen operations, always inlined, and never alone (its argument is an exp).
    /// </summary>
    public static bool IsTranscendental(this Op op) => op is Op.Exp or Op.Log or Op.Log1p or Op.Expm1 or Op.Tanh or Op.Pow or Op.LogSumExp or Op.Softplus or Op.Sigmoid;

    /// <summary>
    /// The operations worth a branch to skip (see SelectArms): the transcendental ones, and
    /// <see cref="Op.Log1pOnUnitInterval"/>, whose dozen operations and division are one statement.
    /// </summary>
    public static bool IsCostly(this Op op) => op.IsTranscendental() || op == Op.Log1pOnUnitInterval;

    /// <summary>The functions ISimd has twice, as a call and as an ...Inlined twin (ExpInlined, LogInlined, …).</summary>
    public static bool HasInlinedTwin(this Op op) => op is Op.Exp or Op.Log or Op.Log1p or Op.Expm1 or Op.Tanh;

    /// <summary>The operations that turn a row into one number per row, each computed in a pass over the row.</summary>
    public static bool IsReduction(this Op op) => op is Op.ReduceSum or Op.ReduceMax or Op.ReduceMin or Op.LogSumExp;

    /// <summary>Values the kernel reads rather than computes.</summary>
    public static bool IsLeaf(this Op op) => op.Arity() == 0;

    public static bool IsCommutative(this Op op) => op is Op.Add or Op.Multiply or Op.Max or Op.Min or Op.Equal or Op.NotEqual or Op.And or Op.Or;

    public static int Arity(this Op op) => op switch
    {
        Op.Constant or Op.Input or Op.Hyper or Op.Epsilon or Op.RowInput or Op.Label or Op.RowValue or Op.RowLength or Op.ElementIndex => 0,
        Op.Negate or Op.Exp or Op.Log or Op.Log1p or Op.Log1pOnUnitInterval or Op.Expm1 or Op.Sqrt or Op.Abs or Op.Tanh or Op.Softplus or Op.Sigmoid or Op.Not or Op.Gather => 1,
        Op.ReduceSum or Op.ReduceMax or Op.ReduceMin or Op.LogSumExp => 1,
        Op.Select => 3,
        Op.Add or Op.Subtract or Op.Multiply or Op.Divide or Op.Max or Op.Min or Op.Pow => 2,
        Op.LessThan or Op.LessThanOrEqual or Op.GreaterThan or Op.GreaterThanOrEqual or Op.Equal or Op.NotEqual or Op.And or Op.Or => 2,
        // A new op is listed above, or every generator test that builds a graph fails (OpFactsTests names it).
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "OpFacts.Arity does not list this op."),
    };

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
