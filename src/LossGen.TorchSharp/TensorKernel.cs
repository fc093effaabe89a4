using System;
using TorchSharp;

namespace LossGen.TorchSharp;

/// <summary>What one tensor argument of a loss holds: it fixes the shape the argument must have.</summary>
public enum TensorArgumentKind
{
    /// <summary>An elementwise formula's input or target: the same shape as the loss's first tensor.</summary>
    Element,
    /// <summary>A row formula's row input or target: <c>[..., rowLength]</c>, one row per position of the leading dimensions.</summary>
    Row,
    /// <summary>One class index per row: the rows' leading shape, int64 (TorchSharp's label type) or int32.</summary>
    Label,
    /// <summary>One value per row: the rows' leading shape.</summary>
    RowValue,
    /// <summary>One row shared by every row (class weights): <c>[rowLength]</c>.</summary>
    SharedRow,
    /// <summary>A hand-written loss's own layout, which its kernel checks (<see cref="TensorKernel.CheckShapes"/>).</summary>
    Custom,
}

/// <summary>One tensor argument of a loss: its parameter name (for messages), its kind, and whether it gets a gradient.</summary>
/// <param name="Name">The parameter's name, as the span overloads spell it.</param>
/// <param name="Kind">What it holds.</param>
/// <param name="HasGradient">An input the loss is differentiated by; targets, labels and settings get none.</param>
/// <param name="IsLabel">Class indices (int64 or int32), handed to the kernel as int32.</param>
public readonly record struct TensorParameter(string Name, TensorArgumentKind Kind, bool HasGradient = false, bool IsLabel = false);

/// <summary>
/// A loss over tensors: which tensors it takes, and its span kernels for each element type. The generator writes one per
/// <c>[Loss]</c> (and per catalogue loss, for <see cref="TorchLosses"/>); <see cref="TensorLoss"/> checks the tensors, hands
/// the kernels spans over their memory and wires the result into autograd.
/// </summary>
/// <remarks>
/// The overloads for an element type a loss does not declare throw <see cref="NotSupportedException"/>. The gradient
/// overloads write the gradient of the reduced loss into <see cref="LossSpans{T}.Gradient"/> of every argument with
/// <see cref="TensorParameter.HasGradient"/>.
/// </remarks>
public abstract class TensorKernel
{
    private readonly TensorParameter[] _parameters;

    /// <summary>Describes a loss over tensors.</summary>
    /// <param name="name">The loss's name, for messages.</param>
    /// <param name="parameters">Its tensor arguments, in the order the tensor overload takes them.</param>
    protected TensorKernel(string name, params TensorParameter[] parameters)
    {
        Name = name;
        _parameters = parameters;
    }

    /// <summary>The loss's name.</summary>
    public string Name { get; }

    /// <summary>Its tensor arguments, in order.</summary>
    public ReadOnlySpan<TensorParameter> Parameters => _parameters;

    /// <summary>The reduced loss over float32 tensors.</summary>
    public virtual float Reduce(in LossSpans<float> spans, Reduction reduction) => throw NoKernel("float32");

    /// <summary>The reduced loss over float64 tensors.</summary>
    public virtual double Reduce(in LossSpans<double> spans, Reduction reduction) => throw NoKernel("float64");

    /// <summary>The reduced loss over float16 tensors.</summary>
    public virtual Half Reduce(in LossSpans<Half> spans, Reduction reduction) => throw NoKernel("float16");

    /// <summary>The reduced loss over float32 tensors and its gradients, in one pass.</summary>
    public virtual float ReduceWithGradient(in LossSpans<float> spans, Reduction reduction) => throw NoKernel("float32");

    /// <summary>The reduced loss over float64 tensors and its gradients, in one pass.</summary>
    public virtual double ReduceWithGradient(in LossSpans<double> spans, Reduction reduction) => throw NoKernel("float64");

    /// <summary>The reduced loss over float16 tensors and its gradients, in one pass.</summary>
    public virtual Half ReduceWithGradient(in LossSpans<Half> spans, Reduction reduction) => throw NoKernel("float16");

    /// <summary>One loss per element (per row) of float32 tensors, into <see cref="LossSpans{T}.Losses"/>.</summary>
    public virtual void Elementwise(in LossSpans<float> spans) => throw NoKernel("float32");

    /// <summary>One loss per element (per row) of float64 tensors, into <see cref="LossSpans{T}.Losses"/>.</summary>
    public virtual void Elementwise(in LossSpans<double> spans) => throw NoKernel("float64");

    /// <summary>One loss per element (per row) of float16 tensors, into <see cref="LossSpans{T}.Losses"/>.</summary>
    public virtual void Elementwise(in LossSpans<Half> spans) => throw NoKernel("float16");

    /// <summary>
    /// One loss per element (per row) of float32 tensors, and each element's (row's) own gradient into the gradient
    /// spans. Generated kernels override it with their fused one-pass form; the default runs <see cref="Elementwise(in LossSpans{float})"/>
    /// and then the gradient of the summed losses, two passes.
    /// </summary>
    public virtual void ElementwiseWithGradient(in LossSpans<float> spans)
    {
        Elementwise(spans);
        ReduceWithGradient(spans, Reduction.Sum);
    }

    /// <summary>As <see cref="ElementwiseWithGradient(in LossSpans{float})"/>, for float64 tensors.</summary>
    public virtual void ElementwiseWithGradient(in LossSpans<double> spans)
    {
        Elementwise(spans);
        ReduceWithGradient(spans, Reduction.Sum);
    }

    /// <summary>As <see cref="ElementwiseWithGradient(in LossSpans{float})"/>, for float16 tensors.</summary>
    public virtual void ElementwiseWithGradient(in LossSpans<Half> spans)
    {
        Elementwise(spans);
        ReduceWithGradient(spans, Reduction.Sum);
    }

    /// <summary>
    /// Checks the tensors' shapes against each other, before anything is computed, and returns the row length (1 for
    /// elementwise losses). The default applies the rules of <see cref="TensorArgumentKind"/>; a kernel with
    /// <see cref="TensorArgumentKind.Custom"/> arguments overrides it (and <see cref="ElementwiseShape"/> and
    /// <see cref="ScaleElementwiseGradient"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Two shapes do not match; the message names both tensors and shapes.</exception>
    public virtual int CheckShapes(ReadOnlySpan<torch.Tensor> tensors) => TensorShapes.Check(this, tensors);

    /// <summary>The shape of the per-element (per-row) losses.</summary>
    public virtual long[] ElementwiseShape(ReadOnlySpan<torch.Tensor> tensors) => TensorShapes.Elementwise(this, tensors);

    /// <summary>
    /// The gradient of Σ outputGradient·losses from the gradient of the summed losses (which, each loss depending on its own
    /// element or row only, holds every element's or row's own derivative): scaled by its element's or row's output gradient.
    /// </summary>
    public virtual torch.Tensor ScaleElementwiseGradient(torch.Tensor summedGradient, torch.Tensor outputGradient, int argument)
        => _parameters[argument].Kind == TensorArgumentKind.Element
            ? summedGradient * outputGradient
            : summedGradient * outputGradient.unsqueeze(-1);

    private NotSupportedException NoKernel(string dtype)
        => new($"{Name} has no {dtype} kernel: its [Loss] declares other element types (ElementTypes). Convert the tensors with .to(...) to a type it declares.");
}
