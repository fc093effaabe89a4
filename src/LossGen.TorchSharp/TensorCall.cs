using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LossGen.TorchSharp;

/// <summary>
/// One call's tensors, ready for a kernel: contiguous (made so here when they were not), their storage as addresses, labels
/// as int32, and the tensors the kernel writes (gradients, per-element losses). Disposing it releases what it made.
/// </summary>
internal sealed unsafe class TensorCall : IDisposable
{
    private readonly Tensor[] _tensors;
    private readonly bool[] _madeHere;
    private readonly nint[] _data;
    private readonly int[] _lengths;
    private readonly int[]?[] _labels;
    private readonly Tensor?[] _gradients;
    private Tensor? _losses;

    private TensorCall(ReadOnlySpan<Tensor> tensors, int rowLength)
    {
        int count = tensors.Length;
        _tensors = new Tensor[count];
        _madeHere = new bool[count];
        _data = new nint[count];
        _lengths = new int[count];
        _labels = new int[]?[count];
        _gradients = new Tensor?[count];
        RowLength = rowLength;
        for (int i = 0; i < count; i++)
        {
            Tensor tensor = tensors[i];
            if (!tensor.is_contiguous())
            {
                // A documented copy: the kernels read memory in order.
                tensor = tensor.contiguous();
                _madeHere[i] = true;
            }

            _tensors[i] = tensor;
            (_data[i], _lengths[i]) = Address(tensor);
        }
    }

    public int RowLength { get; }

    /// <summary>The tensors of the call (contiguous), by argument.</summary>
    public ReadOnlySpan<Tensor> Tensors => _tensors;

    /// <summary>Prepares a call: contiguous tensors, int32 labels, and empty gradients for the arguments that get one.</summary>
    public static TensorCall Prepare(TensorKernel kernel, ReadOnlySpan<Tensor> tensors, int rowLength, bool withGradients, long[]? elementwiseShape)
    {
        var call = new TensorCall(tensors, rowLength);
        try
        {
            ReadOnlySpan<TensorParameter> parameters = kernel.Parameters;
            for (int i = 0; i < tensors.Length; i++)
            {
                if (parameters[i].IsLabel)
                {
                    call._labels[i] = call.ToInt32(kernel, i, parameters[i].Name);
                }
                else if (withGradients && parameters[i].HasGradient)
                {
                    call._gradients[i] = empty_like(call._tensors[i]);
                }
            }

            if (elementwiseShape is not null)
            {
                call._losses = empty(elementwiseShape, call.ValueType(kernel));
            }

            return call;
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    /// <summary>The gradient written for argument <paramref name="argument"/>, handed over to the caller (null if none).</summary>
    public Tensor? TakeGradient(int argument)
    {
        Tensor? gradient = _gradients[argument];
        _gradients[argument] = null;
        return gradient;
    }

    /// <summary>The per-element losses, handed over to the caller.</summary>
    public Tensor TakeLosses()
    {
        Tensor losses = _losses ?? throw new InvalidOperationException("The call was prepared without per-element losses.");
        _losses = null;
        return losses;
    }

    public ReadOnlySpan<T> Values<T>(int argument) where T : unmanaged
        => new((void*)_data[argument], _lengths[argument]);

    public ReadOnlySpan<int> Labels(int argument)
        => _labels[argument] is { } copy ? copy.AsSpan(0, _lengths[argument]) : new ReadOnlySpan<int>((void*)_data[argument], _lengths[argument]);

    public Span<T> Gradient<T>(int argument) where T : unmanaged
    {
        Tensor gradient = _gradients[argument] ?? throw new InvalidOperationException($"Argument {argument} has no gradient in this call.");
        (nint data, int length) = Address(gradient);
        return new Span<T>((void*)data, length);
    }

    public Span<T> Losses<T>() where T : unmanaged
    {
        Tensor losses = _losses ?? throw new InvalidOperationException("The call was prepared without per-element losses.");
        (nint data, int length) = Address(losses);
        return new Span<T>((void*)data, length);
    }

    public long Size(int argument, int dimension) => _tensors[argument].shape[dimension];

    public int Rank(int argument) => (int)_tensors[argument].ndim;

    public void Dispose()
    {
        for (int i = 0; i < _tensors.Length; i++)
        {
            if (_madeHere[i])
            {
                _tensors[i].Dispose();
            }

            if (_labels[i] is { } copy)
            {
                ArrayPool<int>.Shared.Return(copy);
                _labels[i] = null;
            }

            _gradients[i]?.Dispose();
            _gradients[i] = null;
        }

        _losses?.Dispose();
        _losses = null;
    }

    private ScalarType ValueType(TensorKernel kernel)
    {
        for (int i = 0; i < _tensors.Length; i++)
        {
            if (!kernel.Parameters[i].IsLabel)
            {
                return _tensors[i].dtype;
            }
        }

        throw new InvalidOperationException($"{kernel.Name} has no value tensor.");
    }

    // int64 labels (TorchSharp's) become int32, each checked to fit; an int32 tensor is read in place.
    private int[]? ToInt32(TensorKernel kernel, int argument, string name)
    {
        if (_tensors[argument].dtype == ScalarType.Int32)
        {
            return null;
        }

        var labels = new ReadOnlySpan<long>((void*)_data[argument], _lengths[argument]);
        int[] copy = ArrayPool<int>.Shared.Rent(labels.Length);
        for (int i = 0; i < labels.Length; i++)
        {
            long label = labels[i];
            if (label is < int.MinValue or > int.MaxValue)
            {
                ArrayPool<int>.Shared.Return(copy);
                throw new ArgumentOutOfRangeException(name, label, $"{kernel.Name}: {name}[{i}] = {label} is not a class index.");
            }

            copy[i] = (int)label;
        }

        return copy;
    }

    // The storage of a contiguous CPU tensor, as an address and a number of elements. Tensors past int.MaxValue elements
    // are refused up front (TensorShapes), as spans cannot hold them. The storage is libtorch's (native): it does not move.
    private static (nint Data, int Length) Address(Tensor tensor)
    {
        int length = checked((int)tensor.numel());
        if (length == 0)
        {
            return (0, 0);
        }

        // Tensor.bytes covers at most int.MaxValue bytes: past that, the address of the first element is taken from a
        // one-element view of the same storage.
        if ((long)length * tensor.ElementSize <= int.MaxValue)
        {
            return ((nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes)), length);
        }

        using Tensor flat = tensor.view(-1);
        using Tensor first = flat.narrow(0, 0, 1);
        return ((nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(first.bytes)), length);
    }
}
