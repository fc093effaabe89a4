using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LossGen;
using TorchSharp;

namespace LossGen.Benchmarks;

/// <summary>
/// Forward + backward of the elementwise losses that call exp or log, on 2^16 floats (three arrays fit in L2, so
/// the arithmetic shows, not the memory), each against a plain MathF loop of the same formula in the same run,
/// at every vector width (<see cref="WidthConfig"/>); and where libtorch has the loss as one function, against
/// TorchSharp (one thread; libtorch picks its own vector width, so its rows do not change with the job).
/// </summary>
[Config(typeof(WidthConfig))]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByJob)]
[CategoriesColumn]
public class TranscendentalBenchmarks
{
    private const int N = 1 << 16;
    private float[] _pred = [];
    private float[] _target = [];
    private float[] _labels = [];
    private float[] _counts = [];
    private float[] _probabilities = [];
    private float[] _gradient = [];
    private torch.Tensor _torchPred = null!;
    private torch.Tensor _torchLabels = null!;
    private torch.Tensor _torchCounts = null!;
    private torch.Tensor _torchProbabilities = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _pred = new float[N];
        _target = new float[N];
        _labels = new float[N];
        _counts = new float[N];
        _probabilities = new float[N];
        _gradient = new float[N];
        for (int i = 0; i < N; i++)
        {
            _pred[i] = (float)(random.NextDouble() * 8 - 4);
            _target[i] = (float)(random.NextDouble() * 8 - 4);
            _labels[i] = random.Next(2);
            _counts[i] = random.Next(6);
            _probabilities[i] = (float)(0.001 + 0.998 * random.NextDouble());
        }
    }

    [GlobalSetup(Targets = [nameof(BceWithLogitsTorchSharp), nameof(PoissonLogInputTorchSharp), nameof(BceTorchSharp)])]
    public void SetupTorchSharp()
    {
        Setup();
        TorchSharpBaseline.Setup();
        _torchPred = torch.tensor(_pred, requires_grad: true);
        _torchLabels = torch.tensor(_labels);
        _torchCounts = torch.tensor(_counts);
        _torchProbabilities = torch.tensor(_probabilities, requires_grad: true);
        TorchSharpBaseline.Agree("BCE with logits", BceWithLogitsLossGen(), BceWithLogitsTorchSharp());
        TorchSharpBaseline.Agree("Poisson NLL (log input)", PoissonLogInputLossGen(), PoissonLogInputTorchSharp());
        TorchSharpBaseline.Agree("BCE", BceLossGen(), BceTorchSharp());
    }

    [Benchmark(Baseline = true), BenchmarkCategory("LogCosh")]
    public float LogCoshNaive()
    {
        float sum = 0, scale = 1f / N;
        for (int i = 0; i < N; i++)
        {
            float d = _pred[i] - _target[i], a = MathF.Abs(d);
            sum += a + MathF.Log(1 + MathF.Exp(-2 * a)) - 0.6931472f;
            _gradient[i] = MathF.Tanh(d) * scale;
        }

        return sum * scale;
    }

    [Benchmark, BenchmarkCategory("LogCosh")]
    public float LogCoshLossGen() => Losses.LogCoshWithGradient(_pred, _target, _gradient);

    [Benchmark(Baseline = true), BenchmarkCategory("BCEWithLogits")]
    public float BceWithLogitsNaive()
    {
        float sum = 0, scale = 1f / N;
        for (int i = 0; i < N; i++)
        {
            float x = _pred[i], y = _labels[i];
            sum += MathF.Max(x, 0) - x * y + MathF.Log(1 + MathF.Exp(-MathF.Abs(x)));
            _gradient[i] = (1 / (1 + MathF.Exp(-x)) - y) * scale;
        }

        return sum * scale;
    }

    [Benchmark, BenchmarkCategory("BCEWithLogits")]
    public float BceWithLogitsLossGen() => Losses.BinaryCrossEntropyWithLogitsWithGradient(_pred, _labels, _gradient);

    /// <summary>Forward and backward, the gradient dropped after (see <see cref="TorchSharpBaseline"/>).</summary>
    [Benchmark, BenchmarkCategory("BCEWithLogits")]
    public float BceWithLogitsTorchSharp()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor loss = torch.nn.functional.binary_cross_entropy_with_logits(_torchPred, _torchLabels);
        loss.backward();
        _torchPred.grad = null;
        return loss.item<float>();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Focal")]
    public float FocalNaive()
    {
        float sum = 0, scale = 1f / N;
        for (int i = 0; i < N; i++)
        {
            float x = _pred[i], y = _labels[i];
            float p = 1 / (1 + MathF.Exp(-x));
            float ce = MathF.Max(x, 0) - x * y + MathF.Log(1 + MathF.Exp(-MathF.Abs(x)));
            float q = p * (1 - y) + (1 - p) * y, alpha = 0.25f * y + 0.75f * (1 - y);
            sum += alpha * ce * q * q;
            // d/dx: alpha·((p − y)·q² + ce·2q·(1 − 2y)·p(1 − p))
            _gradient[i] = alpha * ((p - y) * q * q + ce * 2 * q * (1 - 2 * y) * p * (1 - p)) * scale;
        }

        return sum * scale;
    }

    [Benchmark, BenchmarkCategory("Focal")]
    public float FocalLossGen() => Losses.BinaryFocalWithLogitsWithGradient(_pred, _labels, _gradient);

    [Benchmark(Baseline = true), BenchmarkCategory("PoissonLogInput")]
    public float PoissonLogInputNaive()
    {
        float sum = 0, scale = 1f / N;
        for (int i = 0; i < N; i++)
        {
            float x = _pred[i], t = _counts[i], e = MathF.Exp(x);
            sum += e - t * x;
            _gradient[i] = (e - t) * scale;
        }

        return sum * scale;
    }

    [Benchmark, BenchmarkCategory("PoissonLogInput")]
    public float PoissonLogInputLossGen() => Losses.PoissonWithLogInputWithGradient(_pred, _counts, _gradient);

    [Benchmark, BenchmarkCategory("PoissonLogInput")]
    public float PoissonLogInputTorchSharp()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor loss = torch.nn.functional.poisson_nll_loss(_torchPred, _torchCounts, log_input: true);
        loss.backward();
        _torchPred.grad = null;
        return loss.item<float>();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("BCE")]
    public float BceNaive()
    {
        float sum = 0, scale = 1f / N;
        for (int i = 0; i < N; i++)
        {
            float p = _probabilities[i], y = _labels[i];
            sum -= y * MathF.Log(p) + (1 - y) * MathF.Log(1 - p);
            _gradient[i] = (p - y) / (p * (1 - p)) * scale;
        }

        return sum * scale;
    }

    [Benchmark, BenchmarkCategory("BCE")]
    public float BceLossGen() => Losses.BinaryCrossEntropyWithGradient(_probabilities, _labels, _gradient);

    [Benchmark, BenchmarkCategory("BCE")]
    public float BceTorchSharp()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor loss = torch.nn.functional.binary_cross_entropy(_torchProbabilities, _torchLabels);
        loss.backward();
        _torchProbabilities.grad = null;
        return loss.item<float>();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("MAPE")]
    public float MapeNaive()
    {
        float sum = 0, scale = 1f / N;
        for (int i = 0; i < N; i++)
        {
            float d = _target[i] - _pred[i], m = MathF.Max(MathF.Abs(_target[i]), 1e-7f);
            sum += 100 * MathF.Abs(d) / m;
            _gradient[i] = -100 * MathF.Sign(d) / m * scale;
        }

        return sum * scale;
    }

    [Benchmark, BenchmarkCategory("MAPE")]
    public float MapeLossGen() => Losses.MeanAbsolutePercentageErrorWithGradient(_pred, _target, _gradient);
}
