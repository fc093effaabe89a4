namespace LossGen.Generators.Model;

/// <summary>
/// The TorchSharp tensor forms to write into one partial type, for losses whose span overloads live on
/// <paramref name="Owner"/>: the type of the user's own <c>[Loss]</c> (when the project references LossGen.TorchSharp), or
/// a compiled type named by <c>[TensorFormsOf]</c>. Value-equal, so it caches.
/// </summary>
/// <param name="Owner">The type with the span overloads, from the global namespace (<c>global::LossGen.Losses</c>).</param>
/// <param name="HintName">The generated file's name.</param>
internal sealed record TensorForms(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string Accessibility,
    string Owner,
    EquatableArray<TensorLoss> Losses,
    string HintName);

/// <summary>
/// One loss's signature, as its span overloads take it, and the inner XML of its <c>summary</c> when the forms are written
/// next to the loss (its crefs then resolve as they do there).
/// </summary>
internal sealed record TensorLoss(string MethodName, EquatableArray<LossParameter> Parameters, int ElementTypes, string? Summary = null);
