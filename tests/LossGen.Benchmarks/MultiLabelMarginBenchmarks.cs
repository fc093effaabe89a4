using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LossGen;
using TorchSharp;

namespace LossGen.Benchmarks;

/// <summary>
/// The multi-label margin loss forward + backward on [1024, 100] float scores with 4 targets per row, at every vector
/// width (<see cref="WidthConfig"/>): LossGen's hand-written loss (double arithmetic, no vector code) against a
/// TensorPrimitives composition (per row and target: Add, Max and Sum for the hinges, Multiply and Min for their
/// indicators) and TorchSharp's <c>multi_label_margin_loss</c> (one thread). Both checked to give LossGen's loss.
/// </summary>
[Config(typeof(WidthConfig))]
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByJob)]
[CategoriesColumn]
public class MultiLabelMarginBenchmarks
{
    private const int Batch = 1024;
    private const int Classes = 100;
    private const int TargetsPerRow = 4;
    private float[] _logits = [];
    private int[] _targets = [];
    private float[] _gradient = [];
    private float[] _hinge = [];
    private float[] _indicator = [];
    private torch.Tensor _torchLogits = null!;
    private torch.Tensor _torchTargets = null!;

    [GlobalSetup]
    public void Setup()
    {
        WidthConfig.OneThread();
        var random = new Random(42);
        _logits = new float[Batch * Classes];
        _targets = new int[Batch * Classes];
        _gradient = new float[Batch * Classes];
        _hinge = new float[Classes];
        _indicator = new float[Classes];
        for (int i = 0; i < _logits.Length; i++)
        {
            _logits[i] = (float)(random.NextDouble() * 4 - 2);
        }

        for (int r = 0; r < Batch; r++)
        {
            Span<int> row = _targets.AsSpan(r * Classes, Classes);
            row.Fill(-1);
            for (int j = 0; j < TargetsPerRow; j++)
            {
                row[j] = (r * 7 + j * 13) % Classes;
            }
        }

        Agreement.Check("MultiLabelMargin", LossGen(), "TensorPrimitives", TensorPrimitivesComposed());
    }

    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        Setup();
        TorchSharpBaseline.Setup();
        _torchLogits = torch.tensor(_logits, [Batch, Classes], requires_grad: true);
        _torchTargets = torch.tensor(Array.ConvertAll(_targets, t => (long)t), [Batch, Classes]);
        TorchSharpBaseline.Agree("MultiLabelMargin", LossGen(), TorchSharp());
    }

    [Benchmark, BenchmarkCategory("MultiLabelMargin")]
    public float LossGen() => Losses.MultiLabelMarginWithGradient(_logits, _targets, _gradient, Classes);

    [Benchmark(Baseline = true), BenchmarkCategory("MultiLabelMargin")]
    public float TensorPrimitivesComposed()
    {
        float scale = 1f / (Batch * Classes), loss = 0;
        for (int r = 0; r < Batch; r++)
        {
            ReadOnlySpan<float> x = _logits.AsSpan(r * Classes, Classes);
            ReadOnlySpan<int> y = _targets.AsSpan(r * Classes, TargetsPerRow);
            Span<float> g = _gradient.AsSpan(r * Classes, Classes);
            g.Clear();
            foreach (int target in y)
            {
                TensorPrimitives.Add(x, 1 - x[target], _hinge);
                foreach (int other in y)
                {
                    _hinge[other] = 0;
                }

                TensorPrimitives.Max(_hinge, 0f, _hinge);
                loss += TensorPrimitives.Sum(_hinge);
                // 1 where the hinge is positive, 0 where it is 0.
                TensorPrimitives.Multiply(_hinge, float.MaxValue, _indicator);
                TensorPrimitives.Min(_indicator, 1f, _indicator);
                TensorPrimitives.MultiplyAdd(_indicator, scale, g, g);
                g[target] -= TensorPrimitives.Sum(_indicator) * scale;
            }
        }

        return loss / (Batch * Classes);
    }

    [Benchmark, BenchmarkCategory("MultiLabelMargin")]
    public float TorchSharp()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor loss = torch.nn.functional.multi_label_margin_loss(_torchLogits, _torchTargets);
        loss.backward();
        _torchLogits.grad = null;
        return loss.item<float>();
    }
}
