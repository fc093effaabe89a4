using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LossGen;
using TorchSharp;

namespace LossGen.Benchmarks;

/// <summary>
/// InfoNCE (CLIP's symmetric form, cosine similarity, τ = 0.07) forward + backward over a batch of 256 pairs of
/// 512-float embeddings, at every vector width (<see cref="WidthConfig"/>): against a TensorPrimitives composition
/// (Norm and Divide per row, Dot per pair, SoftMax per row and column, MultiplyAdd per pair for the gradients) and
/// TorchSharp's (<c>F.normalize</c>, <c>matmul</c>, <c>cross_entropy</c> twice, backward; libtorch on one thread, with
/// its own BLAS for the products). Both checked to give LossGen's loss.
/// </summary>
[Config(typeof(WidthConfig))]
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByJob)]
[CategoriesColumn]
public class ContrastiveBenchmarks
{
    private const int Batch = 256;
    private const int Dimension = 512;
    private const float Temperature = 0.07f;
    private float[] _x1 = [];
    private float[] _x2 = [];
    private float[] _g1 = [];
    private float[] _g2 = [];
    // The composition's buffers, allocated once.
    private float[] _u = [];
    private float[] _v = [];
    private float[] _norms1 = [];
    private float[] _norms2 = [];
    private float[] _similarity = [];
    private float[] _transposed = [];
    private float[] _probabilities = [];
    private float[] _gradient = [];
    private torch.Tensor _torchX1 = null!;
    private torch.Tensor _torchX2 = null!;
    private torch.Tensor _torchLabels = null!;

    [GlobalSetup]
    public void Setup()
    {
        WidthConfig.OneThread();
        var random = new Random(42);
        _x1 = new float[Batch * Dimension];
        _x2 = new float[Batch * Dimension];
        for (int i = 0; i < _x1.Length; i++)
        {
            _x1[i] = (float)(random.NextDouble() * 2 - 1);
            // Each x2 row near its x1 row, as trained pairs are: the positives stand out of the softmax.
            _x2[i] = _x1[i] + (float)(random.NextDouble() - 0.5);
        }

        _g1 = new float[_x1.Length];
        _g2 = new float[_x2.Length];
        _u = new float[_x1.Length];
        _v = new float[_x2.Length];
        _norms1 = new float[Batch];
        _norms2 = new float[Batch];
        _similarity = new float[Batch * Batch];
        _transposed = new float[Batch * Batch];
        _probabilities = new float[Batch * Batch];
        _gradient = new float[Batch * Batch];
        Agreement.Check("InfoNce", LossGen(), "TensorPrimitives", TensorPrimitivesComposed());
    }

    [GlobalSetup(Target = nameof(TorchSharpComposed))]
    public void SetupTorchSharp()
    {
        Setup();
        TorchSharpBaseline.Setup();
        _torchX1 = torch.tensor(_x1, [Batch, Dimension], requires_grad: true);
        _torchX2 = torch.tensor(_x2, [Batch, Dimension], requires_grad: true);
        _torchLabels = torch.arange(Batch, dtype: torch.ScalarType.Int64);
        TorchSharpBaseline.Agree("InfoNce", LossGen(), TorchSharpComposed());
    }

    [Benchmark, BenchmarkCategory("InfoNce")]
    public float LossGen() => Losses.InfoNceWithGradient(_x1, _x2, _g1, _g2, Dimension, Temperature, symmetric: true);

    [Benchmark(Baseline = true), BenchmarkCategory("InfoNce")]
    public float TensorPrimitivesComposed()
    {
        Normalize(_x1, _u, _norms1);
        Normalize(_x2, _v, _norms2);
        for (int i = 0; i < Batch; i++)
        {
            ReadOnlySpan<float> u = _u.AsSpan(i * Dimension, Dimension);
            for (int j = 0; j < Batch; j++)
            {
                _similarity[i * Batch + j] = TensorPrimitives.Dot(u, _v.AsSpan(j * Dimension, Dimension)) / Temperature;
            }
        }

        float scale = 0.5f / Batch;
        float loss = SoftmaxRows(_similarity, _gradient, scale);
        Transpose(_similarity, _transposed);
        loss += SoftmaxRows(_transposed, _probabilities, scale);
        Transpose(_probabilities, _transposed);
        TensorPrimitives.Add(_gradient, _transposed, _gradient);
        TensorPrimitives.Divide(_gradient, Temperature, _gradient);

        Array.Clear(_g1);
        Array.Clear(_g2);
        for (int i = 0; i < Batch; i++)
        {
            Span<float> g1 = _g1.AsSpan(i * Dimension, Dimension);
            ReadOnlySpan<float> u = _u.AsSpan(i * Dimension, Dimension);
            for (int j = 0; j < Batch; j++)
            {
                float g = _gradient[i * Batch + j];
                TensorPrimitives.MultiplyAdd(_v.AsSpan(j * Dimension, Dimension), g, g1, g1);
                Span<float> g2 = _g2.AsSpan(j * Dimension, Dimension);
                TensorPrimitives.MultiplyAdd(u, g, g2, g2);
            }
        }

        NormalizeBackward(_g1, _u, _norms1);
        NormalizeBackward(_g2, _v, _norms2);
        return loss;
    }

    [Benchmark, BenchmarkCategory("InfoNce")]
    public float TorchSharpComposed()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor s = torch.nn.functional.normalize(_torchX1, dim: 1).matmul(torch.nn.functional.normalize(_torchX2, dim: 1).t()) / Temperature;
        torch.Tensor loss = (torch.nn.functional.cross_entropy(s, _torchLabels) + torch.nn.functional.cross_entropy(s.t(), _torchLabels)) / 2;
        loss.backward();
        _torchX1.grad = null;
        _torchX2.grad = null;
        return loss.item<float>();
    }

    private static void Normalize(float[] x, float[] u, float[] norms)
    {
        for (int i = 0; i < Batch; i++)
        {
            ReadOnlySpan<float> row = x.AsSpan(i * Dimension, Dimension);
            norms[i] = MathF.Max(TensorPrimitives.Norm(row), 1e-12f);
            TensorPrimitives.Divide(row, norms[i], u.AsSpan(i * Dimension, Dimension));
        }
    }

    private static void NormalizeBackward(float[] gradient, float[] u, float[] norms)
    {
        for (int i = 0; i < Batch; i++)
        {
            Span<float> g = gradient.AsSpan(i * Dimension, Dimension);
            ReadOnlySpan<float> row = u.AsSpan(i * Dimension, Dimension);
            TensorPrimitives.MultiplyAdd(row, -TensorPrimitives.Dot(row, g), g, g);
            TensorPrimitives.Divide(g, norms[i], g);
        }
    }

    /// <summary>Each row's softmax cross-entropy against its own index; the gradient (softmax − one-hot) times scale into <paramref name="gradient"/>.</summary>
    private static float SoftmaxRows(float[] logits, float[] gradient, float scale)
    {
        float loss = 0;
        for (int i = 0; i < Batch; i++)
        {
            ReadOnlySpan<float> z = logits.AsSpan(i * Batch, Batch);
            Span<float> p = gradient.AsSpan(i * Batch, Batch);
            TensorPrimitives.SoftMax(z, p);
            loss -= MathF.Log(p[i]) * scale;
            p[i] -= 1;
            TensorPrimitives.Multiply(p, scale, p);
        }

        return loss;
    }

    private static void Transpose(float[] x, float[] transposed)
    {
        for (int i = 0; i < Batch; i++)
        {
            for (int j = 0; j < Batch; j++)
            {
                transposed[j * Batch + i] = x[i * Batch + j];
            }
        }
    }
}
