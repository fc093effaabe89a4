using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LossGen.Kernels;

namespace LossGen;

/// <summary>How the CTC engine spreads samples over threads (internal: tests and benchmarks force a mode).</summary>
internal enum CtcParallelism
{
    /// <summary>Parallel over samples when the batch is large enough (see <see cref="CtcEngine.ParallelWorkThreshold"/>).</summary>
    Auto,
    /// <summary>Always on the calling thread (the zero-allocation path).</summary>
    Sequential,
    /// <summary>Always spread over the thread pool when there are at least two samples.</summary>
    Parallel,
}

/// <summary>What the <c>[T, N, C]</c> input holds.</summary>
internal enum CtcInputKind
{
    /// <summary>Log-probabilities (already log-softmaxed by the caller).</summary>
    LogProbs,
    /// <summary>Unnormalized logits; the engine applies log-softmax over the class axis.</summary>
    Logits,
}

/// <summary>The settings of one CTC call: what the input holds, the blank, the infinity rule, the reduction and the threading.</summary>
internal readonly record struct CtcSettings(CtcInputKind Kind, int Blank, bool ZeroInfinity, Reduction Reduction,
    CtcParallelism Parallelism = CtcParallelism.Auto);

/// <summary>
/// What one CTC call writes besides its reduced loss: the gradient, the per-sample losses, or nothing (<c>default</c>).
/// A flag beside each span, because an empty span is a valid output (a batch of none).
/// </summary>
internal readonly ref struct CtcOutputs<TS>
    where TS : unmanaged
{
    public CtcOutputs(Span<TS> gradient, bool wantsGradient, Span<TS> losses, bool wantsLosses)
    {
        Gradient = gradient;
        WantsGradient = wantsGradient;
        Losses = losses;
        WantsLosses = wantsLosses;
    }

    public Span<TS> Gradient { get; }
    public bool WantsGradient { get; }
    public Span<TS> Losses { get; }
    public bool WantsLosses { get; }
}

/// <summary>The <see cref="CtcOutputs{TS}"/> a call asks for.</summary>
internal static class CtcOutputs
{
    /// <summary>The gradient with respect to the input.</summary>
    public static CtcOutputs<TS> WithGradient<TS>(Span<TS> gradient) where TS : unmanaged => new(gradient, true, default, false);

    /// <summary>The per-sample losses.</summary>
    public static CtcOutputs<TS> PerSample<TS>(Span<TS> losses) where TS : unmanaged => new(default, false, losses, true);
}

/// <summary>Everything one call needs, as raw pointers into pinned or caller memory (valid for the call only).</summary>
internal unsafe struct CtcBatch
{
    public void* Input;          // [T, N, C] of the storage type
    public void* Gradient;       // [T, N, C] of the storage type, or null
    public int* Labels;
    public int* TargetOffsets;   // start of each sample's labels in Labels
    public int* InputLengths;
    public int* TargetLengths;
    public double* Losses;       // per-sample negative log-likelihood (zeroInfinity applied)
    public int Time;
    public int BatchSize;
    public int Classes;
    public int Blank;
    public bool ZeroInfinity;
    public bool Mean;            // gradient scale: 1 / (N * max(L, 1)) when true, 1 otherwise
    public CtcInputKind Kind;
}

/// <summary>Non-generic helpers and knobs of the CTC engine.</summary>
internal static class CtcEngine
{
    /// <summary>
    /// Parallel over samples when the total number of DP cells, sum over b of inputLength * (2 * targetLength + 1),
    /// reaches this (and there are at least two samples and two processors): a few hundred microseconds of
    /// sequential work, well above the cost of waking pool threads (tens of microseconds).
    /// </summary>
    public const long ParallelWorkThreshold = 16_384;

    public static bool UseParallel(CtcParallelism mode, int batchSize, long work) => mode switch
    {
        CtcParallelism.Sequential => false,
        CtcParallelism.Parallel => batchSize >= 2,
        _ => batchSize >= 2 && LossParallelism.Threads > 1 && work >= ParallelWorkThreshold,
    };
}

