using static LossGen.LossMath;

namespace LossGen;

// The row losses: each reduces over the last axis of a row-major [batch, rowLength] input (classes,
// embedding dimensions, pixels of a mask), and Reduction.Mean averages over rows.
public static partial class Losses
{
    /// <summary>
    /// Softmax cross-entropy on logits with probability targets: −Σ t′·log_softmax(logits), where
    /// t′ = (1 − labelSmoothing)·target + labelSmoothing/rowLength. Computed as
    /// LogSumExp(logits)·Σt′ − Σ t′·logits, so no probability is formed and nothing overflows. PyTorch
    /// <c>CrossEntropyLoss</c> with probability targets and <c>label_smoothing</c>; Keras
    /// <c>CategoricalCrossentropy(from_logits=True, label_smoothing)</c>. The gradient is
    /// softmax(logits)·Σt′ − t′ (softmax − t′ for targets that sum to 1). A −∞ logit (a masked class) under a
    /// target of 0 adds nothing and gets gradient 0, as optax's <c>softmax_cross_entropy</c> with
    /// <c>where</c> (PyTorch gives NaN); with label smoothing the smoothed target is not 0 there, so the loss is +∞.
    /// </summary>
    [Loss]
    public static double SoftmaxCrossEntropy(Row logits, [Target] Row target, [Hyper, Probability] double labelSmoothing = 0.0)
    {
        // The smoothing goes on the sums, not on each target: Σt′ = (1 − ε)·Σtarget + ε and
        // Σt′·logits = (1 − ε)·Σtarget·logits + (ε/n)·Σlogits, so the pass over the row forms no t′.
        // MultiplyNoNaN makes a −∞ logit under a zero target (and the −∞ sum when ε = 0) count as 0.
        var keep = 1 - labelSmoothing;
        return LogSumExp(logits) * (keep * Sum(target) + labelSmoothing)
            - (keep * Sum(MultiplyNoNaN(logits, target)) + MultiplyNoNaN(Sum(logits), labelSmoothing / Length(logits)));
    }

    /// <summary>
    /// Softmax cross-entropy on logits with integer class labels: LogSumExp(logits) − logits[label], with
    /// label smoothing as PyTorch: (1 − ε)·(lse − logits[label]) + ε·(lse − mean(logits)). PyTorch
    /// <c>CrossEntropyLoss</c> with class indices; Keras <c>SparseCategoricalCrossentropy(from_logits=True)</c>.
    /// Labels outside [0, rowLength) throw. The gradient is softmax(logits) − one-hot (smoothed). Without smoothing,
    /// −∞ logits (masked classes) are fine: their probability and gradient are 0.
    /// </summary>
    [Loss]
    public static double SparseSoftmaxCrossEntropy(Row logits, int labels, [Hyper, Probability] double labelSmoothing = 0.0)
    {
        // Without smoothing the mean is not used at all, so a −∞ logit (a masked class) gives a finite loss.
        // The label is named for its span (one per row), as in every overload that takes labels.
        var lse = LogSumExp(logits);
        var nll = lse - logits[labels];
        return labelSmoothing == 0 ? nll : (1 - labelSmoothing) * nll + labelSmoothing * (lse - Mean(logits));
    }

    /// <summary>
    /// Softmax focal loss on logits with integer class labels: −alpha·(1 − p)^gamma·log p, p = softmax(logits)[label]
    /// (Lin et al.'s focal loss over classes): Keras <c>CategoricalFocalCrossentropy(from_logits=True)</c> with one-hot
    /// targets and kornia's <c>focal_loss</c>, with their defaults alpha = 0.25, gamma = 2. log p is taken as
    /// logits[label] − LogSumExp(logits) and 1 − p as −expm1(log p), so neither a confident nor a hopeless row loses
    /// its digits. gamma = 0 is alpha times the softmax cross-entropy. Labels outside [0, rowLength) throw.
    /// </summary>
    [Loss]
    public static double SparseSoftmaxFocal(Row logits, int labels, [Hyper, NonNegative] double alpha = 0.25, [Hyper, NonNegative] double gamma = 2.0)
    {
        var logP = logits[labels] - LogSumExp(logits);
        return -alpha * Pow(-Expm1(logP), gamma) * logP;
    }

