using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace LossGen;

public static partial class Losses
{
    // ------------------------------------------------------------------ double

    /// <summary>
    /// Connectionist Temporal Classification loss (Graves et al., 2006) of a batch of log-probability
    /// sequences against label sequences, reduced to one number.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Formula.</b> For sample <c>b</c> with input length <c>T_b</c> and target <c>y</c> of length <c>L</c>, the
    /// extended target is <c>l' = (blank, y_1, blank, y_2, ..., y_L, blank)</c> of length <c>2L + 1</c>. An alignment is
    /// a path <c>pi</c> of length <c>T_b</c> over the classes that collapses to <c>y</c> (merge repeats, then drop blanks);
    /// the loss is <c>-log sum_pi prod_t exp(logProbs[t, b, pi_t])</c>. It is computed with the log-space
    /// alpha recursion <c>alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) if l'_s != blank
    /// and l'_s != l'_{s-2}) + logProbs[t, b, l'_s]</c>, so equal neighbouring labels ("aa") need a blank between
    /// them and therefore at least <c>L + (number of equal neighbours)</c> frames. When every term of a
    /// logsumexp is -inf the shift is taken as 0 and the result is -inf (never NaN).
    /// </para>
    /// <para>
    /// <b>Layout.</b> <paramref name="logProbs"/> is row-major <c>[T, N, C]</c> (time, batch, classes), as PyTorch's
    /// <c>F.ctc_loss</c> takes it; <c>T = logProbs.Length / (batchSize * classCount)</c> must be a whole number. The
    /// values should be log-softmax outputs (each row's exponentials summing to 1), but this is not checked: the
    /// loss is the formula above for whatever is passed (entries may be -inf). Frames <c>t &gt;= inputLengths[b]</c> are
    /// ignored. The layout of the targets is stated by <see cref="CtcTargets"/>.
    /// </para>
    /// <para>
    /// <b>Special cases.</b> An empty target gives <c>-sum_t logProbs[t, b, blank]</c>; <c>inputLengths[b] = 0</c> gives
    /// 0 for an empty target and an impossible sample otherwise. A sample with no valid alignment (for example
    /// "aa" in 2 frames, or labels whose log-probability is -inf) is <b>impossible</b>: its loss is <c>+inf</c>, and
    /// so is a reduced loss containing it, unless <paramref name="zeroInfinity"/> is set, which makes its loss 0.
    /// A target longer than its input (<c>targetLengths[b] &gt; inputLengths[b]</c>) is rejected with an
    /// <see cref="ArgumentException"/> unless <paramref name="zeroInfinity"/> is set, in which case that sample's
    /// loss is 0. A NaN in the frames a sample uses makes its loss and gradient NaN, and so the reduced loss (as in
    /// PyTorch); +∞ is no log-probability and does the same. The values are not checked: a bad number comes out as NaN,
    /// never as a plausible loss.
    /// </para>
    /// <para>
    /// <b>Reduction</b> (PyTorch's meaning). <see cref="Reduction.Mean"/>: the mean over samples of
    /// <c>loss_b / max(targetLengths[b], 1)</c> (PyTorch clamps the divisor the same way); <see cref="Reduction.Sum"/>:
    /// the sum of the per-sample losses. Both are accumulated in <see cref="double"/>, in sample order, so the
    /// result does not depend on the number of threads. For per-sample values use
    /// <see cref="CtcElementwise(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, Span{double}, int, bool)"/>.
    /// An empty batch gives NaN for Mean and 0 for Sum.
    /// </para>
    /// <para>
    /// <b>PyTorch and Keras.</b> Equals <c>F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
    /// reduction, zero_infinity)</c> with <c>log_probs</c> of shape <c>[T, N, C]</c>, except that PyTorch returns +inf
    /// (or 0) for a target longer than its input where this method throws without <paramref name="zeroInfinity"/>.
    /// Keras' <c>ctc_batch_cost(y_true, y_pred, input_length, label_length)</c> takes batch-major softmax
    /// <b>probabilities</b> (not logs), uses the <b>last</b> class as blank and returns per-sample losses: it matches
    /// <see cref="CtcElementwise(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, Span{double}, int, bool)"/>
    /// on <c>log</c> of the transposed input with <c>blank = C - 1</c> and padded targets, up to the small epsilon
    /// Keras adds before taking logs.
    /// </para>
    /// <para>
    /// <b>Cost and determinism.</b> The recursions run in log space, vectorized over the extended-label axis
    /// (the widest accelerated of 512, 256 and 128 bits) and restricted to the states that can still lie on a
    /// complete alignment; their exp and log are the same lane-wise polynomials the generated kernels use, so the result depends
    /// neither on the vector width nor on the JIT tier. Samples are computed in parallel when the batch is large
    /// (sum of <c>inputLengths[b] * (2 * targetLengths[b] + 1)</c> of at least 16384 with two or more samples and
    /// processors); each sample's result goes to its own slot and the reduction adds them in sample order, so
    /// results are bit-identical for any thread count. Repeated calls of a given size allocate nothing, sequential
    /// or parallel: workspaces are pinned per-thread arrays that grow and are kept (with a gradient, about
    /// <c>2 * sizeof(T) * T * (2S + 5)</c> bytes for the longest sample), and the parallel path queues one reusable
    /// work item per helper thread. All methods are thread-safe.
    /// </para>
    /// </remarks>
    /// <param name="logProbs">Log-probabilities, row-major <c>[T, N, C]</c>.</param>
    /// <param name="batchSize">N, the number of samples.</param>
    /// <param name="classCount">C, the number of classes including the blank.</param>
    /// <param name="targets">The label sequences and their layout (concatenated or padded <c>[N, S]</c>).</param>
    /// <param name="inputLengths">Frames used by each sample, each in <c>[0, T]</c>; length N.</param>
    /// <param name="targetLengths">Labels of each sample, each at least 0; length N.</param>
    /// <param name="blank">The blank class, in <c>[0, C)</c>; labels must differ from it.</param>
    /// <param name="zeroInfinity">Zero the loss (and the gradient) of impossible samples instead of +inf, and accept targets longer than their input.</param>
    /// <param name="reduction">How per-sample losses are combined.</param>
    /// <returns>The reduced loss; +inf when a sample is impossible and <paramref name="zeroInfinity"/> is false.</returns>
    /// <exception cref="ArgumentException">
    /// A shape or span length does not match (<paramref name="logProbs"/> not a whole number of <c>N * C</c> rows,
    /// lengths spans not of length N, targets not holding the number of labels the layout requires), or a
    /// target is longer than its input without <paramref name="zeroInfinity"/>. Thrown before anything is written.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="batchSize"/> negative, <paramref name="classCount"/> below 1, <paramref name="blank"/> outside
    /// <c>[0, C)</c>, an input length outside <c>[0, T]</c>, a target length negative or above the padded width, or a
    /// label outside <c>[0, C)</c> or equal to the blank (the message names the sample, the position and the value).
    /// </exception>
    public static double Ctc(ReadOnlySpan<double> logProbs, [NonNegative] int batchSize, [Positive] int classCount, CtcTargets targets,
        ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targetLengths,
        [NonNegative] int blank = 0, bool zeroInfinity = false, Reduction reduction = Reduction.Mean)
        => CtcCore<double, double>(logProbs, batchSize, classCount, targets, inputLengths, targetLengths,
            default, new CtcSettings(CtcInputKind.LogProbs, blank, zeroInfinity, reduction));

