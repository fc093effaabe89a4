using System;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using TorchReduction = TorchSharp.torch.nn.Reduction;

namespace LossGen.TorchSharp.Tests;

/// <summary>
/// Every catalogue loss that TorchSharp also has gives the same value and the same gradients through autograd (float64,
/// to 1e-11 relative), reduced and per element; the user's own formulas give the gradients of the same formula in torch ops.
/// </summary>
public sealed class ParityTests
{
    private const double Tolerance = 1e-11;

    private static Tensor Randn(params long[] shape) => randn(shape, dtype: ScalarType.Float64);

    private static Tensor Rand(params long[] shape) => rand(shape, dtype: ScalarType.Float64);

    private static Tensor Labels(long classes, params long[] shape) => randint(0, classes, shape, dtype: ScalarType.Int64);

    /// <summary>
    /// Runs <paramref name="ours"/> and <paramref name="theirs"/> on copies of <paramref name="inputs"/> (leaves that require
    /// grad where <paramref name="differentiable"/> says so), compares the losses, backpropagates <paramref name="outputGradient"/>
    /// (or 1 for a reduced loss) through both, and compares the gradients.
    /// </summary>
    private static void Same(string name, Tensor[] inputs, bool[] differentiable, Func<Tensor[], Tensor> ours, Func<Tensor[], Tensor> theirs, double tolerance = Tolerance)
    {
        Tensor[] a = inputs.Select((t, i) => differentiable[i] ? Torch.Leaf(t) : t).ToArray();
        Tensor[] b = inputs.Select((t, i) => differentiable[i] ? Torch.Leaf(t) : t).ToArray();
        Tensor lossOurs = ours(a), lossTheirs = theirs(b);
        Torch.Close(name + ": loss", lossTheirs, lossOurs, tolerance);
        Assert.Equal(lossTheirs.dtype, lossOurs.dtype);
        // A per-element loss is weighted by a random output gradient, so backward's scaling is checked per element too.
        Tensor weights = lossOurs.ndim == 0 ? ones_like(lossOurs) : rand_like(lossOurs);
        (lossOurs * weights).sum().backward();
        (lossTheirs * weights).sum().backward();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (differentiable[i])
            {
                Assert.NotNull(a[i].grad);
                Torch.Close($"{name}: gradient of input {i}", b[i].grad!, a[i].grad!, tolerance);
            }
        }
    }

    private static void Both(string name, Tensor[] inputs, bool[] differentiable,
        Func<Tensor[], Tensor> reduced, Func<Tensor[], Tensor> theirsReduced,
        Func<Tensor[], Tensor> elementwise, Func<Tensor[], Tensor> theirsElementwise, double tolerance = Tolerance)
    {
        Same(name, inputs, differentiable, reduced, theirsReduced, tolerance);
        Same(name + " (elementwise)", inputs, differentiable, elementwise, theirsElementwise, tolerance);
    }

    [Fact]
    public void Regression_losses()
    {
        Torch.Seed(11);
        Tensor[] inputs = [Randn(6, 5), Randn(6, 5)];
        bool[] grads = [true, false];
        Both("MSE", inputs, grads, x => TorchLosses.MeanSquaredError(x[0], x[1]), x => F.mse_loss(x[0], x[1]),
            x => TorchLosses.MeanSquaredErrorElementwise(x[0], x[1]), x => F.mse_loss(x[0], x[1], TorchReduction.None));
        Same("MSE sum", inputs, grads, x => TorchLosses.MeanSquaredError(x[0], x[1], reduction: Reduction.Sum), x => F.mse_loss(x[0], x[1], TorchReduction.Sum));
        Both("L1", inputs, grads, x => TorchLosses.MeanAbsoluteError(x[0], x[1]), x => F.l1_loss(x[0], x[1]),
            x => TorchLosses.MeanAbsoluteErrorElementwise(x[0], x[1]), x => F.l1_loss(x[0], x[1], TorchReduction.None));
        Both("Huber", inputs, grads, x => TorchLosses.Huber(x[0], x[1], 0.7), x => F.huber_loss(x[0], x[1], 0.7),
            x => TorchLosses.HuberElementwise(x[0], x[1], 0.7), x => F.huber_loss(x[0], x[1], 0.7, TorchReduction.None));
        Both("SmoothL1", inputs, grads, x => TorchLosses.SmoothL1(x[0], x[1], 0.5), x => F.smooth_l1_loss(x[0], x[1], beta: 0.5),
            x => TorchLosses.SmoothL1Elementwise(x[0], x[1], 0.5), x => F.smooth_l1_loss(x[0], x[1], TorchReduction.None, 0.5));
        Both("PoissonNLL (log input)", [Randn(6, 5), Rand(6, 5) * 4], grads,
            x => TorchLosses.PoissonWithLogInput(x[0], x[1]), x => F.poisson_nll_loss(x[0], x[1], log_input: true),
            x => TorchLosses.PoissonWithLogInputElementwise(x[0], x[1]), x => F.poisson_nll_loss(x[0], x[1], log_input: true, reduction: TorchReduction.None));
    }

    [Fact]
    public void Binary_classification_losses()
    {
        Torch.Seed(12);
        Tensor probabilities = sigmoid(Randn(6, 5)), targets = Rand(6, 5), logits = Randn(6, 5) * 3;
        bool[] grads = [true, false];
        Both("BCE", [probabilities, targets], grads, x => TorchLosses.BinaryCrossEntropy(x[0], x[1]), x => F.binary_cross_entropy(x[0], x[1]),
            x => TorchLosses.BinaryCrossEntropyElementwise(x[0], x[1]), x => F.binary_cross_entropy(x[0], x[1], reduction: TorchReduction.None));
        using Tensor posWeight = full(5, 2.5, dtype: ScalarType.Float64);
        Both("BCE with logits, pos_weight", [logits, targets], grads,
            x => TorchLosses.BinaryCrossEntropyWithLogits(x[0], x[1], 2.5), x => F.binary_cross_entropy_with_logits(x[0], x[1], pos_weights: posWeight),
            x => TorchLosses.BinaryCrossEntropyWithLogitsElementwise(x[0], x[1], 2.5),
            x => F.binary_cross_entropy_with_logits(x[0], x[1], reduction: TorchReduction.None, pos_weights: posWeight));
        // Label smoothing as Keras: each target y becomes y·(1 − ε) + ε/2 (PyTorch's BCE losses have no such option).
        Both("BCE, label smoothing", [probabilities, targets], grads,
            x => TorchLosses.BinaryCrossEntropy(x[0], x[1], 0.2), x => F.binary_cross_entropy(x[0], x[1] * 0.8 + 0.1),
            x => TorchLosses.BinaryCrossEntropyElementwise(x[0], x[1], 0.2), x => F.binary_cross_entropy(x[0], x[1] * 0.8 + 0.1, reduction: TorchReduction.None));
        Both("BCE with logits, pos_weight, label smoothing", [logits, targets], grads,
            x => TorchLosses.BinaryCrossEntropyWithLogits(x[0], x[1], 2.5, 0.2), x => F.binary_cross_entropy_with_logits(x[0], x[1] * 0.8 + 0.1, pos_weights: posWeight),
            x => TorchLosses.BinaryCrossEntropyWithLogitsElementwise(x[0], x[1], 2.5, 0.2),
            x => F.binary_cross_entropy_with_logits(x[0], x[1] * 0.8 + 0.1, reduction: TorchReduction.None, pos_weights: posWeight));
        // pos_weight per class ([C] against [N, C] logits), mean over all elements and sum, with and without smoothing.
        using Tensor classWeights = Rand(5) * 3 + 0.1;
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            Same($"BCE with logits, pos_weight per class, {reduction}", [logits, targets, classWeights], [true, false, false],
                x => TorchLosses.BinaryCrossEntropyWithLogits(x[0], x[1], x[2], reduction: reduction),
                x => F.binary_cross_entropy_with_logits(x[0], x[1], reduction: reduction == Reduction.Mean ? TorchReduction.Mean : TorchReduction.Sum, pos_weights: x[2]));
        }

        Same("BCE with logits, pos_weight per class, label smoothing", [logits, targets, classWeights], [true, false, false],
            x => TorchLosses.BinaryCrossEntropyWithLogits(x[0], x[1], x[2], 0.2),
            x => F.binary_cross_entropy_with_logits(x[0], x[1] * 0.8 + 0.1, pos_weights: x[2]));
        Tensor signs = where(Randn(6, 5) > 0, 1.0, -1.0);
        Both("margin ranking", [Randn(6, 5), Randn(6, 5), signs], [true, true, false],
            x => TorchLosses.MarginRanking(x[0], x[1], x[2], 0.1), x => F.margin_ranking_loss(x[0], x[1], x[2], 0.1),
            x => TorchLosses.MarginRankingElementwise(x[0], x[1], x[2], 0.1), x => F.margin_ranking_loss(x[0], x[1], x[2], 0.1, TorchReduction.None));
    }

    [Fact]
    public void Cross_entropy_with_indices_probabilities_weights_ignore_index_and_smoothing()
    {
        Torch.Seed(13);
        Tensor logits = Randn(8, 7) * 2;
        Tensor labels = Labels(7, 8);
        bool[] grads = [true, false];
        Both("cross_entropy, indices, smoothing", [logits, labels], grads,
            x => TorchLosses.SparseSoftmaxCrossEntropy(x[0], x[1], 0.2), x => F.cross_entropy(x[0], x[1], label_smoothing: 0.2),
            x => TorchLosses.SparseSoftmaxCrossEntropyElementwise(x[0], x[1], 0.2), x => F.cross_entropy(x[0], x[1], reduction: TorchReduction.None, label_smoothing: 0.2));
        Tensor probabilities = softmax(Randn(8, 7), 1);
        Both("cross_entropy, probabilities, smoothing", [logits, probabilities], grads,
            x => TorchLosses.SoftmaxCrossEntropy(x[0], x[1], 0.1), x => F.cross_entropy(x[0], x[1], label_smoothing: 0.1),
            x => TorchLosses.SoftmaxCrossEntropyElementwise(x[0], x[1], 0.1), x => F.cross_entropy(x[0], x[1], reduction: TorchReduction.None, label_smoothing: 0.1));
        Tensor weights = Rand(7) + 0.5;
        Tensor ignoring = labels.clone();
        ignoring[2] = tensor(-100L);
        ignoring[5] = tensor(-100L);
        foreach (double smoothing in new[] { 0.0, 0.15 })
        {
            Same($"cross_entropy, weights, ignore_index, smoothing {smoothing}", [logits, ignoring, weights], [true, false, false],
                x => TorchLosses.SparseSoftmaxCrossEntropy(x[0], x[1], x[2], ignoreIndex: -100, labelSmoothing: smoothing),
                x => F.cross_entropy(x[0], x[1], x[2], ignore_index: -100, label_smoothing: smoothing));
            Same($"cross_entropy, weights, sum, smoothing {smoothing}", [logits, ignoring, weights], [true, false, false],
                x => TorchLosses.SparseSoftmaxCrossEntropy(x[0], x[1], x[2], ignoreIndex: -100, labelSmoothing: smoothing, reduction: Reduction.Sum),
                x => F.cross_entropy(x[0], x[1], x[2], ignore_index: -100, reduction: TorchReduction.Sum, label_smoothing: smoothing));
            // ignore_index without weights, as a PyTorch user writes it.
            Same($"cross_entropy, ignore_index alone, smoothing {smoothing}", [logits, ignoring], grads,
                x => TorchLosses.SparseSoftmaxCrossEntropy(x[0], x[1], ignoreIndex: -100, labelSmoothing: smoothing),
                x => F.cross_entropy(x[0], x[1], ignore_index: -100, label_smoothing: smoothing));
        }

        // TorchSharp's nll_loss has no ignore_index: the same in torch ops, −Σ over the kept rows of logProbs[y] (/ their count).
        Tensor kept = (ignoring != -100).to(ScalarType.Float64);
        Tensor Picked(Tensor logProbs) => -(logProbs.gather(1, ignoring.clamp_min(0).unsqueeze(1)).squeeze(1) * kept);
        Same("nll_loss, ignore_index alone", [F.log_softmax(logits, 1), ignoring], grads,
            x => TorchLosses.Nll(x[0], x[1], ignoreIndex: -100), x => Picked(x[0]).sum() / kept.sum());
        Same("nll_loss, ignore_index alone, sum", [F.log_softmax(logits, 1), ignoring], grads,
            x => TorchLosses.Nll(x[0], x[1], ignoreIndex: -100, reduction: Reduction.Sum), x => Picked(x[0]).sum());

        // The softmax focal loss and Keras's sparse categorical cross-entropy with ignore_index alone, in torch ops over
        // the kept rows: −α(1 − p)^γ log p and −log(p[y] / Σp).
        Tensor Focal(Tensor z, double alpha, double gamma)
        {
            Tensor logP = F.log_softmax(z, 1).gather(1, ignoring.clamp_min(0).unsqueeze(1)).squeeze(1);
            return -alpha * (1 - logP.exp()).pow(gamma) * logP * kept;
        }

        Same("focal, ignore_index alone", [logits, ignoring], grads,
            x => TorchLosses.SparseSoftmaxFocal(x[0], x[1], ignoreIndex: -100), x => Focal(x[0], 0.25, 2).sum() / kept.sum());
        Same("focal, ignore_index alone, alpha 0.5, gamma 1.5, sum", [logits, ignoring], grads,
            x => TorchLosses.SparseSoftmaxFocal(x[0], x[1], ignoreIndex: -100, alpha: 0.5, gamma: 1.5, reduction: Reduction.Sum), x => Focal(x[0], 0.5, 1.5).sum());
        Tensor Categorical(Tensor p) => -((p / p.sum(1, keepdim: true)).gather(1, ignoring.clamp_min(0).unsqueeze(1)).squeeze(1).log() * kept);
        Same("sparse categorical cross-entropy, ignore_index alone", [softmax(Randn(8, 7), 1), ignoring], grads,
            x => TorchLosses.SparseCategoricalCrossEntropy(x[0], x[1], ignoreIndex: -100), x => Categorical(x[0]).sum() / kept.sum());

        // Rows on the last dimension of any leading shape: [2, 4, 7] logits with [2, 4] labels.
        Same("cross_entropy, [2, 4, 7] rows", [logits.view(2, 4, 7), labels.view(2, 4)], grads,
            x => TorchLosses.SparseSoftmaxCrossEntropy(x[0], x[1]), x => F.cross_entropy(x[0].view(8, 7), x[1].view(8)));
        // Images: [N, C, H, W] logits against [N, H, W] labels, as PyTorch's cross_entropy takes them.
        Tensor images = Randn(2, 3, 4, 5), pixels = Labels(3, 2, 4, 5);
        Both("pixelwise cross_entropy", [images, pixels], grads,
            x => TorchLosses.PixelwiseCrossEntropy(x[0], x[1]), x => F.cross_entropy(x[0], x[1]),
            x => TorchLosses.PixelwiseCrossEntropyElementwise(x[0], x[1]), x => F.cross_entropy(x[0], x[1], reduction: TorchReduction.None));
        // Volumes [N, C, D, H, W] and sequences [N, C, L], with class weights, ignore_index and label smoothing.
        Tensor volumes = Randn(2, 4, 3, 2, 5), voxels = Labels(4, 2, 3, 2, 5);
        voxels[0, 1, 1, 2] = tensor(-100L);
        Tensor classWeights = Rand(4) + 0.5;
        Both("pixelwise cross_entropy, volumes", [volumes, voxels], grads,
            x => TorchLosses.PixelwiseCrossEntropy(x[0], x[1]), x => F.cross_entropy(x[0], x[1]),
            x => TorchLosses.PixelwiseCrossEntropyElementwise(x[0], x[1]), x => F.cross_entropy(x[0], x[1], reduction: TorchReduction.None));
        foreach (double smoothing in new[] { 0.0, 0.2 })
        {
            Same($"pixelwise cross_entropy, volumes, weights, smoothing {smoothing}", [volumes, voxels, classWeights], [true, false, false],
                x => TorchLosses.PixelwiseCrossEntropy(x[0], x[1], x[2], smoothing), x => F.cross_entropy(x[0], x[1], x[2], ignore_index: -100, label_smoothing: smoothing));
            Same($"pixelwise cross_entropy, sequences, weights, smoothing {smoothing}, sum", [logits.view(2, 7, 4), Labels(7, 2, 4), Rand(7) + 0.5], [true, false, false],
                x => TorchLosses.PixelwiseCrossEntropy(x[0], x[1], x[2], smoothing, Reduction.Sum),
                x => F.cross_entropy(x[0], x[1], x[2], reduction: TorchReduction.Sum, label_smoothing: smoothing));
        }

        // The softmax overlap losses, in torch ops: softmax over C, one-hot labels, per-class sums over the batch and the voxels.
        Tensor segmentation = Randn(2, 4, 3, 5), segments = Labels(3, 2, 3, 5); // class 3 absent
        segments[1, 2, 4] = tensor(-100L);
        Tensor segmentWeights = Rand(4) + 0.5;
        (Tensor P, Tensor Tp, Tensor G) Stats(Tensor z)
        {
            Tensor keep = (segments != -100).unsqueeze(1).to(ScalarType.Float64);
            Tensor p = softmax(z, 1) * keep;
            Tensor y = F.one_hot(segments.clamp_min(0), 4).permute(0, 3, 1, 2).to(ScalarType.Float64) * keep;
            long[] dims = [0, 2, 3];
            return (p.sum(dims), (p * y).sum(dims), y.sum(dims));
        }

        Tensor Tversky(Tensor z, Tensor? w, double k, double a, double b, double gamma, double smooth)
        {
            (Tensor p, Tensor tp, Tensor g) = Stats(z);
            Tensor score = (k * tp + smooth) / (k * tp + a * (p - tp) + b * (g - tp) + smooth);
            Tensor loss = (1 - score).pow(gamma);
            return w is null ? loss.mean() : (loss * w).sum() / w.sum();
        }

        Same("softmax Dice", [segmentation, segments], grads,
            x => TorchLosses.SoftmaxDice(x[0], x[1]), x => Tversky(x[0], null, 2, 1, 1, 1, 1));
        Same("softmax Jaccard, class weights", [segmentation, segments, segmentWeights], [true, false, false],
            x => TorchLosses.SoftmaxJaccard(x[0], x[1], x[2], smooth: 0.5), x => Tversky(x[0], x[2], 1, 1, 1, 1, 0.5));
        Same("softmax focal Tversky, class weights", [segmentation, segments, segmentWeights], [true, false, false],
            x => TorchLosses.SoftmaxTversky(x[0], x[1], x[2], 0.3, 0.7, 1.5), x => Tversky(x[0], x[2], 1, 0.3, 0.7, 1.5, 1));
        Same("softmax generalized Dice", [segmentation, segments], grads,
            x => TorchLosses.SoftmaxGeneralizedDice(x[0], x[1]),
            x =>
            {
                (Tensor p, Tensor tp, Tensor g) = Stats(x[0]);
                Tensor w = 1 / (g * g);
                w = where(g > 0, w, w.masked_fill(g == 0, 0).max());
                return 1 - (2 * (w * tp).sum() + 1e-5) / ((w * (p + g)).sum() + 1e-5);
            });

        // nll on log-probabilities is cross-entropy on the logits they came from.
        Same("nll_loss of log_softmax", [logits, labels], grads,
            x => TorchLosses.SparseSoftmaxCrossEntropy(x[0], x[1]), x => F.nll_loss(F.log_softmax(x[0], 1), x[1]));
    }

    [Fact]
    public void Divergence_and_metric_losses()
    {
        Torch.Seed(14);
        Tensor input = F.log_softmax(Randn(5, 6), 1), target = softmax(Randn(5, 6), 1);
        bool[] grads = [true, false];
        // LossGen's mean is PyTorch's 'batchmean': the sum over rows divided by the rows.
        Both("kl_div", [input, target], grads,
            x => TorchLosses.KLDivergence(x[0], x[1]), x => F.kl_div(x[0], x[1], log_target: false, reduction: TorchReduction.Sum) / 5,
            x => TorchLosses.KLDivergenceElementwise(x[0], x[1]), x => F.kl_div(x[0], x[1], log_target: false, reduction: TorchReduction.None).sum(1));
        Same("kl_div, log target", [input, log(target)], grads,
            x => TorchLosses.KLDivergence(x[0], x[1], logTarget: true), x => F.kl_div(x[0], x[1], log_target: true, reduction: TorchReduction.Sum) / 5);
        Both("cosine", [Randn(5, 6), Randn(5, 6)], grads,
            x => TorchLosses.CosineProximity(x[0], x[1]), x => -F.cosine_similarity(x[0], x[1], 1).mean(),
            x => TorchLosses.CosineProximityElementwise(x[0], x[1]), x => -F.cosine_similarity(x[0], x[1], 1));
        // eps = 0 on both sides: the plain Euclidean distances.
        Both("triplet", [Randn(5, 6), Randn(5, 6), Randn(5, 6)], [true, true, true],
            x => TorchLosses.Triplet(x[0], x[1], x[2], 1.5, eps: 0), x => F.triplet_margin_loss(x[0], x[1], x[2], 1.5, eps: 0),
            x => TorchLosses.TripletElementwise(x[0], x[1], x[2], 1.5, eps: 0), x => F.triplet_margin_loss(x[0], x[1], x[2], 1.5, eps: 0, reduction: TorchReduction.None));
    }

    [Fact]
    public void Soft_margin_hinge_embedding_gaussian_and_full_poisson_losses()
    {
        Torch.Seed(17);
        Tensor signs = where(Randn(6, 5) > 0, 1.0, -1.0);
        Both("soft_margin", [Randn(6, 5) * 3, signs], [true, false],
            x => TorchLosses.SoftMargin(x[0], x[1]), x => F.soft_margin_loss(x[0], x[1]),
            x => TorchLosses.SoftMarginElementwise(x[0], x[1]), x => F.soft_margin_loss(x[0], x[1], TorchReduction.None));
        Both("hinge_embedding", [Rand(6, 5) * 2, signs], [true, false],
            x => TorchLosses.HingeEmbedding(x[0], x[1], 1.2), x => F.hinge_embedding_loss(x[0], x[1], 1.2),
            x => TorchLosses.HingeEmbeddingElementwise(x[0], x[1], 1.2), x => F.hinge_embedding_loss(x[0], x[1], 1.2, TorchReduction.None));
        // Variances from 0.05 up, above eps: below it PyTorch passes the clamped gradient on, LossGen gives 0 (documented).
        // The reference is PyTorch's GaussianNLLLoss formula in torch ops: TorchSharp 0.107's gaussian_nll_loss is its own
        // C# version, which sums each sample's elements before the mean (5x PyTorch's value for these [6, 5] inputs).
        Tensor[] gaussian = [Randn(6, 5), Randn(6, 5), Rand(6, 5) * 3 + 0.05];
        foreach (bool full in new[] { false, true })
        {
            Both($"gaussian_nll, full {full}", gaussian, [true, false, true],
                x => TorchLosses.GaussianNll(x[0], x[1], x[2], full), x => GaussianNll(x[0], x[1], x[2], full).mean(),
                x => TorchLosses.GaussianNllElementwise(x[0], x[1], x[2], full), x => GaussianNll(x[0], x[1], x[2], full));
        }

        // Counts 0..7, so the Stirling term's target > 1 mask is crossed; rates from 0.05 up.
        Tensor counts = floor(Rand(6, 5) * 8);
        Both("poisson_nll, log input, full", [Randn(6, 5), counts], [true, false],
            x => TorchLosses.PoissonWithLogInput(x[0], x[1], full: true), x => F.poisson_nll_loss(x[0], x[1], log_input: true, full: true),
            x => TorchLosses.PoissonWithLogInputElementwise(x[0], x[1], full: true),
            x => F.poisson_nll_loss(x[0], x[1], log_input: true, full: true, reduction: TorchReduction.None));
        // TorchSharp 0.107's poisson_nll_loss leaves out its eps argument (log(input) for any eps; measured), so LossGen's
        // eps is taken as small as it goes here.
        Both("poisson_nll, rates", [Rand(6, 5) * 4 + 0.05, counts], [true, false],
            x => TorchLosses.Poisson(x[0], x[1], eps: 1e-300), x => F.poisson_nll_loss(x[0], x[1], log_input: false),
            x => TorchLosses.PoissonElementwise(x[0], x[1], eps: 1e-300), x => F.poisson_nll_loss(x[0], x[1], log_input: false, reduction: TorchReduction.None));
        Both("poisson_nll, rates, full", [Rand(6, 5) * 4 + 0.05, counts], [true, false],
            x => TorchLosses.Poisson(x[0], x[1], full: true, eps: 1e-300), x => F.poisson_nll_loss(x[0], x[1], log_input: false, full: true),
            x => TorchLosses.PoissonElementwise(x[0], x[1], full: true, eps: 1e-300),
            x => F.poisson_nll_loss(x[0], x[1], log_input: false, full: true, reduction: TorchReduction.None));
    }

    /// <summary>torch.nn.functional.gaussian_nll_loss with reduction='none' (PyTorch 2.x), for variances above eps.</summary>
    private static Tensor GaussianNll(Tensor mean, Tensor target, Tensor variance, bool full)
    {
        Tensor loss = 0.5 * (log(variance) + (mean - target).square() / variance);
        return full ? loss + 0.5 * Math.Log(2 * Math.PI) : loss;
    }

    /// <summary>−alpha·(1 − p)^gamma·log p of each row's labelled class, p the softmax.</summary>
    private static Tensor SoftmaxFocal(Tensor logits, Tensor labels, double alpha, double gamma)
    {
        Tensor logP = F.log_softmax(logits, 1).gather(1, labels.unsqueeze(1)).squeeze(1);
        return -alpha * (1 - logP.exp()).pow(gamma) * logP;
    }

    [Fact]
    public void An_all_ignored_batch_gives_nan_as_pytorch_or_zero_when_asked()
    {
        Tensor logits = Torch.Leaf(Randn(4, 3)), labels = full(4, -100L, dtype: ScalarType.Int64), weights = ones(3, dtype: ScalarType.Float64);
        Assert.True(double.IsNaN(F.cross_entropy(logits, labels, weights, ignore_index: -100).item<double>()));
        Assert.True(double.IsNaN(TorchLosses.SparseSoftmaxCrossEntropy(logits, labels, weights).item<double>()));
        Tensor zero = TorchLosses.SparseSoftmaxCrossEntropy(logits, labels, weights, zeroWhenAllIgnored: true);
        Assert.Equal(0.0, zero.item<double>());
        zero.backward();
        Assert.Equal(0.0, logits.grad!.abs().sum().item<double>());
        Assert.Equal(0.0, TorchLosses.Nll(logits, labels, weights, zeroWhenAllIgnored: true).item<double>());
        Assert.Equal(0.0, TorchLosses.SparseSoftmaxFocal(logits, labels, weights, zeroWhenAllIgnored: true).item<double>());
        Tensor pixels = full(new long[] { 1, 2, 2 }, -100L, dtype: ScalarType.Int64);
        Assert.Equal(0.0, TorchLosses.PixelwiseCrossEntropy(Randn(1, 3, 2, 2), pixels, zeroWhenAllIgnored: true).item<double>());
    }

    [Fact]
    public void Binary_cross_entropy_clamps_its_logs_at_minus_100_as_pytorch()
    {
        // p = 0 and 1 exactly, in float32 and float64: the same losses as BCELoss (100 where the label disagrees).
        foreach (ScalarType type in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            using Tensor p = tensor(new double[] { 0, 1, 0, 1, 0.3 }, dtype: type), y = tensor(new double[] { 1, 0, 0.5, 1, 0.6 }, dtype: type);
            Torch.Close($"bce at the clamp, {type}", F.binary_cross_entropy(p, y, reduction: TorchReduction.None), TorchLosses.BinaryCrossEntropyElementwise(p, y), 1e-6);
        }
    }

    [Fact]
    public void Nll_multilabel_soft_margin_cosine_embedding_and_element_mean_kl()
    {
        Torch.Seed(18);
        Tensor logProbs = F.log_softmax(Randn(8, 7) * 2, 1), labels = Labels(7, 8);
        Both("nll_loss", [logProbs, labels], [true, false],
            x => TorchLosses.Nll(x[0], x[1]), x => F.nll_loss(x[0], x[1]),
            x => TorchLosses.NllElementwise(x[0], x[1]), x => F.nll_loss(x[0], x[1], reduction: TorchReduction.None));
        Tensor scores = Randn(8, 7);
        foreach (int p in new[] { 1, 2 })
        {
            Both($"multi_margin, p {p}", [scores, labels], [true, false],
                x => TorchLosses.MultiMargin(x[0], x[1], p, 0.8), x => F.multi_margin_loss(x[0], x[1], p, 0.8),
                x => TorchLosses.MultiMarginElementwise(x[0], x[1], p, 0.8), x => F.multi_margin_loss(x[0], x[1], p, 0.8, reduction: TorchReduction.None));
        }

        // Class weights: PyTorch multiplies each hinge after its power by w[y], and each class's soft-margin term by w_c.
        Tensor classWeights = Rand(7) * 2 + 0.1;
        foreach (int p in new[] { 1, 2 })
        {
            Same($"multi_margin, p {p}, weights", [scores, labels, classWeights], [true, false, false],
                x => TorchLosses.MultiMargin(x[0], x[1], x[2], p, 0.8), x => F.multi_margin_loss(x[0], x[1], p, 0.8, x[2]));
        }

        Same("multilabel_soft_margin, weights", [Randn(8, 7) * 3, floor(Rand(8, 7) * 2), classWeights], [true, false, false],
            x => TorchLosses.MultiLabelSoftMargin(x[0], x[1], x[2]), x => F.multilabel_soft_margin_loss(x[0], x[1], x[2]));
        Same("multilabel_soft_margin, weights, sum", [Randn(8, 7) * 3, floor(Rand(8, 7) * 2), classWeights], [true, false, false],
            x => TorchLosses.MultiLabelSoftMargin(x[0], x[1], x[2], Reduction.Sum), x => F.multilabel_soft_margin_loss(x[0], x[1], x[2], TorchReduction.Sum));

        // Softmax focal loss in torch ops (kornia's focal_loss, Keras's CategoricalFocalCrossentropy on one-hot targets).
        Tensor focalLogits = Randn(8, 7) * 3;
        Both("softmax focal", [focalLogits, labels], [true, false],
            x => TorchLosses.SparseSoftmaxFocal(x[0], x[1], 0.4, 1.5), x => SoftmaxFocal(x[0], x[1], 0.4, 1.5).mean(),
            x => TorchLosses.SparseSoftmaxFocalElementwise(x[0], x[1], 0.4, 1.5), x => SoftmaxFocal(x[0], x[1], 0.4, 1.5));
        // With alpha per class and ignored rows: alpha[y] times each row's loss, the mean over the rows that count.
        Tensor focalIgnoring = labels.clone();
        focalIgnoring[0] = tensor(-100L);
        focalIgnoring[5] = tensor(-100L);
        Tensor counted = focalIgnoring != -100, safeLabels = where(counted, focalIgnoring, 0L);
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            Same($"softmax focal, alpha per class, ignore_index, {reduction}", [focalLogits, focalIgnoring, classWeights], [true, false, false],
                x => TorchLosses.SparseSoftmaxFocal(x[0], x[1], x[2], 1.5, -100, reduction),
                x =>
                {
                    Tensor rows = where(counted, x[2].gather(0, safeLabels) * SoftmaxFocal(x[0], safeLabels, 1.0, 1.5), 0.0);
                    return reduction == Reduction.Mean ? rows.sum() / counted.sum() : rows.sum();
                });
        }
        // NLLLoss(weight, ignore_index): TorchSharp's nll_loss takes no ignore_index, so the ignoring case is checked as
        // cross_entropy of the logits the log-probabilities came from (the same loss; the leaf is the logits).
        Tensor weights = Rand(7) + 0.5, logits = Randn(8, 7) * 2;
        Same("nll_loss, weights", [logProbs, labels, weights], [true, false, false],
            x => TorchLosses.Nll(x[0], x[1], x[2]), x => F.nll_loss(x[0], x[1], x[2]));
        Same("nll_loss, weights, sum", [logProbs, labels, weights], [true, false, false],
            x => TorchLosses.Nll(x[0], x[1], x[2], reduction: Reduction.Sum), x => F.nll_loss(x[0], x[1], x[2], TorchReduction.Sum));
        Tensor ignoring = labels.clone();
        ignoring[1] = tensor(-100L);
        ignoring[6] = tensor(-100L);
        Same("nll_loss, weights, ignore_index", [logits, ignoring, weights], [true, false, false],
            x => TorchLosses.Nll(F.log_softmax(x[0], 1), x[1], x[2], ignoreIndex: -100), x => F.cross_entropy(x[0], x[1], x[2], ignore_index: -100));
        Tensor multiLabels = floor(Rand(8, 7) * 2);
        Both("multilabel_soft_margin", [Randn(8, 7) * 3, multiLabels], [true, false],
            x => TorchLosses.MultiLabelSoftMargin(x[0], x[1]), x => F.multilabel_soft_margin_loss(x[0], x[1]),
            x => TorchLosses.MultiLabelSoftMarginElementwise(x[0], x[1]), x => F.multilabel_soft_margin_loss(x[0], x[1], reduction: TorchReduction.None));
        Tensor pairs = where(Randn(8) > 0, 1.0, -1.0);
        Both("cosine_embedding", [Randn(8, 7), Randn(8, 7), pairs], [true, true, false],
            x => TorchLosses.CosineEmbedding(x[0], x[1], x[2], 0.1), x => F.cosine_embedding_loss(x[0], x[1], x[2], 0.1),
            x => TorchLosses.CosineEmbeddingElementwise(x[0], x[1], x[2], 0.1), x => F.cosine_embedding_loss(x[0], x[1], x[2], 0.1, TorchReduction.None));
        Tensor input = F.log_softmax(Randn(5, 6), 1), target = softmax(Randn(5, 6), 1);
        Same("kl_div, mean over elements", [input, target], [true, false],
            x => TorchLosses.KLDivergencePerElement(x[0], x[1]), x => F.kl_div(x[0], x[1], log_target: false, reduction: TorchReduction.Mean));
        // Triplet with PyTorch's defaults (eps = 1e-6 inside each distance) and with swap.
        Tensor[] triplets = [Randn(5, 6), Randn(5, 6), Randn(5, 6)];
        Both("triplet, eps 1e-6", triplets, [true, true, true],
            x => TorchLosses.Triplet(x[0], x[1], x[2], 1.5), x => F.triplet_margin_loss(x[0], x[1], x[2], 1.5),
            x => TorchLosses.TripletElementwise(x[0], x[1], x[2], 1.5), x => F.triplet_margin_loss(x[0], x[1], x[2], 1.5, reduction: TorchReduction.None));
        // The positive near the negative, so the swap takes the positive's distance for some rows and not for others.
        Tensor[] swapping = [Randn(5, 6), triplets[2] + Randn(5, 6) * 0.5, triplets[2]];
        Both("triplet, swap", swapping, [true, true, true],
            x => TorchLosses.Triplet(x[0], x[1], x[2], 1.0, swap: true), x => F.triplet_margin_loss(x[0], x[1], x[2], 1.0, swap: true),
            x => TorchLosses.TripletElementwise(x[0], x[1], x[2], 1.0, swap: true),
            x => F.triplet_margin_loss(x[0], x[1], x[2], 1.0, swap: true, reduction: TorchReduction.None));
        // Other norms (TripletPNorm): p = 1, 1.5 and 3, with and without swap, against pairwise_distance(p) (triplet_margin_loss
        // takes an integer p only; for those it gives the same).
        foreach ((double p, bool swap) in new[] { (1.0, false), (1.5, true), (3.0, false), (3.0, true) })
        {
            Tensor Rows(Tensor[] x)
            {
                Tensor toNegative = F.pairwise_distance(x[0], x[2], p: p, eps: 1e-6);
                Tensor closer = swap ? minimum(toNegative, F.pairwise_distance(x[1], x[2], p: p, eps: 1e-6)) : toNegative;
                return F.relu(F.pairwise_distance(x[0], x[1], p: p, eps: 1e-6) - closer + 1.0);
            }

            Both($"triplet, p = {p}, swap {swap}", swapping, [true, true, true],
                x => TorchLosses.TripletPNorm(x[0], x[1], x[2], p, 1.0, swap: swap), x => Rows(x).mean(),
                x => TorchLosses.TripletPNormElementwise(x[0], x[1], x[2], p, 1.0, swap: swap), Rows);
            if (p == Math.Floor(p))
            {
                Same($"triplet_margin_loss, p = {p}, swap {swap}", swapping, [true, true, true],
                    x => TorchLosses.TripletPNorm(x[0], x[1], x[2], p, 1.0, swap: swap), x => F.triplet_margin_loss(x[0], x[1], x[2], 1.0, p: (long)p, swap: swap));
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Ctc_with_padded_and_concatenated_targets(bool padded)
    {
        Torch.Seed(15);
        const long T = 12, N = 3, C = 5, S = 4;
        // The leaf is the logits before log_softmax, as in training: libtorch's ctc_loss backward returns the gradient with
        // respect to those logits (exp(logProbs) − posteriors) in place of the one with respect to logProbs (−posteriors),
        // which LossGen returns; through log_softmax the two are the same.
        Tensor logits = Randn(T, N, C);
        Tensor targets = randint(1, C, [N, S], dtype: ScalarType.Int64);
        Tensor inputLengths = tensor(new long[] { 12, 10, 7 }), targetLengths = tensor(new long[] { 4, 2, 3 });
        if (!padded)
        {
            targets = cat([targets[0, ..4], targets[1, ..2], targets[2, ..3]], 0);
        }

        bool[] grads = [true, false, false, false];
        Both($"ctc ({(padded ? "padded" : "concatenated")})", [logits, targets, inputLengths, targetLengths], grads,
            x => TorchLosses.Ctc(F.log_softmax(x[0], 2), x[1], x[2], x[3]), x => F.ctc_loss(F.log_softmax(x[0], 2), x[1], x[2], x[3]),
            x => TorchLosses.CtcElementwise(F.log_softmax(x[0], 2), x[1], x[2], x[3]),
            x => F.ctc_loss(F.log_softmax(x[0], 2), x[1], x[2], x[3], reduction: TorchReduction.None));
        Same("ctc sum, blank 4, zero_infinity", [logits, targets - 1, inputLengths, targetLengths], grads,
            x => TorchLosses.Ctc(F.log_softmax(x[0], 2), x[1], x[2], x[3], blank: 4, zeroInfinity: true, reduction: Reduction.Sum),
            x => F.ctc_loss(F.log_softmax(x[0], 2), x[1], x[2], x[3], blank: 4, zero_infinity: true, reduction: TorchReduction.Sum));
    }

    [Fact]
    public void User_formulas_give_the_gradients_of_the_same_formula_in_torch_ops()
    {
        Torch.Seed(16);
        Tensor[] inputs = [Randn(7, 3) * 2, Randn(7, 3)];
        Both("PseudoHuber", inputs, [true, false],
            x => UserLosses.PseudoHuber(x[0], x[1], 0.8), x => PseudoHuber(x[0], x[1], 0.8).mean(),
            x => UserLosses.PseudoHuberElementwise(x[0], x[1], 0.8), x => PseudoHuber(x[0], x[1], 0.8));
        Both("TwoInputs", [Randn(7, 3), Randn(7, 3), Randn(7, 3)], [true, true, false],
            x => UserLosses.TwoInputs(x[0], x[1], x[2]), x => TwoInputs(x[0], x[1], x[2]).mean(),
            x => UserLosses.TwoInputsElementwise(x[0], x[1], x[2]), x => TwoInputs(x[0], x[1], x[2]));
        Both("TemperedCrossEntropy", [Randn(6, 9) * 3, Labels(9, 6)], [true, false],
            x => UserLosses.TemperedCrossEntropy(x[0], x[1], 1.7), x => F.cross_entropy(x[0] / 1.7, x[1]),
            x => UserLosses.TemperedCrossEntropyElementwise(x[0], x[1], 1.7), x => F.cross_entropy(x[0] / 1.7, x[1], reduction: TorchReduction.None));

        static Tensor PseudoHuber(Tensor pred, Tensor target, double delta)
        {
            Tensor d = (pred - target) / delta;
            return delta * delta * (sqrt(1 + d * d) - 1);
        }

        static Tensor TwoInputs(Tensor a, Tensor b, Tensor t) => (a - t).pow(2) + F.softplus(b - a * t);
    }
}

/// <summary>The hand-written image and adversarial losses against the same losses written in torch ops.</summary>
public sealed class HandWrittenLossTests
{
    private const double Tolerance = 1e-11;

    private static Tensor Randn(params long[] shape) => randn(shape, dtype: ScalarType.Float64);

    /// <summary>Values and gradients of both inputs (leaves), against torch ops under autograd.</summary>
    private static void Same(string name, Tensor[] inputs, bool[] differentiable, Func<Tensor[], Tensor> ours, Func<Tensor[], Tensor> theirs)
    {
        Tensor[] a = inputs.Select((t, i) => differentiable[i] ? Torch.Leaf(t) : t).ToArray();
        Tensor[] b = inputs.Select((t, i) => differentiable[i] ? Torch.Leaf(t) : t).ToArray();
        Tensor lossOurs = ours(a), lossTheirs = theirs(b);
        Torch.Close(name + ": loss", lossTheirs, lossOurs, Tolerance);
        Tensor weights = lossOurs.ndim == 0 ? ones_like(lossOurs) : rand_like(lossOurs);
        (lossOurs * weights).sum().backward();
        (lossTheirs * weights).sum().backward();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (differentiable[i])
            {
                Torch.Close($"{name}: gradient of input {i}", b[i].grad!, a[i].grad!, Tolerance);
            }
        }
    }

    [Fact]
    public void Gan_pairs_of_different_lengths()
    {
        Torch.Seed(31);
        Tensor[] pair = [Randn(7), Randn(3, 4)];
        bool[] both = [true, true];
        Same("GanDiscriminator", pair, both, x => TorchLosses.GanDiscriminator(x[0], x[1]),
            x => F.softplus(-x[0]).mean() + F.softplus(x[1]).mean());
        Same("GanDiscriminator, sum", pair, both, x => TorchLosses.GanDiscriminator(x[0], x[1], Reduction.Sum),
            x => F.softplus(-x[0]).sum() + F.softplus(x[1]).sum());
        Same("WassersteinCritic", pair, both, x => TorchLosses.WassersteinCritic(x[0], x[1]), x => x[1].mean() - x[0].mean());
        Same("LeastSquaresGanDiscriminator", pair, both, x => TorchLosses.LeastSquaresGanDiscriminator(x[0], x[1]),
            x => 0.5 * (x[0] - 1).pow(2).mean() + 0.5 * x[1].pow(2).mean());
        Same("GanGenerator", [Randn(5, 2)], [true], x => TorchLosses.GanGenerator(x[0]), x => F.softplus(-x[0]).mean());
    }

    [Fact]
    public void MultiLabelMargin_is_multilabel_margin_loss()
    {
        Torch.Seed(34);
        Tensor logits = Randn(6, 5);
        // Each row: some target classes, then -1, then anything (ignored); the first row has none.
        Tensor targets = tensor(new long[]
        {
            -1, 2, 0, 0, 0,
            3, -1, 1, 1, 1,
            0, 4, -1, 2, 2,
            1, 2, 3, -1, 0,
            4, 3, 2, 1, 0,
            2, 2, -1, 0, 0,
        }, [6, 5]);
        Same("MultiLabelMargin", [logits, targets], [true, false], x => TorchLosses.MultiLabelMargin(x[0], x[1]), x => F.multi_label_margin_loss(x[0], x[1]));
        Same("MultiLabelMargin, sum", [logits, targets], [true, false], x => TorchLosses.MultiLabelMargin(x[0], x[1], Reduction.Sum),
            x => F.multi_label_margin_loss(x[0], x[1], TorchReduction.Sum));
        Same("MultiLabelMargin, elementwise", [logits, targets], [true, false], x => TorchLosses.MultiLabelMarginElementwise(x[0], x[1]),
            x => F.multi_label_margin_loss(x[0], x[1], TorchReduction.None));
    }

    [Fact]
    public void InfoNce_is_the_info_nce_and_CLIP_compositions()
    {
        Torch.Seed(33);
        Tensor x1 = Randn(7, 5), x2 = Randn(7, 5);
        bool[] both = [true, true];
        foreach ((double t, bool symmetric, bool normalize, Reduction reduction) in new[]
            { (0.1, false, true, Reduction.Mean), (0.07, true, true, Reduction.Mean), (1.0, false, false, Reduction.Sum), (0.5, true, false, Reduction.Mean) })
        {
            Same($"InfoNce τ={t} symmetric={symmetric} normalize={normalize} {reduction}", [x1, x2], both,
                x => TorchLosses.InfoNce(x[0], x[1], t, symmetric, normalize, reduction),
                x => Composed(x[0], x[1], t, symmetric, normalize, reduction == Reduction.Sum ? TorchReduction.Sum : TorchReduction.Mean));
        }

        // info_nce.InfoNCE(temperature) with unpaired negatives, and CLIP's loss at logit_scale = 1/τ.
        static Tensor Composed(Tensor a, Tensor b, double t, bool symmetric, bool normalize, TorchReduction reduction)
        {
            Tensor u = normalize ? F.normalize(a, dim: 1) : a, v = normalize ? F.normalize(b, dim: 1) : b;
            Tensor s = u.matmul(v.t()) / t;
            Tensor labels = arange(a.shape[0], dtype: ScalarType.Int64);
            Tensor rows = F.cross_entropy(s, labels, reduction: reduction);
            return symmetric ? (rows + F.cross_entropy(s.t(), labels, reduction: reduction)) / 2 : rows;
        }
    }

    [Fact]
    public void Perceptual_and_total_variation()
    {
        Torch.Seed(32);
        Tensor pred = Randn(6 + 8 + 3), target = Randn(6 + 8 + 3);
        Same("Perceptual", [pred, target], [true, false],
            x => TorchLosses.Perceptual(x[0], x[1], [6, 8, 3], [0.5, 1.0, 2.0]),
            x => 0.5 * F.mse_loss(x[0][..6], x[1][..6]) + 1.0 * F.mse_loss(x[0][6..14], x[1][6..14]) + 2.0 * F.mse_loss(x[0][14..], x[1][14..]));
        Tensor images = Randn(2, 3, 4, 5);
        Same("TotalVariation (squared)", [images], [true], x => TorchLosses.TotalVariation(x[0]), x => Tv(x[0], absolute: false).mean());
        Same("TotalVariation (absolute), elementwise", [images], [true],
            x => TorchLosses.TotalVariationElementwise(x[0], TotalVariationNorm.L1), x => Tv(x[0], absolute: true));

        static Tensor Tv(Tensor x, bool absolute)
        {
            Tensor down = x[.., .., 1.., ..] - x[.., .., ..^1, ..], right = x[.., .., .., 1..] - x[.., .., .., ..^1];
            Tensor f(Tensor d) => absolute ? d.abs() : d * d;
            return f(down).sum([1, 2, 3]) + f(right).sum([1, 2, 3]);
        }
    }
}
