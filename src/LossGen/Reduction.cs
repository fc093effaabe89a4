namespace LossGen;

/// <summary>How per-element (or per-row) losses are combined into the one number a model minimizes.</summary>
public enum Reduction
{
    /// <summary>
    /// The average over elements (rows for row losses). The gradient is that of the average, so it is
    /// divided by the count. The mean of an empty input is <c>NaN</c>, as in PyTorch, and its gradient is empty.
    /// </summary>
    Mean,

    /// <summary>The sum over elements (rows for row losses). The sum of an empty input is 0.</summary>
    Sum,
}
