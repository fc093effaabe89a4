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
/// these are memory-bound), against baselines measured in the same run, TorchSharp (libtorch, one thread) among them,
/// at every vector width (<see cref="WidthConfig"/>); MSE and Huber also on the arrays' first 2^16 floats (three
/// arrays of 256 KiB stay in L2 between calls), the categories ending in InCache.
/// </summary>
[Config(typeof(WidthConfig))]
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByJob)]
[CategoriesColumn]
public class ElementwiseBenchmarks
{
    private const int N = 1 << 24;
    private const int InCache = 1 << 16;
    /// <summary>Huber's delta: <c>HuberWithGradient</c>'s default.</summary>
    private const float Delta = 1;
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
        WidthConfig.OneThread();
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

        // At 2^16 only, the same code: over 2^24 floats the hand-fused loop's float accumulators drift by up to 6e-4.
        Agreement.Check("MSE", MseLossGenInCache(), "hand-fused", MseHandFusedInCache());
        Agreement.Check("Huber", HuberLossGenInCache(), "hand-fused", HuberHandFusedInCache());
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
    public float MseNaiveLoop() => MseNaive(N);

    [Benchmark, BenchmarkCategory("MSE")]
    public float MseTensorPrimitives() => MseComposed(N);

    /// <summary>
    /// The plain fused loop: one pass at the job's widest width (512-bit too, where LossGen's memory-bound kernels keep
    /// to 256), read 2 write 1, four accumulators, ordinary stores.
    /// </summary>
    [Benchmark, BenchmarkCategory("MSE")]
    public float MseHandFused() => MseFused(N);

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

    [Benchmark(Baseline = true), BenchmarkCategory("MSEInCache")]
    public float MseNaiveLoopInCache() => MseNaive(InCache);

    [Benchmark, BenchmarkCategory("MSEInCache")]
    public float MseTensorPrimitivesInCache() => MseComposed(InCache);

    [Benchmark, BenchmarkCategory("MSEInCache")]
    public float MseHandFusedInCache() => MseFused(InCache);

    [Benchmark, BenchmarkCategory("MSEInCache")]
    public float MseLossGenInCache() => Losses.MeanSquaredErrorWithGradient(_pred.AsSpan(0, InCache), _target.AsSpan(0, InCache), _gradient.AsSpan(0, InCache));

    [Benchmark(Baseline = true), BenchmarkCategory("Huber")]
    public float HuberNaiveLoop() => HuberNaive(N);

    /// <summary>The plain fused loop, as for MSE: m·(|d| − ½m) summed, m = min(|d|, delta); the gradient d clamped to ±delta.</summary>
    [Benchmark, BenchmarkCategory("Huber")]
    public float HuberHandFused() => HuberFused(N);

    [Benchmark, BenchmarkCategory("Huber")]
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

    [Benchmark(Baseline = true), BenchmarkCategory("HuberInCache")]
    public float HuberNaiveLoopInCache() => HuberNaive(InCache);

    [Benchmark, BenchmarkCategory("HuberInCache")]
    public float HuberHandFusedInCache() => HuberFused(InCache);

    [Benchmark, BenchmarkCategory("HuberInCache")]
    public float HuberLossGenInCache() => Losses.HuberWithGradient(_pred.AsSpan(0, InCache), _target.AsSpan(0, InCache), _gradient.AsSpan(0, InCache));

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

    private float MseNaive(int n)
    {
        float sum = 0, scale = 2f / n;
        for (int i = 0; i < n; i++)
        {
            float d = _pred[i] - _target[i];
            sum += d * d;
            _gradient[i] = d * scale;
        }

        return sum / n;
    }

    private float MseComposed(int n)
    {
        Span<float> gradient = _gradient.AsSpan(0, n);
        TensorPrimitives.Subtract(_pred.AsSpan(0, n), _target.AsSpan(0, n), gradient);
        float loss = TensorPrimitives.SumOfSquares(gradient) / n;
        TensorPrimitives.Multiply(gradient, 2f / n, gradient);
        return loss;
    }

