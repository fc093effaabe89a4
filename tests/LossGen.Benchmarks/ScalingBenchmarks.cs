using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using LossGen;
using TorchSharp;
using F = TorchSharp.torch.nn.functional;

namespace LossGen.Benchmarks;

/// <summary>
/// Large inputs on 1 and 2 threads: LossGen with <see cref="LossParallelism.MaxDegreeOfParallelism"/> at
/// <see cref="Threads"/>, against TorchSharp (forward and backward through autograd, the gradient dropped after) with
/// libtorch's pool at the same count, float, at the machine's own vector width. The other benchmark classes hold LossGen
/// to one thread (<see cref="WidthConfig.OneThread"/>): they compare kernels at each width.
/// Run: <c>dotnet run -c Release --project tests/LossGen.Benchmarks -- --filter '*ScalingBenchmarks*'</c>.
/// </summary>
[Config(typeof(ScalingConfig))]
[MedianColumn]
public class ScalingBenchmarks
{
    public enum Loss
    {
        /// <summary>MSE over 2^20 floats (three arrays of 4 MiB, in L3).</summary>
        Mse1M,
        /// <summary>MSE over 2^24 floats (64 MiB per array, memory-bound).</summary>
        Mse16M,
        /// <summary>BCE with logits over 2^24 floats.</summary>
        BceWithLogits16M,
        /// <summary>Huber (δ = 1) over 2^20 floats.</summary>
        Huber1M,
        /// <summary>Softmax cross-entropy with int labels, [8192, 1000].</summary>
        SoftmaxCe8192x1000,
        /// <summary>Cosine proximity (mean of −cos), [8192, 1000].</summary>
        Cosine8192x1000,
        /// <summary>Triplet margin loss (margin 1), [8192, 256], gradients for all three inputs.</summary>
        Triplet8192x256,
        /// <summary>Pixelwise softmax cross-entropy, [8, 21, 256, 256] logits against [8, 256, 256] labels.</summary>
        Pixelwise8x21x256x256,
    }

    private float[] _a = [], _b = [], _c = [], _ga = [], _gb = [], _gc = [];
    private int[] _labels = [];
    private int _rowLength;
    private torch.Tensor _ta = null!, _tb = null!, _tc = null!, _tLabels = null!;

    [Params(Loss.Mse1M, Loss.Mse16M, Loss.BceWithLogits16M, Loss.Huber1M, Loss.SoftmaxCe8192x1000, Loss.Cosine8192x1000, Loss.Triplet8192x256,
        Loss.Pixelwise8x21x256x256)]
    public Loss Case { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup(Target = nameof(LossGenSpans))]
    public void Setup()
    {
        LossParallelism.MaxDegreeOfParallelism = Threads;
        (int n, _rowLength) = Case switch
        {
            Loss.Mse1M or Loss.Huber1M => (1 << 20, 0),
            Loss.Mse16M or Loss.BceWithLogits16M => (1 << 24, 0),
            Loss.Triplet8192x256 => (8192 * 256, 256),
            Loss.Pixelwise8x21x256x256 => (8 * 21 * 256 * 256, 0),
            _ => (8192 * 1000, 1000),
        };
        var random = new Random(42);
        _a = new float[n];
        _b = new float[n];
        _c = new float[n];
        _ga = new float[n];
        _gb = new float[n];
        _gc = new float[n];
        for (int i = 0; i < n; i++)
        {
            _a[i] = (float)((random.NextDouble() * 8) - 4);
            _b[i] = Case == Loss.BceWithLogits16M ? (float)random.NextDouble() : (float)((random.NextDouble() * 8) - 4);
            _c[i] = (float)((random.NextDouble() * 8) - 4);
        }

        _labels = Case == Loss.Pixelwise8x21x256x256 ? Array.ConvertAll(new int[8 * 256 * 256], _ => random.Next(21))
            : _rowLength == 0 ? [] : Array.ConvertAll(new int[n / _rowLength], _ => random.Next(_rowLength));
    }

    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        Setup();
        torch.set_num_threads(Threads);
        _ta = Case == Loss.Pixelwise8x21x256x256 ? torch.tensor(_a, [8, 21, 256, 256], requires_grad: true)
            : _rowLength == 0 ? torch.tensor(_a, requires_grad: true) : torch.tensor(_a, [_a.Length / _rowLength, _rowLength], requires_grad: true);
        bool tripletGradients = Case == Loss.Triplet8192x256;
        _tb = _rowLength == 0 ? torch.tensor(_b) : torch.tensor(_b, [_b.Length / _rowLength, _rowLength], requires_grad: tripletGradients);
        _tc = _rowLength == 0 ? torch.tensor(_c) : torch.tensor(_c, [_c.Length / _rowLength, _rowLength], requires_grad: tripletGradients);
        _tLabels = Case == Loss.Pixelwise8x21x256x256 ? torch.tensor(Array.ConvertAll(_labels, l => (long)l), [8, 256, 256]) : torch.tensor(Array.ConvertAll(_labels, l => (long)l));
        Agreement.Check(Case.ToString(), LossGenSpans(), "TorchSharp", TorchSharp());
    }

    [Benchmark(Baseline = true)]
    public double TorchSharp()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor loss = Case switch
        {
            Loss.Mse1M or Loss.Mse16M => F.mse_loss(_ta, _tb),
            Loss.BceWithLogits16M => F.binary_cross_entropy_with_logits(_ta, _tb),
            Loss.Huber1M => F.huber_loss(_ta, _tb),
            Loss.SoftmaxCe8192x1000 or Loss.Pixelwise8x21x256x256 => F.cross_entropy(_ta, _tLabels),
            Loss.Cosine8192x1000 => (-F.cosine_similarity(_ta, _tb, dim: 1, eps: 1e-8)).mean(),
            _ => F.triplet_margin_loss(_ta, _tb, _tc, margin: 1, eps: 1e-6),
        };
        loss.backward();
        _ta.grad = null;
        _tb.grad = null;
        _tc.grad = null;
        return loss.item<float>();
    }

    [Benchmark]
    public double LossGenSpans() => Case switch
    {
        Loss.Mse1M or Loss.Mse16M => Losses.MeanSquaredErrorWithGradient(_a, _b, _ga),
        Loss.BceWithLogits16M => Losses.BinaryCrossEntropyWithLogitsWithGradient(_a, _b, _ga),
        Loss.Huber1M => Losses.HuberWithGradient(_a, _b, _ga),
        Loss.SoftmaxCe8192x1000 => Losses.SparseSoftmaxCrossEntropyWithGradient(_a, _labels, _ga, _rowLength),
        Loss.Cosine8192x1000 => Losses.CosineProximityWithGradient(_a, _b, _ga, _rowLength),
        Loss.Pixelwise8x21x256x256 => Losses.PixelwiseCrossEntropyWithGradient(_a, _labels, _ga, 21, 256, 256),
        _ => Losses.TripletWithGradient(_a, _b, _c, _ga, _gb, _gc, _rowLength),
    };

    /// <summary>One job at the machine's widest vectors: the thread count is the variable here; widths are measured elsewhere.</summary>
    private sealed class ScalingConfig : ManualConfig
    {
        public ScalingConfig()
            => AddJob(Job.Default.WithWarmupCount(5).WithIterationCount(11).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250)));
    }
}
