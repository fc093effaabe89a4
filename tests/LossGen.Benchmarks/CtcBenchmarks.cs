using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using TorchSharp;

namespace LossGen.Benchmarks;

/// <summary>
/// CTC forward + backward (loss and gradient with respect to the log-probabilities, Mean reduction) at
/// T = 200, N = 32, C = 40, S = 30: a straightforward scalar log-space implementation of the same recursions
/// (the baseline, PyTorch's CPU kernel's structure) against LossGen's vectorized one: sequential (widest vectors,
/// and forced to 256- and 128-bit vectors), automatic (parallel over samples when there are two or more cores), and
/// sequential in float; and TorchSharp's <c>ctc_loss</c> in float (libtorch's CPU kernel, one thread), at every vector
/// width (<see cref="WidthConfig"/>). Run: <c>dotnet run -c Release --project tests/LossGen.Benchmarks -- --filter '*CtcBenchmarks*'</c>.
/// </summary>
[Config(typeof(WidthConfig))]
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByJob)]
public class CtcBenchmarks
{
    private const int T = 200, N = 32, C = 40, S = 30;

    private double[] _logProbs = [];
    private float[] _logProbsF = [];
    private int[] _targets = [];
    private int[] _inputLengths = [];
    private int[] _targetLengths = [];
    private double[] _gradient = [];
    private float[] _gradientF = [];
    private double[] _alpha = [], _beta = [], _collected = [];
    private torch.Tensor _torchLogProbs = null!, _torchTargets = null!, _torchInputLengths = null!, _torchTargetLengths = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(2024);
        _logProbs = new double[T * N * C];
        for (int row = 0; row < T * N; row++)
        {
            double sum = 0;
            for (int c = 0; c < C; c++) { _logProbs[row * C + c] = rng.NextDouble() * 4 - 2; sum += Math.Exp(_logProbs[row * C + c]); }
            double lse = Math.Log(sum);
            for (int c = 0; c < C; c++) _logProbs[row * C + c] -= lse;
        }
        _logProbsF = Array.ConvertAll(_logProbs, v => (float)v);
        _targets = new int[N * S];
        for (int i = 0; i < _targets.Length; i++) _targets[i] = 1 + rng.Next(C - 1);
        _inputLengths = new int[N];
        _targetLengths = new int[N];
        Array.Fill(_inputLengths, T);
        Array.Fill(_targetLengths, S);
        _gradient = new double[_logProbs.Length];
        _gradientF = new float[_logProbs.Length];
        _alpha = new double[T * (2 * S + 1)];
        _beta = new double[T * (2 * S + 1)];
        _collected = new double[T * C];

