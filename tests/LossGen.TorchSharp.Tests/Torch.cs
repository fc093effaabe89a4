using System;
using TorchSharp;
using static TorchSharp.torch;

namespace LossGen.TorchSharp.Tests;

/// <summary>What the bridge tests share: libtorch on one thread, seeded data, and comparisons that name what differs.</summary>
internal static class Torch
{
    static Torch() => set_num_threads(1);

    /// <summary>Loads libtorch once (first use costs ~0.4 s) and seeds its generator.</summary>
    public static void Seed(long seed)
    {
        _ = Initialized;
        manual_seed(seed);
    }

    private static readonly bool Initialized = true;

    /// <summary>A fresh leaf that requires grad: the values of <paramref name="values"/>.</summary>
    public static Tensor Leaf(Tensor values) => values.detach().clone().requires_grad_(true);

    /// <summary>Asserts two tensors are equal to within <paramref name="tolerance"/> (relative to max(1, |expected|)), naming the case.</summary>
    public static void Close(string what, Tensor expected, Tensor actual, double tolerance)
    {
        Xunit.Assert.Equal(expected.shape, actual.shape);
        double[] e = expected.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        double[] a = actual.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            bool same = double.IsNaN(e[i]) ? double.IsNaN(a[i]) : e[i] == a[i] || Math.Abs(e[i] - a[i]) <= tolerance * Math.Max(1, Math.Abs(e[i]));
            Xunit.Assert.True(same, $"{what}: element {i} is {a[i]:R}, expected {e[i]:R} (tolerance {tolerance})");
        }
    }
}
