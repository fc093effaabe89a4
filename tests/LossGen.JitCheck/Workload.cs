using System;
using System.Runtime;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace LossGen.JitCheck;

/// <summary>
/// Calls a representative set of the catalogue's kernels (float, and double where the code differs) a fixed number of times, so every engine loop they
/// reach is compiled by the JIT's optimizing tier (the engine loops are AggressiveOptimization, so optimized at the
/// first call; CTC's recursions tier up through tier 0 and on-stack replacement to tier 1).
/// </summary>
internal static class Workload
{
    private const int PhaseRounds = 50, MinRounds = 150, MaxRounds = 2000;
    private const int Elements = 4096;
    private const int Batch = 64, Classes = 1000;

    // CTC: [T, N, C] log-probabilities.
    private const int CtcTime = 50, CtcBatch = 8, CtcClasses = 20, CtcTargetLength = 10;

    /// <summary>Past the engine's non-temporal threshold (16 MiB per gradient), so the non-temporal block loop runs.</summary>
    private const int NonTemporalElements = (16 << 20) / sizeof(float) + 4096;

    /// <summary>The vector width the engines take in this process, as the JIT sees it: 512, 256, 128 or 0.</summary>
    public static int VectorBits =>
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

    public static string Describe() =>
        $"bits={VectorBits} fma={(Fma.IsSupported ? 1 : 0)} avx2={(Avx2.IsSupported ? 1 : 0)} avx512f={(Avx512F.IsSupported ? 1 : 0)} "
        + $"V512={Vector512.IsHardwareAccelerated} V256={Vector256.IsHardwareAccelerated} V128={Vector128.IsHardwareAccelerated} "
        + $"runtime={Environment.Version}";

    /// <summary>Rounds run by the last <see cref="Run"/>.</summary>
    public static int Rounds { get; private set; }