    /// <summary>
    /// Per-sample CTC losses (PyTorch's <c>reduction='none'</c>, Keras' <c>ctc_batch_cost</c>):
    /// <c>losses[b] = -log p(target_b | logProbs[:, b, :])</c>.
    /// </summary>
    /// <remarks>
    /// The conventions are those of
    /// <see cref="Ctc(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, int, bool, Reduction)"/>:
    /// impossible samples are +inf, or 0 with <paramref name="zeroInfinity"/>; values are not divided by the target length.
    /// </remarks>
    /// <param name="logProbs">Log-probabilities, row-major <c>[T, N, C]</c>.</param>
    /// <param name="batchSize">N, the number of samples.</param>
    /// <param name="classCount">C, the number of classes including the blank.</param>
    /// <param name="targets">The label sequences and their layout.</param>
    /// <param name="inputLengths">Frames used by each sample, each in <c>[0, T]</c>; length N.</param>
    /// <param name="targetLengths">Labels of each sample; length N.</param>
    /// <param name="losses">Receives the N per-sample losses; length N.</param>
    /// <param name="blank">The blank class, in <c>[0, C)</c>.</param>
    /// <param name="zeroInfinity">Write 0 instead of +inf for impossible samples, and accept targets longer than their input.</param>
    /// <exception cref="ArgumentException">As for <c>Ctc</c>, or <paramref name="losses"/> not of length N; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <c>Ctc</c>; nothing is written.</exception>
    public static void CtcElementwise(ReadOnlySpan<double> logProbs, [NonNegative] int batchSize, [Positive] int classCount, CtcTargets targets,
        ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targetLengths, Span<double> losses,
        [NonNegative] int blank = 0, bool zeroInfinity = false)
        => CtcCore<double, double>(logProbs, batchSize, classCount, targets, inputLengths, targetLengths,
            CtcOutputs.PerSample(losses), new CtcSettings(CtcInputKind.LogProbs, blank, zeroInfinity, Reduction.Sum));

