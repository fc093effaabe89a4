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

    Add,
    Subtract,
    Multiply,
    Divide,
    Negate,

    Exp,
    Log,
    Log1p,
    Expm1,
    Sqrt,
    Abs,
    Tanh,
    Max,
    Min,
    /// <summary>x^y for a non-constant or non-integer exponent, with 0^y defined (see LossMath.Pow).</summary>
    Pow,

    /// <summary>Mask ? A : B, both computed; the gradient follows the branch that was taken.</summary>
    Select,

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

    /// <summary>Exp, log, tanh and pow: the operations that are calls into SimdMath rather than a few instructions.</summary>
    public static bool IsTranscendental(this Op op) => op is Op.Exp or Op.Log or Op.Log1p or Op.Expm1 or Op.Tanh or Op.Pow;

    public static bool IsCommutative(this Op op) => op is Op.Add or Op.Multiply or Op.Max or Op.Min or Op.Equal or Op.NotEqual or Op.And or Op.Or;

    public static int Arity(this Op op) => op switch
    {
        Op.Constant or Op.Input or Op.Hyper or Op.Epsilon => 0,
        Op.Negate or Op.Exp or Op.Log or Op.Log1p or Op.Expm1 or Op.Sqrt or Op.Abs or Op.Tanh or Op.Not => 1,
        Op.Select => 3,
        _ => 2,
    };
}
