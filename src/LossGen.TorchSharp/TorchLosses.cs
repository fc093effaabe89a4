using System;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LossGen.TorchSharp;

/// <summary>
/// LossGen's catalogue (<see cref="Losses"/>) over TorchSharp tensors, each loss under its own name and with its own
/// settings, differentiable by autograd. The losses declared with <c>[Loss]</c> get their tensor forms from the generator
/// (<see cref="TensorFormsOfAttribute"/>); the hand-written ones (CTC, weighted and pixelwise cross-entropy, total variation,
/// the GAN pairs, perceptual) are below.
/// </summary>
/// <remarks>
/// Row losses take <c>[..., rowLength]</c> tensors (the last dimension is the row) and int64 labels shaped as the leading
/// dimensions. Tensors must be on the CPU, contiguous ones are read in place, and shapes must match exactly.
/// </remarks>
[TensorFormsOf(typeof(Losses))]
public static partial class TorchLosses
{
    /// <summary>
    /// Connectionist temporal classification over tensors, as <c>torch.nn.functional.ctc_loss</c> takes them; the
    /// conventions are those of <see cref="Losses.Ctc(ReadOnlySpan{float}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, int, bool, Reduction)"/>
    /// (Mean divides each sample's loss by its target length, then averages, as PyTorch).
    /// </summary>
    /// <param name="logProbs">Log-probabilities <c>[T, N, C]</c> (log_softmax over C). Its <c>.grad</c> is filled by backward.</param>
    /// <param name="targets">Labels: padded <c>[N, S]</c>, or all samples' labels concatenated (1-D), int64 or int32.</param>
    /// <param name="inputLengths">Frames of each sample, <c>[N]</c>, int64 or int32.</param>
    /// <param name="targetLengths">Labels of each sample, <c>[N]</c>, int64 or int32.</param>
    /// <param name="blank">The blank class.</param>
    /// <param name="zeroInfinity">Zero the loss and gradient of impossible samples instead of +inf.</param>
    /// <param name="reduction">Mean (PyTorch's) or sum.</param>
    /// <returns>The loss, a 0-dim tensor of <paramref name="logProbs"/>' element type.</returns>
    public static Tensor Ctc(Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths, int blank = 0, bool zeroInfinity = false, Reduction reduction = Reduction.Mean)
        => TensorLoss.Reduce(new CtcKernel(blank, zeroInfinity), reduction, logProbs, targets, inputLengths, targetLengths);

    /// <summary>Per-sample CTC losses (<c>reduction='none'</c>), <c>[N]</c>, differentiable by autograd; see <see cref="Ctc"/>.</summary>
    /// <param name="logProbs">Log-probabilities <c>[T, N, C]</c>.</param>
    /// <param name="targets">Labels: padded <c>[N, S]</c>, or concatenated (1-D).</param>
    /// <param name="inputLengths">Frames of each sample, <c>[N]</c>.</param>
    /// <param name="targetLengths">Labels of each sample, <c>[N]</c>.</param>
    /// <param name="blank">The blank class.</param>
    /// <param name="zeroInfinity">Zero the loss and gradient of impossible samples instead of +inf.</param>
    /// <returns>The N losses, not divided by the target lengths.</returns>
    public static Tensor CtcElementwise(Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths, int blank = 0, bool zeroInfinity = false)
        => TensorLoss.Elementwise(new CtcKernel(blank, zeroInfinity), logProbs, targets, inputLengths, targetLengths);

    /// <summary>
    /// Softmax cross-entropy with class weights and an ignored label, as PyTorch's <c>cross_entropy(weight, ignore_index,
    /// label_smoothing)</c>: see <see cref="Losses.SparseSoftmaxCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, int, double, Reduction, bool)"/>
    /// (the weighted mean divides by the weights of the rows that count).
    /// </summary>
    /// <param name="logits">Rows of logits, <c>[..., C]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">One class index per row (int64), shaped as the leading dimensions.</param>
    /// <param name="classWeights">One weight per class, <c>[C]</c>.</param>
    /// <param name="ignoreIndex">A label whose rows count for nothing.</param>
    /// <param name="labelSmoothing">ε, as PyTorch's <c>label_smoothing</c>.</param>
    /// <param name="reduction">Weighted mean or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor SparseSoftmaxCrossEntropy(Tensor logits, Tensor labels, Tensor classWeights, int ignoreIndex = -100, double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => TensorLoss.Reduce(new WeightedCrossEntropyKernel(ignoreIndex, labelSmoothing, zeroWhenAllIgnored), reduction, logits, labels, classWeights);

    /// <summary>
    /// Binary cross-entropy on logits with one positive weight per class, as PyTorch's
    /// <c>binary_cross_entropy_with_logits(pos_weight)</c> with a <c>[C]</c> <c>pos_weight</c>: see
    /// <see cref="Losses.BinaryCrossEntropyWithLogits(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, double, Reduction)"/>.
    /// </summary>
    /// <param name="logits">Logits, <c>[..., C]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="target">Targets in [0, 1], the same shape.</param>
    /// <param name="posWeight">The weight of each class's positive term, <c>[C]</c>.</param>
    /// <param name="labelSmoothing">ε, as Keras's <c>label_smoothing</c>.</param>
    /// <param name="reduction">Mean over all elements, or sum.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor target, Tensor posWeight, double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean)
        => TensorLoss.Reduce(new RowSpansKernel(nameof(BinaryCrossEntropyWithLogits), "target", TensorArgumentKind.Row,
            (in LossSpans<float> s, Reduction r) => Losses.BinaryCrossEntropyWithLogits(s.Values(0), s.Values(1), s.Values(2), labelSmoothing, r),
            (in LossSpans<double> s, Reduction r) => Losses.BinaryCrossEntropyWithLogits(s.Values(0), s.Values(1), s.Values(2), labelSmoothing, r),
            (in LossSpans<Half> s, Reduction r) => Losses.BinaryCrossEntropyWithLogits(s.Values(0), s.Values(1), s.Values(2), labelSmoothing, r),
            (in LossSpans<float> s, Reduction r) => Losses.BinaryCrossEntropyWithLogitsWithGradient(s.Values(0), s.Values(1), s.Gradient(0), s.Values(2), labelSmoothing, r),
            (in LossSpans<double> s, Reduction r) => Losses.BinaryCrossEntropyWithLogitsWithGradient(s.Values(0), s.Values(1), s.Gradient(0), s.Values(2), labelSmoothing, r),
            (in LossSpans<Half> s, Reduction r) => Losses.BinaryCrossEntropyWithLogitsWithGradient(s.Values(0), s.Values(1), s.Gradient(0), s.Values(2), labelSmoothing, r),
            weights: "posWeight"),
            reduction, logits, target, posWeight);

