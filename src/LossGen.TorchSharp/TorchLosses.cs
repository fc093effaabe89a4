using System;
using TorchSharp;
using static TorchSharp.torch;

namespace LossGen.TorchSharp;

/// <summary>
/// LossGen's catalogue (<see cref="Losses"/>) over TorchSharp tensors, each loss under its own name and with its own
/// settings, differentiable by autograd. The losses declared with <c>[Loss]</c> get their tensor forms from the generator
/// (<see cref="TensorFormsOfAttribute"/>); the hand-written ones (CTC, weighted cross-entropy, pixelwise cross-entropy, total
/// variation) are below.
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
    /// label_smoothing)</c>: see <see cref="Losses.SparseSoftmaxCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, ReadOnlySpan{float}, int, double, Reduction)"/>
    /// (the weighted mean divides by the weights of the rows that count).
    /// </summary>
    /// <param name="logits">Rows of logits, <c>[..., C]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">One class index per row (int64), shaped as the leading dimensions.</param>
    /// <param name="classWeights">One weight per class, <c>[C]</c>.</param>
    /// <param name="ignoreIndex">A label whose rows count for nothing.</param>
    /// <param name="labelSmoothing">ε, as PyTorch's <c>label_smoothing</c>.</param>
    /// <param name="reduction">Weighted mean or sum.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor SparseSoftmaxCrossEntropy(Tensor logits, Tensor labels, Tensor classWeights, int ignoreIndex = -100, double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean)
        => TensorLoss.Reduce(new WeightedCrossEntropyKernel(ignoreIndex, labelSmoothing), reduction, logits, labels, classWeights);

    /// <summary>
    /// Softmax cross-entropy of every pixel of <c>[N, C, H, W]</c> logits against <c>[N, H, W]</c> labels, as PyTorch's
    /// <c>cross_entropy</c> on images: see <see cref="Losses.PixelwiseCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int, int, Reduction, int)"/>.
    /// </summary>
    /// <param name="logits">Scores <c>[N, C, H, W]</c>. Its <c>.grad</c> is filled by backward.</param>
    /// <param name="labels">The class of each pixel, <c>[N, H, W]</c>, int64 or int32.</param>
    /// <param name="reduction">Mean over the pixels that count, or sum.</param>
    /// <param name="ignoreIndex">The label of pixels that count for nothing.</param>
    /// <returns>The loss, a 0-dim tensor of the logits' element type.</returns>
    public static Tensor PixelwiseCrossEntropy(Tensor logits, Tensor labels, Reduction reduction = Reduction.Mean, int ignoreIndex = -100)
        => TensorLoss.Reduce(new PixelwiseCrossEntropyKernel(ignoreIndex), reduction, logits, labels);

    /// <summary>The cross-entropy of each pixel, <c>[N, H, W]</c> (0 where ignored), differentiable; see <see cref="PixelwiseCrossEntropy"/>.</summary>
    /// <param name="logits">Scores <c>[N, C, H, W]</c>.</param>
    /// <param name="labels">The class of each pixel, <c>[N, H, W]</c>.</param>
    /// <param name="ignoreIndex">The label of pixels that count for nothing.</param>
    /// <returns>The per-pixel losses.</returns>
    public static Tensor PixelwiseCrossEntropyElementwise(Tensor logits, Tensor labels, int ignoreIndex = -100)
        => TensorLoss.Elementwise(new PixelwiseCrossEntropyKernel(ignoreIndex), logits, labels);

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

    /// <summary>Checks that tensor <paramref name="argument"/> has <paramref name="rank"/> dimensions, naming the layout it needs.</summary>
    private static void Rank(TensorKernel kernel, ReadOnlySpan<Tensor> tensors, int argument, int rank, string layout)
    {
        if (tensors[argument].ndim != rank)
        {
            string name = kernel.Parameters[argument].Name;
            throw new ArgumentException($"{kernel.Name}: {name} has shape {TensorShapes.Format(tensors[argument].shape)}; it must be {layout}.", name);
        }
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

    private sealed class WeightedCrossEntropyKernel(int ignoreIndex, double labelSmoothing) : TensorKernel("SparseSoftmaxCrossEntropy",
        new TensorParameter("logits", TensorArgumentKind.Row, HasGradient: true),
        new TensorParameter("labels", TensorArgumentKind.Label, IsLabel: true),
        new TensorParameter("classWeights", TensorArgumentKind.SharedRow))
    {
        public override float Reduce(in LossSpans<float> s, Reduction reduction)
            => Losses.SparseSoftmaxCrossEntropy(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), ignoreIndex, labelSmoothing, reduction);

        public override double Reduce(in LossSpans<double> s, Reduction reduction)
            => Losses.SparseSoftmaxCrossEntropy(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), ignoreIndex, labelSmoothing, reduction);

        public override Half Reduce(in LossSpans<Half> s, Reduction reduction)
            => Losses.SparseSoftmaxCrossEntropy(s.Values(0), s.Labels(1), s.RowLength, s.Values(2), ignoreIndex, labelSmoothing, reduction);

        public override float ReduceWithGradient(in LossSpans<float> s, Reduction reduction)
            => Losses.SparseSoftmaxCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), ignoreIndex, labelSmoothing, reduction);

        public override double ReduceWithGradient(in LossSpans<double> s, Reduction reduction)
            => Losses.SparseSoftmaxCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), ignoreIndex, labelSmoothing, reduction);

        public override Half ReduceWithGradient(in LossSpans<Half> s, Reduction reduction)
            => Losses.SparseSoftmaxCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), s.RowLength, s.Values(2), ignoreIndex, labelSmoothing, reduction);
    }

    private sealed class PixelwiseCrossEntropyKernel(int ignoreIndex) : TensorKernel("PixelwiseCrossEntropy",
        new TensorParameter("logits", TensorArgumentKind.Custom, HasGradient: true),
        new TensorParameter("labels", TensorArgumentKind.Custom, IsLabel: true))
    {
        public override int CheckShapes(ReadOnlySpan<Tensor> tensors)
        {
            Rank(this, tensors, 0, 4, "[N, C, H, W]");
            long[] shape = tensors[0].shape;
            TensorShapes.Same(this, tensors, 0, 1, [shape[0], shape[2], shape[3]], "[N, H, W]: one label per pixel");
            return 1;
        }

        public override long[] ElementwiseShape(ReadOnlySpan<Tensor> tensors)
            => [tensors[0].shape[0], tensors[0].shape[2], tensors[0].shape[3]];

        public override Tensor ScaleElementwiseGradient(Tensor summedGradient, Tensor outputGradient, int argument)
            => summedGradient * outputGradient.unsqueeze(1);

        private static (int C, int H, int W) Image<T>(in LossSpans<T> s) where T : unmanaged
            => ((int)s.Size(0, 1), (int)s.Size(0, 2), (int)s.Size(0, 3));

        public override float Reduce(in LossSpans<float> s, Reduction reduction)
        {
            (int c, int h, int w) = Image(s);
            return Losses.PixelwiseCrossEntropy(s.Values(0), s.Labels(1), c, h, w, reduction, ignoreIndex);
        }

        public override double Reduce(in LossSpans<double> s, Reduction reduction)
        {
            (int c, int h, int w) = Image(s);
            return Losses.PixelwiseCrossEntropy(s.Values(0), s.Labels(1), c, h, w, reduction, ignoreIndex);
        }

        public override Half Reduce(in LossSpans<Half> s, Reduction reduction)
        {
            (int c, int h, int w) = Image(s);
            return Losses.PixelwiseCrossEntropy(s.Values(0), s.Labels(1), c, h, w, reduction, ignoreIndex);
        }

        public override float ReduceWithGradient(in LossSpans<float> s, Reduction reduction)
        {
            (int c, int h, int w) = Image(s);
            return Losses.PixelwiseCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), c, h, w, reduction, ignoreIndex);
        }

        public override double ReduceWithGradient(in LossSpans<double> s, Reduction reduction)
        {
            (int c, int h, int w) = Image(s);
            return Losses.PixelwiseCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), c, h, w, reduction, ignoreIndex);
        }

        public override Half ReduceWithGradient(in LossSpans<Half> s, Reduction reduction)
        {
            (int c, int h, int w) = Image(s);
            return Losses.PixelwiseCrossEntropyWithGradient(s.Values(0), s.Labels(1), s.Gradient(0), c, h, w, reduction, ignoreIndex);
        }

        public override void Elementwise(in LossSpans<float> s)
        {
            (int c, int h, int w) = Image(s);
            Losses.PixelwiseCrossEntropyElementwise(s.Values(0), s.Labels(1), s.Losses, c, h, w, ignoreIndex);
        }

        public override void Elementwise(in LossSpans<double> s)
        {
            (int c, int h, int w) = Image(s);
            Losses.PixelwiseCrossEntropyElementwise(s.Values(0), s.Labels(1), s.Losses, c, h, w, ignoreIndex);
        }

        public override void Elementwise(in LossSpans<Half> s)
        {
            (int c, int h, int w) = Image(s);
            Losses.PixelwiseCrossEntropyElementwise(s.Values(0), s.Labels(1), s.Losses, c, h, w, ignoreIndex);
        }
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
