using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LossGen;
using TorchSharp;

namespace LossGen.Benchmarks;

/// <summary>
/// Row losses forward + backward on [1024, 1000] floats (4 MB per array, past L2 but each row in L1), at every vector
/// width (<see cref="WidthConfig"/>), each against a naive loop (the baseline) and a per-row TensorPrimitives
/// composition in the same run: softmax cross-entropy (probability targets and int labels) also against hand-written
/// fused kernels at the job's width and TorchSharp (libtorch, one thread; it picks its own vector width, so its rows
/// do not change with the job); Dice, cosine proximity, triplet margin and KL divergence. Every baseline but the
/// naive loops and TorchSharp (checked in its own setup) is checked once to give LossGen's loss.
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
    private float[] _positive = [];
    private float[] _negative = [];
    private float[] _positiveGradient = [];
    private float[] _negativeGradient = [];
    private float[] _logInput = [];
    private float[] _targetProbabilities = [];
    private torch.Tensor _torchLogits = null!;
    private torch.Tensor _torchLabels = null!;
    private torch.Tensor _torchTarget = null!;

    [GlobalSetup]
    public void Setup()
    {
        WidthConfig.OneThread();
        var random = new Random(42);
        _logits = new float[Batch * Classes];
        _target = new float[Batch * Classes];
        _labels = new int[Batch];
        _gradient = new float[Batch * Classes];
        _scratch = new float[Classes];
        _probabilities = new float[Batch * Classes];
        _embeddings = new float[Batch * Classes];
        _positive = new float[Batch * Classes];
        _negative = new float[Batch * Classes];
        _positiveGradient = new float[Batch * Classes];
        _negativeGradient = new float[Batch * Classes];
        _logInput = new float[Batch * Classes];
        _targetProbabilities = new float[Batch * Classes];
        for (int i = 0; i < _logits.Length; i++)
        {
            _logits[i] = (float)(random.NextDouble() * 8 - 4);
            _probabilities[i] = (float)random.NextDouble();
            _embeddings[i] = (float)(random.NextDouble() * 2 - 1);
            _positive[i] = (float)(random.NextDouble() * 2 - 1);
            _negative[i] = (float)(random.NextDouble() * 2 - 1);
            _targetProbabilities[i] = (float)(random.NextDouble() * 8 - 4);
        }

        for (int r = 0; r < Batch; r++)
        {
            _labels[r] = random.Next(Classes);
            _target[r * Classes + _labels[r]] = 1;
            // KL divergence's input: log-probabilities (log-softmax of the logits); its target: the softmax of other
            // random logits, so probabilities, none of them 0.
            Span<float> input = _logInput.AsSpan(r * Classes, Classes), target = _targetProbabilities.AsSpan(r * Classes, Classes);
            TensorPrimitives.SoftMax(_logits.AsSpan(r * Classes, Classes), input);
            TensorPrimitives.Log(input, input);
            TensorPrimitives.SoftMax(target, target);
        }

        Agreement.Check("softmax cross-entropy (probabilities)", LossGenSoftmaxCrossEntropy(), "TensorPrimitives", TensorPrimitivesPerRow());
        Agreement.Check("softmax cross-entropy (probabilities)", LossGenSoftmaxCrossEntropy(), "hand-fused", HandFusedDense());
        Agreement.Check("softmax cross-entropy (labels)", LossGenSparseSoftmaxCrossEntropy(), "TensorPrimitives", TensorPrimitivesPerRowLabels());
        Agreement.Check("softmax cross-entropy (labels)", LossGenSparseSoftmaxCrossEntropy(), "hand-fused", HandFusedSparse());
        Agreement.Check("Dice", LossGenDice(), "TensorPrimitives", DiceTensorPrimitivesPerRow());
        Agreement.Check("cosine proximity", LossGenCosineProximity(), "TensorPrimitives", CosineTensorPrimitivesPerRow());
        Agreement.Check("triplet", LossGenTriplet(), "TensorPrimitives", TripletTensorPrimitivesPerRow());
        Agreement.Check("KL divergence", LossGenKLDivergence(), "TensorPrimitives", KLDivergenceTensorPrimitivesPerRow());
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

    /// <summary>
    /// Hand-written at the job's widest width, per row: TensorPrimitives.Max; one pass storing e^(x − max) into the
    /// gradient's row while summing it, Σ t·x and Σ t; one pass writing (e/Σe − t)/batch. The loss is
    /// (max + log Σe)·Σt − Σ t·x. The exp is the BCL's <see cref="Vector512.Exp(Vector512{float})"/> (or 256-, 128-bit),
    /// a call per vector that computes in double.
    /// </summary>
    [Benchmark, BenchmarkCategory("SoftmaxCE")]
    public float HandFusedDense()
        => Vector512.IsHardwareAccelerated ? FusedDense<Vector512<float>, Width512>()
        : Vector256.IsHardwareAccelerated ? FusedDense<Vector256<float>, Width256>()
        : FusedDense<Vector128<float>, Width128>();

    /// <summary>
    /// The same with int labels: max, one pass storing e^(x − max) and summing it, one pass scaling it by 1/(Σe·batch),
    /// then 1/batch off at the label. The loss is max + log Σe − x[label].
    /// </summary>
    [Benchmark, BenchmarkCategory("SoftmaxCE")]
    public float HandFusedSparse()
        => Vector512.IsHardwareAccelerated ? FusedSparse<Vector512<float>, Width512>()
        : Vector256.IsHardwareAccelerated ? FusedSparse<Vector256<float>, Width256>()
        : FusedSparse<Vector128<float>, Width128>();

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

    /// <summary>Per row: Dot, two Sums, then the gradient −2t/s + (2·dot + 1)/s², s = Σp + Σt + 1, as Multiply and Add.</summary>
    [Benchmark, BenchmarkCategory("Dice")]
    public float DiceTensorPrimitivesPerRow()
    {
        float total = 0, scale = 1f / Batch;
        for (int r = 0; r < Batch; r++)
        {
            ReadOnlySpan<float> p = _probabilities.AsSpan(r * Classes, Classes), t = _target.AsSpan(r * Classes, Classes);
            Span<float> g = _gradient.AsSpan(r * Classes, Classes);
            float sum = TensorPrimitives.Sum(p) + TensorPrimitives.Sum(t) + 1, numerator = 2 * TensorPrimitives.Dot(p, t) + 1;
            total += 1 - numerator / sum;
            TensorPrimitives.Multiply(t, -2 * scale / sum, g);
            TensorPrimitives.Add(g, numerator / (sum * sum) * scale, g);
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

    /// <summary>Per row: Dot and two Norms, then the gradient cos·p/‖p‖² − t/(‖p‖·‖t‖) as Multiply and MultiplyAdd.</summary>
    [Benchmark, BenchmarkCategory("Cosine")]
    public float CosineTensorPrimitivesPerRow()
    {
        float total = 0, scale = 1f / Batch;
        for (int r = 0; r < Batch; r++)
        {
            ReadOnlySpan<float> p = _logits.AsSpan(r * Classes, Classes), t = _embeddings.AsSpan(r * Classes, Classes);
            Span<float> g = _gradient.AsSpan(r * Classes, Classes);
            float np = MathF.Max(TensorPrimitives.Norm(p), 1e-8f), nt = MathF.Max(TensorPrimitives.Norm(t), 1e-8f);
            float cosine = TensorPrimitives.Dot(p, t) / (np * nt);
            total -= cosine;
            TensorPrimitives.Multiply(p, cosine / (np * np) * scale, g);
            TensorPrimitives.MultiplyAdd(t, -scale / (np * nt), g, g);
        }

        return total / Batch;
    }

    [Benchmark, BenchmarkCategory("Cosine")]
    public float LossGenCosineProximity() => Losses.CosineProximityWithGradient(_logits, _embeddings, _gradient, Classes);

    /// <summary>
    /// Anchor, positive and negative rows uniform in [−1, 1]: both distances are near 25.8 and differ by far less than the
    /// margin (1, the default), so nearly every row is past the hinge and computes all three gradients.
    /// </summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Triplet")]
    public float TripletNaiveLoop()
    {
        float total = 0, scale = 1f / Batch;
        for (int r = 0; r < Batch; r++)
        {
            ReadOnlySpan<float> a = _embeddings.AsSpan(r * Classes, Classes), p = _positive.AsSpan(r * Classes, Classes), n = _negative.AsSpan(r * Classes, Classes);
            Span<float> ga = _gradient.AsSpan(r * Classes, Classes), gp = _positiveGradient.AsSpan(r * Classes, Classes), gn = _negativeGradient.AsSpan(r * Classes, Classes);
            float ap = 0, an = 0;
            for (int j = 0; j < Classes; j++)
            {
                ap += (a[j] - p[j]) * (a[j] - p[j]);
                an += (a[j] - n[j]) * (a[j] - n[j]);
            }

            float dp = MathF.Sqrt(ap), dn = MathF.Sqrt(an), hinge = dp - dn + 1;
            // Past the hinge, d‖a − p‖/da = (a − p)/‖a − p‖ (0 at a zero distance), and the like for the negative.
            float fp = hinge > 0 && dp > 0 ? scale / dp : 0, fn = hinge > 0 && dn > 0 ? scale / dn : 0;
            total += MathF.Max(hinge, 0);
            for (int j = 0; j < Classes; j++)
            {
                gp[j] = -(a[j] - p[j]) * fp;
                gn[j] = (a[j] - n[j]) * fn;
                ga[j] = -gp[j] - gn[j];
            }
        }

        return total / Batch;
    }

    /// <summary>
    /// Per row: two Distances; past the hinge, Subtract and Multiply for the positive's gradient and for the negative's,
    /// and AddMultiply for the anchor's (minus their sum).
    /// </summary>
    [Benchmark, BenchmarkCategory("Triplet")]
    public float TripletTensorPrimitivesPerRow()
    {
        float total = 0, scale = 1f / Batch;
        for (int r = 0; r < Batch; r++)
        {
            ReadOnlySpan<float> a = _embeddings.AsSpan(r * Classes, Classes), p = _positive.AsSpan(r * Classes, Classes), n = _negative.AsSpan(r * Classes, Classes);
            Span<float> ga = _gradient.AsSpan(r * Classes, Classes), gp = _positiveGradient.AsSpan(r * Classes, Classes), gn = _negativeGradient.AsSpan(r * Classes, Classes);
            float dp = TensorPrimitives.Distance(a, p), dn = TensorPrimitives.Distance(a, n), hinge = dp - dn + 1;
            if (hinge <= 0)
            {
                ga.Clear();
                gp.Clear();
                gn.Clear();
                continue;
            }

            total += hinge;
            TensorPrimitives.Subtract(a, p, gp);
            TensorPrimitives.Multiply(gp, dp > 0 ? -scale / dp : 0, gp);
            TensorPrimitives.Subtract(a, n, gn);
            TensorPrimitives.Multiply(gn, dn > 0 ? scale / dn : 0, gn);
            TensorPrimitives.AddMultiply(gp, gn, -1f, ga);
        }

        return total / Batch;
    }

    [Benchmark, BenchmarkCategory("Triplet")]
    public float LossGenTriplet()
        => Losses.TripletWithGradient(_embeddings, _positive, _negative, _gradient, _positiveGradient, _negativeGradient, Classes);

    /// <summary>Σ t·(log t − x) per row, 0·log 0 = 0; the gradient is −t/batch.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("KLDivergence")]
    public float KLDivergenceNaiveLoop()
    {
        float total = 0, scale = 1f / Batch;
        for (int r = 0; r < Batch; r++)
        {
            ReadOnlySpan<float> x = _logInput.AsSpan(r * Classes, Classes), t = _targetProbabilities.AsSpan(r * Classes, Classes);
            Span<float> g = _gradient.AsSpan(r * Classes, Classes);
            float sum = 0;
            for (int j = 0; j < Classes; j++)
            {
                sum += (t[j] == 0 ? 0 : t[j] * MathF.Log(t[j])) - t[j] * x[j];
                g[j] = -t[j] * scale;
            }

            total += sum;
        }

        return total / Batch;
    }

    /// <summary>
    /// Per row: Log of the target, two Dots, the gradient as one Multiply. No 0·log 0 guard (it would take a pass of
    /// its own): none of these targets is 0.
    /// </summary>
    [Benchmark, BenchmarkCategory("KLDivergence")]
    public float KLDivergenceTensorPrimitivesPerRow()
    {
        float total = 0, scale = 1f / Batch;
        for (int r = 0; r < Batch; r++)
        {
            ReadOnlySpan<float> x = _logInput.AsSpan(r * Classes, Classes), t = _targetProbabilities.AsSpan(r * Classes, Classes);
            TensorPrimitives.Log(t, _scratch);
            total += TensorPrimitives.Dot(t, _scratch) - TensorPrimitives.Dot(t, x);
            TensorPrimitives.Multiply(t, -scale, _gradient.AsSpan(r * Classes, Classes));
        }

        return total / Batch;
    }

    [Benchmark, BenchmarkCategory("KLDivergence")]
    public float LossGenKLDivergence() => Losses.KLDivergenceWithGradient(_logInput, _targetProbabilities, _gradient, Classes);

    private float FusedDense<TVec, TW>()
        where TVec : struct
        where TW : IWidth<TVec>
    {
        float total = 0, scale = 1f / Batch;
        nuint w = (nuint)TW.Count, last = (nuint)Classes - w;
        TVec negativeScale = TW.Create(-scale);
        for (int r = 0; r < Batch; r++)
        {
            ref float z = ref Row(_logits, r), t = ref Row(_target, r), g = ref Row(_gradient, r);
            float max = TensorPrimitives.Max(_logits.AsSpan(r * Classes, Classes));
            TVec m = TW.Create(max), sum = TW.Create(0), dot = sum, mass = sum;
            nuint i = 0;
            for (; i < last; i += w)
            {
                TVec x = TW.Load(ref z, i), y = TW.Load(ref t, i), e = TW.Exp(TW.Subtract(x, m));
                TW.Store(e, ref g, i);
                sum = TW.Add(sum, e);
                dot = TW.MultiplyAdd(y, x, dot);
                mass = TW.Add(mass, y);
            }

            // The vector ending at the row's last column, not a scalar tail: its first i − last lanes are summed already.
            {
                TVec x = TW.Load(ref z, last), y = TW.ZeroFirst(TW.Load(ref t, last), (int)(i - last)), e = TW.Exp(TW.Subtract(x, m));
                TW.Store(e, ref g, last);
                sum = TW.Add(sum, TW.ZeroFirst(e, (int)(i - last)));
                dot = TW.MultiplyAdd(y, x, dot);
                mass = TW.Add(mass, y);
            }

            float sumE = TW.Sum(sum);
            total += (max + MathF.Log(sumE)) * TW.Sum(mass) - TW.Sum(dot);
            // In place, so the last vector (which the loop overlaps) is read before the loop and written after it.
            TVec f = TW.Create(scale / sumE), eLast = TW.Load(ref g, last), tLast = TW.Load(ref t, last);
            for (i = 0; i < last; i += w)
            {
                TW.Store(TW.MultiplyAdd(TW.Load(ref g, i), f, TW.Multiply(TW.Load(ref t, i), negativeScale)), ref g, i);
            }

            TW.Store(TW.MultiplyAdd(eLast, f, TW.Multiply(tLast, negativeScale)), ref g, last);
        }

        return total / Batch;
    }

    private float FusedSparse<TVec, TW>()
        where TVec : struct
        where TW : IWidth<TVec>
    {
        float total = 0, scale = 1f / Batch;
        nuint w = (nuint)TW.Count, last = (nuint)Classes - w;
        for (int r = 0; r < Batch; r++)
        {
            ref float z = ref Row(_logits, r), g = ref Row(_gradient, r);
            float max = TensorPrimitives.Max(_logits.AsSpan(r * Classes, Classes));
            TVec m = TW.Create(max), sum = TW.Create(0);
            nuint i = 0;
            for (; i < last; i += w)
            {
                TVec e = TW.Exp(TW.Subtract(TW.Load(ref z, i), m));
                TW.Store(e, ref g, i);
                sum = TW.Add(sum, e);
            }

            TVec edge = TW.Exp(TW.Subtract(TW.Load(ref z, last), m));
            TW.Store(edge, ref g, last);
            float sumE = TW.Sum(TW.Add(sum, TW.ZeroFirst(edge, (int)(i - last))));
            total += max + MathF.Log(sumE) - Unsafe.Add(ref z, _labels[r]);
            TVec f = TW.Create(scale / sumE), eLast = TW.Load(ref g, last);
            for (i = 0; i < last; i += w)
            {
                TW.Store(TW.Multiply(TW.Load(ref g, i), f), ref g, i);
            }

            TW.Store(TW.Multiply(eLast, f), ref g, last);
            Unsafe.Add(ref g, _labels[r]) -= scale;
        }

        return total / Batch;
    }

    private static ref float Row(float[] array, int r) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), r * Classes);
}
