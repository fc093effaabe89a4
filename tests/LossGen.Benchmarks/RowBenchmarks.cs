using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LossGen;
using TorchSharp;

namespace LossGen.Benchmarks;

/// <summary>
/// Row losses forward + backward on [1024, 1000] floats (4 MB per array, past L2 but each row in L1): softmax
/// cross-entropy against a naive loop, a per-row TensorPrimitives composition and TorchSharp (libtorch, one thread;
/// it picks its own vector width, so its rows do not change with the job), Dice and cosine proximity against naive
/// loops, in the same run, at every vector width (<see cref="WidthConfig"/>).
/// </summary>
[Config(typeof(WidthConfig))]
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByJob)]
[CategoriesColumn]
public class RowBenchmarks
{
    private const int Batch = 1024;
    private const int Classes = 1000;
    private float[] _logits = [];
    private float[] _target = [];
    private int[] _labels = [];
    private float[] _gradient = [];
    private float[] _scratch = [];
    private float[] _probabilities = [];
    private float[] _embeddings = [];
    private torch.Tensor _torchLogits = null!;
    private torch.Tensor _torchLabels = null!;
    private torch.Tensor _torchTarget = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _logits = new float[Batch * Classes];
        _target = new float[Batch * Classes];
        _labels = new int[Batch];
        _gradient = new float[Batch * Classes];
        _scratch = new float[Classes];
        _probabilities = new float[Batch * Classes];
        _embeddings = new float[Batch * Classes];
        for (int i = 0; i < _logits.Length; i++)
        {
            _logits[i] = (float)(random.NextDouble() * 8 - 4);
            _probabilities[i] = (float)random.NextDouble();
            _embeddings[i] = (float)(random.NextDouble() * 2 - 1);
        }

