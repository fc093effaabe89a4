namespace LossGen.Kernels;

/// <summary>
/// What the generator and the runtime must agree on, in one file compiled into both (and into the analyzers, which
/// share the generator's parser): the generator writes kernels within these limits and the engines run them.
/// </summary>
/// <remarks>
/// Change a value here and both sides change with it. The shapes that carry a limit in their types (the four vector
/// parameters of <c>IElementwiseKernel</c> and <c>IRowKernel</c>, <c>RowPass0</c>…<c>RowPass3</c>) must change with
/// it; the generator tests compile kernels at every limit.
/// </remarks>
internal static class KernelContract
{
    /// <summary>The most per-element (or row) inputs of a formula: a kernel takes four vectors and gives four gradients.</summary>
    public const int MaxInputs = 4;

    /// <summary>The most passes over a row before the gradient pass (the engine's <c>RowPass0</c>…<c>RowPass3</c>).</summary>
    public const int MaxRowPasses = 4;

    /// <summary>The most reductions (sums, maxima, log-sum-exps) of one row formula; the slots after them hold derived scalars.</summary>
    public const int MaxRowReductions = 8;

    /// <summary>The most reductions one pass over a row folds (the engine keeps their accumulators in registers).</summary>
    public const int MaxRowReductionsPerPass = 4;

    /// <summary>The most scalar slots of a row's state, reduction results included.</summary>
    public const int MaxRowSlots = 64;

    /// <summary><c>LossMath.Epsilon</c>, the probability clamp, in float and Half: Keras's value (1 − 1e-7 is still below 1 in float).</summary>
    public const double EpsilonSingle = 1e-7;

    /// <summary><c>LossMath.Epsilon</c> in double, and when a formula is called directly.</summary>
    public const double EpsilonDouble = 1e-15;

    /// <summary>The values of <c>LossElementTypes</c>, which the generator reads from <c>[Loss(ElementTypes = …)]</c> as a number.</summary>
    public const int SingleFlag = 1, DoubleFlag = 2, HalfFlag = 4, AllElementTypes = SingleFlag | DoubleFlag | HalfFlag;
}