    private float HuberNaive(int n)
    {
        float sum = 0, scale = 1f / n;
        for (int i = 0; i < n; i++)
        {
            float d = _pred[i] - _target[i], a = MathF.Abs(d);
            sum += a <= Delta ? 0.5f * a * a : Delta * (a - 0.5f * Delta);
            _gradient[i] = MathF.Max(MathF.Min(d, Delta), -Delta) * scale;
        }

        return sum / n;
    }

    private float MseFused(int n)
        => Vector512.IsHardwareAccelerated ? Fused<Vector512<float>, Width512, MseStep>(n, 2f / n)
        : Vector256.IsHardwareAccelerated ? Fused<Vector256<float>, Width256, MseStep>(n, 2f / n)
        : Fused<Vector128<float>, Width128, MseStep>(n, 2f / n);

    private float HuberFused(int n)
        => Vector512.IsHardwareAccelerated ? Fused<Vector512<float>, Width512, HuberStep>(n, 1f / n)
        : Vector256.IsHardwareAccelerated ? Fused<Vector256<float>, Width256, HuberStep>(n, 1f / n)
        : Fused<Vector128<float>, Width128, HuberStep>(n, 1f / n);

    /// <summary>
    /// One pass over pred, target and gradient, four vectors a step into four accumulators. n is a multiple of four
    /// vectors at every width, so there is no tail.
    /// </summary>
    private float Fused<TVec, TW, TStep>(int n, float scale)
        where TVec : struct
        where TW : IWidth<TVec>
        where TStep : IStep
    {
        ref float p = ref MemoryMarshal.GetArrayDataReference(_pred);
        ref float t = ref MemoryMarshal.GetArrayDataReference(_target);
        ref float g = ref MemoryMarshal.GetArrayDataReference(_gradient);
        TVec s = TW.Create(scale), a0 = TW.Create(0), a1 = a0, a2 = a0, a3 = a0;
        nuint w = (nuint)TW.Count;
        for (nuint i = 0; i < (nuint)n; i += 4 * w)
        {
            a0 = TStep.Step<TVec, TW>(ref p, ref t, ref g, i, s, a0);
            a1 = TStep.Step<TVec, TW>(ref p, ref t, ref g, i + w, s, a1);
            a2 = TStep.Step<TVec, TW>(ref p, ref t, ref g, i + 2 * w, s, a2);
            a3 = TStep.Step<TVec, TW>(ref p, ref t, ref g, i + 3 * w, s, a3);
        }

        return TW.Sum(TW.Add(TW.Add(a0, a1), TW.Add(a2, a3))) / n;
    }

    /// <summary>One vector of a fused pass: stores the gradient, returns the sum with the vector's losses added.</summary>
    private interface IStep
    {
        static abstract TVec Step<TVec, TW>(ref float pred, ref float target, ref float gradient, nuint i, TVec scale, TVec sum)
            where TVec : struct
            where TW : IWidth<TVec>;
    }

    private readonly struct MseStep : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVec Step<TVec, TW>(ref float pred, ref float target, ref float gradient, nuint i, TVec scale, TVec sum)
            where TVec : struct
            where TW : IWidth<TVec>
        {
            TVec d = TW.Subtract(TW.Load(ref pred, i), TW.Load(ref target, i));
            TW.Store(TW.Multiply(d, scale), ref gradient, i);
            return TW.MultiplyAdd(d, d, sum);
        }
    }

    private readonly struct HuberStep : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVec Step<TVec, TW>(ref float pred, ref float target, ref float gradient, nuint i, TVec scale, TVec sum)
            where TVec : struct
            where TW : IWidth<TVec>
        {
            TVec d = TW.Subtract(TW.Load(ref pred, i), TW.Load(ref target, i)), a = TW.Abs(d), m = TW.Min(a, TW.Create(Delta));
            TW.Store(TW.Multiply(TW.Min(TW.Max(d, TW.Create(-Delta)), TW.Create(Delta)), scale), ref gradient, i);
            return TW.MultiplyAdd(m, TW.Subtract(a, TW.Multiply(TW.Create(0.5f), m)), sum);
        }
    }
}
