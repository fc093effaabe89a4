using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LossGen.TorchSharp.Tests;

/// <summary>The bridge inside autograd graphs, its element types and layouts, and its errors.</summary>
public sealed class AutogradTests
{
    [Fact]
    public void Gradients_flow_from_the_loss_into_a_model_s_parameters()
    {
        Torch.Seed(21);
        Tensor x = randn(16, 4, dtype: ScalarType.Float64), labels = randint(0, 3, [16], dtype: ScalarType.Int64);
        var ours = nn.Linear(4, 3, dtype: ScalarType.Float64);
        var theirs = nn.Linear(4, 3, dtype: ScalarType.Float64);
        theirs.load_state_dict(ours.state_dict());
        // Ops before (the layer, a tanh) and after (a scale and a sum with another term) the loss.
        Tensor lossOurs = 3 * TorchLosses.SparseSoftmaxCrossEntropy(tanh(ours.forward(x)), labels) + ours.weight!.pow(2).sum();
        Tensor lossTheirs = 3 * F.cross_entropy(tanh(theirs.forward(x)), labels) + theirs.weight!.pow(2).sum();
        lossOurs.backward();
        lossTheirs.backward();
        Torch.Close("loss", lossTheirs, lossOurs, 1e-12);
        Torch.Close("weight gradient", theirs.weight!.grad!, ours.weight!.grad!, 1e-12);
        Torch.Close("bias gradient", theirs.bias!.grad!, ours.bias!.grad!, 1e-12);
    }

    [Fact]
    public void Retain_graph_lets_backward_run_twice_and_gradients_accumulate()
    {
        Torch.Seed(22);
        Tensor pred = Torch.Leaf(randn(10, dtype: ScalarType.Float64)), target = randn(10, dtype: ScalarType.Float64);
        Tensor loss = TorchLosses.Huber(pred, target, 0.5);
        loss.backward(retain_graph: true);
        Tensor once = pred.grad!.clone();
        loss.backward();
        Torch.Close("two backward passes", 2 * once, pred.grad!, 1e-15);
        Tensor reference = Torch.Leaf(pred);
        F.huber_loss(reference, target, 0.5).backward();
        Torch.Close("one backward pass", reference.grad!, once, 1e-14);
    }

    [Fact]
    public void Two_losses_in_one_graph_backward_three_times_with_retain_graph()
    {
        // Each node hands its saved gradient back unscaled; libtorch must copy, not take over or add into, that storage,
        // or the third pass would read a gradient the earlier passes changed.
        Torch.Seed(30);
        Tensor data = randn(9, dtype: ScalarType.Float64), target = randn(9, dtype: ScalarType.Float64);
        Tensor ours = Torch.Leaf(data), theirs = Torch.Leaf(data);
        Tensor lossOurs = TorchLosses.Huber(ours, target, 0.3) + TorchLosses.MeanSquaredError(ours, target);
        Tensor lossTheirs = F.huber_loss(theirs, target, 0.3) + F.mse_loss(theirs, target);
        for (int pass = 1; pass <= 3; pass++)
        {
            lossOurs.backward(retain_graph: true);
            lossTheirs.backward(retain_graph: true);
            Torch.Close($"gradient after pass {pass}", theirs.grad!, ours.grad!, 1e-14);
        }
    }

    [Fact]
    public void Without_grad_the_forward_kernel_runs_and_nothing_is_recorded()
    {
        Torch.Seed(23);
        Tensor pred = Torch.Leaf(randn(10)), target = randn(10);
        using (no_grad())
        {
            Tensor loss = TorchLosses.MeanSquaredError(pred, target);
            Assert.False(loss.requires_grad);
            Torch.Close("no_grad loss", F.mse_loss(pred, target), loss, 1e-6);
        }

        Tensor plain = TorchLosses.MeanSquaredError(pred.detach(), target);
        Assert.False(plain.requires_grad);
        Tensor recorded = TorchLosses.MeanSquaredError(pred, target);
        Assert.True(recorded.requires_grad);
        Assert.Equal(ScalarType.Float32, recorded.dtype);
        Assert.Equal(0, recorded.ndim);
    }

