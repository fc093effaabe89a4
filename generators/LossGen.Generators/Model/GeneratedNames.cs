using System;
using System.Collections.Generic;

namespace LossGen.Generators.Model;

/// <summary>
/// The names of what the generator writes for a <c>[Loss]</c> method F, in one place: the emitters write them, the parser
/// checks the user's members and parameters against them, and the call analyzer reads a call back to F with them.
/// </summary>
internal static class GeneratedNames
{
    public const string WithGradientSuffix = "WithGradient";
    public const string ElementwiseSuffix = "Elementwise";
    public const string GradientSuffix = "Gradient";

    /// <summary>The per-element (per-row) losses output of the <c>Elementwise</c> overloads.</summary>
    public const string Losses = "losses";

    /// <summary>The per-element (per-row) weights of the sample-weighted overloads.</summary>
    public const string SampleWeights = "sampleWeights";

    /// <summary>The reduction parameter of the reduced overloads.</summary>
    public const string Reduction = "reduction";

    /// <summary>The row length parameter of a row formula's span overloads.</summary>
    public const string RowLength = "rowLength";

    /// <summary>F's reduced overload with the gradients.</summary>
    public static string WithGradient(string loss) => loss + WithGradientSuffix;

    /// <summary>F's unreduced overload.</summary>
    public static string Elementwise(string loss) => loss + ElementwiseSuffix;

    /// <summary>F's unreduced overload with each element's (row's) gradient.</summary>
    public static string ElementwiseWithGradient(string loss) => loss + ElementwiseSuffix + WithGradientSuffix;

    /// <summary>The output parameter that receives the gradient with respect to <paramref name="input"/>.</summary>
    public static string Gradient(string input) => input + GradientSuffix;

    /// <summary>The names of F's generated methods: the span overloads (and, with the TorchSharp bridge, the tensor forms).</summary>
    public static string[] Methods(string loss) => [loss, WithGradient(loss), Elementwise(loss), ElementwiseWithGradient(loss)];

    /// <summary>
    /// The formulas a method named <paramref name="method"/> may have been generated from, the name itself first: each
    /// with whether the method is a gradient form and whether it is unreduced.
    /// </summary>
    public static IEnumerable<(string Loss, bool WithGradient, bool Elementwise)> Origins(string method)
    {
        yield return (method, false, false);
        if (TryStrip(method, ElementwiseSuffix + WithGradientSuffix, out string loss))
        {
            yield return (loss, true, true);
        }

        if (TryStrip(method, WithGradientSuffix, out loss))
        {
            yield return (loss, true, false);
        }

        if (TryStrip(method, ElementwiseSuffix, out loss))
        {
            yield return (loss, false, true);
        }
    }

    /// <summary>Whether <paramref name="parameter"/> has the form of a gradient output, and of which input's name.</summary>
    public static bool IsGradient(string parameter, out string input) => TryStrip(parameter, GradientSuffix, out input);

    private static bool TryStrip(string name, string suffix, out string stem)
    {
        bool strips = name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal);
        stem = strips ? name.Substring(0, name.Length - suffix.Length) : "";
        return strips;
    }
}