        for (int r = 0; r < Batch; r++)
        {
            _labels[r] = random.Next(Classes);
            _target[r * Classes + _labels[r]] = 1;
        }
    }

    [GlobalSetup(Targets = [nameof(TorchSharpLabels), nameof(TorchSharpProbabilities)])]
    public void SetupTorchSharp()
    {
        Setup();
        TorchSharpBaseline.Setup();
        _torchLogits = torch.tensor(_logits, [Batch, Classes], requires_grad: true);
        _torchLabels = torch.tensor(Array.ConvertAll(_labels, l => (long)l));
        _torchTarget = torch.tensor(_target, [Batch, Classes]);
        TorchSharpBaseline.Agree("softmax cross-entropy (labels)", LossGenSparseSoftmaxCrossEntropy(), TorchSharpLabels());
        TorchSharpBaseline.Agree("softmax cross-entropy (probabilities)", LossGenSoftmaxCrossEntropy(), TorchSharpProbabilities());
    }

    [Benchmark(Baseline = true), BenchmarkCategory("SoftmaxCE")]
    public float NaiveLoop()
    {
        float total = 0, scale = 1f / Batch;
        for (int r = 0; r < Batch; r++)
        {
            ReadOnlySpan<float> z = _logits.AsSpan(r * Classes, Classes), t = _target.AsSpan(r * Classes, Classes);
            Span<float> g = _gradient.AsSpan(r * Classes, Classes);
            float max = float.NegativeInfinity;
            for (int j = 0; j < Classes; j++)
            {
                max = MathF.Max(max, z[j]);
            }

            float sum = 0;
            for (int j = 0; j < Classes; j++)
            {
                sum += MathF.Exp(z[j] - max);
            }

            float lse = max + MathF.Log(sum);
            for (int j = 0; j < Classes; j++)
            {
                total += t[j] * (lse - z[j]);
                g[j] = (MathF.Exp(z[j] - lse) - t[j]) * scale;
            }
        }

        return total / Batch;
    }

    /// <summary>Per row: SoftMax into the gradient, the loss as −Σ t·log p, then p − t, scaled.</summary>
    [Benchmark, BenchmarkCategory("SoftmaxCE")]
    public float TensorPrimitivesPerRow()
    {
        float total = 0, scale = 1f / Batch;
        for (int r = 0; r < Batch; r++)
        {
            ReadOnlySpan<float> z = _logits.AsSpan(r * Classes, Classes), t = _target.AsSpan(r * Classes, Classes);
            Span<float> g = _gradient.AsSpan(r * Classes, Classes);
            TensorPrimitives.SoftMax(z, g);
            TensorPrimitives.Log(g, _scratch);
            total -= TensorPrimitives.Dot(t, _scratch);
            TensorPrimitives.Subtract(g, t, g);
            TensorPrimitives.Multiply(g, scale, g);
        }

        return total / Batch;
    }

    /// <summary>
    /// The same with int labels, as a TensorPrimitives user would write it: SoftMax into the gradient, the loss as
    /// −log p[label], p[label] − 1, scaled. The fair baseline for the sparse overload (it reads no target row).
    /// </summary>
    [Benchmark, BenchmarkCategory("SoftmaxCE")]
    public float TensorPrimitivesPerRowLabels()
    {
        float total = 0, scale = 1f / Batch;
        for (int r = 0; r < Batch; r++)
        {
            Span<float> g = _gradient.AsSpan(r * Classes, Classes);
            TensorPrimitives.SoftMax(_logits.AsSpan(r * Classes, Classes), g);
            total -= MathF.Log(g[_labels[r]]);
            g[_labels[r]] -= 1;
            TensorPrimitives.Multiply(g, scale, g);
        }

        return total / Batch;
    }

    [Benchmark, BenchmarkCategory("SoftmaxCE")]
    public float LossGenSoftmaxCrossEntropy() => Losses.SoftmaxCrossEntropyWithGradient(_logits, _target, _gradient, Classes);

    [Benchmark, BenchmarkCategory("SoftmaxCE")]
    public float LossGenSparseSoftmaxCrossEntropy() => Losses.SparseSoftmaxCrossEntropyWithGradient(_logits, _labels, _gradient, Classes);

    /// <summary><c>cross_entropy</c> with int64 class indices, forward and backward (see <see cref="TorchSharpBaseline"/>).</summary>
    [Benchmark, BenchmarkCategory("SoftmaxCE")]
    public float TorchSharpLabels()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor loss = torch.nn.functional.cross_entropy(_torchLogits, _torchLabels);
        loss.backward();
        _torchLogits.grad = null;
        return loss.item<float>();
    }

    /// <summary><c>cross_entropy</c> with a probability target row per sample (the one-hot rows the dense overloads read).</summary>
    [Benchmark, BenchmarkCategory("SoftmaxCE")]
    public float TorchSharpProbabilities()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor loss = torch.nn.functional.cross_entropy(_torchLogits, _torchTarget);
        loss.backward();
        _torchLogits.grad = null;
        return loss.item<float>();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Dice")]
    public float DiceNaiveLoop()
    {
        float total = 0, scale = 1f / Batch;
        for (int r = 0; r < Batch; r++)
        {
            ReadOnlySpan<float> p = _probabilities.AsSpan(r * Classes, Classes), t = _target.AsSpan(r * Classes, Classes);
            Span<float> g = _gradient.AsSpan(r * Classes, Classes);
            float dot = 0, sum = 1;
            for (int j = 0; j < Classes; j++)
            {
                dot += p[j] * t[j];
                sum += p[j] + t[j];
            }

            float numerator = 2 * dot + 1;
            total += 1 - numerator / sum;
            for (int j = 0; j < Classes; j++)
            {
                g[j] = (numerator / (sum * sum) - 2 * t[j] / sum) * scale;
            }
        }

        return total / Batch;
    }

    [Benchmark, BenchmarkCategory("Dice")]
    public float LossGenDice() => Losses.DiceWithGradient(_probabilities, _target, _gradient, Classes);

    [Benchmark(Baseline = true), BenchmarkCategory("Cosine")]
    public float CosineNaiveLoop()
    {
        float total = 0, scale = 1f / Batch;
        for (int r = 0; r < Batch; r++)
        {
            ReadOnlySpan<float> p = _logits.AsSpan(r * Classes, Classes), t = _embeddings.AsSpan(r * Classes, Classes);
            Span<float> g = _gradient.AsSpan(r * Classes, Classes);
            float dot = 0, pp = 0, tt = 0;
            for (int j = 0; j < Classes; j++)
            {
                dot += p[j] * t[j];
                pp += p[j] * p[j];
                tt += t[j] * t[j];
            }

            float np = MathF.Max(MathF.Sqrt(pp), 1e-8f), nt = MathF.Max(MathF.Sqrt(tt), 1e-8f), cosine = dot / (np * nt);
            total -= cosine;
            for (int j = 0; j < Classes; j++)
            {
                g[j] = (cosine * p[j] / (np * np) - t[j] / (np * nt)) * scale;
            }
        }

        return total / Batch;
    }

    [Benchmark, BenchmarkCategory("Cosine")]
    public float LossGenCosineProximity() => Losses.CosineProximityWithGradient(_logits, _embeddings, _gradient, Classes);
}