/// <summary>
/// The samples of one call as chunks of <see cref="ParallelChunks"/>: every sample writes only its own slots, so who
/// computes it is irrelevant to the result.
/// </summary>
internal struct CtcSamples<TS, TC>(CtcBatch batch) : IChunkJob
    where TS : unmanaged
    where TC : unmanaged, IBinaryFloatingPointIeee754<TC>
{
    private readonly CtcBatch _batch = batch;

    public readonly void Run(int chunk) => CtcEngine<TS, TC>.Sample(in _batch, chunk);
}

/// <summary>
/// The CTC forward/backward recursions for one sample, in log space, vectorized over the extended-label
/// axis with the <see cref="ISimd{TVec, T}"/> operations of the widest accelerated width. <typeparamref name="TS"/> is the storage type of inputs and
/// gradients (float, double or Half), <typeparamref name="TC"/> the compute type (float or double).
/// </summary>
internal static unsafe class CtcEngine<TS, TC>
    where TS : unmanaged
    where TC : unmanaged, IBinaryFloatingPointIeee754<TC>
{
    public static void RunBatch(in CtcBatch batch, bool parallel)
    {
        var samples = new CtcSamples<TS, TC>(batch);
        ParallelChunks.Run(ref samples, batch.BatchSize, parallel ? LossParallelism.Threads : 1);
    }

    /// <summary>
    /// Computes sample <paramref name="b"/> with the widest accelerated vectors <see cref="VectorPaths.MaxBits"/> allows, as
    /// every engine does. Every operation is lane-wise and
    /// padding lanes hold -inf, so the width changes the speed, never the bits.
    /// </summary>
    public static void Sample(in CtcBatch batch, int b)
    {
        if (Vector512.IsHardwareAccelerated && VectorPaths.MaxBits >= 512)
            Sample<Vector512<TC>, Simd512<TC>>(in batch, b);
        else if (Vector256.IsHardwareAccelerated && VectorPaths.MaxBits >= 256)
            Sample<Vector256<TC>, Simd256<TC>>(in batch, b);
        else
            Sample<Vector128<TC>, Simd128<TC>>(in batch, b);
    }

    /// <summary><c>dst[i] = exp(src[i] + add)</c> for arguments &lt;= 0 (see <c>ExpNonPositive</c>); the tail goes through a padded vector, so every element gets the same function.</summary>
    private static void ExpRow<TV, TL>(TC* src, TC add, TC* dst, int count)
        where TV : struct
        where TL : struct, ISimd<TV, TC>
    {
        int w = TL.Count, i = 0;
        var addV = TL.Create(add);
        for (; i <= count - w; i += w) TL.StoreUnsafe(ExpNonPositive<TV, TL>(TL.Add(TL.LoadUnsafe(ref src[i], 0), addV)), ref dst[i], 0);
        if (i < count)
        {
            TC* tmp = stackalloc TC[w];
            int rest = count - i;
            for (int j = 0; j < w; j++) tmp[j] = j < rest ? src[i + j] : TC.Zero;
            TL.StoreUnsafe(ExpNonPositive<TV, TL>(TL.Add(TL.LoadUnsafe(ref tmp[0], 0), addV)), ref tmp[0], 0);
            for (int j = 0; j < rest; j++) dst[i + j] = tmp[j];
        }
    }

    /// <summary>
    /// e^x for the x &lt;= 0 of the recursions (differences from a maximum, log-posteriors), with results below
    /// the smallest normal number (x &lt; -87 in float, -708 in double, -inf included) flushed to 0. Keeping the
    /// argument in range lets <see cref="ISimd{TVec, T}.Exp"/> take its one-multiply path on every vector: -inf
    /// lanes are everywhere here and would otherwise send each vector through the subnormal-aware scaling.
    /// Flushing changes nothing where it meets 1 + e^x, and moves a posterior by under 1e-38.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpNonPositive<TV, TL>(TV x)
        where TV : struct
        where TL : struct, ISimd<TV, TC>
    {
        var floor = TL.Constant(typeof(TC) == typeof(float) ? -87.0 : -708.0);
        return TL.Select(TL.LessThan(x, floor), TL.Constant(0.0), TL.Exp(TL.Max(x, floor)));
    }

    /// <summary>
    /// log(exp a + exp b + exp c), lane-wise, exactly -inf when all three are -inf (never NaN for inputs
    /// in [-inf, +inf)). Two exponentials: the largest term contributes exp(0) = 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV LogSumExp3<TV, TL>(TV a, TV b, TV c)
        where TV : struct
        where TL : struct, ISimd<TV, TC>
    {
        var hi = TL.Max(a, b);
        var lo = TL.Min(a, b);
        var max = TL.Max(hi, c);
        var mid = TL.Max(lo, TL.Min(hi, c));
        var min = TL.Min(lo, c);
        var negInf = TL.Create(TC.NegativeInfinity);
        var allNegInf = TL.Equals(max, negInf);
        // PyTorch's convention: when every term is -inf the shift is 0 (no -inf - -inf).
        var shift = TL.Select(allNegInf, TL.Create(TC.Zero), max);
        var sum = TL.Add(TL.Add(TL.Create(TC.One), ExpNonPositive<TV, TL>(TL.Subtract(mid, shift))), ExpNonPositive<TV, TL>(TL.Subtract(min, shift)));
        return TL.Select(allNegInf, negInf, TL.Add(TL.Log(sum), shift));
    }

    private static TC LogAddExp(TC a, TC b)
    {
        TC max = TC.Max(a, b);
        if (TC.IsNegativeInfinity(max)) return TC.NegativeInfinity;
        return max + TC.Log(TC.Exp(a - max) + TC.Exp(b - max));
    }

    /// <summary>Computes sample <paramref name="b"/>: its loss into <c>batch.Losses[b]</c> and, when asked, its gradient rows.</summary>
    private static void Sample<TV, TL>(in CtcBatch batch, int b)
        where TV : struct
        where TL : struct, ISimd<TV, TC>
    {
        int n = batch.BatchSize, classes = batch.Classes, blank = batch.Blank, time = batch.Time;
        int inLen = batch.InputLengths[b];
        int tgtLen = batch.TargetLengths[b];
        int* labels = batch.Labels + batch.TargetOffsets[b];
        bool wantGrad = batch.Gradient != null;
        long rowStrideOut = (long)n * classes;

        if (inLen == 0)
        {
            // No frames: the empty alignment has probability 1 iff the target is empty (PyTorch's rule).
            double nll0 = tgtLen == 0 ? 0.0 : double.PositiveInfinity;
            batch.Losses[b] = batch.ZeroInfinity && double.IsPositiveInfinity(nll0) ? 0.0 : nll0;
            if (wantGrad) for (int t = 0; t < time; t++) ZeroOutRow(batch, t, b);
            return;
        }

        int s1 = 2 * tgtLen + 1;                 // extended-label count S'
        int w = TL.Count;
        int p = (s1 + w - 1) / w * w;            // padded to whole vectors
        int rowLen = p + 4;                      // 2 leading and 2 trailing -inf cells
        bool needLp = typeof(TS) != typeof(TC) || batch.Kind == CtcInputKind.Logits;

        long alphaRows = wantGrad ? inLen : 2;
        long emitRows = wantGrad ? inLen : 1;

        TC negInf = TC.NegativeInfinity;
        TC* skipF = Scratch<TC>.Pointer(ScratchSlot.CtcRows, 5L * rowLen + 2L * classes);
        TC* skipB = skipF + rowLen;
        TC* betaA = skipB + rowLen;
        TC* betaB = betaA + rowLen;
        TC* gamma = betaB + rowLen;
        TC* gradRow = gamma + rowLen;
        TC* scratch = gradRow + classes;
        int* ext = Scratch<int>.Pointer(ScratchSlot.CtcExtendedLabels, p);

        // Extended labels and skip masks (0 where the s-2 -> s transition is allowed, -inf elsewhere):
        // allowed into a label position whose label differs from the label two positions back.
        for (int s = 0; s < p; s++) ext[s] = (s & 1) == 1 && s < s1 ? labels[s >> 1] : blank;
        for (int s = 0; s < p; s++)
        {
            bool fwd = (s & 1) == 1 && s >= 2 && s < s1 && ext[s] != ext[s - 2];
            bool bwd = (s & 1) == 1 && s + 2 < s1 && ext[s] != ext[s + 2];
            skipF[s] = fwd ? TC.Zero : negInf;
            skipB[s] = bwd ? TC.Zero : negInf;
        }

        // Log-probability rows: straight from the input, or converted / log-softmaxed into the workspace.
        TC* lp;
        long lpStride;
        if (!needLp)
        {
            lp = (TC*)batch.Input + (long)b * classes;
            lpStride = rowStrideOut;
        }
        else
        {
            lp = Scratch<TC>.Pointer(ScratchSlot.CtcLogProbs, (long)inLen * classes);
            lpStride = classes;
            for (int t = 0; t < inLen; t++) LoadRow<TV, TL>(batch, t, b, lp + (long)t * classes, scratch);
        }

        // ---- forward: alpha_t[s] = lse(alpha_{t-1}[s], alpha_{t-1}[s-1], alpha_{t-1}[s-2] + skip[s]) + lp_t[l'_s]
        TC* alpha = Scratch<TC>.Pointer(ScratchSlot.CtcAlpha, alphaRows * rowLen);
        TC* emit = Scratch<TC>.Pointer(ScratchSlot.CtcEmit, emitRows * p);
        for (int t = 0; t < inLen; t++)
        {
            TC* row = alpha + (wantGrad ? t : t & 1) * (long)rowLen;
            TC* e = emit + (wantGrad ? t : 0) * (long)p;
            TC* lpRow = lp + t * lpStride;
            for (int s = 0; s < s1; s++) e[s] = lpRow[ext[s]];
            for (int s = s1; s < p; s++) e[s] = negInf;
            row[0] = negInf; row[1] = negInf; row[p + 2] = negInf; row[p + 3] = negInf;
            TC* cur = row + 2;
            if (t == 0)
            {
                cur[0] = e[0];
                for (int s = 1; s < p; s++) cur[s] = negInf;
                if (tgtLen > 0) cur[1] = e[1];
                continue;
            }
            TC* prev = alpha + (wantGrad ? t - 1 : (t - 1) & 1) * (long)rowLen + 2;
            // Only the live band matters: states reachable from the start (s <= 2t + 1) that can still reach the
            // end (s >= S' - 2 (T_b - t)). Live states only ever read live or exactly -inf states, so computing
            // whole vectors around the band and -inf outside it gives the same bits as computing everything.
            Band(t, inLen, s1, p, w, out int vlo, out int vhi);
            for (int s = 0; s < vlo; s++) cur[s] = negInf;
            for (int s = vhi; s < p; s++) cur[s] = negInf;
            for (int s = vlo; s < vhi; s += w)
            {
                var a0 = TL.LoadUnsafe(ref prev[s], 0);
                var a1 = TL.LoadUnsafe(ref prev[s - 1], 0);
                var a2 = TL.Add(TL.LoadUnsafe(ref prev[s - 2], 0), TL.LoadUnsafe(ref skipF[s], 0));
                TL.StoreUnsafe(TL.Add(LogSumExp3<TV, TL>(a0, a1, a2), TL.LoadUnsafe(ref e[s], 0)), ref cur[s], 0);
            }
        }

        TC* last = alpha + (wantGrad ? inLen - 1 : (inLen - 1) & 1) * (long)rowLen + 2;
        TC logLik = LogAddExp(last[s1 - 1], last[s1 - 2]);   // last[-1] is a -inf pad when S' = 1
        double nll = -double.CreateTruncating(logLik);
        bool impossible = double.IsPositiveInfinity(nll);
        batch.Losses[b] = impossible && batch.ZeroInfinity ? 0.0 : nll;
        if (!wantGrad) return;

        if (impossible)
        {
            // No alignment: the loss is +inf (or 0) whatever the inputs, so its gradient is written as 0.
            for (int t = 0; t < time; t++) ZeroOutRow(batch, t, b);
            return;
        }

        // ---- backward. beta'_t[s] = log-sum of the paths from (t, s) to the end, without lp_t[l'_s];
        // gamma_t[s] = exp(alpha_t[s] + beta'_t[s] - log p) is the posterior of being at s at time t.
        TC scale = batch.Mean ? TC.One / TC.CreateTruncating((double)n * Math.Max(tgtLen, 1)) : TC.One;
        var nllV = TL.Create(TC.CreateTruncating(nll));
        TC* next = betaA;   // beta_{t+1} (with emission)
        TC* other = betaB;
        next[0] = negInf; next[1] = negInf; next[p + 2] = negInf; next[p + 3] = negInf;
        other[0] = negInf; other[1] = negInf; other[p + 2] = negInf; other[p + 3] = negInf;
        {
            int t = inLen - 1;
            TC* a = alpha + (long)t * rowLen + 2;
            TC* e = emit + (long)t * p;
            TC* bp = other + 2;   // beta'_{T-1} in 'other' as scratch
            for (int s = 0; s < p; s++) bp[s] = negInf;
            bp[s1 - 1] = TC.Zero;
            if (tgtLen > 0) bp[s1 - 2] = TC.Zero;
            TC* nx = next + 2;
            int vlo = 0, vhi = p;
            for (int s = 0; s < p; s += w)
            {
                var bv = TL.LoadUnsafe(ref bp[s], 0);
                TL.StoreUnsafe(ExpNonPositive<TV, TL>(TL.Add(TL.Add(TL.LoadUnsafe(ref a[s], 0), bv), nllV)), ref gamma[s], 0);
                TL.StoreUnsafe(TL.Add(bv, TL.LoadUnsafe(ref e[s], 0)), ref nx[s], 0);
            }
            StoreGradRow<TV, TL>(batch, t, b, ext, gamma, vlo, Math.Min(vhi, s1), gradRow, scratch, scale, lp + t * lpStride);
        }
        for (int t = inLen - 2; t >= 0; t--)
        {
            TC* a = alpha + (long)t * rowLen + 2;
            TC* e = emit + (long)t * p;
            TC* nx = next + 2;
            TC* cur = other + 2;
            Band(t, inLen, s1, p, w, out int vlo, out int vhi);
            for (int s = 0; s < vlo; s++) cur[s] = negInf;
            for (int s = vhi; s < p; s++) cur[s] = negInf;
            for (int s = vlo; s < vhi; s += w)
            {
                var b0 = TL.LoadUnsafe(ref nx[s], 0);
                var b1 = TL.LoadUnsafe(ref nx[s + 1], 0);
                var b2 = TL.Add(TL.LoadUnsafe(ref nx[s + 2], 0), TL.LoadUnsafe(ref skipB[s], 0));
                var bp = LogSumExp3<TV, TL>(b0, b1, b2);
                TL.StoreUnsafe(ExpNonPositive<TV, TL>(TL.Add(TL.Add(TL.LoadUnsafe(ref a[s], 0), bp), nllV)), ref gamma[s], 0);
                TL.StoreUnsafe(TL.Add(bp, TL.LoadUnsafe(ref e[s], 0)), ref cur[s], 0);
            }
            TC* swap = next; next = other; other = swap;
            StoreGradRow<TV, TL>(batch, t, b, ext, gamma, vlo, Math.Min(vhi, s1), gradRow, scratch, scale, lp + t * lpStride);
        }
        for (int t = inLen; t < time; t++) ZeroOutRow(batch, t, b);
    }

    /// <summary>
    /// The whole vectors [vlo, vhi) covering the live states of frame t: reachable from the start
    /// (s &lt;= 2t + 1) and able to reach the end (s &gt;= S' - 2 (T_b - t)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Band(int t, int inLen, int s1, int p, int w, out int vlo, out int vhi)
    {
        int lo = Math.Max(0, s1 - 2 * (inLen - t));
        int hi = Math.Min(s1 - 1, 2 * t + 1);
        vlo = lo / w * w;
        vhi = Math.Min(p, (hi + w) / w * w);
        if (vhi < vlo) vhi = vlo;
    }

    /// <summary>Reads input row (t, b) into <paramref name="dst"/> as log-probabilities in the compute type.</summary>
    private static void LoadRow<TV, TL>(in CtcBatch batch, int t, int b, TC* dst, TC* scratch)
        where TV : struct
        where TL : struct, ISimd<TV, TC>
    {
        int classes = batch.Classes;
        long offset = ((long)t * batch.BatchSize + b) * classes;
        var d = new Span<TC>(dst, classes);
        if (typeof(TS) == typeof(Half))
        {
            var src = new ReadOnlySpan<Half>((Half*)batch.Input + offset, classes);
            TensorPrimitives.ConvertToSingle(src, MemoryMarshal.Cast<TC, float>(d));
        }
        else
        {
            new ReadOnlySpan<TC>((TC*)batch.Input + offset, classes).CopyTo(d);
        }
        if (batch.Kind == CtcInputKind.Logits)
        {
            // log_softmax: x - (max + log sum exp(x - max))
            TC max = TensorPrimitives.Max<TC>(d);
            ExpRow<TV, TL>(dst, -max, scratch, classes);
            TC lse = max + TC.Log(SumInOrder(new ReadOnlySpan<TC>(scratch, classes)));
            TensorPrimitives.Subtract<TC>(d, lse, d);
        }
    }

    /// <summary>
    /// Left-to-right sum. TensorPrimitives.Sum's order depends on the buffer's alignment, which differs
    /// between the per-thread workspaces, so it would make results depend on the thread.
    /// </summary>
    private static TC SumInOrder(ReadOnlySpan<TC> values)
    {
        TC sum = TC.Zero;
        foreach (TC v in values) sum += v;
        return sum;
    }

    private static void ZeroOutRow(in CtcBatch batch, int t, int b)
    {
        int classes = batch.Classes;
        long offset = ((long)t * batch.BatchSize + b) * classes;
        new Span<TS>((TS*)batch.Gradient + offset, classes).Clear();
    }

    /// <summary>
    /// Collects the posteriors of row t per class (g_c = -sum over s with l'_s = c of gamma[s], the true
    /// derivative of -log p with respect to lp[t, c]), then writes the scaled row in the wanted form.
    /// </summary>
    private static void StoreGradRow<TV, TL>(in CtcBatch batch, int t, int b, int* ext, TC* gamma, int sFrom, int sTo, TC* gradRow,
        TC* scratch, TC scale, TC* lpRow)
        where TV : struct
        where TL : struct, ISimd<TV, TC>
    {
        int classes = batch.Classes;
        new Span<TC>(gradRow, classes).Clear();
        for (int s = sFrom; s < sTo; s++) gradRow[ext[s]] -= gamma[s];

        var g = new Span<TC>(gradRow, classes);
        if (batch.Kind == CtcInputKind.Logits)
        {
            // Through log-softmax: dL/dz_c = g_c - softmax_c * sum_k g_k (plain multiplies and adds, no FMA).
            TC sum = SumInOrder(g);
            ExpRow<TV, TL>(lpRow, TC.Zero, scratch, classes);
            for (int c = 0; c < classes; c++) gradRow[c] = (gradRow[c] - scratch[c] * sum) * scale;
        }
        else
        {
            for (int c = 0; c < classes; c++) gradRow[c] *= scale;
        }

        long offset = ((long)t * batch.BatchSize + b) * classes;
        if (typeof(TS) == typeof(Half))
            TensorPrimitives.ConvertToHalf(MemoryMarshal.Cast<TC, float>(g), new Span<Half>((Half*)batch.Gradient + offset, classes));
        else
            g.CopyTo(new Span<TC>((TC*)batch.Gradient + offset, classes));
    }
}