    /// <summary>
    /// The reduced CTC loss and its gradient with respect to the log-probabilities: the <b>true partial
    /// derivative</b> <c>d loss / d logProbs[t, b, c]</c>, treating every entry as an independent variable.
    /// </summary>
    /// <remarks>
    /// <para>
    /// For a sample with likelihood <c>p</c>, <c>d(-log p) / d logProbs[t, b, c] = -sum over s with l'_s = c of
    /// exp(alpha_t(s) + beta_t(s) - logProbs[t, b, c] - log p)</c>, minus the posterior probability that an
    /// alignment emits class c at frame t. Each row's entries sum to -1 over c (for <c>t &lt; inputLengths[b]</c>).
    /// It is then multiplied by the reduction's factor: <c>1 / (N * max(targetLengths[b], 1))</c> for Mean, 1 for Sum.
    /// Finite differences on <paramref name="logProbs"/> agree with it.
    /// </para>
    /// <para>
    /// <b>Difference from PyTorch.</b> PyTorch's CTC backward kernel returns
    /// <c>exp(logProbs) - exp(log_alpha_beta - logProbs + nll)</c>, which is this gradient plus <c>exp(logProbs)</c>:
    /// it folds in the log-softmax Jacobian and is only correct after autograd's log_softmax backward (which
    /// subtracts <c>softmax * rowsum</c>) when the inputs are log-softmax outputs. This method returns the plain
    /// partial derivative instead; for the fused log-softmax form use
    /// <see cref="CtcFromLogitsWithGradient(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, Span{double}, int, bool, Reduction)"/>.
    /// </para>
    /// <para>
    /// <paramref name="gradient"/> is written completely: rows <c>t &gt;= inputLengths[b]</c> are 0, and so is every row
    /// of an impossible sample, with or without <paramref name="zeroInfinity"/> (PyTorch produces NaN there without
    /// <c>zero_infinity</c>; here the returned loss is +inf and the gradient stays finite).
    /// Other conventions as in
    /// <see cref="Ctc(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, int, bool, Reduction)"/>.
    /// </para>
    /// </remarks>
    /// <param name="logProbs">Log-probabilities, row-major <c>[T, N, C]</c>.</param>
    /// <param name="batchSize">N, the number of samples.</param>
    /// <param name="classCount">C, the number of classes including the blank.</param>
    /// <param name="targets">The label sequences and their layout.</param>
    /// <param name="inputLengths">Frames used by each sample, each in <c>[0, T]</c>; length N.</param>
    /// <param name="targetLengths">Labels of each sample; length N.</param>
    /// <param name="gradient">Receives <c>d loss / d logProbs</c>, <c>[T, N, C]</c>; same length as <paramref name="logProbs"/>, in a buffer of its own (an overlap throws).</param>
    /// <param name="blank">The blank class, in <c>[0, C)</c>.</param>
    /// <param name="zeroInfinity">Zero the loss of impossible samples, and accept targets longer than their input.</param>
    /// <param name="reduction">How per-sample losses are combined (and so how the gradient is scaled).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">As for <c>Ctc</c>, or <paramref name="gradient"/> of the wrong length; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <c>Ctc</c>; nothing is written.</exception>
    public static double CtcWithGradient(ReadOnlySpan<double> logProbs, [NonNegative] int batchSize, [Positive] int classCount, CtcTargets targets,
        ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targetLengths, Span<double> gradient,
        [NonNegative] int blank = 0, bool zeroInfinity = false, Reduction reduction = Reduction.Mean)
        => CtcCore<double, double>(logProbs, batchSize, classCount, targets, inputLengths, targetLengths,
            CtcOutputs.WithGradient(gradient), new CtcSettings(CtcInputKind.LogProbs, blank, zeroInfinity, reduction));

