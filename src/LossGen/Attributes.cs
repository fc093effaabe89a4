using System;

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
    Single = 1,
    /// <summary><see cref="double"/> spans.</summary>
    Double = 2,
    /// <summary><see cref="System.Half"/> spans, computed in <see cref="float"/> and rounded once.</summary>
    Half = 4,
    /// <summary>All three.</summary>
    All = Single | Double | Half,
}