    [Fact]
    public void Targets_get_no_gradient_even_when_they_require_one()
    {
        Torch.Seed(24);
        Tensor pred = Torch.Leaf(randn(8)), target = Torch.Leaf(randn(8));
        TorchLosses.MeanSquaredError(pred, target).backward();
        Assert.NotNull(pred.grad);
        Assert.Null(target.grad);
    }

    [Theory]
    [InlineData(ScalarType.Float32, 1e-6)]
    [InlineData(ScalarType.Float16, 2e-3)]
    public void Float32_and_float16_agree_with_float64(ScalarType type, double tolerance)
    {
        Torch.Seed(25);
        Tensor logits = randn(12, 10, dtype: ScalarType.Float64), labels = randint(0, 10, [12], dtype: ScalarType.Int64);
        Tensor reference = Torch.Leaf(logits), narrow = Torch.Leaf(logits.to_type(type));
        Tensor expected = TorchLosses.SparseSoftmaxCrossEntropy(reference, labels);
        Tensor actual = TorchLosses.SparseSoftmaxCrossEntropy(narrow, labels.to_type(ScalarType.Int32));
        Assert.Equal(type, actual.dtype);
        expected.backward();
        actual.backward();
        Assert.Equal(type, narrow.grad!.dtype);
        Torch.Close($"{type} loss", expected, actual, tolerance);
        Torch.Close($"{type} gradient", reference.grad!, narrow.grad!, tolerance);
    }

    [Fact]
    public void Non_contiguous_inputs_are_made_contiguous_and_get_gradients_in_their_own_layout()
    {
        Torch.Seed(26);
        Tensor data = randn(7, 5, dtype: ScalarType.Float64), target = randn(5, 7, dtype: ScalarType.Float64);
        Tensor ours = Torch.Leaf(data), theirs = Torch.Leaf(data);
        Tensor transposed = ours.t();
        Assert.False(transposed.is_contiguous());
        TorchLosses.LogCosh(transposed, target).backward();
        Tensor d = theirs.t() - target;
        (d + F.softplus(-2 * d) - Math.Log(2)).mean().backward();
        Torch.Close("gradient through a transpose", theirs.grad!, ours.grad!, 1e-12);
    }