    /// <summary>
    /// Multi-class margin loss on scores with integer class labels: Σ over the other classes i of
    /// max(0, margin − x[label] + x[i])^p, divided by the row length, as PyTorch <c>MultiMarginLoss</c> (without class
    /// weights). PyTorch takes p = 1 or 2; any p in [1, 2] works here. The gradient at a kink is 0.
    /// </summary>
    [Loss]
    public static double MultiMargin(Row logits, int labels, [Hyper, InRange(1, 2)] double p = 1.0, [Hyper, InRange(double.NegativeInfinity, double.PositiveInfinity)] double margin = 1.0)
    {
        // The labelled class's own term, max(0, margin)^p, is in the sum over the row and taken out after; its
        // gradients through x[i] and x[label] cancel.
        var hinge = Relu(margin - logits[labels] + logits);
        return (Sum(p == 1 ? hinge : Pow(hinge, p)) - (p == 1 ? Relu(margin) : Pow(Relu(margin), p))) / Length(logits);
    }

    /// <summary>
    /// Categorical cross-entropy on probabilities: −Σ target·log p, where p is each row renormalized to sum to 1
    /// and clamped to [ε, 1 − ε] (ε = 1e-7 for float and Half, 1e-15 for double), as Keras
    /// <c>CategoricalCrossentropy(from_logits=False)</c>. Prefer <see cref="SoftmaxCrossEntropy(Row, Row, double)"/>
    /// on logits: it is exact where this one clamps. The clamp's gradient is 0 outside [ε, 1 − ε].
    /// </summary>
    [Loss]
    public static double CategoricalCrossEntropy(Row pred, [Target] Row target)
    {
        var p = Clamp(pred / Sum(pred), Epsilon, 1 - Epsilon);
        return -Sum(target * Log(p));
    }

    /// <summary>
    /// Categorical cross-entropy on probabilities with integer labels: −log p[label], p renormalized and clamped as
    /// in <see cref="CategoricalCrossEntropy(Row, Row)"/> (Keras <c>SparseCategoricalCrossentropy(from_logits=False)</c>;
    /// PyTorch <c>NLLLoss</c> takes log-probabilities instead). Labels outside [0, rowLength) throw.
    /// </summary>
    [Loss]
    public static double SparseCategoricalCrossEntropy(Row pred, int labels)
        => -Log(Clamp(pred[labels] / Sum(pred), Epsilon, 1 - Epsilon));

    /// <summary>
    /// Negative log-likelihood of the labelled class, −logProbs[label], on log-probabilities (a log-softmax output):
    /// PyTorch <c>NLLLoss</c> without class weights. Labels outside [0, rowLength) throw. The gradient is −1 at the
    /// labelled column and 0 elsewhere. On logits, <see cref="SparseSoftmaxCrossEntropy(Row, int, double)"/> is the same
    /// loss with the log-softmax fused in.
    /// </summary>
    [Loss]
    public static double Nll(Row logProbs, int labels)
        => -logProbs[labels];

    /// <summary>
    /// Kullback–Leibler divergence KL(target ‖ exp(input)) = Σ target·(log target − input), with input the
    /// model's log-probabilities (PyTorch <c>KLDivLoss</c>'s convention) and 0·log 0 = 0. With
    /// <c>logTarget</c> true the target holds log-probabilities too: Σ e^target·(target − input) (PyTorch's
    /// <c>log_target=True</c>). Reduction.Mean averages over rows, which is the true batch-mean KL (PyTorch's
    /// <c>batchmean</c>; its <c>mean</c> also divides by the row length). Keras <c>KLDivergence</c> takes
    /// probabilities for both and clips them.
    /// </summary>
    [Loss]
    public static double KLDivergence(Row input, [Target] Row target, [Hyper] bool logTarget = false)
        => logTarget ? Sum(Exp(target) * (target - input)) : Sum(Xlogy(target, target) - target * input);

    /// <summary>
    /// <see cref="KLDivergence(Row, Row, bool)"/> divided by the row length: with Reduction.Mean it is PyTorch's
    /// <c>KLDivLoss(reduction='mean')</c>, the mean over every element, which PyTorch itself warns is not the KL
    /// divergence. For the KL divergence averaged over the batch (<c>'batchmean'</c>), use KLDivergence.
    /// </summary>
    [Loss]
    public static double KLDivergencePerElement(Row input, [Target] Row target, [Hyper] bool logTarget = false)
        => (logTarget ? Sum(Exp(target) * (target - input)) : Sum(Xlogy(target, target) - target * input)) / Length(input);

    /// <summary>
    /// Categorical hinge: max(0, 1 + max((1 − target)·pred) − Σ target·pred), Keras <c>CategoricalHinge</c> (one-hot
    /// targets). Ties for the largest wrong score share its gradient evenly; at the hinge's kink the gradient is 0.
    /// </summary>
    [Loss]
    public static double CategoricalHinge(Row pred, [Target] Row target)
        => Relu(1 + Max((1 - target) * pred) - Dot(target, pred));

