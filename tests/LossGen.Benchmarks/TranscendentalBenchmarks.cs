using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LossGen;
using TorchSharp;

namespace LossGen.Benchmarks;

/// <summary>
/// Forward + backward of the elementwise losses that call exp or log, on 2^16 floats (three arrays fit in L2, so
/// the arithmetic shows, not the memory), each against a plain MathF loop of the same formula in the same run,
/// at every vector width (<see cref="WidthConfig"/>); all but MAPE against the same formula composed of
/// TensorPrimitives calls, a pass each through scratch arrays (the formula's own overflow-free form, and checked to
/// give LossGen's loss); and where libtorch has the loss as one function, against TorchSharp (one thread; libtorch
/// picks its own vector width, so its rows do not change with the job).
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
    /// <summary>Predictions within ±0.1 of the target, as late in training: log-cosh's series arm for every element.</summary>
    private float[] _nearTarget = [];
    private float[] _labels = [];
    private float[] _counts = [];
    private float[] _probabilities = [];
    private float[] _gradient = [];
    /// <summary>The TensorPrimitives compositions' intermediate arrays.</summary>
    private float[] _a = [], _b = [], _c = [], _d = [], _e = [], _f = [];
    private torch.Tensor _torchPred = null!;
    private torch.Tensor _torchLabels = null!;
    private torch.Tensor _torchCounts = null!;
    private torch.Tensor _torchProbabilities = null!;

    [GlobalSetup]
    public void Setup()
    {
        WidthConfig.OneThread();
        var random = new Random(42);
        _pred = new float[N];
        _target = new float[N];
        _nearTarget = new float[N];
        _labels = new float[N];
        _counts = new float[N];
        _probabilities = new float[N];
        _gradient = new float[N];
        _a = new float[N];
        _b = new float[N];
        _c = new float[N];
        _d = new float[N];
        _e = new float[N];
        _f = new float[N];
        for (int i = 0; i < N; i++)
        {
            _pred[i] = (float)(random.NextDouble() * 8 - 4);
            _target[i] = (float)(random.NextDouble() * 8 - 4);
            _labels[i] = random.Next(2);
            _counts[i] = random.Next(6);
            _probabilities[i] = (float)(0.001 + 0.998 * random.NextDouble());
            _nearTarget[i] = _target[i] + (float)(random.NextDouble() * 0.2 - 0.1);
        }

        Agreement.Check("log-cosh", LogCoshLossGen(), "TensorPrimitives", LogCoshTensorPrimitives());
        // The composition's |d| + log1p(e^−2|d|) − log 2 cancels for small residuals (its mean here is 1.6e-4 off at 128 bits);
        // LossGen's series near 0 does not.
        Agreement.Check("log-cosh near the target", LogCoshNearTargetLossGen(), "TensorPrimitives", LogCoshNearTargetTensorPrimitives(), relative: 1e-3);
        Agreement.Check("BCE with logits", BceWithLogitsLossGen(), "TensorPrimitives", BceWithLogitsTensorPrimitives());
        Agreement.Check("focal", FocalLossGen(), "TensorPrimitives", FocalTensorPrimitives());
        Agreement.Check("Poisson NLL (log input)", PoissonLogInputLossGen(), "TensorPrimitives", PoissonLogInputTensorPrimitives());
        Agreement.Check("BCE", BceLossGen(), "TensorPrimitives", BceTensorPrimitives());
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

    /// <summary>
    /// d, |d|, log1p(e^−2|d|) and the mean of |d| + log1p(e^−2|d|) − log 2 (as the naive loop; log(cosh d) would overflow
    /// past |d| = 89); then tanh(d), scaled.
    /// </summary>
    [Benchmark, BenchmarkCategory("LogCosh")]
    public float LogCoshTensorPrimitives() => LogCoshTensorPrimitives(_pred);

    [Benchmark, BenchmarkCategory("LogCosh")]
    public float LogCoshLossGen() => Losses.LogCoshWithGradient(_pred, _target, _gradient);

    /// <summary>Residuals within ±0.1: the kernel skips its log1p for every vector, as a training loop's late steps let it.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("LogCoshNearTarget")]
    public float LogCoshNearTargetTensorPrimitives() => LogCoshTensorPrimitives(_nearTarget);

    [Benchmark, BenchmarkCategory("LogCoshNearTarget")]
    public float LogCoshNearTargetLossGen() => Losses.LogCoshWithGradient(_nearTarget, _target, _gradient);

    private float LogCoshTensorPrimitives(float[] pred)
    {
        TensorPrimitives.Subtract(pred, _target, _a);
        TensorPrimitives.Abs(_a, _b);
        TensorPrimitives.Multiply(_b, -2f, _c);
        TensorPrimitives.Exp(_c, _c);
        TensorPrimitives.LogP1(_c, _c);
        float loss = (TensorPrimitives.Sum(_b) + TensorPrimitives.Sum(_c)) / N - 0.6931472f;
        TensorPrimitives.Tanh(_a, _gradient);
        TensorPrimitives.Multiply(_gradient, 1f / N, _gradient);
        return loss;
    }

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

    /// <summary>The mean of max(x, 0) − x·y + log1p(e^−|x|) (<see cref="Softplus"/>), then σ(x) − y, scaled.</summary>
    [Benchmark, BenchmarkCategory("BCEWithLogits")]
    public float BceWithLogitsTensorPrimitives()
    {
        Softplus(_pred, _a);
        float loss = (TensorPrimitives.Sum(_a) - TensorPrimitives.Dot(_pred, _labels)) / N;
        TensorPrimitives.Sigmoid(_pred, _gradient);
        TensorPrimitives.Subtract(_gradient, _labels, _gradient);
        TensorPrimitives.Multiply(_gradient, 1f / N, _gradient);
        return loss;
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

    /// <summary>
    /// The naive loop's formula a pass at a time: ce as for BCE with logits, p = σ(x), q = p·(1 − 2y) + y (= 1 − p_t),
    /// alpha_t/N; the loss Σ alpha_t·ce·q², then the gradient alpha_t·((p − y)·q² + 2·ce·q·(1 − 2y)·p(1 − p)).
    /// </summary>
    [Benchmark, BenchmarkCategory("Focal")]
    public float FocalTensorPrimitives()
    {
        Softplus(_pred, _a);
        TensorPrimitives.Multiply(_pred, _labels, _b);
        TensorPrimitives.Subtract(_a, _b, _a); // ce
        TensorPrimitives.Sigmoid(_pred, _b); // p
        TensorPrimitives.Multiply(_labels, -2f, _c);
        TensorPrimitives.Add(_c, 1f, _c); // 1 − 2y
        TensorPrimitives.MultiplyAdd(_b, _c, _labels, _d); // q
        TensorPrimitives.Multiply(_labels, -0.5f / N, _e);
        TensorPrimitives.Add(_e, 0.75f / N, _e); // alpha_t/N, with alpha 0.25
        TensorPrimitives.Multiply(_d, _d, _gradient); // q²
        TensorPrimitives.Multiply(_a, _gradient, _f);
        float loss = TensorPrimitives.Dot(_f, _e);
        TensorPrimitives.Subtract(_b, _labels, _f);
        TensorPrimitives.Multiply(_f, _gradient, _gradient); // (p − y)·q²
        TensorPrimitives.Subtract(1f, _b, _f);
        TensorPrimitives.Multiply(_f, _b, _f); // p(1 − p)
        TensorPrimitives.Multiply(_a, _d, _a);
        TensorPrimitives.Multiply(_a, _c, _a);
        TensorPrimitives.Multiply(_a, _f, _a); // ce·q·(1 − 2y)·p(1 − p)
        TensorPrimitives.MultiplyAdd(_a, 2f, _gradient, _gradient);
        TensorPrimitives.Multiply(_gradient, _e, _gradient);
        return loss;
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

    /// <summary>e^x, the mean of e^x − t·x, then e^x − t, scaled.</summary>
    [Benchmark, BenchmarkCategory("PoissonLogInput")]
    public float PoissonLogInputTensorPrimitives()
    {
        TensorPrimitives.Exp(_pred, _a);
        float loss = (TensorPrimitives.Sum(_a) - TensorPrimitives.Dot(_counts, _pred)) / N;
        TensorPrimitives.Subtract(_a, _counts, _gradient);
        TensorPrimitives.Multiply(_gradient, 1f / N, _gradient);
        return loss;
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

    /// <summary>
    /// log p and log1p(−p), the mean of −(y·log p + (1 − y)·log1p(−p)), then (p − y)/(p(1 − p)), scaled. No clamp, as in
    /// the naive loop: the probabilities are within [0.001, 0.999], where LossGen's clamp to [1e-7, 1 − 1e-7] does nothing.
    /// </summary>
    [Benchmark, BenchmarkCategory("BCE")]
    public float BceTensorPrimitives()
    {
        TensorPrimitives.Log(_probabilities, _a);
        TensorPrimitives.Negate(_probabilities, _b);
        TensorPrimitives.LogP1(_b, _b);
        float loss = -(TensorPrimitives.Dot(_labels, _a) + TensorPrimitives.Sum(_b) - TensorPrimitives.Dot(_labels, _b)) / N;
        TensorPrimitives.Subtract(_probabilities, _labels, _gradient);
        TensorPrimitives.Subtract(1f, _probabilities, _a);
        TensorPrimitives.Multiply(_a, _probabilities, _a);
        TensorPrimitives.Divide(_gradient, _a, _gradient);
        TensorPrimitives.Multiply(_gradient, 1f / N, _gradient);
        return loss;
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

    /// <summary>softplus(x) = max(x, 0) + log1p(e^−|x|) into <paramref name="destination"/>, max(x, 0) through _b.</summary>
    private void Softplus(float[] x, float[] destination)
    {
        TensorPrimitives.Abs(x, destination);
        TensorPrimitives.Negate(destination, destination);
        TensorPrimitives.Exp(destination, destination);
        TensorPrimitives.LogP1(destination, destination);
        TensorPrimitives.Max(x, 0f, _b);
        TensorPrimitives.Add(destination, _b, destination);
    }
}