    /// <summary>
    /// Runs rounds of every kernel in phases of <see cref="PhaseRounds"/> until two phases in a row compile no method
    /// (everything called has reached its last tier), at least <see cref="MinRounds"/>, at most <see cref="MaxRounds"/>.
    /// </summary>
    public static double Run()
    {
        LossParallelism.MaxDegreeOfParallelism = 1;   // CTC on this thread: its samples compile and run in order
        var rng = new Random(12345);

        float[] pred = Fill(rng, Elements, -2, 2), target = Fill(rng, Elements, -2, 2);
        float[] probability = Fill(rng, Elements, 0, 1), count = Fill(rng, Elements, 0, 5);
        float[] gradient = new float[Elements], gradient2 = new float[Elements], losses = new float[Elements];
        float[] signs = Array.ConvertAll(target, v => v < 0 ? -1f : 1f);
        double[] predDouble = Array.ConvertAll(pred, v => (double)v), probabilityDouble = Array.ConvertAll(probability, v => (double)v);
        double[] countDouble = Array.ConvertAll(count, v => (double)v), gradientDouble = new double[Elements];

        float[] logits = Fill(rng, Batch * Classes, -3, 3), rowTarget = Fill(rng, Batch * Classes, 0, 1);
        float[] predProbability = Fill(rng, Batch * Classes, 0, 1);
        float[] other = Fill(rng, Batch * Classes, -3, 3), third = Fill(rng, Batch * Classes, -3, 3);
        float[] rowGradient = new float[Batch * Classes], rowGradient2 = new float[Batch * Classes], rowGradient3 = new float[Batch * Classes];
        float[] rowLosses = new float[Batch];
        int[] labels = new int[Batch];
        for (int r = 0; r < Batch; r++) labels[r] = rng.Next(Classes);
        NormalizeRows(rowTarget);
        float[] logInput = LogSoftmaxRows(Fill(rng, Batch * Classes, -3, 3), Batch, Classes);
        float[] classWeights4 = [1, 0.5f, 2, 1];
        int[] pixelLabels = new int[Batch * Classes / 4];
        for (int i = 0; i < pixelLabels.Length; i++) pixelLabels[i] = rng.Next(4);

        float[] ctcLogits = Fill(rng, CtcTime * CtcBatch * CtcClasses, -2, 2);
        float[] ctcLogProbs = LogSoftmaxRows((float[])ctcLogits.Clone(), CtcTime * CtcBatch, CtcClasses);
        float[] ctcGradient = new float[ctcLogits.Length];
        int[] ctcLabels = new int[CtcBatch * CtcTargetLength];
        for (int i = 0; i < ctcLabels.Length; i++) ctcLabels[i] = 1 + rng.Next(CtcClasses - 1);
        int[] ctcInputLengths = new int[CtcBatch], ctcTargetLengths = new int[CtcBatch];
        for (int b = 0; b < CtcBatch; b++) { ctcInputLengths[b] = CtcTime - b; ctcTargetLengths[b] = CtcTargetLength - b % 3; }

        double sink = 0;
        int rounds = 0, quietPhases = 0;
        while (rounds < MaxRounds && (rounds < MinRounds || quietPhases < 2))
        {
            long compiled = JitInfo.GetCompiledMethodCount();
            for (int k = 0; k < PhaseRounds; k++, rounds++)
            {
                sink += Round();
            }

            // Time for the tiering thread: call counting starts after 100 ms without new tier-0 code, and a method
            // called 30 times is then compiled again in the background. Two phases in a row that compile nothing: done.
            Thread.Sleep(200);
            quietPhases = JitInfo.GetCompiledMethodCount() == compiled ? quietPhases + 1 : 0;
        }

        Rounds = rounds;

        double Round()
        {
            double s = 0;
            // Elementwise, memory-bound: loss only, loss and gradient, one loss per element.
            s += Losses.MeanSquaredError(pred, target);
            s += Losses.MeanSquaredErrorWithGradient(pred, target, gradient);
            Losses.MeanSquaredErrorElementwise(pred, target, losses);
            s += Losses.MeanAbsoluteError(pred, target);
            s += Losses.MeanAbsoluteErrorWithGradient(pred, target, gradient);
            s += Losses.Huber(pred, target);
            s += Losses.HuberWithGradient(pred, target, gradient);
            s += Losses.SmoothL1(pred, target);
            s += Losses.SmoothL1WithGradient(pred, target, gradient);
            // Sample-weighted: the weights take the kernel's next input slot (the same loops, one more multiply).
            s += Losses.MeanSquaredErrorWithGradient(pred, target, probability, gradient);
            s += Losses.HuberWithGradient(pred, target, probability, gradient, reduction: WeightedReduction.Sum);

            // Elementwise, transcendental.
            s += Losses.BinaryCrossEntropyWithLogits(pred, probability);
            s += Losses.BinaryCrossEntropyWithLogitsWithGradient(pred, probability, gradient);
            s += Losses.BinaryCrossEntropyWithLogitsWithGradient(pred, probability, target, gradient, reduction: WeightedReduction.SumOverBatchSize);
            Losses.BinaryCrossEntropyWithLogitsElementwise(pred, probability, losses);
            Losses.BinaryCrossEntropyWithLogitsElementwiseWithGradient(pred, probability, losses, gradient);
            s += Losses.LogCosh(pred, target);
            s += Losses.LogCoshWithGradient(pred, target, gradient);
            Losses.LogCoshElementwise(pred, target, losses);
            s += Losses.PoissonWithLogInput(pred, count);
            s += Losses.PoissonWithLogInputWithGradient(pred, count, gradient);
            s += Losses.PoissonWithLogInputWithGradient(pred, count, gradient, full: true);
            s += Losses.BinaryFocalWithLogits(pred, probability);
            s += Losses.BinaryFocalWithLogitsWithGradient(pred, probability, gradient);
            // Two inlined transcendentals, each kind (and in double, whose polynomials are longer).
            s += Losses.BinaryCrossEntropyWithGradient(probability, probability, gradient);
            s += Losses.PoissonWithGradient(count, count, gradient, full: true);
            s += Losses.SoftMarginWithGradient(pred, signs, gradient);
            s += Losses.GaussianNllWithGradient(pred, target, count, gradient, gradient2, full: true);
            s += Losses.BinaryCrossEntropyWithLogitsWithGradient(predDouble, probabilityDouble, gradientDouble);
            s += Losses.LogCoshWithGradient(predDouble, predDouble, gradientDouble);
            s += Losses.BinaryCrossEntropyWithGradient(probabilityDouble, probabilityDouble, gradientDouble);
            s += Losses.PoissonWithLogInputWithGradient(predDouble, countDouble, gradientDouble, full: true);
            s += Losses.BinaryFocalWithLogitsWithGradient(predDouble, probabilityDouble, gradientDouble);
            s += StressFormulas.NearTheLimitWithGradient(pred, target, gradient);
            s += StressFormulas.NearTheLimitWithGradient(predDouble, predDouble, gradientDouble);
            s += StressFormulas.TwoTanhsWithGradient(pred, target, gradient);
            s += StressFormulas.TwoTanhsWithGradient(predDouble, predDouble, gradientDouble);

            // Rows.
            s += Losses.SoftmaxCrossEntropy(logits, rowTarget, Classes);
            s += Losses.SoftmaxCrossEntropyWithGradient(logits, rowTarget, rowGradient, Classes);
            s += Losses.SparseSoftmaxCrossEntropy(logits, labels, Classes);
            s += Losses.SparseSoftmaxCrossEntropyWithGradient(logits, labels, rowGradient, Classes);
            Losses.SparseSoftmaxCrossEntropyElementwiseWithGradient(logits, labels, rowLosses, rowGradient, Classes);
            s += rowLosses[0];
            s += Losses.DiceWithGradient(predProbability, rowTarget, rowGradient, Classes);
            s += Losses.CosineProximityWithGradient(logits, other, rowGradient, Classes);
            s += Losses.TripletWithGradient(logits, other, third, rowGradient, rowGradient2, rowGradient3, Classes);
            s += Losses.KLDivergenceWithGradient(logInput, rowTarget, rowGradient, Classes);
            // A [Hyper] bool's other value is another kernel.
            s += Losses.TripletWithGradient(logits, other, third, rowGradient, rowGradient2, rowGradient3, Classes, swap: true);
            s += Losses.KLDivergenceWithGradient(logInput, rowTarget, rowGradient, Classes, logTarget: true);
            // A row kernel's only log is inlined.
            s += Losses.CategoricalCrossEntropyWithGradient(predProbability, rowTarget, rowGradient, Classes);
            s += Losses.KLDivergencePerElementWithGradient(logInput, rowTarget, rowGradient, Classes);

            // Images: the pixelwise cross-entropy, plain and with class weights and smoothing, and the softmax Tversky loss
            // (4 classes over the logits as [4, Batch, Classes / 4] images).
            s += Losses.PixelwiseCrossEntropyWithGradient(logits, pixelLabels, rowGradient, 4, Batch, Classes / 4);
            s += Losses.PixelwiseCrossEntropyWithGradient(logits, pixelLabels, rowGradient, 4, [Batch * Classes / 4], classWeights4, 0.1);
            s += Losses.SoftmaxTverskyWithGradient(logits, pixelLabels, rowGradient, 4, [Batch * Classes / 4], classWeights4, 0.3, 0.7, 1.5);

            // CTC: from log-probabilities (loss only, and with the gradient) and from logits (fused log-softmax).
            s += Losses.Ctc(ctcLogProbs, CtcBatch, CtcClasses, CtcTargets.Padded(ctcLabels, CtcTargetLength), ctcInputLengths, ctcTargetLengths);
            s += Losses.CtcWithGradient(ctcLogProbs, CtcBatch, CtcClasses, CtcTargets.Padded(ctcLabels, CtcTargetLength), ctcInputLengths, ctcTargetLengths, ctcGradient);
            s += Losses.CtcFromLogitsWithGradient(ctcLogits, CtcBatch, CtcClasses, CtcTargets.Padded(ctcLabels, CtcTargetLength), ctcInputLengths, ctcTargetLengths, ctcGradient);
            return s;
        }

        sink += NonTemporal();
        return sink;
    }

