using System;
using LossGen.Kernels;

namespace LossGen;

/// <summary>
/// Marks a static method of a partial type as a loss formula. At compile time LossGen differentiates
/// the formula and adds fused, vectorized forward and backward kernels for it to the same type.
/// </summary>
/// <remarks>
/// The method's <see cref="double"/> parameters are per-element inputs; each gets a gradient output
/// unless it is a <see cref="TargetAttribute">[Target]</see>. <see cref="HyperAttribute">[Hyper]</see>
/// parameters are scalar settings. The body is an expression, or a block of <c>var</c>/<c>double</c>
/// locals ending in <c>return</c>, over literals, parameters, <c>+ - * /</c>, comparisons,
/// <c>&amp;&amp; || !</c>, <c>?:</c> and the functions of <see cref="LossMath"/> (or their
/// <see cref="System.Math"/> twins). Calling the method directly computes one element's loss.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class LossAttribute : Attribute
{
    /// <summary>The element types kernels are generated for; all three by default.</summary>
    public LossElementTypes ElementTypes { get; set; } = LossElementTypes.All;
}

/// <summary>Marks a loss input that gets no gradient (labels, targets).</summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class TargetAttribute : Attribute;

/// <summary>Marks a scalar setting of a loss (a margin, a delta); it is a <see cref="double"/> in every generated overload.</summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class HyperAttribute : Attribute;

/// <summary>Element types a <see cref="LossAttribute">[Loss]</see> gets kernels for.</summary>
[Flags]
public enum LossElementTypes
{
    /// <summary><see cref="float"/> spans.</summary>
    Single = KernelContract.SingleFlag,
    /// <summary><see cref="double"/> spans.</summary>
    Double = KernelContract.DoubleFlag,
    /// <summary><see cref="System.Half"/> spans, computed in <see cref="float"/> and rounded once.</summary>
    Half = KernelContract.HalfFlag,
    /// <summary>All three.</summary>
    All = Single | Double | Half,
}

/// <summary>
/// Declares that every value of a loss input is exactly −1 or +1: the labels of hinge, squared hinge
/// and margin ranking losses. A label of 0 is not "the negative class" for these losses: it makes the
/// loss a constant (1 for hinge) whatever the prediction, with no gradient.
/// </summary>
/// <remarks>
/// The LossGen analyzers report constant values outside the domain at call sites (LG0201) and offer to
/// map {0, 1} labels to {−1, +1}.
/// </remarks>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class PlusOrMinusOneAttribute : Attribute;

/// <summary>
/// Declares that every value of a loss input is a probability, in [0, 1]: the predictions of binary
/// cross-entropy, and the targets of the binary losses (hard 0/1 labels or soft labels). On a
/// <see cref="HyperAttribute">[Hyper]</see> setting: the setting is in [0, 1] (label smoothing).
/// </summary>
/// <remarks>The LossGen analyzers report constant values outside the domain at call sites (LG0201).</remarks>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class ProbabilityAttribute : Attribute;

/// <summary>
/// Declares that every value of a loss input is at least 0: counts and rates, as in the Poisson losses. On a
/// <see cref="HyperAttribute">[Hyper]</see> setting: the setting is at least 0 (a smoothing term, a margin).
/// </summary>
/// <remarks>The LossGen analyzers report constant values outside the domain at call sites (LG0201).</remarks>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class NonNegativeAttribute : Attribute;

/// <summary>
/// Declares that every value of an integer loss input is a class index in [0, rowLength): the labels of
/// row formulas such as a softmax cross-entropy.
/// </summary>
/// <remarks>
/// The upper bound is the row length, known only at run time, so the LossGen analyzers report only
/// negative constants at call sites (LG0201).
/// </remarks>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class ClassIndexAttribute : Attribute;

/// <summary>
/// Declares that a <see cref="HyperAttribute">[Hyper]</see> setting is greater than 0: a scale, a threshold such as
/// Huber's delta, a divisor's guard. The generated overloads throw <see cref="ArgumentOutOfRangeException"/> for 0, a
/// negative value or NaN before anything is written.
/// </summary>
/// <remarks>The LossGen analyzers report constant values outside the range at call sites (LG0201).</remarks>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class PositiveAttribute : Attribute;

/// <summary>
/// Declares that a <see cref="HyperAttribute">[Hyper]</see> setting lies in the closed interval
/// [<paramref name="min"/>, <paramref name="max"/>] (either end may be infinite). The generated overloads throw
/// <see cref="ArgumentOutOfRangeException"/> for a value outside it, or NaN, before anything is written.
/// </summary>
/// <param name="min">The smallest value allowed.</param>
/// <param name="max">The largest value allowed.</param>
/// <remarks>The LossGen analyzers report constant values outside the range at call sites (LG0201).</remarks>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class InRangeAttribute(double min, double max) : Attribute
{
    /// <summary>The smallest value allowed.</summary>
    public double Min { get; } = min;

    /// <summary>The largest value allowed.</summary>
    public double Max { get; } = max;
}
