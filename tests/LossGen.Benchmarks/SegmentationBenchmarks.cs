using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LossGen;

namespace LossGen.Benchmarks;

/// <summary>
/// The multiclass soft Dice loss from logits, forward + backward, on [4, 21, 64, 64] float logits (VOC's 21 classes), at
/// every vector width (<see cref="WidthConfig"/>): LossGen's <c>SoftmaxDiceWithGradient</c> against a TensorPrimitives
/// composition over the class planes (Max, Subtract, Exp, Add, Divide for the softmax; Sum and Dot for the per-class sums;
/// Multiply, Add, MultiplyAdd, Subtract and Multiply for the gradient), given the one-hot planes of the labels for free. Both checked to agree.
/// </summary>
[Config(typeof(WidthConfig))]
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByJob)]
[CategoriesColumn]
public class SegmentationBenchmarks
{
    private const int Images = 4, Classes = 21, Voxels = 64 * 64;
    private const double Smooth = 1.0;
    private float[] _logits = [];
    private int[] _labels = [];
    private float[] _gradient = [];
    private float[] _oneHot = [];
    private float[] _max = [], _sum = [], _dot = [], _scratch = [];

    [GlobalSetup]
    public void Setup()
    {
        WidthConfig.OneThread();
        var random = new Random(42);
        _logits = new float[Images * Classes * Voxels];
        _labels = new int[Images * Voxels];
        _gradient = new float[_logits.Length];
        _oneHot = new float[_logits.Length];
        _max = new float[Voxels];
        _sum = new float[Voxels];
        _dot = new float[Voxels];
        _scratch = new float[Voxels];
        for (int i = 0; i < _logits.Length; i++)
        {
            _logits[i] = (float)(random.NextDouble() * 6 - 3);
        }

        for (int n = 0; n < Images; n++)
        {
            for (int j = 0; j < Voxels; j++)
            {
                int label = random.Next(Classes);
                _labels[(n * Voxels) + j] = label;
                _oneHot[(((n * Classes) + label) * Voxels) + j] = 1;
            }
        }

        Agreement.Check("SoftmaxDice", LossGen(), "TensorPrimitives", TensorPrimitivesComposed());
    }

    [Benchmark(Baseline = true), BenchmarkCategory("SoftmaxDice")]
    public float TensorPrimitivesComposed()
    {
        Span<double> p = stackalloc double[Classes], tp = stackalloc double[Classes], g = stackalloc double[Classes];
        p.Clear();
        tp.Clear();
        g.Clear();
        // Softmax per voxel over the class planes, parked in the gradient; the per-class sums.
        for (int n = 0; n < Images; n++)
        {
            Span<float> Plane(float[] a, int c) => a.AsSpan(((n * Classes) + c) * Voxels, Voxels);
            Plane(_logits, 0).CopyTo(_max);
            for (int c = 1; c < Classes; c++) TensorPrimitives.Max(_max, Plane(_logits, c), _max);
            _sum.AsSpan().Clear();
            for (int c = 0; c < Classes; c++)
            {
                TensorPrimitives.Subtract(Plane(_logits, c), _max, Plane(_gradient, c));
                TensorPrimitives.Exp(Plane(_gradient, c), Plane(_gradient, c));
                TensorPrimitives.Add(_sum, Plane(_gradient, c), _sum);
            }

            for (int c = 0; c < Classes; c++)
            {
                TensorPrimitives.Divide(Plane(_gradient, c), _sum, Plane(_gradient, c));
                p[c] += TensorPrimitives.Sum(Plane(_gradient, c));
                tp[c] += TensorPrimitives.Dot(Plane(_gradient, c), Plane(_oneHot, c));
                g[c] += TensorPrimitives.Sum(Plane(_oneHot, c));
            }
        }

        // The loss, and each class's gradient factors a·onehot + b.
        Span<float> a = stackalloc float[Classes], b = stackalloc float[Classes];
        double loss = 0;
        for (int c = 0; c < Classes; c++)
        {
            double numerator = (2 * tp[c]) + Smooth, denominator = p[c] + g[c] + Smooth;
            loss += 1 - (numerator / denominator);
            a[c] = (float)(-2 / denominator / Classes);
            b[c] = (float)(numerator / (denominator * denominator) / Classes);
        }

        // dz_c = p_c·(g_c − Σ_k p_k·g_k).
        for (int n = 0; n < Images; n++)
        {
            Span<float> Plane(float[] arr, int c) => arr.AsSpan(((n * Classes) + c) * Voxels, Voxels);
            _dot.AsSpan().Clear();
            for (int c = 0; c < Classes; c++)
            {
                TensorPrimitives.Multiply(Plane(_oneHot, c), a[c], _scratch);
                TensorPrimitives.Add(_scratch, b[c], _scratch);
                TensorPrimitives.MultiplyAdd(Plane(_gradient, c), _scratch, _dot, _dot);
            }

            for (int c = 0; c < Classes; c++)
            {
                TensorPrimitives.Multiply(Plane(_oneHot, c), a[c], _scratch);
                TensorPrimitives.Add(_scratch, b[c], _scratch);
                TensorPrimitives.Subtract(_scratch, _dot, _scratch);
                TensorPrimitives.Multiply(Plane(_gradient, c), _scratch, Plane(_gradient, c));
            }
        }

        return (float)(loss / Classes);
    }

    [Benchmark, BenchmarkCategory("SoftmaxDice")]
    public float LossGen() => Losses.SoftmaxDiceWithGradient(_logits, _labels, _gradient, Classes, [64, 64], smooth: Smooth);
}
