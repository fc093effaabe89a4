using System;

namespace LossGen.TorchSharp;

/// <summary>
/// The memory of one call's tensors as spans, for a <see cref="TensorKernel"/>: each argument by its position in
/// <see cref="TensorKernel.Parameters"/>. The spans are the tensors' own storage (contiguous CPU tensors are not copied).
/// </summary>
/// <typeparam name="T">The element type: <see cref="float"/>, <see cref="double"/> or <see cref="Half"/>.</typeparam>
public readonly ref struct LossSpans<T>
    where T : unmanaged
{
    private readonly TensorCall _call;

    internal LossSpans(TensorCall call) => _call = call;

    /// <summary>The values of argument <paramref name="argument"/>.</summary>
    public ReadOnlySpan<T> Values(int argument) => _call.Values<T>(argument);

    /// <summary>The class indices of label argument <paramref name="argument"/>, as int32.</summary>
    public ReadOnlySpan<int> Labels(int argument) => _call.Labels(argument);

    /// <summary>Receives the gradient with respect to argument <paramref name="argument"/> (an argument with a gradient).</summary>
    public Span<T> Gradient(int argument) => _call.Gradient<T>(argument);

    /// <summary>Receives the per-element (per-row) losses.</summary>
    public Span<T> Losses => _call.Losses<T>();

    /// <summary>The length of every row (the last dimension of the row arguments); 1 for elementwise losses.</summary>
    public int RowLength => _call.RowLength;

    /// <summary>Dimension <paramref name="dimension"/> of argument <paramref name="argument"/>'s shape (for hand-written layouts).</summary>
    public long Size(int argument, int dimension) => _call.Size(argument, dimension);

    /// <summary>The number of dimensions of argument <paramref name="argument"/>.</summary>
    public int Rank(int argument) => _call.Rank(argument);
}
