using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LossGen;

namespace LossGen.Benchmarks;

/// <summary>
/// Sample-weighted MSE forward + backward (the weighted mean Σwℓ/Σw) on 2^16 floats (four arrays of 256 KiB, in L2),
/// at every vector width (<see cref="WidthConfig"/>): LossGen's weighted overload against its unweighted one (the cost of
/// the weights) and a TensorPrimitives composition (Subtract, Multiply by the weights, Dot, Sum of the weights, Multiply
/// for the gradient). Both checked to agree.
/// </summary>
[Config(typeof(WidthConfig))]
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByJob)]
[CategoriesColumn]
public class SampleWeightBenchmarks
{
    private const int N = 1 << 16;
    private float[] _pred = [];
    private float[] _target = [];
    private float[] _weights = [];
    private float[] _gradient = [];
    private float[] _difference = [];

    [GlobalSetup]
    public void Setup()
    {
        WidthConfig.OneThread();
        var random = new Random(42);
        _pred = new float[N];
        _target = new float[N];
        _weights = new float[N];
        _gradient = new float[N];
        _difference = new float[N];
        for (int i = 0; i < N; i++)
        {
            _pred[i] = (float)(random.NextDouble() * 8 - 4);
            _target[i] = (float)(random.NextDouble() * 8 - 4);
            _weights[i] = (float)(random.NextDouble() * 2);
        }

        Agreement.Check("weighted MSE", LossGenWeighted(), "TensorPrimitives", TensorPrimitivesWeighted());
    }

    [Benchmark(Baseline = true), BenchmarkCategory("WeightedMSE")]
    public float TensorPrimitivesWeighted()
    {
        // d = p − t; loss = Σ w·d² / Σw; gradient = 2·w·d / Σw.
        TensorPrimitives.Subtract(_pred, _target, _difference);
        TensorPrimitives.Multiply(_difference, _weights, _gradient);
        float weightSum = TensorPrimitives.Sum(_weights);
        float loss = TensorPrimitives.Dot(_gradient, _difference) / weightSum;
        TensorPrimitives.Multiply(_gradient, 2 / weightSum, _gradient);
        return loss;
    }

    [Benchmark, BenchmarkCategory("WeightedMSE")]
    public float LossGenWeighted() => Losses.MeanSquaredErrorWithGradient(_pred, _target, _weights, _gradient);

    [Benchmark, BenchmarkCategory("WeightedMSE")]
    public float LossGenUnweighted() => Losses.MeanSquaredErrorWithGradient(_pred, _target, _gradient);
}