    /// <summary>
    /// Categorical focal loss on probabilities: −Σ alpha·(1 − p)^gamma·target·log p, p renormalized and clamped as in
    /// <see cref="CategoricalCrossEntropy(Row, Row)"/>; Keras <c>CategoricalFocalCrossentropy</c> (alpha 0.25,
    /// gamma 2). gamma = 0 and alpha = 1 is categorical cross-entropy.
    /// </summary>
    [Loss]
    public static double CategoricalFocal(Row pred, [Target] Row target, [Hyper, NonNegative] double alpha = 0.25, [Hyper, NonNegative] double gamma = 2.0)
    {
        var p = Clamp(pred / Sum(pred), Epsilon, 1 - Epsilon);
        return -Sum(alpha * Pow(1 - p, gamma) * target * Log(p));
    }

    /// <summary>
    /// Cosine proximity: −pred·target / (max(‖pred‖, eps)·max(‖target‖, eps)), eps = 1e-8, PyTorch
    /// <c>CosineSimilarity</c>'s guard (so a zero row gives 0, not NaN); Keras <c>CosineSimilarity</c> as a loss
    /// (which clamps the squared norms at eps² instead). −1 when the rows point the same way.
    /// </summary>
    [Loss]
    public static double CosineProximity(Row pred, [Target] Row target, [Hyper, Positive] double eps = 1e-8)
        => -Dot(pred, target) / (Max(Norm(pred), eps) * Max(Norm(target), eps));

    /// <summary>
    /// Contrastive loss for a pair of embeddings (Hadsell et al., as in the seed): ½·(similar·d² + (1 − similar)·max(0,
    /// margin − d)²) with d = ‖x1 − x2‖; <c>similar</c> is 1 for a similar pair and 0 otherwise, one per row. Neither
    /// PyTorch nor Keras ships it. At d = 0 the gradient of the dissimilar term is 0 (the norm's subgradient).
    /// </summary>
    [Loss]
    public static double Contrastive(Row x1, Row x2, [Target] double similar, [Hyper, NonNegative] double margin = 1.0)
    {
        var gap = Relu(margin - Distance(x1, x2));
        return 0.5 * (similar * SquaredDistance(x1, x2) + (1 - similar) * gap * gap);
    }

    /// <summary>
    /// Triplet margin loss: max(0, ‖anchor − positive + eps‖ − ‖anchor − negative + eps‖ + margin), with gradients for all
    /// three rows: PyTorch <c>TripletMarginLoss</c> with p = 2 (the only norm here), its eps = 1e-6 inside each distance,
    /// and <paramref name="swap"/> (the distance to the negative is the smaller of the anchor's and the positive's, as
    /// in Balntas et al.; a tie splits the gradient ½ to each, as PyTorch's min). With eps = 0 a zero distance has the
    /// norm's subgradient 0. The seed's form squares the distances. Another norm: <see cref="TripletPNorm(Row, Row, Row, double, double, double, bool)"/>.
    /// </summary>
    [Loss]
    public static double Triplet(Row anchor, Row positive, Row negative, [Hyper, NonNegative] double margin = 1.0,
        [Hyper, InRange(double.NegativeInfinity, double.PositiveInfinity)] double eps = 1e-6, [Hyper] bool swap = false)
    {
        // PyTorch's pairwise_distance: ‖x1 − x2 + eps‖, the eps inside the norm. Without swap the third distance is not
        // computed at all: each value of the flag has its own kernel.
        var toNegative = Norm(anchor - negative + eps);
        var closerNegative = swap ? Min(toNegative, Norm(positive - negative + eps)) : toNegative;
        return Relu(Norm(anchor - positive + eps) - closerNegative + margin);
    }