    [Fact]
    public void Bad_inputs_throw_clear_errors_before_anything_runs()
    {
        Torch.Seed(27);
        var shape = Assert.Throws<ArgumentException>(() => TorchLosses.MeanSquaredError(randn(3, 4), randn(4, 3)));
        Assert.Contains("pred has shape [3, 4]", shape.Message);
        Assert.Contains("target must have shape [3, 4]", shape.Message);
        Assert.Contains("[4, 3]", shape.Message);
        Assert.Contains("broadcast", shape.Message);

        var labels = Assert.Throws<ArgumentException>(() => TorchLosses.SparseSoftmaxCrossEntropy(randn(4, 3), randint(0, 3, [5], dtype: ScalarType.Int64)));
        Assert.Contains("label", labels.Message);
        Assert.Contains("[4]", labels.Message);

        var floatLabels = Assert.Throws<ArgumentException>(() => TorchLosses.SparseSoftmaxCrossEntropy(randn(4, 3), zeros(4)));
        Assert.Contains("int64", floatLabels.Message);

        var mixed = Assert.Throws<ArgumentException>(() => TorchLosses.MeanSquaredError(randn(3), randn(3, dtype: ScalarType.Float64)));
        Assert.Contains("Float32", mixed.Message);
        Assert.Contains("Float64", mixed.Message);

        var bfloat = Assert.Throws<NotSupportedException>(() => TorchLosses.MeanSquaredError(randn(3).to_type(ScalarType.BFloat16), randn(3).to_type(ScalarType.BFloat16)));
        Assert.Contains("bfloat16", bfloat.Message);

        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => TorchLosses.SparseSoftmaxCrossEntropy(randn(2, 3), tensor(new long[] { 1, 3 })));
        Assert.Contains("[0, 3)", outOfRange.Message);
        // The same error from inside the autograd node's forward (the input requires grad) reaches the caller as well, and
        // the next call works.
        Tensor logits = randn(2, 3).requires_grad_(true);
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchLosses.SparseSoftmaxCrossEntropy(logits, tensor(new long[] { 1, 3 })));
        TorchLosses.SparseSoftmaxCrossEntropy(logits, tensor(new long[] { 1, 2 })).backward();
        Assert.NotNull(logits.grad);

        var ctc = Assert.Throws<ArgumentException>(() => TorchLosses.Ctc(randn(5, 2, 4), ones(2, 3, dtype: ScalarType.Int64), tensor(new long[] { 5, 5, 5 }), tensor(new long[] { 3, 3 })));
        Assert.Contains("inputLengths", ctc.Message);
    }

    [Fact]
    public void A_second_derivative_through_the_loss_is_refused_by_libtorch()
    {
        // The saved gradient is a value: under create_graph the first derivative is right but has no graph of its own.
        Torch.Seed(28);
        Tensor pred = Torch.Leaf(randn(6, dtype: ScalarType.Float64)), target = randn(6, dtype: ScalarType.Float64);
        Tensor loss = TorchLosses.MeanSquaredError(pred, target);
        Tensor gradient = autograd.grad([loss], [pred], create_graph: true)[0];
        Torch.Close("first derivative under create_graph", 2 * (pred - target) / 6, gradient, 1e-14);
        Assert.False(gradient.requires_grad);
        Assert.ThrowsAny<Exception>(() => gradient.sum().backward());
    }
}

/// <summary>
/// Native memory over many steps. Alone in the process: the resident set it reads is the whole process's, so the parallel
/// test classes' own tensors count against it when they run beside it (a CI pass saw the limit crossed with them beside it).
/// </summary>
[Collection(QuietProcessCollection.Name)]
public sealed class NativeMemoryTests
{
    [Fact]
    public void Ten_thousand_training_steps_hold_no_native_memory()
    {
        Torch.Seed(29);
        const int Elements = 1 << 16; // 256 KB of float gradient per step: a leak would be 2.5 GB over the run
        Tensor target = randn(Elements);
        Tensor pred = Torch.Leaf(randn(Elements));
        for (int step = 0; step < 500; step++)
        {
            Step();
        }

        // Two windows of 10,000 steps: a leak grows the resident set in both alike (a leaked gradient by 2.5 GB each), while
        // the allocator's own settling is once. The first window alone once crossed 64 MB in a loaded CI pass (AVX2 off),
        // which five local reruns of that pass never did; glibc's arenas for libtorch's threads, 64 MB of address space
        // each, are the likely one-time growth.
        long start = ResidentBytes();
        for (int step = 0; step < 10_000; step++)
        {
            Step();
        }

        long settled = ResidentBytes();
        for (int step = 0; step < 10_000; step++)
        {
            Step();
        }

        long growth = ResidentBytes() - settled;
        Assert.True(growth < 64L << 20, $"resident memory grew by {growth >> 20} MB over the second 10,000 steps (the first: {(settled - start) >> 20} MB)");

        // A TorchSharp training step: its tensors (the loss, and with it the graph and the gradient LossGen saved) are
        // disposed with the step's scope, as TorchSharp asks; the finalizer would free them too, but only when the GC runs.
        void Step()
        {
            using DisposeScope scope = NewDisposeScope();
            TorchLosses.Huber(pred, target).backward();
            pred.grad!.zero_();
        }
    }

    // The process's resident set, libtorch's allocations included (the GC's heap sizes miss native memory).
    private static long ResidentBytes()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64;
        }

        foreach (string line in System.IO.File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("No VmRSS in /proc/self/status.");
    }
}

/// <summary>Tests that read process-wide state (the resident set) run alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class QuietProcessCollection
{
    public const string Name = "Quiet process";
}