    /// <summary>
    /// The reduced CTC loss of <c>log_softmax(logits)</c> (over the class axis) and its gradient with respect to
    /// the unnormalized <paramref name="logits"/>: the fused form a training loop uses.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The loss is that of
    /// <see cref="Ctc(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, int, bool, Reduction)"/>
    /// on <c>logProbs = logits - logsumexp_c(logits)</c>, computed per frame. The gradient is the chain rule through
    /// log-softmax: <c>d loss / d logits[t, b, c] = scale * (softmax[t, b, c] - posterior[t, b, c])</c>, where the
    /// posterior is the probability that an alignment emits c at frame t and <c>scale</c> is the reduction's factor,
    /// so finite differences on <paramref name="logits"/> agree with it. This is the value PyTorch's
    /// <c>F.ctc_loss(F.log_softmax(logits, -1), ...)</c> gives <c>logits.grad</c> (the CTC backward's
    /// <c>exp(lp) - exp(...)</c> term, after log_softmax's backward).
    /// </para>
    /// <para>
    /// Rows <c>t &gt;= inputLengths[b]</c> and all rows of impossible samples get 0 (see
    /// <see cref="CtcWithGradient(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, Span{double}, int, bool, Reduction)"/>).
    /// A row of logits that is entirely -inf has no softmax and gives NaN.
    /// </para>
    /// </remarks>
    /// <param name="logits">Unnormalized scores, row-major <c>[T, N, C]</c>.</param>
    /// <param name="batchSize">N, the number of samples.</param>
    /// <param name="classCount">C, the number of classes including the blank.</param>
    /// <param name="targets">The label sequences and their layout.</param>
    /// <param name="inputLengths">Frames used by each sample, each in <c>[0, T]</c>; length N.</param>
    /// <param name="targetLengths">Labels of each sample; length N.</param>
    /// <param name="gradient">Receives <c>d loss / d logits</c>, <c>[T, N, C]</c>; same length as <paramref name="logits"/>, in a buffer of its own (an overlap throws).</param>
    /// <param name="blank">The blank class, in <c>[0, C)</c>.</param>
    /// <param name="zeroInfinity">Zero the loss of impossible samples, and accept targets longer than their input.</param>
    /// <param name="reduction">How per-sample losses are combined (and so how the gradient is scaled).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">As for <c>Ctc</c>, or <paramref name="gradient"/> of the wrong length; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <c>Ctc</c>; nothing is written.</exception>
    public static double CtcFromLogitsWithGradient(ReadOnlySpan<double> logits, [NonNegative] int batchSize, [Positive] int classCount, CtcTargets targets,
        ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targetLengths, Span<double> gradient,
        [NonNegative] int blank = 0, bool zeroInfinity = false, Reduction reduction = Reduction.Mean)
        => CtcCore<double, double>(logits, batchSize, classCount, targets, inputLengths, targetLengths,
            CtcOutputs.WithGradient(gradient), new CtcSettings(CtcInputKind.Logits, blank, zeroInfinity, reduction));

    // ------------------------------------------------------------------ float

    /// <inheritdoc cref="Ctc(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, int, bool, Reduction)"/>
    /// <summary>CTC loss, single precision: the recursions run in <see cref="float"/>, the reduction in <see cref="double"/>, rounded once.</summary>
    public static float Ctc(ReadOnlySpan<float> logProbs, [NonNegative] int batchSize, [Positive] int classCount, CtcTargets targets,
        ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targetLengths,
        [NonNegative] int blank = 0, bool zeroInfinity = false, Reduction reduction = Reduction.Mean)
        => (float)CtcCore<float, float>(logProbs, batchSize, classCount, targets, inputLengths, targetLengths,
            default, new CtcSettings(CtcInputKind.LogProbs, blank, zeroInfinity, reduction));

