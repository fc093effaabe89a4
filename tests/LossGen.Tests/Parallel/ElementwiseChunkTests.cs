using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Xunit;
using static LossGen.Tests.Parallel.Chunked;

namespace LossGen.Tests.Parallel;

/// <summary>
/// Large elementwise inputs in chunks of <see cref="ElementwiseEngine.ChunkLength"/>: the same bits on 1, 2, 3 or 8
/// threads (the threshold lowered so that every length here spreads), the sum defined as the chunks' own sums added in
/// order, and no call waiting for a helper that has not run. Alone in the process: the tests hold back the helpers of
/// every call while they run.
/// </summary>
[Collection(QuietProcessCollection.Name)]
public sealed class ElementwiseChunkTests
{
    private const int Chunk = ElementwiseEngine.ChunkLength;

    public static TheoryData<int> Lengths => new() { Chunk + 1, (3 * Chunk) + 5, (5 * Chunk) - 7, (8 * Chunk) + 1031 };


    [Theory]
    [MemberData(nameof(Lengths))]
    public void Every_form_gives_the_same_bits_on_1_2_3_and_8_threads(int n)
    {
        float[] p = Floats(n, 1, -3, 3), t = Floats(n, 2, -3, 3), w = Floats(n, 3, 0, 2), y = Floats(n, 4, 0, 1);
        float[] Run(int threads) => WithThreads(threads, () =>
        {
            float[] g1 = new float[n], g2 = new float[n], g3 = new float[n], g4 = new float[n], g5 = new float[n], l1 = new float[n], l2 = new float[n];
            float mse = Losses.MeanSquaredErrorWithGradient(p, t, g1);
            float mseSum = Losses.MeanSquaredError(p, t, Reduction.Sum);
            float huber = Losses.HuberWithGradient(p, t, g2, 0.5, Reduction.Sum);
            float weighted = Losses.MeanSquaredErrorWithGradient(p, t, w, g3);
            float weightedOnly = Losses.MeanSquaredError(p, t, w, WeightedReduction.SumOverBatchSize);
            float bce = Losses.BinaryCrossEntropyWithLogitsWithGradient(p, y, g4);
            Losses.LogCoshElementwise(p, t, l1);
            Losses.HuberElementwiseWithGradient(p, t, l2, g5, 0.5);
            return new[] { mse, mseSum, huber, weighted, weightedOnly, bce }.Concat(g1).Concat(g2).Concat(g3).Concat(g4).Concat(g5).Concat(l1).Concat(l2).ToArray();
        });

        AssertSameBitsOnMoreThreads(Run(1), Run, $"n = {n}");
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Double_results_are_the_same_bits_on_1_2_3_and_8_threads(int n)
    {
        double[] p = Doubles(n, 6, -6, 6), y = Doubles(n, 7, 0, 1);
        (double, double[]) Run(int threads) => WithThreads(threads, () =>
        {
            var g = new double[n];
            return (Losses.BinaryCrossEntropyWithLogitsWithGradient(p, y, g), g);
        });

        var (loss, gradient) = Run(1);
        foreach (int threads in new[] { 2, 3, 8 })
        {
            var (l, g) = Run(threads);
            Assert.Equal(BitConverter.DoubleToInt64Bits(loss), BitConverter.DoubleToInt64Bits(l));
            Assert.True(gradient.AsSpan().SequenceEqual(g), $"{threads} threads: gradients differ");
        }
    }

    /// <summary>
    /// Non-temporal gradients (decided by the whole call's length) inside chunks, each peeled to its own cache-line
    /// offset: the ordinary stores' bits on any number of threads, at gradient offsets that make every peel differ.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(13)]
    public void Non_temporal_gradients_in_chunks_give_the_ordinary_stores_bits_on_any_number_of_threads(int offset)
    {
        int n = (5 * Chunk) + 37;
        float[] p = Floats(n, 24, -3, 3), t = Floats(n, 25, -3, 3);
        var expected = new float[n];
        float expectedLoss = WithThreads(1, () => Losses.MeanSquaredErrorWithGradient(p, t, expected));
        int saved = ElementwiseEngine.NonTemporalByteThreshold;
        ElementwiseEngine.NonTemporalByteThreshold = 64 * 1024;
        try
        {
            foreach (int threads in new[] { 1, 2, 3, 8 })
            {
                var gradient = new float[n + 16];
                float loss = WithThreads(threads, () => Losses.MeanSquaredErrorWithGradient(p, t, gradient.AsSpan(offset, n)));
                Assert.Equal(expectedLoss, loss);
                Assert.True(gradient.AsSpan(offset, n).SequenceEqual(expected), $"{threads} threads, offset {offset}: gradients differ");
            }
        }
        finally
        {
            ElementwiseEngine.NonTemporalByteThreshold = saved;
        }
    }

    /// <summary>
    /// The canonical sum of a long input: each chunk's sum, as a call over that chunk alone gives it, added in chunk
    /// order (so every input up to one chunk long keeps the bits it had before chunks).
    /// </summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void The_sum_is_each_chunks_own_sum_added_in_order(int n)
    {
        double[] p = Doubles(n, 10, -6, 6), y = Doubles(n, 11, 0, 1);
        double expected = 0;
        for (int start = 0; start < n; start += Chunk)
        {
            double chunk = Losses.BinaryCrossEntropyWithLogits(p.AsSpan(start, Math.Min(Chunk, n - start)), y.AsSpan(start, Math.Min(Chunk, n - start)), reduction: Reduction.Sum);
            expected = start == 0 ? chunk : expected + chunk;
        }

        Assert.Equal(expected, Losses.BinaryCrossEntropyWithLogits(p, y, reduction: Reduction.Sum));
        Assert.Equal(expected / n, Losses.BinaryCrossEntropyWithLogits(p, y));
        Assert.Equal(expected, WithThreads(3, () => Losses.BinaryCrossEntropyWithLogits(p, y, reduction: Reduction.Sum)));

        // The same definition for a memory-bound kernel (MSE: the unrolled loop), whose chunk sums a call of its own
        // returns in double too.
        double expectedMse = 0;
        for (int start = 0; start < n; start += Chunk)
        {
            double chunk = Losses.MeanSquaredError(p.AsSpan(start, Math.Min(Chunk, n - start)), y.AsSpan(start, Math.Min(Chunk, n - start)), Reduction.Sum);
            expectedMse = start == 0 ? chunk : expectedMse + chunk;
        }

        Assert.Equal(expectedMse, WithThreads(2, () => Losses.MeanSquaredError(p, y, Reduction.Sum)));
    }

    /// <summary>Half is computed in float, chunk by chunk as the float path: the float path's bits on the widened values.</summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void Half_gives_the_float_paths_bits_on_its_widened_values(int n)
    {
        Half[] p = Floats(n, 12, -3, 3).Select(x => (Half)x).ToArray(), t = Floats(n, 13, -3, 3).Select(x => (Half)x).ToArray();
        float[] pf = p.Select(x => (float)x).ToArray(), tf = t.Select(x => (float)x).ToArray();
        Assert.Equal((Half)Losses.LogCosh(pf, tf, Reduction.Sum), Losses.LogCosh(p, t, Reduction.Sum));
        Assert.Equal((Half)WithThreads(3, () => Losses.LogCosh(pf, tf)), Losses.LogCosh(p, t));
    }

    /// <summary>Half reduces over chunks on the pool as float does: the same bits on any number of threads, gradients too.</summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void Half_gives_the_same_bits_on_1_2_3_and_8_threads(int n)
    {
        Half[] p = Floats(n, 26, -3, 3).Select(x => (Half)x).ToArray(), t = Floats(n, 27, -3, 3).Select(x => (Half)x).ToArray();
        Half[] w = Floats(n, 28, 0, 2).Select(x => (Half)x).ToArray();
        float[] Run(int threads) => WithThreads(threads, () =>
        {
            Half[] g1 = new Half[n], g2 = new Half[n];
            Half logCosh = Losses.LogCoshWithGradient(p, t, g1);
            Half weighted = Losses.MeanSquaredErrorWithGradient(p, t, w, g2);
            Half sum = Losses.Huber(p, t, reduction: Reduction.Sum);
            return new[] { logCosh, weighted, sum }.Concat(g1).Concat(g2).Select(x => (float)x).ToArray();
        });

        AssertSameBitsOnMoreThreads(Run(1), Run, $"Half, n = {n}");
    }

    /// <summary>
    /// The state of a starved pool, made certain: the helpers are held back and never run during the calls. Each call
    /// must still return, with the one-thread bits. The held helpers then run late, during the next call and after it:
    /// they find nothing to take or help the call at hand, and change no result.
    /// </summary>
    [Fact]
    public async Task A_call_never_waits_for_helpers_that_have_not_run()
    {
        int n = (6 * Chunk) + 3;
        float[] p = Floats(n, 14, -3, 3), t = Floats(n, 15, 0, 1);
        var expectedGradient = new float[n];
        float expected = WithThreads(1, () => Losses.BinaryCrossEntropyWithLogitsWithGradient(p, t, expectedGradient));

        var held = new ConcurrentQueue<IThreadPoolWorkItem>();
        ParallelChunks.QueueHelperForTests = held.Enqueue;
        try
        {
            var gradient = new float[n];
            // On a thread of its own, so that a hang fails the test instead of stalling the run.
            float loss = await Task.Factory.StartNew(() => WithThreads(4, () => Losses.BinaryCrossEntropyWithLogitsWithGradient(p, t, gradient)), TaskCreationOptions.LongRunning)
                .WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(expected, loss);
            Assert.True(gradient.AsSpan().SequenceEqual(expectedGradient));
            Assert.Equal(3, held.Count);

            var second = new float[n];
            var late = Task.Run(() =>
            {
                while (held.TryDequeue(out var helper))
                {
                    helper.Execute();
                }
            });
            Assert.Equal(expected, WithThreads(4, () => Losses.BinaryCrossEntropyWithLogitsWithGradient(p, t, second)));
            await late;
            while (held.TryDequeue(out var helper))
            {
                helper.Execute();
            }

            Assert.True(second.AsSpan().SequenceEqual(expectedGradient));
        }
        finally
        {
            ParallelChunks.QueueHelperForTests = null;
        }
    }

    /// <summary>Callers on the pool at once, through the public methods: every result is the one-thread one.</summary>
    [Fact]
    public async Task Concurrent_callers_on_the_thread_pool_get_the_one_thread_result()
    {
        int n = (4 * Chunk) + 9;
        float[] p = Floats(n, 16, -3, 3), t = Floats(n, 17, 0, 1);
        var expectedGradient = new float[n];
        float expected = WithThreads(1, () => Losses.BinaryCrossEntropyWithLogitsWithGradient(p, t, expectedGradient));
        var results = new float[16 * 5];
        var gradients = new float[16][];
        await Task.WhenAll(Enumerable.Range(0, 16).Select(item => Task.Run(() =>
        {
            gradients[item] = new float[n];
            for (int k = 0; k < 5; k++)
            {
                results[(item * 5) + k] = WithThreads(2, () => Losses.BinaryCrossEntropyWithLogitsWithGradient(p, t, gradients[item]));
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(results, r => Assert.Equal(expected, r));
        Assert.All(gradients, g => Assert.True(g.AsSpan().SequenceEqual(expectedGradient)));
    }

    [Fact]
    public void Repeated_parallel_calls_allocate_nothing_on_the_calling_thread()
    {
        int n = (4 * Chunk) + 9;
        float[] p = Floats(n, 20, -3, 3), t = Floats(n, 21, 0, 1), g = new float[n], l = new float[n];
        double[] pd = Doubles(n, 22, -3, 3), td = Doubles(n, 23, -3, 3), gd = new double[n];
        void All()
        {
            Losses.BinaryCrossEntropyWithLogitsWithGradient(p, t, g);
            Losses.MeanSquaredError(pd, td);
            Losses.HuberWithGradient(pd, td, gd);
            Losses.LogCoshElementwise(p, t, l);
        }

        WithThreads(2, () =>
        {
            Allocations.AssertNoneInSteadyState(All, calls: 20);
            return 0;
        });
    }

    [Fact]
    public void A_limit_caps_this_threads_calls_and_its_scope_puts_back_the_cap()
    {
        int queued = 0;
        int n = (4 * Chunk) + 9;
        float[] p = Floats(n, 18, -3, 3), t = Floats(n, 19, 0, 1), g = new float[n];
        Assert.Throws<ArgumentOutOfRangeException>(() => LossParallelism.Limit(0));
        ParallelChunks.QueueHelperForTests = item => { Interlocked.Increment(ref queued); item.Execute(); };
        LossParallelism.ParallelLengthForTests = 1;
        try
        {
            using (LossParallelism.Limit(1))
            {
                Losses.BinaryCrossEntropyWithLogitsWithGradient(p, t, g);
                Assert.Equal(0, queued);
                using (LossParallelism.Limit(2))
                {
                    Losses.BinaryCrossEntropyWithLogitsWithGradient(p, t, g);
                    Assert.Equal(Math.Min(2, Environment.ProcessorCount) - 1, queued);
                }

                Losses.BinaryCrossEntropyWithLogitsWithGradient(p, t, g);
                Assert.Equal(Math.Min(2, Environment.ProcessorCount) - 1, queued);
            }
        }
        finally
        {
            ParallelChunks.QueueHelperForTests = null;
            LossParallelism.ParallelLengthForTests = 0;
        }
    }

}
