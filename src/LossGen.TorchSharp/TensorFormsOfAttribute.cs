using System;

namespace LossGen.TorchSharp;

/// <summary>
/// Asks the generator for tensor forms of the public <c>[Loss]</c> methods of <see cref="Source"/>, a type of a referenced
/// assembly, in this partial class: for each loss F, <c>F(Tensor...)</c> and <c>FElementwise(Tensor...)</c> calling the
/// span overloads of <see cref="Source"/>. <see cref="TorchLosses"/> is declared so over <see cref="Losses"/>; a loss
/// library compiled on its own gets tensor forms the same way.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TensorFormsOfAttribute : Attribute
{
    /// <summary>Asks for tensor forms of <paramref name="source"/>'s losses.</summary>
    /// <param name="source">A type whose public static <c>[Loss]</c> methods get tensor forms.</param>
    public TensorFormsOfAttribute(Type source) => Source = source;

    /// <summary>The type whose losses get tensor forms.</summary>
    public Type Source { get; }
}
