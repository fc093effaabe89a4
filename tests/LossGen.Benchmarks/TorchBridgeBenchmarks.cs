using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using LossGen.TorchSharp;
using TorchSharp;
using F = TorchSharp.torch.nn.functional;

namespace LossGen.Benchmarks;

/// <summary>
/// A training step's loss work through TorchSharp's autograd — forward, backward into the input's <c>.grad</c>, the
/// gradient dropped after — with LossGen's bridge (<see cref="TorchLosses"/>) against TorchSharp's own loss, at 1 and 2
/// threads for both (libtorch's pool, and <see cref="LossParallelism.MaxDegreeOfParallelism"/>), float32, at the machine's
/// own vector width.
/// Run: <c>dotnet run -c Release --project tests/LossGen.Benchmarks -- --filter '*TorchBridgeBenchmarks*'</c>.
/// </summary>
[Config(typeof(BridgeConfig))]
public class TorchBridgeBenchmarks
{
    public enum Loss
    {
        /// <summary>MSE over 4096 floats: TorchSharp's per-op overhead dominates.</summary>
        Mse4096,
        /// <summary>BCE with logits over 2^20 floats.</summary>
        BceWithLogits1M,
        /// <summary>BCE with logits over 2^20 floats, per element (<c>reduction='none'</c>), summed after: the unreduced gradient.</summary>
        BceWithLogitsElementwise1M,
        /// <summary>Softmax cross-entropy with int labels, [1024, 1000].</summary>
        SoftmaxCe1024x1000,
        /// <summary>CTC, T 200, N 32, C 40, S 30.</summary>
        Ctc,
    }

    private torch.Tensor _input = null!, _target = null!, _inputLengths = null!, _targetLengths = null!;

    [Params(Loss.Mse4096, Loss.BceWithLogits1M, Loss.BceWithLogitsElementwise1M, Loss.SoftmaxCe1024x1000, Loss.Ctc)]
    public Loss Case { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Threads);
        LossParallelism.MaxDegreeOfParallelism = Threads;
        torch.manual_seed(1);
        switch (Case)
        {
            case Loss.Mse4096:
                _input = torch.randn(4096);
                _target = torch.randn(4096);
                break;
            case Loss.BceWithLogits1M or Loss.BceWithLogitsElementwise1M:
                _input = torch.randn(1 << 20) * 3;
                _target = torch.rand(1 << 20);
                break;
            case Loss.SoftmaxCe1024x1000:
                _input = torch.randn(1024, 1000) * 2;
                _target = torch.randint(0, 1000, [1024], dtype: torch.ScalarType.Int64);
                break;
            case Loss.Ctc:
                _input = F.log_softmax(torch.randn(200, 32, 40), 2);
                _target = torch.randint(1, 40, [32, 30], dtype: torch.ScalarType.Int64);
                _inputLengths = torch.full(32, 200, dtype: torch.ScalarType.Int64);
                _targetLengths = torch.randint(10, 31, [32], dtype: torch.ScalarType.Int64);
                break;
        }

        _input = _input.detach().requires_grad_(true);
        Agreement.Check(Case.ToString(), Bridge(), "TorchSharp", TorchSharp());
    }

    [Benchmark(Baseline = true, Description = "TorchSharp")]
    public double TorchSharp()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor loss = Case switch
        {
            Loss.Mse4096 => F.mse_loss(_input, _target),
            Loss.BceWithLogits1M => F.binary_cross_entropy_with_logits(_input, _target),
            Loss.BceWithLogitsElementwise1M => F.binary_cross_entropy_with_logits(_input, _target, reduction: torch.nn.Reduction.None).sum(),
            Loss.SoftmaxCe1024x1000 => F.cross_entropy(_input, _target),
            _ => F.ctc_loss(_input, _target, _inputLengths, _targetLengths),
        };
        return Step(loss);
    }

    [Benchmark(Description = "LossGen bridge")]
    public double Bridge()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor loss = Case switch
        {
            Loss.Mse4096 => TorchLosses.MeanSquaredError(_input, _target),
            Loss.BceWithLogits1M => TorchLosses.BinaryCrossEntropyWithLogits(_input, _target),
            Loss.BceWithLogitsElementwise1M => TorchLosses.BinaryCrossEntropyWithLogitsElementwise(_input, _target).sum(),
            Loss.SoftmaxCe1024x1000 => TorchLosses.SparseSoftmaxCrossEntropy(_input, _target),
            _ => TorchLosses.Ctc(_input, _target, _inputLengths, _targetLengths),
        };
        return Step(loss);
    }

    private double Step(torch.Tensor loss)
    {
        loss.backward();
        _input.grad = null;
        return loss.item<float>();
    }

    /// <summary>One job at the machine's widest vectors: the bridge's cost is per call, and the kernels' widths are measured elsewhere.</summary>
    private sealed class BridgeConfig : ManualConfig
    {
        public BridgeConfig()
            => AddJob(Job.Default.WithWarmupCount(5).WithIterationCount(11).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250)));
    }
}
