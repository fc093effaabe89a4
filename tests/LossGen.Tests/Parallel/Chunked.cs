using System;
using System.Linq;
using Xunit;

namespace LossGen.Tests.Parallel;

/// <summary>What the chunk tests share: a thread count forced on the calling thread, the bit comparison and the data.</summary>
internal static class Chunked
{
    /// <summary>Runs <paramref name="call"/> on this thread with exactly <paramref name="threads"/> threads for any input of two chunks or more.</summary>
    public static T WithThreads<T>(int threads, Func<T> call)
    {
        LossParallelism.ThreadsForTests = threads;
        LossParallelism.ParallelLengthForTests = 1;
        try
        {
            return call();
        }
        finally
        {
            LossParallelism.ThreadsForTests = 0;
            LossParallelism.ParallelLengthForTests = 0;
        }
    }

    /// <summary>Every value <paramref name="run"/> gives on 2, 3 and 8 threads has the bits of <paramref name="one"/>, its one-thread values.</summary>
    public static void AssertSameBitsOnMoreThreads(float[] one, Func<int, float[]> run, string what)
    {
        foreach (int threads in new[] { 2, 3, 8 })
        {
            float[] many = run(threads);
            int first = Enumerable.Range(0, one.Length).FirstOrDefault(i => BitConverter.SingleToInt32Bits(one[i]) != BitConverter.SingleToInt32Bits(many[i]), -1);
            Assert.True(first < 0, $"{threads} threads, {what}: value {first} is {(first < 0 ? 0 : many[first]):R}, on one thread {(first < 0 ? 0 : one[first]):R}");
        }
    }

    public static float[] Floats(int n, int seed, double low, double high)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(low + ((high - low) * random.NextDouble()))).ToArray();
    }

    public static double[] Doubles(int n, int seed, double low, double high)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => low + ((high - low) * random.NextDouble())).ToArray();
    }
}