    /// <inheritdoc cref="CtcElementwise(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, Span{double}, int, bool)"/>
    /// <summary>Per-sample CTC losses, single precision.</summary>
    public static void CtcElementwise(ReadOnlySpan<float> logProbs, [NonNegative] int batchSize, [Positive] int classCount, CtcTargets targets,
        ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targetLengths, Span<float> losses,
        [NonNegative] int blank = 0, bool zeroInfinity = false)
        => CtcCore<float, float>(logProbs, batchSize, classCount, targets, inputLengths, targetLengths,
            CtcOutputs.PerSample(losses), new CtcSettings(CtcInputKind.LogProbs, blank, zeroInfinity, Reduction.Sum));

    /// <inheritdoc cref="CtcWithGradient(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, Span{double}, int, bool, Reduction)"/>
    /// <summary>CTC loss and its true gradient with respect to the log-probabilities, single precision.</summary>
    public static float CtcWithGradient(ReadOnlySpan<float> logProbs, [NonNegative] int batchSize, [Positive] int classCount, CtcTargets targets,
        ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targetLengths, Span<float> gradient,
        [NonNegative] int blank = 0, bool zeroInfinity = false, Reduction reduction = Reduction.Mean)
        => (float)CtcCore<float, float>(logProbs, batchSize, classCount, targets, inputLengths, targetLengths,
            CtcOutputs.WithGradient(gradient), new CtcSettings(CtcInputKind.LogProbs, blank, zeroInfinity, reduction));

    /// <inheritdoc cref="CtcFromLogitsWithGradient(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, Span{double}, int, bool, Reduction)"/>
    /// <summary>CTC loss of <c>log_softmax(logits)</c> and its gradient with respect to the logits, single precision.</summary>
    public static float CtcFromLogitsWithGradient(ReadOnlySpan<float> logits, [NonNegative] int batchSize, [Positive] int classCount, CtcTargets targets,
        ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targetLengths, Span<float> gradient,
        [NonNegative] int blank = 0, bool zeroInfinity = false, Reduction reduction = Reduction.Mean)
        => (float)CtcCore<float, float>(logits, batchSize, classCount, targets, inputLengths, targetLengths,
            CtcOutputs.WithGradient(gradient), new CtcSettings(CtcInputKind.Logits, blank, zeroInfinity, reduction));

    // ------------------------------------------------------------------ Half

    /// <inheritdoc cref="Ctc(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, int, bool, Reduction)"/>
    /// <summary>
    /// CTC loss, half precision: each sample's rows are converted to <see cref="float"/>, the recursions run in
    /// float, and the reduced value is the float overload's, rounded to <see cref="Half"/> as every Half result is (a loss
    /// above 65504 becomes +inf: use the float overload for large sums).
    /// </summary>
    public static Half Ctc(ReadOnlySpan<Half> logProbs, [NonNegative] int batchSize, [Positive] int classCount, CtcTargets targets,
        ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targetLengths,
        [NonNegative] int blank = 0, bool zeroInfinity = false, Reduction reduction = Reduction.Mean)
        => SpanPieces.Round<Half>(CtcCore<Half, float>(logProbs, batchSize, classCount, targets, inputLengths, targetLengths,
            default, new CtcSettings(CtcInputKind.LogProbs, blank, zeroInfinity, reduction)));

    /// <inheritdoc cref="CtcElementwise(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, Span{double}, int, bool)"/>
    /// <summary>Per-sample CTC losses, half precision (computed in float, each then rounded to Half).</summary>
    public static void CtcElementwise(ReadOnlySpan<Half> logProbs, [NonNegative] int batchSize, [Positive] int classCount, CtcTargets targets,
        ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targetLengths, Span<Half> losses,
        [NonNegative] int blank = 0, bool zeroInfinity = false)
        => CtcCore<Half, float>(logProbs, batchSize, classCount, targets, inputLengths, targetLengths,
            CtcOutputs.PerSample(losses), new CtcSettings(CtcInputKind.LogProbs, blank, zeroInfinity, Reduction.Sum));

    /// <inheritdoc cref="CtcWithGradient(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, Span{double}, int, bool, Reduction)"/>
    /// <summary>CTC loss and its true gradient with respect to the log-probabilities, half precision (computed in float, then rounded to Half).</summary>
    public static Half CtcWithGradient(ReadOnlySpan<Half> logProbs, [NonNegative] int batchSize, [Positive] int classCount, CtcTargets targets,
        ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targetLengths, Span<Half> gradient,
        [NonNegative] int blank = 0, bool zeroInfinity = false, Reduction reduction = Reduction.Mean)
        => SpanPieces.Round<Half>(CtcCore<Half, float>(logProbs, batchSize, classCount, targets, inputLengths, targetLengths,
            CtcOutputs.WithGradient(gradient), new CtcSettings(CtcInputKind.LogProbs, blank, zeroInfinity, reduction)));

