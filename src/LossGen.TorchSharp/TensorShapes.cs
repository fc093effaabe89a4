using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace LossGen.TorchSharp;

/// <summary>
/// The checks every call makes before anything is computed: device, element types and shapes. LossGen does not broadcast:
/// shapes must match exactly, and the message names both tensors.
/// </summary>
public static class TensorShapes
{
    /// <summary>
    /// Checks that every tensor is a CPU tensor the kernels read (float32, float64 or float16 values of one type; int64 or
    /// int32 labels) and fits a span.
    /// </summary>
    /// <returns>The element type of the value tensors.</returns>
    public static ScalarType CheckTypes(TensorKernel kernel, ReadOnlySpan<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ReadOnlySpan<TensorParameter> parameters = kernel.Parameters;
        if (tensors.Length != parameters.Length)
        {
            throw new ArgumentException($"{kernel.Name} takes {parameters.Length} tensors, not {tensors.Length}.");
        }

        ScalarType? valueType = null;
        string? valueName = null;
        for (int i = 0; i < tensors.Length; i++)
        {
            TensorParameter parameter = parameters[i];
            Tensor tensor = tensors[i] ?? throw new ArgumentNullException(parameter.Name, $"{kernel.Name}: {parameter.Name} is null.");
            if (tensor.device_type != DeviceType.CPU)
            {
                throw new NotSupportedException(
                    $"{kernel.Name}: {parameter.Name} is on {tensor.device}; LossGen's kernels run on the CPU. Move the tensors with .cpu() " +
                    "(a copy each way: for tensors that live on a GPU, TorchSharp's own losses avoid it).");
            }

            if (tensor.numel() > int.MaxValue)
            {
                throw new NotSupportedException($"{kernel.Name}: {parameter.Name} has {tensor.numel()} elements; the kernels take at most {int.MaxValue} (split the batch).");
            }

            ScalarType type = tensor.dtype;
            if (parameter.IsLabel)
            {
                if (type is not (ScalarType.Int64 or ScalarType.Int32))
                {
                    throw new ArgumentException($"{kernel.Name}: {parameter.Name} holds class indices and must be int64 (or int32), not {type}.", parameter.Name);
                }

                continue;
            }

            if (type is not (ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16))
            {
                throw new NotSupportedException(
                    $"{kernel.Name}: {parameter.Name} is {type}; LossGen's kernels take float32, float64 and float16 tensors" +
                    (type == ScalarType.BFloat16 ? " (bfloat16 is not one: convert with .to(ScalarType.Float32), which is exact)." : "."));
            }

            if (valueType is { } first && type != first)
            {
                throw new ArgumentException($"{kernel.Name}: {valueName} is {first} and {parameter.Name} is {type}; the tensors of one loss share one element type.", parameter.Name);
            }

            valueType = type;
            valueName = parameter.Name;
        }

        return valueType ?? throw new ArgumentException($"{kernel.Name} has no value tensor.");
    }

    /// <summary>The default shape rules of <see cref="TensorArgumentKind"/>; returns the row length (1 for elementwise losses).</summary>
    internal static int Check(TensorKernel kernel, ReadOnlySpan<Tensor> tensors)
    {
        ReadOnlySpan<TensorParameter> parameters = kernel.Parameters;
        int element = -1, row = -1;
        for (int i = 0; i < parameters.Length; i++)
        {
            switch (parameters[i].Kind)
            {
                case TensorArgumentKind.Element:
                    if (element < 0)
                    {
                        element = i;
                    }
                    else
                    {
                        Same(kernel, tensors, element, i, tensors[element].shape);
                    }

                    break;
                case TensorArgumentKind.Row:
                    if (row < 0)
                    {
                        row = i;
                        if (tensors[i].ndim == 0)
                        {
                            throw new ArgumentException($"{kernel.Name}: {parameters[i].Name} is a 0-dim tensor; rows lie on the last dimension of [..., rowLength].", parameters[i].Name);
                        }
                    }
                    else
                    {
                        Same(kernel, tensors, row, i, tensors[row].shape);
                    }

                    break;
                case TensorArgumentKind.Custom:
                    throw new InvalidOperationException($"{kernel.Name} has custom arguments and must check its shapes itself.");
            }
        }

        if (row < 0)
        {
            return 1;
        }

        long[] rows = tensors[row].shape;
        long rowLength = rows[^1];
        long[] leading = rows[..^1];
        for (int i = 0; i < parameters.Length; i++)
        {
            switch (parameters[i].Kind)
            {
                case TensorArgumentKind.Label or TensorArgumentKind.RowValue:
                    Same(kernel, tensors, row, i, leading, "one per row: the rows' leading shape");
                    break;
                case TensorArgumentKind.SharedRow:
                    Same(kernel, tensors, row, i, [rowLength], "one row of rowLength settings");
                    break;
            }
        }

        return rowLength == 0 && leading.Aggregate(1L, (a, b) => a * b) == 0 ? 1 : checked((int)rowLength);
    }

    /// <summary>The shape of the per-element (per-row) losses under the default rules.</summary>
    internal static long[] Elementwise(TensorKernel kernel, ReadOnlySpan<Tensor> tensors)
    {
        ReadOnlySpan<TensorParameter> parameters = kernel.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].Kind == TensorArgumentKind.Row)
            {
                return tensors[i].shape[..^1];
            }
        }

        for (int i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].Kind == TensorArgumentKind.Element)
            {
                return tensors[i].shape;
            }
        }

        throw new InvalidOperationException($"{kernel.Name} has custom arguments and must give its elementwise shape itself.");
    }

    /// <summary>Throws unless tensor <paramref name="other"/> has shape <paramref name="expected"/>, naming both tensors.</summary>
    public static void Same(TensorKernel kernel, ReadOnlySpan<Tensor> tensors, int reference, int other, long[] expected, string? rule = null)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        long[] actual = tensors[other].shape;
        if (!actual.AsSpan().SequenceEqual(expected))
        {
            string referenceName = kernel.Parameters[reference].Name, name = kernel.Parameters[other].Name;
            throw new ArgumentException(
                $"{kernel.Name}: {referenceName} has shape {Format(tensors[reference].shape)}, so {name} must have shape {Format(expected)}" +
                $"{(rule is null ? "" : $" ({rule})")}, but has {Format(actual)}. LossGen does not broadcast.", name);
        }
    }

    /// <summary>A shape as PyTorch prints it: [2, 3].</summary>
    public static string Format(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