    /// <summary>The memory-bound gradient loop with non-temporal stores: only past 16 MiB per gradient.</summary>
    private static double NonTemporal()
    {
        var rng = new Random(7);
        float[] pred = Fill(rng, NonTemporalElements, -2, 2), target = Fill(rng, NonTemporalElements, -2, 2);
        float[] gradient = new float[NonTemporalElements];
        double sink = 0;
        for (int k = 0; k < 3; k++)
        {
            sink += Losses.MeanSquaredErrorWithGradient(pred, target, gradient);
            sink += Losses.HuberWithGradient(pred, target, gradient);
        }

        return sink;
    }

    private static float[] Fill(Random rng, int length, float min, float max)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = min + (max - min) * rng.NextSingle();
        return values;
    }

    private static void NormalizeRows(float[] rows)
    {
        for (int r = 0; r < Batch; r++)
        {
            Span<float> row = rows.AsSpan(r * Classes, Classes);
            float sum = 0;
            foreach (float v in row) sum += v;
            for (int c = 0; c < row.Length; c++) row[c] /= sum;
        }
    }

    private static float[] LogSoftmaxRows(float[] values, int rows, int length)
    {
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = values.AsSpan(r * length, length);
            float max = float.NegativeInfinity;
            foreach (float v in row) max = Math.Max(max, v);
            double sum = 0;
            foreach (float v in row) sum += Math.Exp(v - max);
            float lse = max + (float)Math.Log(sum);
            for (int c = 0; c < row.Length; c++) row[c] -= lse;
        }

        return values;
    }
}
