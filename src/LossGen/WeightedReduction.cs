namespace LossGen;

/// <summary>
/// How losses weighted per sample (one weight per element, or per row for row losses) are combined: the
/// <c>sampleWeights</c> overloads of every generated loss.
/// </summary>
public enum WeightedReduction
{
    /// <summary>
    /// The weighted mean Σ wᵢℓᵢ / Σ wᵢ, as PyTorch weighs its losses (<c>CrossEntropyLoss</c> with class weights, and
    /// <c>(loss * w).sum() / w.sum()</c> by hand). <c>NaN</c> when the weights sum to 0, the input empty included.
    /// </summary>
    Mean,

    /// <summary>
    /// Σ wᵢℓᵢ / n, n the number of elements (rows): Keras's default with <c>sample_weight</c>
    /// (<c>"sum_over_batch_size"</c>). <c>NaN</c> for an empty input.
    /// </summary>
    SumOverBatchSize,

    /// <summary>Σ wᵢℓᵢ; 0 for an empty input.</summary>
    Sum,
}