        double a = ScalarLogSpace(), b = FusedSequential();
        if (Math.Abs(a - b) > 1e-9 * Math.Abs(a)) throw new InvalidOperationException($"baseline {a} and fused {b} disagree");
    }

    [GlobalSetup(Target = nameof(TorchSharpFloat))]
    public void SetupTorchSharp()
    {
        Setup();
        TorchSharpBaseline.Setup();
        _torchLogProbs = torch.tensor(_logProbsF, [T, N, C], requires_grad: true);
        _torchTargets = torch.tensor(Array.ConvertAll(_targets, t => (long)t), [N, S]);
        _torchInputLengths = torch.tensor(Array.ConvertAll(_inputLengths, l => (long)l));
        _torchTargetLengths = torch.tensor(Array.ConvertAll(_targetLengths, l => (long)l));
        TorchSharpBaseline.Agree("CTC", FusedSequentialFloat(), TorchSharpFloat());
    }

    [Benchmark(Baseline = true, Description = "Scalar log-space (double)")]
    public double ScalarLogSpace() => ScalarCtc(_logProbs, _targets, _inputLengths, _targetLengths, _gradient, _alpha, _beta, _collected);

    [Benchmark(Description = "LossGen sequential (double)")]
    public double FusedSequential() => Losses.CtcCore<double, double>(_logProbs, N, C, CtcTargets.Padded(_targets, S), _inputLengths, _targetLengths,
        CtcOutputs.WithGradient(_gradient), new CtcSettings(CtcInputKind.LogProbs, 0, false, Reduction.Mean, CtcParallelism.Sequential));

    [Benchmark(Description = "LossGen auto/parallel (double)")]
    public double FusedAuto() => Losses.CtcWithGradient(_logProbs, N, C, CtcTargets.Padded(_targets, S), _inputLengths, _targetLengths, _gradient);

    [Benchmark(Description = "LossGen sequential (float)")]
    public double FusedSequentialFloat() => Losses.CtcCore<float, float>(_logProbsF, N, C, CtcTargets.Padded(_targets, S), _inputLengths, _targetLengths,
        CtcOutputs.WithGradient(_gradientF), new CtcSettings(CtcInputKind.LogProbs, 0, false, Reduction.Mean, CtcParallelism.Sequential));

    /// <summary>Forward and backward, the gradient dropped after (see <see cref="TorchSharpBaseline"/>).</summary>
    [Benchmark(Description = "TorchSharp (float)")]
    public double TorchSharpFloat()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        torch.Tensor loss = torch.nn.functional.ctc_loss(_torchLogProbs, _torchTargets, _torchInputLengths, _torchTargetLengths);
        loss.backward();
        _torchLogProbs.grad = null;
        return loss.item<float>();
    }

    // ------------------------------------------------------------------ the baseline

    private static double LogAdd3(double a, double b, double c)
    {
        double m = Math.Max(a, Math.Max(b, c));
        if (double.IsNegativeInfinity(m)) m = 0; // PyTorch: cannot do -inf - -inf
        return Math.Log(Math.Exp(a - m) + Math.Exp(b - m) + Math.Exp(c - m)) + m;
    }

    private static double LogAdd2(double a, double b)
    {
        double m = Math.Max(a, b);
        if (double.IsNegativeInfinity(m)) return double.NegativeInfinity;
        return Math.Log(Math.Exp(a - m) + Math.Exp(b - m)) + m;
    }

    /// <summary>
    /// PyTorch's CPU algorithm in plain scalar C#: full alpha and beta tables in log space, the log-sum of
    /// alpha * beta collected per class, then the true log-prob gradient -exp(collected - lp + nll), Mean reduction.
    /// </summary>
    private static double ScalarCtc(double[] lp, int[] targets, int[] inputLengths, int[] targetLengths, double[] grad,
        double[] alpha, double[] beta, double[] collected)
    {
        double total = 0;
        for (int b = 0; b < N; b++)
        {
            int inLen = inputLengths[b], tl = targetLengths[b], sl = 2 * tl + 1;
            int Label(int s) => s % 2 == 0 ? 0 : targets[b * S + s / 2];
            double Lp(int t, int c) => lp[(t * N + b) * C + c];

            for (int s = 0; s < sl; s++) alpha[s] = double.NegativeInfinity;
            alpha[0] = Lp(0, 0);
            if (tl > 0) alpha[1] = Lp(0, Label(1));
            for (int t = 1; t < inLen; t++)
                for (int s = 0; s < sl; s++)
                {
                    double a1 = alpha[(t - 1) * sl + s];
                    double a2 = s > 0 ? alpha[(t - 1) * sl + s - 1] : double.NegativeInfinity;
                    double a3 = s > 1 && Label(s) != Label(s - 2) ? alpha[(t - 1) * sl + s - 2] : double.NegativeInfinity;
                    alpha[t * sl + s] = LogAdd3(a1, a2, a3) + Lp(t, Label(s));
                }
            double ll = LogAdd2(alpha[(inLen - 1) * sl + sl - 1], tl > 0 ? alpha[(inLen - 1) * sl + sl - 2] : double.NegativeInfinity);
            double nll = -ll;

            Array.Fill(collected, double.NegativeInfinity, 0, inLen * C);
            for (int s = 0; s < sl; s++) beta[(inLen - 1) * sl + s] = double.NegativeInfinity;
            beta[(inLen - 1) * sl + sl - 1] = Lp(inLen - 1, 0);
            if (tl > 0) beta[(inLen - 1) * sl + sl - 2] = Lp(inLen - 1, Label(sl - 2));
            for (int t = inLen - 1; t >= 0; t--)
                for (int s = sl - 1; s >= 0; s--)
                {
                    if (t < inLen - 1)
                    {
                        double b1 = beta[(t + 1) * sl + s];
                        double b2 = s < sl - 1 ? beta[(t + 1) * sl + s + 1] : double.NegativeInfinity;
                        double b3 = s < sl - 2 && Label(s) != Label(s + 2) ? beta[(t + 1) * sl + s + 2] : double.NegativeInfinity;
                        beta[t * sl + s] = LogAdd3(b1, b2, b3) + Lp(t, Label(s));
                    }
                    ref double slot = ref collected[t * C + Label(s)];
                    slot = LogAdd2(slot, alpha[t * sl + s] + beta[t * sl + s]);
                }

            double scale = 1.0 / (N * Math.Max(tl, 1));
            for (int t = 0; t < T; t++)
                for (int c = 0; c < C; c++)
                    grad[(t * N + b) * C + c] = t < inLen ? -Math.Exp(collected[t * C + c] + nll - Lp(t, c)) * scale : 0.0;
            total += nll / Math.Max(tl, 1);
        }
        return total / N;
    }
}
