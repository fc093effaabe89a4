using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LossGen;
using TorchSharp;

namespace LossGen.Benchmarks;

/// <summary>
/// Forward + backward of elementwise losses on 2^24 floats (64 MiB per array, far past the caches:
/// these are memory-bound), against baselines measured in the same run, TorchSharp (libtorch, one thread) among them.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ElementwiseBenchmarks
{
    private const int N = 1 << 24;
    private float[] _pred = [];
    private float[] _target = [];
    private float[] _labels = [];
    private float[] _gradient = [];
    private torch.Tensor _torchPred = null!;
    private torch.Tensor _torchTarget = null!;
    private torch.Tensor _torchLabels = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _pred = new float[N];
        _target = new float[N];
        _labels = new float[N];
        _gradient = new float[N];
        for (int i = 0; i < N; i++)
        {
            _pred[i] = (float)(random.NextDouble() * 8 - 4);
            _target[i] = (float)(random.NextDouble() * 8 - 4);
            _labels[i] = random.Next(2);
        }
    }

    [GlobalSetup(Targets = [nameof(MseTorchSharp), nameof(HuberTorchSharp), nameof(LogisticTorchSharp)])]
    public void SetupTorchSharp()
    {
        Setup();
        TorchSharpBaseline.Setup();
        _torchPred = torch.tensor(_pred, requires_grad: true);
        _torchTarget = torch.tensor(_target);
        _torchLabels = torch.tensor(_labels);
        TorchSharpBaseline.Agree("MSE", MseLossGen(), MseTorchSharp());
        TorchSharpBaseline.Agree("Huber", HuberLossGen(), HuberTorchSharp());
        TorchSharpBaseline.Agree("BCE with logits", LogisticLossGen(), LogisticTorchSharp());
    }

    [Benchmark(Baseline = true), BenchmarkCategory("MSE")]
    public float MseNaiveLoop()
    {
        float sum = 0, scale = 2f / N;
        for (int i = 0; i < _pred.Length; i++)
        {
            float d = _pred[i] - _target[i];
            sum += d * d;
            _gradient[i] = d * scale;
        }

        return sum / N;
    }

    [Benchmark, BenchmarkCategory("MSE")]
    public float MseTensorPrimitives()
    {
        TensorPrimitives.Subtract(_pred, _target, _gradient);
        float loss = TensorPrimitives.SumOfSquares(_gradient) / N;
        TensorPrimitives.Multiply(_gradient, 2f / N, _gradient);
        return loss;
    }

    /// <summary>The roof: one hand-written Vector256 pass, read 2 write 1, four float accumulators.</summary>
    [Benchmark, BenchmarkCategory("MSE")]
    public float MseHandFusedVector256()
    {
        ref float p = ref MemoryMarshal.GetArrayDataReference(_pred);
        ref float t = ref MemoryMarshal.GetArrayDataReference(_target);
        ref float g = ref MemoryMarshal.GetArrayDataReference(_gradient);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, scale = Vector256.Create(2f / N);
        nuint i = 0;
        for (; i + 32 <= (nuint)N; i += 32)
        {
            Vector256<float> d0 = Vector256.LoadUnsafe(ref p, i) - Vector256.LoadUnsafe(ref t, i);
            Vector256<float> d1 = Vector256.LoadUnsafe(ref p, i + 8) - Vector256.LoadUnsafe(ref t, i + 8);
            Vector256<float> d2 = Vector256.LoadUnsafe(ref p, i + 16) - Vector256.LoadUnsafe(ref t, i + 16);
            Vector256<float> d3 = Vector256.LoadUnsafe(ref p, i + 24) - Vector256.LoadUnsafe(ref t, i + 24);
            a0 += d0 * d0;
            a1 += d1 * d1;
            a2 += d2 * d2;
            a3 += d3 * d3;
            (d0 * scale).StoreUnsafe(ref g, i);
            (d1 * scale).StoreUnsafe(ref g, i + 8);
            (d2 * scale).StoreUnsafe(ref g, i + 16);
            (d3 * scale).StoreUnsafe(ref g, i + 24);
        }

        float sum = Vector256.Sum(a0 + a1 + a2 + a3);
        for (; i < (nuint)N; i++)
        {
            float d = Unsafe.Add(ref p, i) - Unsafe.Add(ref t, i);
            sum += d * d;
            Unsafe.Add(ref g, i) = d * (2f / N);
        }

        return sum / N;
    }

    [Benchmark, BenchmarkCategory("MSE")]
    public float MseLossGen() => Losses.MeanSquaredErrorWithGradient(_pred, _target, _gradient);

    /// <summary>
    /// Forward and backward, the gradient dropped after (see <see cref="TorchSharpBaseline"/>). Each call allocates a
    /// fresh 64 MiB gradient and temporaries; glibc maps and unmaps blocks this large, so the page faults are in the time.
    /// </summary>
    [Benchmark, BenchmarkCategory("MSE")]
    public float MseTorchSharp()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor loss = torch.nn.functional.mse_loss(_torchPred, _torchTarget);
        loss.backward();
        _torchPred.grad = null;
        return loss.item<float>();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Huber")]
    public float HuberLossGen() => Losses.HuberWithGradient(_pred, _target, _gradient);

    [Benchmark, BenchmarkCategory("Huber")]
    public float HuberTorchSharp()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor loss = torch.nn.functional.huber_loss(_torchPred, _torchTarget);
        loss.backward();
        _torchPred.grad = null;
        return loss.item<float>();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Logistic")]
    public float LogisticNaiveLoop()
    {
        float sum = 0, scale = 1f / N;
        for (int i = 0; i < _pred.Length; i++)
        {
            float x = _pred[i], y = _labels[i];
            sum += MathF.Max(x, 0) - x * y + MathF.Log(1 + MathF.Exp(-MathF.Abs(x)));
            _gradient[i] = (1 / (1 + MathF.Exp(-x)) - y) * scale;
        }

        return sum / N;
    }

    [Benchmark, BenchmarkCategory("Logistic")]
    public float LogisticLossGen() => Losses.BinaryCrossEntropyWithLogitsWithGradient(_pred, _labels, _gradient);

    [Benchmark, BenchmarkCategory("Logistic")]
    public float LogisticTorchSharp()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor loss = torch.nn.functional.binary_cross_entropy_with_logits(_torchPred, _torchLabels);
        loss.backward();
        _torchPred.grad = null;
        return loss.item<float>();
    }
}