    /// <summary>
    /// The multi-class margin loss with class weights, as PyTorch's <c>multi_margin_loss(p, margin, weight)</c>: see
    /// <see cref="Losses.MultiMargin(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, double, double, Reduction)"/>.
    /// </summary>
    /// <param name="logits">Rows of scores, <c>[..., C]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">One class index per row (int64), shaped as the leading dimensions.</param>
    /// <param name="classWeights">One weight per class, <c>[C]</c>.</param>
    /// <param name="p">The power of each hinge, in [1, 2].</param>
    /// <param name="margin">The margin.</param>
    /// <param name="reduction">Mean over rows, or sum.</param>
    /// <returns>The loss, a 0-dim tensor of the scores' element type.</returns>
    public static Tensor MultiMargin(Tensor logits, Tensor labels, Tensor classWeights, double p = 1.0, double margin = 1.0, Reduction reduction = Reduction.Mean)
        => TensorLoss.Reduce(new RowSpansKernel(nameof(MultiMargin), "labels", TensorArgumentKind.Label,
            (in LossSpans<float> s, Reduction r) => Losses.MultiMargin(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), p, margin, r),
            (in LossSpans<double> s, Reduction r) => Losses.MultiMargin(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), p, margin, r),
            (in LossSpans<Half> s, Reduction r) => Losses.MultiMargin(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), p, margin, r),
            (in LossSpans<float> s, Reduction r) => Losses.MultiMarginWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), p, margin, r),
            (in LossSpans<double> s, Reduction r) => Losses.MultiMarginWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), p, margin, r),
            (in LossSpans<Half> s, Reduction r) => Losses.MultiMarginWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), p, margin, r)),
            reduction, logits, labels, classWeights);

    /// <summary>
    /// The multi-label soft margin loss with class weights, as PyTorch's <c>multilabel_soft_margin_loss(weight)</c>: see
    /// <see cref="Losses.MultiLabelSoftMargin(ReadOnlySpan{float}, ReadOnlySpan{float}, int, ReadOnlySpan{float}, Reduction)"/>.
    /// </summary>
    /// <param name="logits">Rows of logits, <c>[..., C]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="target">0/1 (or soft) targets, the same shape.</param>
    /// <param name="classWeights">One weight per class, <c>[C]</c>.</param>
    /// <param name="reduction">Mean over rows, or sum.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor MultiLabelSoftMargin(Tensor logits, Tensor target, Tensor classWeights, Reduction reduction = Reduction.Mean)
        => TensorLoss.Reduce(new RowSpansKernel(nameof(MultiLabelSoftMargin), "target", TensorArgumentKind.Row,
            (in LossSpans<float> s, Reduction r) => Losses.MultiLabelSoftMargin(s.Values(0), s.Values(1), s.RowLength, s.Values(2), r),
            (in LossSpans<double> s, Reduction r) => Losses.MultiLabelSoftMargin(s.Values(0), s.Values(1), s.RowLength, s.Values(2), r),
            (in LossSpans<Half> s, Reduction r) => Losses.MultiLabelSoftMargin(s.Values(0), s.Values(1), s.RowLength, s.Values(2), r),
            (in LossSpans<float> s, Reduction r) => Losses.MultiLabelSoftMarginWithGradient(s.Values(0), s.Values(1), s.Gradient(0), s.RowLength, s.Values(2), r),
            (in LossSpans<double> s, Reduction r) => Losses.MultiLabelSoftMarginWithGradient(s.Values(0), s.Values(1), s.Gradient(0), s.RowLength, s.Values(2), r),
            (in LossSpans<Half> s, Reduction r) => Losses.MultiLabelSoftMarginWithGradient(s.Values(0), s.Values(1), s.Gradient(0), s.RowLength, s.Values(2), r)),
            reduction, logits, target, classWeights);

    /// <summary>
    /// Softmax cross-entropy with an ignored label and no class weights, as PyTorch's <c>cross_entropy(ignore_index,
    /// label_smoothing)</c>: see <see cref="Losses.SparseSoftmaxCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, double, Reduction, bool)"/>
    /// (the mean divides by the rows that count; null ignores nothing).
    /// </summary>
    /// <param name="logits">Rows of logits, <c>[..., C]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">One class index per row (int64), shaped as the leading dimensions.</param>
    /// <param name="ignoreIndex">A label whose rows count for nothing (PyTorch's is −100), or null.</param>
    /// <param name="labelSmoothing">ε, as PyTorch's <c>label_smoothing</c>.</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor SparseSoftmaxCrossEntropy(Tensor logits, Tensor labels, int? ignoreIndex, double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => TensorLoss.Reduce(new RowSpansKernel(nameof(SparseSoftmaxCrossEntropy), "labels", TensorArgumentKind.Label,
            (in LossSpans<float> s, Reduction r) => Losses.SparseSoftmaxCrossEntropy(s.Values(0), s.Labels(1), s.RowLength, ignoreIndex, labelSmoothing, r, zeroWhenAllIgnored),
            (in LossSpans<double> s, Reduction r) => Losses.SparseSoftmaxCrossEntropy(s.Values(0), s.Labels(1), s.RowLength, ignoreIndex, labelSmoothing, r, zeroWhenAllIgnored),
            (in LossSpans<Half> s, Reduction r) => Losses.SparseSoftmaxCrossEntropy(s.Values(0), s.Labels(1), s.RowLength, ignoreIndex, labelSmoothing, r, zeroWhenAllIgnored),
            (in LossSpans<float> s, Reduction r) => Losses.SparseSoftmaxCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, ignoreIndex, labelSmoothing, r, zeroWhenAllIgnored),
            (in LossSpans<double> s, Reduction r) => Losses.SparseSoftmaxCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, ignoreIndex, labelSmoothing, r, zeroWhenAllIgnored),
            (in LossSpans<Half> s, Reduction r) => Losses.SparseSoftmaxCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, ignoreIndex, labelSmoothing, r, zeroWhenAllIgnored),
            weights: null),
            reduction, logits, labels);

    /// <summary>
    /// Negative log-likelihood with an ignored label and no class weights, as PyTorch's <c>nll_loss(ignore_index)</c>: see
    /// <see cref="Losses.Nll(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, Reduction, bool)"/>.
    /// </summary>
    /// <param name="logProbs">Rows of log-probabilities, <c>[..., C]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">One class index per row (int64), shaped as the leading dimensions.</param>
    /// <param name="ignoreIndex">A label whose rows count for nothing (PyTorch's is −100), or null.</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN.</param>
    /// <returns>The loss, a 0-dim tensor of the log-probabilities' element type.</returns>
    public static Tensor Nll(Tensor logProbs, Tensor labels, int? ignoreIndex, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => TensorLoss.Reduce(new RowSpansKernel(nameof(Nll), "labels", TensorArgumentKind.Label,
            (in LossSpans<float> s, Reduction r) => Losses.Nll(s.Values(0), s.Labels(1), s.RowLength, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<double> s, Reduction r) => Losses.Nll(s.Values(0), s.Labels(1), s.RowLength, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<Half> s, Reduction r) => Losses.Nll(s.Values(0), s.Labels(1), s.RowLength, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<float> s, Reduction r) => Losses.NllWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<double> s, Reduction r) => Losses.NllWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<Half> s, Reduction r) => Losses.NllWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, ignoreIndex, r, zeroWhenAllIgnored),
            weights: null, input: "logProbs"),
            reduction, logProbs, labels);

    /// <summary>
    /// The softmax focal loss with one α for every class and an ignored label: see
    /// <see cref="Losses.SparseSoftmaxFocal(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, double, double, Reduction, bool)"/>
    /// (the mean divides by the rows that count; null ignores nothing).
    /// </summary>
    /// <param name="logits">Rows of logits, <c>[..., C]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">One class index per row (int64), shaped as the leading dimensions.</param>
    /// <param name="ignoreIndex">A label whose rows count for nothing (PyTorch's is −100), or null.</param>
    /// <param name="alpha">α, a factor of every row's loss.</param>
    /// <param name="gamma">γ, the focusing power.</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    /// <remarks>
    /// Preferred over the per-class overload when both apply: TorchSharp converts a number to a tensor, so a call with a
    /// number for <paramref name="alpha"/> would otherwise also match that overload's class-weights tensor, and be ambiguous.
    /// </remarks>
    [OverloadResolutionPriority(1)]
    public static Tensor SparseSoftmaxFocal(Tensor logits, Tensor labels, int? ignoreIndex, double alpha = 0.25, double gamma = 2.0, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => TensorLoss.Reduce(new RowSpansKernel(nameof(SparseSoftmaxFocal), "labels", TensorArgumentKind.Label,
            (in LossSpans<float> s, Reduction r) => Losses.SparseSoftmaxFocal(s.Values(0), s.Labels(1), s.RowLength, ignoreIndex, alpha, gamma, r, zeroWhenAllIgnored),
            (in LossSpans<double> s, Reduction r) => Losses.SparseSoftmaxFocal(s.Values(0), s.Labels(1), s.RowLength, ignoreIndex, alpha, gamma, r, zeroWhenAllIgnored),
            (in LossSpans<Half> s, Reduction r) => Losses.SparseSoftmaxFocal(s.Values(0), s.Labels(1), s.RowLength, ignoreIndex, alpha, gamma, r, zeroWhenAllIgnored),
            (in LossSpans<float> s, Reduction r) => Losses.SparseSoftmaxFocalWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, ignoreIndex, alpha, gamma, r, zeroWhenAllIgnored),
            (in LossSpans<double> s, Reduction r) => Losses.SparseSoftmaxFocalWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, ignoreIndex, alpha, gamma, r, zeroWhenAllIgnored),
            (in LossSpans<Half> s, Reduction r) => Losses.SparseSoftmaxFocalWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, ignoreIndex, alpha, gamma, r, zeroWhenAllIgnored),
            weights: null),
            reduction, logits, labels);

    /// <summary>
    /// Keras's sparse categorical cross-entropy on probabilities with an ignored label (Keras's <c>ignore_class</c>): see
    /// <see cref="Losses.SparseCategoricalCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int?, Reduction, bool)"/>.
    /// </summary>
    /// <param name="pred">Rows of probabilities (or scores normalized per row), <c>[..., C]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">One class index per row (int64), shaped as the leading dimensions.</param>
    /// <param name="ignoreIndex">A label whose rows count for nothing, or null.</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than NaN.</param>
    /// <returns>The loss, a 0-dim tensor of the input's element type.</returns>
    public static Tensor SparseCategoricalCrossEntropy(Tensor pred, Tensor labels, int? ignoreIndex, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => TensorLoss.Reduce(new RowSpansKernel(nameof(SparseCategoricalCrossEntropy), "labels", TensorArgumentKind.Label,
            (in LossSpans<float> s, Reduction r) => Losses.SparseCategoricalCrossEntropy(s.Values(0), s.Labels(1), s.RowLength, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<double> s, Reduction r) => Losses.SparseCategoricalCrossEntropy(s.Values(0), s.Labels(1), s.RowLength, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<Half> s, Reduction r) => Losses.SparseCategoricalCrossEntropy(s.Values(0), s.Labels(1), s.RowLength, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<float> s, Reduction r) => Losses.SparseCategoricalCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<double> s, Reduction r) => Losses.SparseCategoricalCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<Half> s, Reduction r) => Losses.SparseCategoricalCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, ignoreIndex, r, zeroWhenAllIgnored),
            weights: null, input: "pred"),
            reduction, pred, labels);

    /// <summary>
    /// The softmax focal loss with a weight per class and an ignored label: see
    /// <see cref="Losses.SparseSoftmaxFocal(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, double, int, Reduction, bool)"/>
    /// (the mean divides by the rows that count).
    /// </summary>
    /// <param name="logits">Rows of logits, <c>[..., C]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">One class index per row (int64), shaped as the leading dimensions.</param>
    /// <param name="alpha">One weight per class, <c>[C]</c>.</param>
    /// <param name="gamma">The focusing exponent.</param>
    /// <param name="ignoreIndex">A label whose rows count for nothing.</param>
    /// <param name="reduction">Mean over the rows that count, or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor SparseSoftmaxFocal(Tensor logits, Tensor labels, Tensor alpha, double gamma = 2.0, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => TensorLoss.Reduce(new RowSpansKernel(nameof(SparseSoftmaxFocal), "labels", TensorArgumentKind.Label,
            (in LossSpans<float> s, Reduction r) => Losses.SparseSoftmaxFocal(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), gamma, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<double> s, Reduction r) => Losses.SparseSoftmaxFocal(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), gamma, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<Half> s, Reduction r) => Losses.SparseSoftmaxFocal(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), gamma, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<float> s, Reduction r) => Losses.SparseSoftmaxFocalWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), gamma, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<double> s, Reduction r) => Losses.SparseSoftmaxFocalWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), gamma, ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<Half> s, Reduction r) => Losses.SparseSoftmaxFocalWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), gamma, ignoreIndex, r, zeroWhenAllIgnored),
            weights: "alpha"),
            reduction, logits, labels, alpha);

    /// <summary>
    /// Negative log-likelihood with class weights and an ignored label, as PyTorch's <c>nll_loss(weight, ignore_index)</c>:
    /// see <see cref="Losses.Nll(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, int, Reduction, bool)"/> (the
    /// weighted mean divides by the weights of the rows that count).
    /// </summary>
    /// <param name="logProbs">Rows of log-probabilities, <c>[..., C]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">One class index per row (int64), shaped as the leading dimensions.</param>
    /// <param name="classWeights">One weight per class, <c>[C]</c>.</param>
    /// <param name="ignoreIndex">A label whose rows count for nothing.</param>
    /// <param name="reduction">Weighted mean or sum.</param>
    /// <param name="zeroWhenAllIgnored">With every row ignored, the mean is 0 rather than PyTorch's NaN.</param>
    /// <returns>The loss, a 0-dim tensor of the log-probabilities' element type.</returns>
    public static Tensor Nll(Tensor logProbs, Tensor labels, Tensor classWeights, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, bool zeroWhenAllIgnored = false)
        => TensorLoss.Reduce(new RowSpansKernel(nameof(Nll), "labels", TensorArgumentKind.Label,
            (in LossSpans<float> s, Reduction r) => Losses.Nll(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<double> s, Reduction r) => Losses.Nll(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<Half> s, Reduction r) => Losses.Nll(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<float> s, Reduction r) => Losses.NllWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<double> s, Reduction r) => Losses.NllWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), ignoreIndex, r, zeroWhenAllIgnored),
            (in LossSpans<Half> s, Reduction r) => Losses.NllWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), ignoreIndex, r, zeroWhenAllIgnored),
            input: "logProbs"),
            reduction, logProbs, labels, classWeights);

    /// <summary>
    /// Softmax cross-entropy of every pixel of <c>[N, C, H, W]</c> logits against <c>[N, H, W]</c> labels (or of every voxel
    /// of <c>[N, C, d1, …, dk]</c> against <c>[N, d1, …, dk]</c>), as PyTorch's <c>cross_entropy</c> on images: see
    /// <see cref="Losses.PixelwiseCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int, int, Reduction, int, bool)"/>.
    /// </summary>
    /// <param name="logits">Scores <c>[N, C, H, W]</c> (or <c>[N, C, d1, …, dk]</c>). Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">The class of each pixel, <c>[N, H, W]</c>, int64 or int32.</param>
    /// <param name="reduction">Mean over the pixels that count, or sum.</param>
    /// <param name="ignoreIndex">The label of pixels that count for nothing.</param>
    /// <param name="zeroWhenAllIgnored">With every pixel ignored, the mean is 0 rather than PyTorch's NaN.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor PixelwiseCrossEntropy(Tensor logits, Tensor labels, Reduction reduction = Reduction.Mean, int ignoreIndex = -100, bool zeroWhenAllIgnored = false)
        => TensorLoss.Reduce(new PixelwiseCrossEntropyKernel(ignoreIndex, zeroWhenAllIgnored), reduction, logits, labels);

    /// <summary>
    /// The pixelwise cross-entropy of <c>[N, C, d1, …, dk]</c> logits with a weight per class and label smoothing, as
    /// PyTorch's <c>cross_entropy(weight, ignore_index, label_smoothing)</c>: see
    /// <see cref="Losses.PixelwiseCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{float}, double, Reduction, int, bool)"/>.
    /// </summary>
    /// <param name="logits">Scores <c>[N, C, d1, …, dk]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">The class of each voxel, <c>[N, d1, …, dk]</c>, int64 or int32.</param>
    /// <param name="classWeights">One weight per class, <c>[C]</c>, of the logits' element type.</param>
    /// <param name="labelSmoothing">ε in [0, 1].</param>
    /// <param name="reduction">The mean weighted by the voxels that count, or the sum.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <param name="zeroWhenAllIgnored">With every voxel ignored, the mean is 0 rather than PyTorch's NaN.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor PixelwiseCrossEntropy(Tensor logits, Tensor labels, Tensor classWeights, double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, int ignoreIndex = -100, bool zeroWhenAllIgnored = false)
        => TensorLoss.Reduce(new PixelwiseCrossEntropyKernel(ignoreIndex, zeroWhenAllIgnored, weighted: true, labelSmoothing), reduction, logits, labels, classWeights);

    /// <summary>The cross-entropy of each pixel, <c>[N, H, W]</c> (0 where ignored), differentiable; see <see cref="PixelwiseCrossEntropy(Tensor, Tensor, Reduction, int, bool)"/>.</summary>
    /// <param name="logits">Scores <c>[N, C, H, W]</c>.</param>
    /// <param name="labels">The class of each pixel, <c>[N, H, W]</c>.</param>
    /// <param name="ignoreIndex">The label of pixels that count for nothing.</param>
    /// <returns>The per-pixel losses.</returns>
    public static Tensor PixelwiseCrossEntropyElementwise(Tensor logits, Tensor labels, int ignoreIndex = -100)
        => TensorLoss.Elementwise(new PixelwiseCrossEntropyKernel(ignoreIndex, zeroWhenAllIgnored: false), logits, labels);

    /// <summary>
    /// The multiclass soft Dice loss from <c>[N, C, d1, …, dk]</c> logits against <c>[N, d1, …, dk]</c> labels: see
    /// <see cref="Losses.SoftmaxDice(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{float}, double, int)"/>.
    /// </summary>
    /// <param name="logits">Scores <c>[N, C, d1, …, dk]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">The class of each voxel, <c>[N, d1, …, dk]</c>, int64 or int32.</param>
    /// <param name="classWeights">One weight per class, <c>[C]</c>, or null for equal weights.</param>
    /// <param name="smooth">Added to each class's numerator and denominator.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor SoftmaxDice(Tensor logits, Tensor labels, Tensor? classWeights = null, double smooth = 1.0, int ignoreIndex = -100)
        => Overlap(OverlapLoss.Dice, logits, labels, classWeights, 1, 1, 1, smooth, ignoreIndex);

    /// <summary>The multiclass soft Jaccard loss from logits: see <see cref="Losses.SoftmaxJaccard(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{float}, double, int)"/>.</summary>
    /// <param name="logits">Scores <c>[N, C, d1, …, dk]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">The class of each voxel, <c>[N, d1, …, dk]</c>.</param>
    /// <param name="classWeights">One weight per class, <c>[C]</c>, or null.</param>
    /// <param name="smooth">The smoothing term.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor SoftmaxJaccard(Tensor logits, Tensor labels, Tensor? classWeights = null, double smooth = 1.0, int ignoreIndex = -100)
        => Overlap(OverlapLoss.Jaccard, logits, labels, classWeights, 1, 1, 1, smooth, ignoreIndex);

    /// <summary>The multiclass Tversky and focal Tversky losses from logits: see <see cref="Losses.SoftmaxTversky(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{float}, double, double, double, double, int)"/>.</summary>
    /// <param name="logits">Scores <c>[N, C, d1, …, dk]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">The class of each voxel, <c>[N, d1, …, dk]</c>.</param>
    /// <param name="classWeights">One weight per class, <c>[C]</c>, or null.</param>
    /// <param name="alpha">α, the weight of false positives.</param>
    /// <param name="beta">β, the weight of false negatives.</param>
    /// <param name="gamma">γ, the focal exponent.</param>
    /// <param name="smooth">The smoothing term.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor SoftmaxTversky(Tensor logits, Tensor labels, Tensor? classWeights = null, double alpha = 0.5, double beta = 0.5, double gamma = 1.0, double smooth = 1.0, int ignoreIndex = -100)
        => Overlap(OverlapLoss.Tversky, logits, labels, classWeights, alpha, beta, gamma, smooth, ignoreIndex);

    /// <summary>The generalized Dice loss from logits: see <see cref="Losses.SoftmaxGeneralizedDice(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, double, int)"/>.</summary>
    /// <param name="logits">Scores <c>[N, C, d1, …, dk]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">The class of each voxel, <c>[N, d1, …, dk]</c>.</param>
    /// <param name="smooth">The smoothing term.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor SoftmaxGeneralizedDice(Tensor logits, Tensor labels, double smooth = 1e-5, int ignoreIndex = -100)
        => Overlap(OverlapLoss.GeneralizedDice, logits, labels, null, 1, 1, 1, smooth, ignoreIndex);

    private static Tensor Overlap(OverlapLoss loss, Tensor logits, Tensor labels, Tensor? classWeights, double alpha, double beta, double gamma, double smooth, int ignoreIndex)
    {
        var kernel = new SoftmaxOverlapKernel(loss, classWeights is not null, alpha, beta, gamma, smooth, ignoreIndex);
        return classWeights is null
            ? TensorLoss.Reduce(kernel, Reduction.Mean, logits, labels)
            : TensorLoss.Reduce(kernel, Reduction.Mean, logits, labels, classWeights);
    }

    /// <summary>Total variation of <c>[N, C, H, W]</c> images: see <see cref="Losses.TotalVariation(ReadOnlySpan{float}, int, int, int, TotalVariationNorm, Reduction)"/>.</summary>
    /// <param name="images">Pixel values <c>[N, C, H, W]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="norm">Squared (default) or absolute differences.</param>
    /// <param name="reduction">Mean or sum of the per-image values.</param>
    /// <returns>The loss, a 0-dim tensor of the images' element type.</returns>
    public static Tensor TotalVariation(Tensor images, TotalVariationNorm norm = TotalVariationNorm.Squared, Reduction reduction = Reduction.Mean)
        => TensorLoss.Reduce(new TotalVariationKernel(norm), reduction, images);

    /// <summary>The total variation of each image, <c>[N]</c>, differentiable; see <see cref="TotalVariation"/>.</summary>
    /// <param name="images">Pixel values <c>[N, C, H, W]</c>.</param>
    /// <param name="norm">Squared (default) or absolute differences.</param>
    /// <returns>The per-image values.</returns>
    public static Tensor TotalVariationElementwise(Tensor images, TotalVariationNorm norm = TotalVariationNorm.Squared)
        => TensorLoss.Elementwise(new TotalVariationKernel(norm), images);

    /// <summary>
    /// The standard GAN discriminator loss from logits: see <see cref="Losses.GanDiscriminator(ReadOnlySpan{float}, ReadOnlySpan{float}, Reduction)"/>
    /// (BCE with logits of the real samples against 1 plus that of the fake ones against 0; Mean averages each).
    /// </summary>
    /// <param name="realLogits">D(x) on real samples, any shape. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="fakeLogits">D(G(z)) on generated samples, any shape. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="reduction">Mean of each, or Sum.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor GanDiscriminator(Tensor realLogits, Tensor fakeLogits, Reduction reduction = Reduction.Mean)
        => TensorLoss.Reduce(new PairKernel(nameof(GanDiscriminator), nameof(realLogits), nameof(fakeLogits),
            Losses.GanDiscriminator, Losses.GanDiscriminator, Losses.GanDiscriminator,
            Losses.GanDiscriminatorWithGradient, Losses.GanDiscriminatorWithGradient, Losses.GanDiscriminatorWithGradient), reduction, realLogits, fakeLogits);

    /// <summary>The Wasserstein critic loss, mean(fake) − mean(real): see <see cref="Losses.WassersteinCritic(ReadOnlySpan{float}, ReadOnlySpan{float}, Reduction)"/>.</summary>
    /// <param name="realScores">Critic scores on real samples, any shape. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="fakeScores">Critic scores on generated samples, any shape. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="reduction">Mean of each, or Sum.</param>
    /// <returns>The loss, a 0-dim tensor of the scores' element type.</returns>
    public static Tensor WassersteinCritic(Tensor realScores, Tensor fakeScores, Reduction reduction = Reduction.Mean)
        => TensorLoss.Reduce(new PairKernel(nameof(WassersteinCritic), nameof(realScores), nameof(fakeScores),
            Losses.WassersteinCritic, Losses.WassersteinCritic, Losses.WassersteinCritic,
            Losses.WassersteinCriticWithGradient, Losses.WassersteinCriticWithGradient, Losses.WassersteinCriticWithGradient), reduction, realScores, fakeScores);

    /// <summary>The least-squares GAN discriminator loss: see <see cref="Losses.LeastSquaresGanDiscriminator(ReadOnlySpan{float}, ReadOnlySpan{float}, Reduction)"/>.</summary>
    /// <param name="realScores">Discriminator outputs on real samples, any shape. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="fakeScores">Discriminator outputs on generated samples, any shape. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="reduction">Mean of each, or Sum.</param>
    /// <returns>The loss, a 0-dim tensor of the outputs' element type.</returns>
    public static Tensor LeastSquaresGanDiscriminator(Tensor realScores, Tensor fakeScores, Reduction reduction = Reduction.Mean)
        => TensorLoss.Reduce(new PairKernel(nameof(LeastSquaresGanDiscriminator), nameof(realScores), nameof(fakeScores),
            Losses.LeastSquaresGanDiscriminator, Losses.LeastSquaresGanDiscriminator, Losses.LeastSquaresGanDiscriminator,
            Losses.LeastSquaresGanDiscriminatorWithGradient, Losses.LeastSquaresGanDiscriminatorWithGradient, Losses.LeastSquaresGanDiscriminatorWithGradient),
            reduction, realScores, fakeScores);

    /// <summary>The non-saturating GAN generator loss: see <see cref="Losses.GanGenerator(ReadOnlySpan{float}, Reduction)"/>.</summary>
    /// <param name="fakeLogits">D(G(z)) on generated samples, any shape. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="reduction">Mean or sum.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor GanGenerator(Tensor fakeLogits, Reduction reduction = Reduction.Mean)
        => GanGeneratorNonSaturating(fakeLogits, reduction);

    /// <summary>
    /// The perceptual (feature reconstruction) loss Σ_l w_l·mean((φ_l(ŷ) − φ_l(y))²) over every layer's features concatenated:
    /// see <see cref="Losses.Perceptual(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{double}, Reduction)"/>.
    /// Feature maps of several layers are concatenated with <c>torch.cat</c> of their flattened forms (autograd follows).
    /// </summary>
    /// <param name="predFeatures">The prediction's features, every layer concatenated (any shape). Its <c>.grad</c> is filled by backward.</param>
    /// <param name="targetFeatures">The target's features, the same shape.</param>
    /// <param name="layerLengths">The number of values of each layer, summing to the features' size.</param>
    /// <param name="layerWeights">The weight of each layer.</param>
    /// <param name="reduction">Mean within each layer, or Sum.</param>
    /// <returns>The loss, a 0-dim tensor of the features' element type.</returns>
    public static Tensor Perceptual(Tensor predFeatures, Tensor targetFeatures, int[] layerLengths, double[] layerWeights, Reduction reduction = Reduction.Mean)
        => TensorLoss.Reduce(new PerceptualKernel(layerLengths, layerWeights), reduction, predFeatures, targetFeatures);

    /// <summary>
    /// InfoNCE over a batch of paired embeddings: see
    /// <see cref="Losses.InfoNce(ReadOnlySpan{float}, ReadOnlySpan{float}, int, double, bool, bool, Reduction)"/> (each x1 row
    /// against every x2 row of the batch by cosine similarity over τ, softmax cross-entropy towards its own pair; CLIP's
    /// loss with <paramref name="symmetric"/>).
    /// </summary>
    /// <param name="x1">The first side's embeddings, <c>[B, D]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="x2">The second side's embeddings, <c>[B, D]</c>; row i is the positive of x1's row i. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="temperature">τ, positive and finite.</param>
    /// <param name="symmetric">Average the rows' and the columns' losses, as CLIP.</param>
    /// <param name="normalize">Compare directions (cosine similarity) rather than raw dot products.</param>
    /// <param name="reduction">Mean or sum over the B rows.</param>
    /// <returns>The loss, a 0-dim tensor of the embeddings' element type.</returns>
    public static Tensor InfoNce(Tensor x1, Tensor x2, double temperature = 0.1, bool symmetric = false, bool normalize = true, Reduction reduction = Reduction.Mean)
        => TensorLoss.Reduce(new InfoNceTensorKernel(temperature, symmetric, normalize), reduction, x1, x2);

    /// <summary>
    /// The multi-label margin loss, as PyTorch's <c>multilabel_margin_loss</c>: see
    /// <see cref="Losses.MultiLabelMargin(ReadOnlySpan{float}, ReadOnlySpan{int}, int, Reduction)"/>.
    /// </summary>
    /// <param name="logits">Scores <c>[..., C]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="targets">The same shape, int64 (or int32): each row's target classes, then −1.</param>
    /// <param name="reduction">Mean or sum over rows.</param>
    /// <returns>The loss, a 0-dim tensor of the scores' element type.</returns>
    public static Tensor MultiLabelMargin(Tensor logits, Tensor targets, Reduction reduction = Reduction.Mean)
        => TensorLoss.Reduce(new MultiLabelMarginKernel(), reduction, logits, targets);

    /// <summary>The multi-label margin loss of each row, <c>[...]</c>, differentiable; see <see cref="MultiLabelMargin"/>.</summary>
    /// <param name="logits">Scores <c>[..., C]</c>.</param>
    /// <param name="targets">The same shape: each row's target classes, then −1.</param>
    /// <returns>The per-row losses.</returns>
    public static Tensor MultiLabelMarginElementwise(Tensor logits, Tensor targets)
        => TensorLoss.Elementwise(new MultiLabelMarginKernel(), logits, targets);

    /// <summary>Checks that tensor <paramref name="argument"/> has <paramref name="rank"/> dimensions, naming the layout it needs.</summary>
    private static void Rank(TensorKernel kernel, ReadOnlySpan<Tensor> tensors, int argument, int rank, string layout)
    {
        if (tensors[argument].ndim != rank)
        {
            string name = kernel.Parameters[argument].Name;
            throw new ArgumentException($"{kernel.Name}: {name} has shape {TensorShapes.Format(tensors[argument].shape)}; it must be {layout}.", name);
        }
    }

    private delegate T Pair<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Reduction reduction);

    private delegate T PairWithGradient<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> aGradient, Span<T> bGradient, Reduction reduction);

    /// <summary>A loss of two differentiable tensors of any shapes and lengths (the GAN pairs), from its span overloads.</summary>
    private sealed class PairKernel(string name, string first, string second,
        Pair<float> single, Pair<double> dual, Pair<Half> half,
        PairWithGradient<float> singleWithGradient, PairWithGradient<double> dualWithGradient, PairWithGradient<Half> halfWithGradient)
        : TensorKernel(name, new TensorParameter(first, TensorArgumentKind.Custom, HasGradient: true), new TensorParameter(second, TensorArgumentKind.Custom, HasGradient: true))
    {
        public override int CheckShapes(ReadOnlySpan<Tensor> tensors) => 1;

        public override float Reduce(in LossSpans<float> s, Reduction reduction) => single(s.Values(0), s.Values(1), reduction);

        public override double Reduce(in LossSpans<double> s, Reduction reduction) => dual(s.Values(0), s.Values(1), reduction);

        public override Half Reduce(in LossSpans<Half> s, Reduction reduction) => half(s.Values(0), s.Values(1), reduction);

        public override float ReduceWithGradient(in LossSpans<float> s, Reduction reduction)
            => singleWithGradient(s.Values(0), s.Values(1), s.Gradient(0), s.Gradient(1), reduction);

        public override double ReduceWithGradient(in LossSpans<double> s, Reduction reduction)
            => dualWithGradient(s.Values(0), s.Values(1), s.Gradient(0), s.Gradient(1), reduction);

        public override Half ReduceWithGradient(in LossSpans<Half> s, Reduction reduction)
            => halfWithGradient(s.Values(0), s.Values(1), s.Gradient(0), s.Gradient(1), reduction);
    }

    private sealed class PerceptualKernel(int[] layerLengths, double[] layerWeights) : TensorKernel("Perceptual",
        new TensorParameter("predFeatures", TensorArgumentKind.Element, HasGradient: true),
        new TensorParameter("targetFeatures", TensorArgumentKind.Element))
    {
        public override float Reduce(in LossSpans<float> s, Reduction reduction)
            => Losses.Perceptual(s.Values(0), s.Values(1), layerLengths, layerWeights, reduction);

        public override double Reduce(in LossSpans<double> s, Reduction reduction)
            => Losses.Perceptual(s.Values(0), s.Values(1), layerLengths, layerWeights, reduction);

        public override Half Reduce(in LossSpans<Half> s, Reduction reduction)
            => Losses.Perceptual(s.Values(0), s.Values(1), layerLengths, layerWeights, reduction);

        public override float ReduceWithGradient(in LossSpans<float> s, Reduction reduction)
            => Losses.PerceptualWithGradient(s.Values(0), s.Values(1), s.Gradient(0), layerLengths, layerWeights, reduction);

        public override double ReduceWithGradient(in LossSpans<double> s, Reduction reduction)
            => Losses.PerceptualWithGradient(s.Values(0), s.Values(1), s.Gradient(0), layerLengths, layerWeights, reduction);

        public override Half ReduceWithGradient(in LossSpans<Half> s, Reduction reduction)
            => Losses.PerceptualWithGradient(s.Values(0), s.Values(1), s.Gradient(0), layerLengths, layerWeights, reduction);
    }

    private sealed class CtcKernel(int blank, bool zeroInfinity) : TensorKernel("Ctc",
        new TensorParameter("logProbs", TensorArgumentKind.Custom, HasGradient: true),
        new TensorParameter("targets", TensorArgumentKind.Custom, IsLabel: true),
        new TensorParameter("inputLengths", TensorArgumentKind.Custom, IsLabel: true),
        new TensorParameter("targetLengths", TensorArgumentKind.Custom, IsLabel: true))
    {
        public override int CheckShapes(ReadOnlySpan<Tensor> tensors)
        {
            Rank(this, tensors, 0, 3, "[T, N, C]");
            long[] batch = [tensors[0].shape[1]];
            TensorShapes.Same(this, tensors, 0, 2, batch, "one per sample");
            TensorShapes.Same(this, tensors, 0, 3, batch, "one per sample");
            if (tensors[1].ndim == 2)
            {
                TensorShapes.Same(this, tensors, 0, 1, [batch[0], tensors[1].shape[1]], "padded [N, S]");
            }
            else
            {
                Rank(this, tensors, 1, 1, "padded [N, S] or concatenated (1-D)");
            }

            return 1;
        }

        public override long[] ElementwiseShape(ReadOnlySpan<Tensor> tensors) => [tensors[0].shape[1]];

        public override Tensor ScaleElementwiseGradient(Tensor summedGradient, Tensor outputGradient, int argument)
            => summedGradient * outputGradient.view(1, -1, 1);

        private static CtcTargets Targets<T>(in LossSpans<T> s) where T : unmanaged
            => s.Rank(1) == 2 ? CtcTargets.Padded(s.Labels(1), (int)s.Size(1, 1)) : CtcTargets.Concatenated(s.Labels(1));

        private static int N<T>(in LossSpans<T> s) where T : unmanaged => (int)s.Size(0, 1);

        private static int C<T>(in LossSpans<T> s) where T : unmanaged => (int)s.Size(0, 2);

        public override float Reduce(in LossSpans<float> s, Reduction reduction)
            => Losses.Ctc(s.Values(0), N(s), C(s), Targets(s), s.Labels(2), s.Labels(3), blank, zeroInfinity, reduction);

        public override double Reduce(in LossSpans<double> s, Reduction reduction)
            => Losses.Ctc(s.Values(0), N(s), C(s), Targets(s), s.Labels(2), s.Labels(3), blank, zeroInfinity, reduction);

        public override Half Reduce(in LossSpans<Half> s, Reduction reduction)
            => Losses.Ctc(s.Values(0), N(s), C(s), Targets(s), s.Labels(2), s.Labels(3), blank, zeroInfinity, reduction);

        public override float ReduceWithGradient(in LossSpans<float> s, Reduction reduction)
            => Losses.CtcWithGradient(s.Values(0), N(s), C(s), Targets(s), s.Labels(2), s.Labels(3), s.Gradient(0), blank, zeroInfinity, reduction);

        public override double ReduceWithGradient(in LossSpans<double> s, Reduction reduction)
            => Losses.CtcWithGradient(s.Values(0), N(s), C(s), Targets(s), s.Labels(2), s.Labels(3), s.Gradient(0), blank, zeroInfinity, reduction);

        public override Half ReduceWithGradient(in LossSpans<Half> s, Reduction reduction)
            => Losses.CtcWithGradient(s.Values(0), N(s), C(s), Targets(s), s.Labels(2), s.Labels(3), s.Gradient(0), blank, zeroInfinity, reduction);

        public override void Elementwise(in LossSpans<float> s)
            => Losses.CtcElementwise(s.Values(0), N(s), C(s), Targets(s), s.Labels(2), s.Labels(3), s.Losses, blank, zeroInfinity);

        public override void Elementwise(in LossSpans<double> s)
            => Losses.CtcElementwise(s.Values(0), N(s), C(s), Targets(s), s.Labels(2), s.Labels(3), s.Losses, blank, zeroInfinity);

        public override void Elementwise(in LossSpans<Half> s)
            => Losses.CtcElementwise(s.Values(0), N(s), C(s), Targets(s), s.Labels(2), s.Labels(3), s.Losses, blank, zeroInfinity);
    }

    private sealed class WeightedCrossEntropyKernel(int ignoreIndex, double labelSmoothing, bool zeroWhenAllIgnored) : TensorKernel("SparseSoftmaxCrossEntropy",
        new TensorParameter("logits", TensorArgumentKind.Row, HasGradient: true),
        new TensorParameter("labels", TensorArgumentKind.Label, IsLabel: true),
        new TensorParameter("classWeights", TensorArgumentKind.SharedRow))
    {
        public override float Reduce(in LossSpans<float> s, Reduction reduction)
            => Losses.SparseSoftmaxCrossEntropy(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), ignoreIndex, labelSmoothing, reduction, zeroWhenAllIgnored);

        public override double Reduce(in LossSpans<double> s, Reduction reduction)
            => Losses.SparseSoftmaxCrossEntropy(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), ignoreIndex, labelSmoothing, reduction, zeroWhenAllIgnored);

        public override Half Reduce(in LossSpans<Half> s, Reduction reduction)
            => Losses.SparseSoftmaxCrossEntropy(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), ignoreIndex, labelSmoothing, reduction, zeroWhenAllIgnored);

        public override float ReduceWithGradient(in LossSpans<float> s, Reduction reduction)
            => Losses.SparseSoftmaxCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), ignoreIndex, labelSmoothing, reduction, zeroWhenAllIgnored);

        public override double ReduceWithGradient(in LossSpans<double> s, Reduction reduction)
            => Losses.SparseSoftmaxCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), ignoreIndex, labelSmoothing, reduction, zeroWhenAllIgnored);

        public override Half ReduceWithGradient(in LossSpans<Half> s, Reduction reduction)
            => Losses.SparseSoftmaxCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), ignoreIndex, labelSmoothing, reduction, zeroWhenAllIgnored);
    }

    private delegate T RowLoss<T>(in LossSpans<T> spans, Reduction reduction)
        where T : unmanaged;

    /// <summary>
    /// A row loss over <c>[..., C]</c> scores, a second argument (labels or a target row) and, unless the weights' name is
    /// null, <c>[C]</c> class weights, given as its span overloads per element type.
    /// </summary>
    private sealed class RowSpansKernel(string name, string second, TensorArgumentKind secondKind,
        RowLoss<float> reduceSingle, RowLoss<double> reduceDouble, RowLoss<Half> reduceHalf,
        RowLoss<float> gradientSingle, RowLoss<double> gradientDouble, RowLoss<Half> gradientHalf, string? weights = "classWeights", string input = "logits")
        : TensorKernel(name, ArgumentsOf(input, second, secondKind, weights))
    {
        /// <summary>The scores, the second argument and, unless <paramref name="weights"/> is null (the ignoreIndex forms), the weights.</summary>
        private static TensorParameter[] ArgumentsOf(string input, string second, TensorArgumentKind secondKind, string? weights)
        {
            var scores = new TensorParameter(input, TensorArgumentKind.Row, HasGradient: true);
            var other = new TensorParameter(second, secondKind, IsLabel: secondKind == TensorArgumentKind.Label);
            return weights is null ? [scores, other] : [scores, other, new TensorParameter(weights, TensorArgumentKind.SharedRow)];
        }

        public override float Reduce(in LossSpans<float> s, Reduction reduction) => reduceSingle(s, reduction);

        public override double Reduce(in LossSpans<double> s, Reduction reduction) => reduceDouble(s, reduction);

        public override Half Reduce(in LossSpans<Half> s, Reduction reduction) => reduceHalf(s, reduction);

        public override float ReduceWithGradient(in LossSpans<float> s, Reduction reduction) => gradientSingle(s, reduction);

        public override double ReduceWithGradient(in LossSpans<double> s, Reduction reduction) => gradientDouble(s, reduction);

        public override Half ReduceWithGradient(in LossSpans<Half> s, Reduction reduction) => gradientHalf(s, reduction);
    }

    /// <summary>
    /// The pixelwise cross-entropy over <c>[N, C, d1, …, dk]</c> logits (any k ≥ 1; images are k = 2), with a class-weights
    /// tensor <c>[C]</c> as a third argument when <paramref name="weighted"/>, and label smoothing.
    /// </summary>
    private sealed class PixelwiseCrossEntropyKernel(int ignoreIndex, bool zeroWhenAllIgnored, bool weighted = false, double labelSmoothing = 0)
        : TensorKernel("PixelwiseCrossEntropy", Arguments(weighted))
    {
        private static TensorParameter[] Arguments(bool weighted)
        {
            TensorParameter logits = new("logits", TensorArgumentKind.Custom, HasGradient: true), labels = new("labels", TensorArgumentKind.Custom, IsLabel: true);
            return weighted ? [logits, labels, new TensorParameter("classWeights", TensorArgumentKind.Custom)] : [logits, labels];
        }

        public override int CheckShapes(ReadOnlySpan<Tensor> tensors) => VolumeShapes.Check(this, tensors, weighted);

        public override long[] ElementwiseShape(ReadOnlySpan<Tensor> tensors)
            => [tensors[0].shape[0], .. tensors[0].shape[2..]];

        public override Tensor ScaleElementwiseGradient(Tensor summedGradient, Tensor outputGradient, int argument)
            => summedGradient * outputGradient.unsqueeze(1);

        private ReadOnlySpan<T> Weights<T>(in LossSpans<T> s) where T : unmanaged => weighted ? s.Values(2) : default;

        public override float Reduce(in LossSpans<float> s, Reduction reduction)
        {
            int c = VolumeShapes.Of(s, stackalloc int[VolumeShapes.MaxSpatial], out Span<int> spatial);
            return Losses.PixelwiseCrossEntropy(s.Values(0), s.Labels(1), c, spatial, Weights(s), labelSmoothing, reduction, ignoreIndex, zeroWhenAllIgnored);
        }

        public override double Reduce(in LossSpans<double> s, Reduction reduction)
        {
            int c = VolumeShapes.Of(s, stackalloc int[VolumeShapes.MaxSpatial], out Span<int> spatial);
            return Losses.PixelwiseCrossEntropy(s.Values(0), s.Labels(1), c, spatial, Weights(s), labelSmoothing, reduction, ignoreIndex, zeroWhenAllIgnored);
        }

        public override Half Reduce(in LossSpans<Half> s, Reduction reduction)
        {
            int c = VolumeShapes.Of(s, stackalloc int[VolumeShapes.MaxSpatial], out Span<int> spatial);
            return Losses.PixelwiseCrossEntropy(s.Values(0), s.Labels(1), c, spatial, Weights(s), labelSmoothing, reduction, ignoreIndex, zeroWhenAllIgnored);
        }

        public override float ReduceWithGradient(in LossSpans<float> s, Reduction reduction)
        {
            int c = VolumeShapes.Of(s, stackalloc int[VolumeShapes.MaxSpatial], out Span<int> spatial);
            return Losses.PixelwiseCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), c, spatial, Weights(s), labelSmoothing, reduction, ignoreIndex, zeroWhenAllIgnored);
        }

        public override double ReduceWithGradient(in LossSpans<double> s, Reduction reduction)
        {
            int c = VolumeShapes.Of(s, stackalloc int[VolumeShapes.MaxSpatial], out Span<int> spatial);
            return Losses.PixelwiseCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), c, spatial, Weights(s), labelSmoothing, reduction, ignoreIndex, zeroWhenAllIgnored);
        }

        public override Half ReduceWithGradient(in LossSpans<Half> s, Reduction reduction)
        {
            int c = VolumeShapes.Of(s, stackalloc int[VolumeShapes.MaxSpatial], out Span<int> spatial);
            return Losses.PixelwiseCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), c, spatial, Weights(s), labelSmoothing, reduction, ignoreIndex, zeroWhenAllIgnored);
        }

        public override void Elementwise(in LossSpans<float> s)
        {
            int c = VolumeShapes.Of(s, stackalloc int[VolumeShapes.MaxSpatial], out Span<int> spatial);
            Losses.PixelwiseCrossEntropyElementwise(s.Values(0), s.Labels(1), s.Losses, c, spatial, Weights(s), labelSmoothing, ignoreIndex);
        }

        public override void Elementwise(in LossSpans<double> s)
        {
            int c = VolumeShapes.Of(s, stackalloc int[VolumeShapes.MaxSpatial], out Span<int> spatial);
            Losses.PixelwiseCrossEntropyElementwise(s.Values(0), s.Labels(1), s.Losses, c, spatial, Weights(s), labelSmoothing, ignoreIndex);
        }

        public override void Elementwise(in LossSpans<Half> s)
        {
            int c = VolumeShapes.Of(s, stackalloc int[VolumeShapes.MaxSpatial], out Span<int> spatial);
            Losses.PixelwiseCrossEntropyElementwise(s.Values(0), s.Labels(1), s.Losses, c, spatial, Weights(s), labelSmoothing, ignoreIndex);
        }
    }

    /// <summary>
    /// The <c>[N, C, d1, …, dk]</c> logits and <c>[N, d1, …, dk]</c> labels (and <c>[C]</c> class weights) of the losses over
    /// images and volumes: their shape checks, and their class count and spatial dimensions inside a call.
    /// </summary>
    private static class VolumeShapes
    {
        /// <summary>The most spatial dimensions handled; PyTorch's own kernels stop at 3 for convolutions.</summary>
        public const int MaxSpatial = 16;

        public static int Check(TensorKernel kernel, ReadOnlySpan<Tensor> tensors, bool weighted)
        {
            long[] shape = tensors[0].shape;
            if (shape.Length < 3 || shape.Length > MaxSpatial + 2)
            {
                throw new ArgumentException($"{kernel.Name}: logits has shape {TensorShapes.Format(shape)}; it must be [N, C, d1, …, dk], 1 ≤ k ≤ {MaxSpatial} ([N, C, H, W] for images).", "logits");
            }

            TensorShapes.Same(kernel, tensors, 0, 1, [shape[0], .. shape[2..]], "[N, d1, …, dk]: one label per pixel");
            if (weighted)
            {
                TensorShapes.Same(kernel, tensors, 0, 2, [shape[1]], "[C]: one weight per class");
            }

            return 1;
        }

        /// <summary>C, and the spatial dimensions written into <paramref name="spatial"/>, which is returned cut to them.</summary>
        public static int Of<T>(in LossSpans<T> s, Span<int> spatial, out Span<int> dimensions) where T : unmanaged
        {
            int rank = s.Rank(0);
            for (int d = 2; d < rank; d++)
            {
                spatial[d - 2] = (int)s.Size(0, d);
            }

            dimensions = spatial[..(rank - 2)];
            return (int)s.Size(0, 1);
        }
    }

    /// <summary>Which softmax overlap loss a <see cref="SoftmaxOverlapKernel"/> runs.</summary>
    private enum OverlapLoss
    {
        Dice,
        Jaccard,
        Tversky,
        GeneralizedDice,
    }

    /// <summary>The softmax overlap losses over <c>[N, C, d1, …, dk]</c> logits: one number for the batch, so no per-element form.</summary>
    private sealed class SoftmaxOverlapKernel(OverlapLoss loss, bool weighted, double alpha, double beta, double gamma, double smooth, int ignoreIndex)
        : TensorKernel("Softmax" + loss, Arguments(weighted))
    {
        private static TensorParameter[] Arguments(bool weighted)
        {
            TensorParameter logits = new("logits", TensorArgumentKind.Custom, HasGradient: true), labels = new("labels", TensorArgumentKind.Custom, IsLabel: true);
            return weighted ? [logits, labels, new TensorParameter("classWeights", TensorArgumentKind.Custom)] : [logits, labels];
        }

        public override int CheckShapes(ReadOnlySpan<Tensor> tensors) => VolumeShapes.Check(this, tensors, weighted);

        public override float Reduce(in LossSpans<float> s, Reduction reduction) => Run(s, default, withGradient: false);

        public override double Reduce(in LossSpans<double> s, Reduction reduction) => Run(s, default, withGradient: false);

        public override Half Reduce(in LossSpans<Half> s, Reduction reduction) => Run(s, default, withGradient: false);

        public override float ReduceWithGradient(in LossSpans<float> s, Reduction reduction) => Run(s, s.Gradient(0), withGradient: true);

        public override double ReduceWithGradient(in LossSpans<double> s, Reduction reduction) => Run(s, s.Gradient(0), withGradient: true);

        public override Half ReduceWithGradient(in LossSpans<Half> s, Reduction reduction) => Run(s, s.Gradient(0), withGradient: true);

        private float Run(in LossSpans<float> s, Span<float> gradient, bool withGradient)
        {
            int c = VolumeShapes.Of(s, stackalloc int[VolumeShapes.MaxSpatial], out Span<int> spatial);
            ReadOnlySpan<float> weights = weighted ? s.Values(2) : default;
            return (loss, withGradient) switch
            {
                (OverlapLoss.Dice, false) => Losses.SoftmaxDice(s.Values(0), s.Labels(1), c, spatial, weights, smooth, ignoreIndex),
                (OverlapLoss.Dice, true) => Losses.SoftmaxDiceWithGradient(s.Values(0), s.Labels(1), gradient, c, spatial, weights, smooth, ignoreIndex),
                (OverlapLoss.Jaccard, false) => Losses.SoftmaxJaccard(s.Values(0), s.Labels(1), c, spatial, weights, smooth, ignoreIndex),
                (OverlapLoss.Jaccard, true) => Losses.SoftmaxJaccardWithGradient(s.Values(0), s.Labels(1), gradient, c, spatial, weights, smooth, ignoreIndex),
                (OverlapLoss.Tversky, false) => Losses.SoftmaxTversky(s.Values(0), s.Labels(1), c, spatial, weights, alpha, beta, gamma, smooth, ignoreIndex),
                (OverlapLoss.Tversky, true) => Losses.SoftmaxTverskyWithGradient(s.Values(0), s.Labels(1), gradient, c, spatial, weights, alpha, beta, gamma, smooth, ignoreIndex),
                (_, false) => Losses.SoftmaxGeneralizedDice(s.Values(0), s.Labels(1), c, spatial, smooth, ignoreIndex),
                (_, true) => Losses.SoftmaxGeneralizedDiceWithGradient(s.Values(0), s.Labels(1), gradient, c, spatial, smooth, ignoreIndex),
            };
        }

        private double Run(in LossSpans<double> s, Span<double> gradient, bool withGradient)
        {
            int c = VolumeShapes.Of(s, stackalloc int[VolumeShapes.MaxSpatial], out Span<int> spatial);
            ReadOnlySpan<double> weights = weighted ? s.Values(2) : default;
            return (loss, withGradient) switch
            {
                (OverlapLoss.Dice, false) => Losses.SoftmaxDice(s.Values(0), s.Labels(1), c, spatial, weights, smooth, ignoreIndex),
                (OverlapLoss.Dice, true) => Losses.SoftmaxDiceWithGradient(s.Values(0), s.Labels(1), gradient, c, spatial, weights, smooth, ignoreIndex),
                (OverlapLoss.Jaccard, false) => Losses.SoftmaxJaccard(s.Values(0), s.Labels(1), c, spatial, weights, smooth, ignoreIndex),
                (OverlapLoss.Jaccard, true) => Losses.SoftmaxJaccardWithGradient(s.Values(0), s.Labels(1), gradient, c, spatial, weights, smooth, ignoreIndex),
                (OverlapLoss.Tversky, false) => Losses.SoftmaxTversky(s.Values(0), s.Labels(1), c, spatial, weights, alpha, beta, gamma, smooth, ignoreIndex),
                (OverlapLoss.Tversky, true) => Losses.SoftmaxTverskyWithGradient(s.Values(0), s.Labels(1), gradient, c, spatial, weights, alpha, beta, gamma, smooth, ignoreIndex),
                (_, false) => Losses.SoftmaxGeneralizedDice(s.Values(0), s.Labels(1), c, spatial, smooth, ignoreIndex),
                (_, true) => Losses.SoftmaxGeneralizedDiceWithGradient(s.Values(0), s.Labels(1), gradient, c, spatial, smooth, ignoreIndex),
            };
        }

        private Half Run(in LossSpans<Half> s, Span<Half> gradient, bool withGradient)
        {
            int c = VolumeShapes.Of(s, stackalloc int[VolumeShapes.MaxSpatial], out Span<int> spatial);
            ReadOnlySpan<Half> weights = weighted ? s.Values(2) : default;
            return (loss, withGradient) switch
            {
                (OverlapLoss.Dice, false) => Losses.SoftmaxDice(s.Values(0), s.Labels(1), c, spatial, weights, smooth, ignoreIndex),
                (OverlapLoss.Dice, true) => Losses.SoftmaxDiceWithGradient(s.Values(0), s.Labels(1), gradient, c, spatial, weights, smooth, ignoreIndex),
                (OverlapLoss.Jaccard, false) => Losses.SoftmaxJaccard(s.Values(0), s.Labels(1), c, spatial, weights, smooth, ignoreIndex),
                (OverlapLoss.Jaccard, true) => Losses.SoftmaxJaccardWithGradient(s.Values(0), s.Labels(1), gradient, c, spatial, weights, smooth, ignoreIndex),
                (OverlapLoss.Tversky, false) => Losses.SoftmaxTversky(s.Values(0), s.Labels(1), c, spatial, weights, alpha, beta, gamma, smooth, ignoreIndex),
                (OverlapLoss.Tversky, true) => Losses.SoftmaxTverskyWithGradient(s.Values(0), s.Labels(1), gradient, c, spatial, weights, alpha, beta, gamma, smooth, ignoreIndex),
                (_, false) => Losses.SoftmaxGeneralizedDice(s.Values(0), s.Labels(1), c, spatial, smooth, ignoreIndex),
                (_, true) => Losses.SoftmaxGeneralizedDiceWithGradient(s.Values(0), s.Labels(1), gradient, c, spatial, smooth, ignoreIndex),
            };
        }
    }

    private sealed class MultiLabelMarginKernel() : TensorKernel("MultiLabelMargin",
        new TensorParameter("logits", TensorArgumentKind.Custom, HasGradient: true),
        new TensorParameter("targets", TensorArgumentKind.Custom, IsLabel: true))
    {
        public override int CheckShapes(ReadOnlySpan<Tensor> tensors)
        {
            if (tensors[0].ndim < 1)
            {
                throw new ArgumentException("MultiLabelMargin: logits is a 0-dim tensor; it must be [..., C].", "logits");
            }

            if (!tensors[1].shape.AsSpan().SequenceEqual(tensors[0].shape))
            {
                throw new ArgumentException(
                    $"MultiLabelMargin: logits has shape {TensorShapes.Format(tensors[0].shape)}, so targets must have the same shape (each row's target classes, then -1), but has {TensorShapes.Format(tensors[1].shape)}.", "targets");
            }

            return 1;
        }

        public override long[] ElementwiseShape(ReadOnlySpan<Tensor> tensors) => tensors[0].shape[..^1];

        public override Tensor ScaleElementwiseGradient(Tensor summedGradient, Tensor outputGradient, int argument)
            => summedGradient * outputGradient.unsqueeze(-1);

        private static int Classes<T>(in LossSpans<T> s) where T : unmanaged => (int)s.Size(0, s.Rank(0) - 1);

        public override float Reduce(in LossSpans<float> s, Reduction reduction) => Losses.MultiLabelMargin(s.Values(0), s.Labels(1), Classes(s), reduction);

        public override double Reduce(in LossSpans<double> s, Reduction reduction) => Losses.MultiLabelMargin(s.Values(0), s.Labels(1), Classes(s), reduction);

        public override Half Reduce(in LossSpans<Half> s, Reduction reduction) => Losses.MultiLabelMargin(s.Values(0), s.Labels(1), Classes(s), reduction);

        public override float ReduceWithGradient(in LossSpans<float> s, Reduction reduction)
            => Losses.MultiLabelMarginWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), Classes(s), reduction);

        public override double ReduceWithGradient(in LossSpans<double> s, Reduction reduction)
            => Losses.MultiLabelMarginWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), Classes(s), reduction);

        public override Half ReduceWithGradient(in LossSpans<Half> s, Reduction reduction)
            => Losses.MultiLabelMarginWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), Classes(s), reduction);

        public override void Elementwise(in LossSpans<float> s) => Losses.MultiLabelMarginElementwise(s.Values(0), s.Labels(1), s.Losses, Classes(s));

        public override void Elementwise(in LossSpans<double> s) => Losses.MultiLabelMarginElementwise(s.Values(0), s.Labels(1), s.Losses, Classes(s));

        public override void Elementwise(in LossSpans<Half> s) => Losses.MultiLabelMarginElementwise(s.Values(0), s.Labels(1), s.Losses, Classes(s));
    }

    private sealed class InfoNceTensorKernel(double temperature, bool symmetric, bool normalize) : TensorKernel("InfoNce",
        new TensorParameter("x1", TensorArgumentKind.Custom, HasGradient: true),
        new TensorParameter("x2", TensorArgumentKind.Custom, HasGradient: true))
    {
        public override int CheckShapes(ReadOnlySpan<Tensor> tensors)
        {
            Rank(this, tensors, 0, 2, "[B, D]");
            Rank(this, tensors, 1, 2, "[B, D]");
            if (tensors[1].shape[0] != tensors[0].shape[0] || tensors[1].shape[1] != tensors[0].shape[1])
            {
                throw new ArgumentException(
                    $"InfoNce: x1 has shape {TensorShapes.Format(tensors[0].shape)}, so x2 must have the same shape (one positive per row), but has {TensorShapes.Format(tensors[1].shape)}.", "x2");
            }

            return 1;
        }

        /// <summary>D; a batch of no rows has no row length to read, and D = 1 then gives the empty batch's value.</summary>
        private static int Dimension<T>(in LossSpans<T> s) where T : unmanaged => (int)Math.Max(1, s.Size(0, 1));

        public override float Reduce(in LossSpans<float> s, Reduction reduction)
            => Losses.InfoNce(s.Values(0), s.Values(1), Dimension(s), temperature, symmetric, normalize, reduction);

        public override double Reduce(in LossSpans<double> s, Reduction reduction)
            => Losses.InfoNce(s.Values(0), s.Values(1), Dimension(s), temperature, symmetric, normalize, reduction);

        public override Half Reduce(in LossSpans<Half> s, Reduction reduction)
            => Losses.InfoNce(s.Values(0), s.Values(1), Dimension(s), temperature, symmetric, normalize, reduction);

        public override float ReduceWithGradient(in LossSpans<float> s, Reduction reduction)
            => Losses.InfoNceWithGradient(s.Values(0), s.Values(1), s.Gradient(0), s.Gradient(1), Dimension(s), temperature, symmetric, normalize, reduction);

        public override double ReduceWithGradient(in LossSpans<double> s, Reduction reduction)
            => Losses.InfoNceWithGradient(s.Values(0), s.Values(1), s.Gradient(0), s.Gradient(1), Dimension(s), temperature, symmetric, normalize, reduction);

        public override Half ReduceWithGradient(in LossSpans<Half> s, Reduction reduction)
            => Losses.InfoNceWithGradient(s.Values(0), s.Values(1), s.Gradient(0), s.Gradient(1), Dimension(s), temperature, symmetric, normalize, reduction);
    }

    private sealed class TotalVariationKernel(TotalVariationNorm norm) : TensorKernel("TotalVariation",
        new TensorParameter("images", TensorArgumentKind.Custom, HasGradient: true))
    {
        public override int CheckShapes(ReadOnlySpan<Tensor> tensors)
        {
            Rank(this, tensors, 0, 4, "[N, C, H, W]");
            return 1;
        }

        public override long[] ElementwiseShape(ReadOnlySpan<Tensor> tensors) => [tensors[0].shape[0]];

        public override Tensor ScaleElementwiseGradient(Tensor summedGradient, Tensor outputGradient, int argument)
            => summedGradient * outputGradient.view(-1, 1, 1, 1);

        private static (int C, int H, int W) Image<T>(in LossSpans<T> s) where T : unmanaged
            => ((int)s.Size(0, 1), (int)s.Size(0, 2), (int)s.Size(0, 3));

        public override float Reduce(in LossSpans<float> s, Reduction reduction)
        {
            (int c, int h, int w) = Image(s);
            return Losses.TotalVariation(s.Values(0), c, h, w, norm, reduction);
        }

        public override double Reduce(in LossSpans<double> s, Reduction reduction)
        {
            (int c, int h, int w) = Image(s);
            return Losses.TotalVariation(s.Values(0), c, h, w, norm, reduction);
        }

        public override Half Reduce(in LossSpans<Half> s, Reduction reduction)
        {
            (int c, int h, int w) = Image(s);
            return Losses.TotalVariation(s.Values(0), c, h, w, norm, reduction);
        }

        public override float ReduceWithGradient(in LossSpans<float> s, Reduction reduction)
        {
            (int c, int h, int w) = Image(s);
            return Losses.TotalVariationWithGradient(s.Values(0), s.Gradient(0), c, h, w, norm, reduction);
        }

        public override double ReduceWithGradient(in LossSpans<double> s, Reduction reduction)
        {
            (int c, int h, int w) = Image(s);
            return Losses.TotalVariationWithGradient(s.Values(0), s.Gradient(0), c, h, w, norm, reduction);
        }

        public override Half ReduceWithGradient(in LossSpans<Half> s, Reduction reduction)
        {
            (int c, int h, int w) = Image(s);
            return Losses.TotalVariationWithGradient(s.Values(0), s.Gradient(0), c, h, w, norm, reduction);
        }

        public override void Elementwise(in LossSpans<float> s)
        {
            (int c, int h, int w) = Image(s);
            Losses.TotalVariationElementwise(s.Values(0), s.Losses, c, h, w, norm);
        }

        public override void Elementwise(in LossSpans<double> s)
        {
            (int c, int h, int w) = Image(s);
            Losses.TotalVariationElementwise(s.Values(0), s.Losses, c, h, w, norm);
        }

        public override void Elementwise(in LossSpans<Half> s)
        {
            (int c, int h, int w) = Image(s);
            Losses.TotalVariationElementwise(s.Values(0), s.Losses, c, h, w, norm);
        }
    }
}