    /// <summary>
    /// <see cref="Triplet(Row, Row, Row, double, double, bool)"/> with the distances in the p-norm, ‖x‖_p = (Σ|x_i|^p)^(1/p), as PyTorch
    /// <c>TripletMarginLoss(p)</c>: max(0, ‖anchor − positive + eps‖_p − ‖anchor − negative + eps‖_p + margin), with
    /// <paramref name="swap"/> as there. p ≥ 1 (a norm); at a zero distance the gradient is 0, as PyTorch's. p = 2 gives
    /// <see cref="Triplet(Row, Row, Row, double, double, bool)"/>'s value with a power per element where that takes one
    /// square root per row: use it for p = 2.
    /// </summary>
    [Loss]
    public static double TripletPNorm(Row anchor, Row positive, Row negative, [Hyper, InRange(1, double.PositiveInfinity)] double p = 2.0,
        [Hyper, NonNegative] double margin = 1.0, [Hyper, InRange(double.NegativeInfinity, double.PositiveInfinity)] double eps = 1e-6,
        [Hyper] bool swap = false)
    {
        // Σ|d|^p and its p-th root, which is 0 (with a gradient of 0) where the sum is: pairwise_distance's backward.
        var powersToPositive = Sum(Pow(Abs(anchor - positive + eps), p));
        var powersToNegative = Sum(Pow(Abs(anchor - negative + eps), p));
        var toPositive = powersToPositive > 0 ? Pow(powersToPositive, 1 / p) : 0;
        var toNegative = powersToNegative > 0 ? Pow(powersToNegative, 1 / p) : 0;
        var powersBetween = swap ? Sum(Pow(Abs(positive - negative + eps), p)) : 0;
        var between = powersBetween > 0 ? Pow(powersBetween, 1 / p) : 0;
        var closerNegative = swap ? Min(toNegative, between) : toNegative;
        return Relu(toPositive - closerNegative + margin);
    }

    /// <summary>
    /// Multi-label soft margin loss: the mean over a row's classes of the binary cross-entropy on logits,
    /// y·softplus(−x) + (1 − y)·softplus(x), with one 0/1 (or soft) target per class: PyTorch
    /// <c>MultiLabelSoftMarginLoss</c> without class weights. Never overflows.
    /// </summary>
    [Loss]
    public static double MultiLabelSoftMargin(Row logits, [Target] Row target)
        => Mean(target * Softplus(-logits) + (1.0 - target) * Softplus(logits));

    /// <summary>
    /// Cosine embedding loss of a pair of rows: 1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1,
    /// one y per row. PyTorch <c>CosineEmbeddingLoss</c>, with its cosine x1·x2/√((‖x1‖² + 1e-12)(‖x2‖² + 1e-12)), so a
    /// zero row gives cos = 0 rather than NaN. Gradients for both rows.
    /// </summary>
    [Loss]
    public static double CosineEmbedding(Row x1, Row x2, [Target, PlusOrMinusOne] double target, [Hyper, InRange(-1, 1)] double margin = 0.0)
    {
        var cosine = Dot(x1, x2) / Sqrt((SquaredNorm(x1) + 1e-12) * (SquaredNorm(x2) + 1e-12));
        return target > 0 ? 1 - cosine : Relu(cosine - margin);
    }

    /// <summary>
    /// Dice loss over a row (a flattened mask): 1 − (2Σ pred·target + smooth)/(Σ pred + Σ target + smooth). pred are
    /// probabilities, target 0/1 (or soft). smooth = 1 keeps empty masks finite; with smooth = 0 an all-zero row
    /// divides by 0. The seed's form is smooth = 0.
    /// </summary>
    [Loss]
    public static double Dice(Row pred, [Target] Row target, [Hyper, NonNegative] double smooth = 1.0)
        => 1 - (2 * Dot(pred, target) + smooth) / (Sum(pred) + Sum(target) + smooth);

    /// <summary>
    /// Jaccard (IoU) loss over a row: 1 − (I + smooth)/(Σ pred + Σ target − I + smooth), I = Σ pred·target (soft
    /// intersection over union). smooth = 1 keeps empty masks finite.
    /// </summary>
    [Loss]
    public static double Jaccard(Row pred, [Target] Row target, [Hyper, NonNegative] double smooth = 1.0)
    {
        var intersection = Dot(pred, target);
        return 1 - (intersection + smooth) / (Sum(pred) + Sum(target) - intersection + smooth);
    }

    /// <summary>
    /// Tversky loss over a row: 1 − (TP + smooth)/(TP + alpha·FP + beta·FN + smooth), with TP = Σ pred·target,
    /// FP = Σ pred·(1 − target), FN = Σ (1 − pred)·target. alpha = beta = ½ is Dice; alpha = beta = 1 is Jaccard.
    /// </summary>
    [Loss]
    public static double Tversky(Row pred, [Target] Row target, [Hyper, NonNegative] double alpha = 0.5, [Hyper, NonNegative] double beta = 0.5, [Hyper, NonNegative] double smooth = 1.0)
    {
        var truePositive = Dot(pred, target);
        var falsePositive = Sum(pred) - truePositive;
        var falseNegative = Sum(target) - truePositive;
        return 1 - (truePositive + smooth) / (truePositive + alpha * falsePositive + beta * falseNegative + smooth);
    }
}
