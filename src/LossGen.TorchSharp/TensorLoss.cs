using System;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LossGen.TorchSharp;

/// <summary>
/// Runs a <see cref="TensorKernel"/> over tensors: the generated tensor overloads and <see cref="TorchLosses"/> call it.
/// Checks come first; then, when autograd needs a gradient, one fused pass computes the loss and the gradient (kept for
/// backward), and otherwise the forward-only kernel runs.
/// </summary>
public static class TensorLoss
{
    /// <summary>The reduced loss, a 0-dim tensor of the inputs' element type; differentiable by its inputs.</summary>
    /// <param name="kernel">The loss.</param>
    /// <param name="reduction">Mean or sum over elements (rows).</param>
    /// <param name="tensors">Its tensor arguments, in the order of <see cref="TensorKernel.Parameters"/>.</param>
    public static Tensor Reduce(TensorKernel kernel, Reduction reduction, params Tensor[] tensors)
        => Run(kernel, reduction, elementwise: false, tensors);

    /// <summary>The per-element (per-row) losses, PyTorch's <c>reduction='none'</c>; differentiable by the loss's inputs.</summary>
    /// <param name="kernel">The loss.</param>
    /// <param name="tensors">Its tensor arguments, in the order of <see cref="TensorKernel.Parameters"/>.</param>
    public static Tensor Elementwise(TensorKernel kernel, params Tensor[] tensors)
        => Run(kernel, Reduction.Sum, elementwise: true, tensors);

    private static Tensor Run(TensorKernel kernel, Reduction reduction, bool elementwise, Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        LossFunction.ReleaseReturnedGradients();
        ScalarType type = TensorShapes.CheckTypes(kernel, tensors);
        int rowLength = kernel.CheckShapes(tensors);
        long[]? shape = elementwise ? kernel.ElementwiseShape(tensors) : null;
        var call = new LossCall(kernel, reduction, type, rowLength, shape, tensors);
        return NeedsGradient(kernel, tensors) ? LossFunction.Apply(call) : call.Forward(withGradients: false);
    }

    // Forward-only where autograd will not ask for a gradient: no input requires one, or gradients are off (no_grad).
    private static bool NeedsGradient(TensorKernel kernel, Tensor[] tensors)
    {
        if (!is_grad_enabled())
        {
            return false;
        }

        ReadOnlySpan<TensorParameter> parameters = kernel.Parameters;
        for (int i = 0; i < tensors.Length; i++)
        {
            if (parameters[i].HasGradient && tensors[i].requires_grad)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>One call of a loss: what it computes, over which tensors; and, after a forward with gradients, the gradients.</summary>
internal sealed class LossCall
{
    public LossCall(TensorKernel kernel, Reduction reduction, ScalarType type, int rowLength, long[]? elementwiseShape, Tensor[] tensors)
    {
        Kernel = kernel;
        Reduction = reduction;
        Type = type;
        RowLength = rowLength;
        ElementwiseShape = elementwiseShape;
        Tensors = tensors;
        Gradients = new Tensor?[tensors.Length];
    }

    public TensorKernel Kernel { get; }

    public Reduction Reduction { get; }

    public ScalarType Type { get; }

    public int RowLength { get; }

    /// <summary>The shape of the per-element losses, or null for the reduced loss.</summary>
    public long[]? ElementwiseShape { get; }

    public Tensor[] Tensors { get; }

    /// <summary>The loss tensor the autograd node's forward returned (the node wraps it in a handle of its own).</summary>
    public Tensor? Output { get; set; }

    /// <summary>After <see cref="Forward"/> with gradients: the gradient of each argument that has one.</summary>
    public Tensor?[] Gradients { get; }

    /// <summary>
    /// Computes the loss (a 0-dim tensor, or the per-element losses) and, with <paramref name="withGradients"/>, the
    /// gradients into <see cref="Gradients"/>: of the reduced loss, or of the summed per-element losses, which holds each
    /// element's (row's) own derivative.
    /// </summary>
    public Tensor Forward(bool withGradients)
    {
        using TensorCall call = TensorCall.Prepare(Kernel, Tensors, RowLength, withGradients, ElementwiseShape);
        Tensor result = Compute(call, withGradients);
        if (withGradients)
        {
            for (int i = 0; i < Tensors.Length; i++)
            {
                Gradients[i] = call.TakeGradient(i);
            }
        }

        return result;
    }

    // The kernel's overloads for the tensors' element type. The per-element form with gradients writes the losses and each
    // element's own gradient (the generated kernels in one pass).
    private Tensor Compute(TensorCall call, bool withGradients)
    {
        switch (Type)
        {
            case ScalarType.Float32:
            {
                var spans = new LossSpans<float>(call);
                if (ElementwiseShape is null)
                {
                    return Scalar(withGradients ? Kernel.ReduceWithGradient(spans, Reduction) : Kernel.Reduce(spans, Reduction));
                }

                if (withGradients)
                {
                    Kernel.ElementwiseWithGradient(spans);
                }
                else
                {
                    Kernel.Elementwise(spans);
                }

                return call.TakeLosses();
            }

            case ScalarType.Float64:
            {
                var spans = new LossSpans<double>(call);
                if (ElementwiseShape is null)
                {
                    return Scalar(withGradients ? Kernel.ReduceWithGradient(spans, Reduction) : Kernel.Reduce(spans, Reduction));
                }

                if (withGradients)
                {
                    Kernel.ElementwiseWithGradient(spans);
                }
                else
                {
                    Kernel.Elementwise(spans);
                }

                return call.TakeLosses();
            }

            default:
            {
                var spans = new LossSpans<Half>(call);
                if (ElementwiseShape is null)
                {
                    return Scalar(withGradients ? Kernel.ReduceWithGradient(spans, Reduction) : Kernel.Reduce(spans, Reduction));
                }

                if (withGradients)
                {
                    Kernel.ElementwiseWithGradient(spans);
                }
                else
                {
                    Kernel.Elementwise(spans);
                }

                return call.TakeLosses();
            }
        }
    }

    private Tensor Scalar<T>(T loss)
        where T : unmanaged
    {
        Tensor scalar = empty(Array.Empty<long>(), Type);
        MemoryMarshal.Cast<byte, T>(scalar.bytes)[0] = loss;
        return scalar;
    }
}