    /// <inheritdoc cref="CtcFromLogitsWithGradient(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, Span{double}, int, bool, Reduction)"/>
    /// <summary>CTC loss of <c>log_softmax(logits)</c> and its gradient with respect to the logits, half precision (computed in float, then rounded to Half).</summary>
    public static Half CtcFromLogitsWithGradient(ReadOnlySpan<Half> logits, [NonNegative] int batchSize, [Positive] int classCount, CtcTargets targets,
        ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targetLengths, Span<Half> gradient,
        [NonNegative] int blank = 0, bool zeroInfinity = false, Reduction reduction = Reduction.Mean)
        => SpanPieces.Round<Half>(CtcCore<Half, float>(logits, batchSize, classCount, targets, inputLengths, targetLengths,
            CtcOutputs.WithGradient(gradient), new CtcSettings(CtcInputKind.Logits, blank, zeroInfinity, reduction)));

    // ------------------------------------------------------------------ engine entry

    /// <summary>
    /// Validates everything, then runs the recursions and reduces. <typeparamref name="TS"/> is the storage
    /// type, <typeparamref name="TC"/> the compute type. Returns the reduced loss (in double); writes the per-sample
    /// losses or the gradient when <paramref name="outputs"/> asks.
    /// </summary>
    internal static unsafe double CtcCore<TS, TC>(ReadOnlySpan<TS> input, int batchSize, int classCount, CtcTargets targets,
        ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targetLengths, CtcOutputs<TS> outputs, CtcSettings settings)
        where TS : unmanaged
        where TC : unmanaged, IBinaryFloatingPointIeee754<TC>
    {
        (CtcInputKind kind, int blank, bool zeroInfinity, Reduction reduction, CtcParallelism parallelism) = settings;
        Span<TS> gradient = outputs.Gradient, elementwise = outputs.Losses;
        bool wantGradient = outputs.WantsGradient, wantElementwise = outputs.WantsLosses;
        string inputName = kind == CtcInputKind.Logits ? "logits" : "logProbs";
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if ((uint)blank >= (uint)classCount)
            throw new ArgumentOutOfRangeException(nameof(blank), blank, $"The blank index must be in [0, {classCount}) (classCount = {classCount}).");
        if (reduction != Reduction.Mean && reduction != Reduction.Sum)
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Unknown reduction.");

        long rowWidth = (long)batchSize * classCount;
        int time;
        if (rowWidth == 0)
        {
            if (input.Length != 0)
                throw new ArgumentException($"With batchSize = 0 the input must be empty, but it has {input.Length} elements.", inputName);
            time = 0;
        }
        else
        {
            if (input.Length % rowWidth != 0)
                throw new ArgumentException(
                    $"The input length {input.Length} is not a multiple of batchSize * classCount = {rowWidth}: it must be [T, N, C].", inputName);
            time = (int)(input.Length / rowWidth);
        }
        if (inputLengths.Length != batchSize)
            throw new ArgumentException($"inputLengths has {inputLengths.Length} entries; batchSize is {batchSize}.", nameof(inputLengths));
        if (targetLengths.Length != batchSize)
            throw new ArgumentException($"targetLengths has {targetLengths.Length} entries; batchSize is {batchSize}.", nameof(targetLengths));
        if (wantGradient && gradient.Length != input.Length)
            throw new ArgumentException($"gradient has {gradient.Length} elements; the input has {input.Length}.", nameof(gradient));
        // The recursions read a sample's input while its gradient rows are written, and nothing keeps the two apart:
        // in place, the result would depend on that order. The gradient needs a buffer of its own.
        if (wantGradient && input.Overlaps(gradient))
            throw new ArgumentException("gradient overlaps the input; CTC reads the input while it writes the gradient, so the gradient needs a buffer of its own.", nameof(gradient));
        if (wantElementwise && elementwise.Length != batchSize)
            throw new ArgumentException($"losses has {elementwise.Length} entries; batchSize is {batchSize}.", "losses");

        ReadOnlySpan<int> labels = targets.Labels;
        int width = targets.MaxTargetLength;
        if (targets.IsPadded && (long)batchSize * width != labels.Length)
            throw new ArgumentException(
                $"Padded targets hold {labels.Length} labels; batchSize * maxTargetLength = {batchSize} * {width} = {(long)batchSize * width}.", nameof(targets));

        int[] offsets = Kernels.Scratch<int>.Rent(Kernels.ScratchSlot.CtcOffsets, batchSize);
        long offset = 0, work = 0;
        for (int b = 0; b < batchSize; b++)
        {
            int inLen = inputLengths[b], tgtLen = targetLengths[b];
            if ((uint)inLen > (uint)time)
                throw new ArgumentOutOfRangeException(nameof(inputLengths), inLen, $"inputLengths[{b}] = {inLen} is outside [0, T = {time}].");
            if (tgtLen < 0)
                throw new ArgumentOutOfRangeException(nameof(targetLengths), tgtLen, $"targetLengths[{b}] = {tgtLen} is negative.");
            if (targets.IsPadded)
            {
                if (tgtLen > width)
                    throw new ArgumentOutOfRangeException(nameof(targetLengths), tgtLen,
                        $"targetLengths[{b}] = {tgtLen} exceeds the padded width maxTargetLength = {width}.");
                offset = (long)b * width;
            }
            else if (offset + tgtLen > labels.Length)
            {
                throw new ArgumentException(
                    $"Concatenated targets hold {labels.Length} labels, fewer than the target lengths need (sample {b} ends at {offset + tgtLen}).", nameof(targets));
            }
            if (tgtLen > inLen && !zeroInfinity)
                throw new ArgumentException(
                    $"Sample {b}: target length {tgtLen} exceeds input length {inLen}, so no alignment exists; pass zeroInfinity: true to give such samples a zero loss.",
                    nameof(targetLengths));
            offsets[b] = (int)offset;
            ReadOnlySpan<int> sampleLabels = labels.Slice((int)offset, tgtLen);
            for (int k = 0; k < sampleLabels.Length; k++)
            {
                int label = sampleLabels[k];
                if ((uint)label >= (uint)classCount || label == blank)
                    throw new ArgumentOutOfRangeException(nameof(targets), label,
                        $"Sample {b}, label {k} is {label}; labels must be in [0, {classCount}) and differ from the blank ({blank}).");
            }
            if (!targets.IsPadded) offset += tgtLen;
            work += (long)inLen * (2L * tgtLen + 1);
        }
        if (!targets.IsPadded && offset != labels.Length)
            throw new ArgumentException(
                $"Concatenated targets hold {labels.Length} labels but the target lengths sum to {offset}.", nameof(targets));

        // ---- validated: compute.
        double[] losses = Kernels.Scratch<double>.Rent(Kernels.ScratchSlot.CtcLosses, batchSize);
        fixed (TS* inputPtr = input)
        fixed (TS* gradPtr = gradient)
        fixed (int* labelPtr = labels)
        fixed (int* inLenPtr = inputLengths)
        fixed (int* tgtLenPtr = targetLengths)
        fixed (int* offsetPtr = offsets)
        fixed (double* lossPtr = losses)
        {
            var batch = new CtcBatch
            {
                Input = inputPtr,
                Gradient = wantGradient ? gradPtr : null,
                Labels = labelPtr,
                TargetOffsets = offsetPtr,
                InputLengths = inLenPtr,
                TargetLengths = tgtLenPtr,
                Losses = lossPtr,
                Time = time,
                BatchSize = batchSize,
                Classes = classCount,
                Blank = blank,
                ZeroInfinity = zeroInfinity,
                Mean = reduction == Reduction.Mean,
                Kind = kind,
            };
            CtcEngine<TS, TC>.RunBatch(in batch, CtcEngine.UseParallel(parallelism, batchSize, work));
        }

        if (wantElementwise)
        {
            for (int b = 0; b < batchSize; b++) elementwise[b] = SpanPieces.Round<TS>(losses[b]);
        }

        double total = 0;
        if (reduction == Reduction.Mean)
        {
            for (int b = 0; b < batchSize; b++) total += losses[b] / Math.Max(targetLengths[b], 1);
            return total / batchSize;
        }
        for (int b = 0; b < batchSize; b++) total += losses[b];
        return total;
    }
}
