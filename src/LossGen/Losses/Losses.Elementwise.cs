using static LossGen.LossMath;

namespace LossGen;

/// <summary>
/// The built-in losses. Each is declared as a <see cref="LossAttribute">[Loss]</see> formula, exactly
/// as a user would declare one, and gets generated span overloads (<c>F</c>, <c>FWithGradient</c>,
/// <c>FElementwise</c>) for float, double and Half. Calling a formula method with doubles computes one
/// element's loss: the reference the kernels are tested against.
/// </summary>
public static partial class Losses
{
    /// <summary>Mean squared error: (pred − target)². PyTorch <c>MSELoss</c>, Keras <c>MeanSquaredError</c>.</summary>
    [Loss]
    public static double MeanSquaredError(double pred, [Target] double target)
        => Square(pred - target);

    /// <summary>
    /// Mean absolute error: |pred − target|. PyTorch <c>L1Loss</c>, Keras <c>MeanAbsoluteError</c>. At
    /// pred = target the gradient is 0 (PyTorch's <c>sgn</c>).
    /// </summary>
    [Loss]
    public static double MeanAbsoluteError(double pred, [Target] double target)
        => Abs(pred - target);

    /// <summary>
    /// Huber loss: ½d² for |d| ≤ delta, else delta·(|d| − ½delta), with d = pred − target. Equal to
    /// PyTorch <c>HuberLoss</c> (which uses |d| &lt; delta; value and gradient agree at |d| = delta)
    /// and Keras <c>Huber</c>. delta must be positive.
    /// </summary>
    [Loss]
    public static double Huber(double pred, [Target] double target, [Hyper, Positive] double delta = 1.0)
    {
        var d = Abs(pred - target);
        return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
    }

    /// <summary>
    /// Smooth L1: ½d²/beta for |d| &lt; beta, else |d| − ½beta (PyTorch <c>SmoothL1Loss</c>, =
    /// Huber(delta = beta)/beta). beta = 0 is the L1 loss, as in PyTorch.
    /// </summary>
    [Loss]
    public static double SmoothL1(double pred, [Target] double target, [Hyper, NonNegative] double beta = 1.0)
    {
        var d = Abs(pred - target);
        return d < beta ? 0.5 * d * d / beta : d - 0.5 * beta;
    }

    /// <summary>
    /// Log-cosh: log(cosh(pred − target)), computed so it neither overflows nor loses the d²/2 of a small
    /// difference: its Taylor series up to |d| = 1/8, Keras's |d| + log1p(e^−2|d|) − log 2 beyond. Keras
    /// <c>LogCosh</c>, optax <c>log_cosh</c>. Gradient tanh(d).
    /// </summary>
    [Loss]
    public static double LogCosh(double pred, [Target] double target)
        => LossMath.LogCosh(pred - target);

    /// <summary>
    /// Mean squared logarithmic error: (log1p(max(pred, 0)) − log1p(max(target, 0)))². Keras
    /// <c>MeanSquaredLogarithmicError</c> clamps at 1e-7 instead of 0 (a difference below 1e-7);
    /// negative predictions get no gradient. PyTorch has no built-in equivalent.
    /// </summary>
    [Loss]
    public static double MeanSquaredLogarithmicError(double pred, [Target] double target)
        => Square(Log1p(Max(pred, 0.0)) - Log1p(Max(target, 0.0)));

    /// <summary>
    /// Mean absolute percentage error: 100·|target − pred| / max(|target|, 1e-7), as Keras
    /// <c>MeanAbsolutePercentageError</c>. PyTorch has no built-in equivalent. It is computed as |target − pred|·s with
    /// s = 100/max(|target|, 1e-7), so nothing overflows unless the result does (in float, target 3e38 and pred 0
    /// give 100, and target 3e38 and pred −3e38 give 200, not ∞).
    /// </summary>
    [Loss]
    public static double MeanAbsolutePercentageError(double pred, [Target] double target)
    {
        // target − pred passes the type's range only for huge values of opposite signs; then each is scaled first.
        var scale = 100.0 / Max(Abs(target), 1e-7);
        var d = Abs(target - pred);
        return d < double.PositiveInfinity ? d * scale : Abs(target * scale - pred * scale);
    }

    /// <summary>
    /// Binary cross-entropy on probabilities: −(y·log p + (1 − y)·log(1 − p)) with each log clamped at −100, as PyTorch
    /// <c>BCELoss</c>, in every element type: p = 0 with y = 1 gives 100 in Half, float and double alike. The gradient is
    /// (p − y)/(p(1 − p)) wherever the logs are at or above −100, and 0 where a clamp holds (p = 0 or 1 exactly, or a
    /// float subnormal); PyTorch gives (p − y)/max(p(1 − p), 1e-12) there. Keras <c>BinaryCrossentropy</c> clamps p to
    /// [1e-7, 1 − 1e-7] instead (16.1 for p = 0, y = 1). <paramref name="labelSmoothing"/> ε takes each target to
    /// y·(1 − ε) + ε/2, as Keras <c>BinaryCrossentropy(label_smoothing)</c> (PyTorch has no such option). Prefer
    /// <see cref="BinaryCrossEntropyWithLogits(double, double, double, double)"/>, which never saturates.
    /// </summary>
    [Loss]
    public static double BinaryCrossEntropy([Probability] double pred, [Target, Probability] double target, [Hyper, Probability] double labelSmoothing = 0.0)
    {
        // Each log takes a stand-in argument where its clamp holds, so no log of 0 is formed: the value would be
        // replaced anyway, but its derivative (0/0) would not. log1p: 1 − p would round p = 1e-8 away in float.
        // The clamp is a select, not a Max: a Max's derivative splits ½ to each side on a tie, which costs a dozen
        // operations per element for a tie at exactly −100 (the gradient passes there, as through torch.clamp).
        var logOfP = Log(pred > 0 ? pred : 1);
        var logP = pred > 0 && logOfP >= -100 ? logOfP : -100;
        var logOfNotP = Log1p(-(pred < 1 ? pred : 0));
        var logNotP = pred < 1 && logOfNotP >= -100 ? logOfNotP : -100;
        var y = target * (1.0 - labelSmoothing) + 0.5 * labelSmoothing;
        return -(y * logP + (1.0 - y) * logNotP);
    }

    /// <summary>
    /// Binary cross-entropy on logits, posWeight·y·softplus(−x) + (1 − y)·softplus(x): PyTorch
    /// <c>BCEWithLogitsLoss</c> with <c>pos_weight</c>, Keras <c>BinaryCrossentropy(from_logits=True)</c>. Both
    /// softplus terms share one log1p(e^−|x|) and never overflow. Unlike PyTorch's (1 − y)·x + softplus(−x), this
    /// form subtracts nothing, so a small loss keeps its digits (x = −20, y = 0 gives 2.06e-9 in float, not 0).
    /// Gradient (for posWeight = 1) σ(x) − y, as (1 − y)·σ(x) − y·σ(−x). <paramref name="labelSmoothing"/> ε takes each
    /// target to y·(1 − ε) + ε/2 first, as Keras <c>BinaryCrossentropy(from_logits=True, label_smoothing)</c>.
    /// </summary>
    [Loss]
    public static double BinaryCrossEntropyWithLogits(double logits, [Target, Probability] double target, [Hyper, NonNegative] double posWeight = 1.0, [Hyper, Probability] double labelSmoothing = 0.0)
    {
        var y = target * (1.0 - labelSmoothing) + 0.5 * labelSmoothing;
        return posWeight * y * Softplus(-logits) + (1.0 - y) * Softplus(logits);
    }

    /// <summary>
    /// Hinge loss: max(0, 1 − y·pred) with labels y = ±1 (Keras <c>Hinge</c>, which also converts
    /// {0, 1} labels to ±1 silently; LossGen does not). The gradient at the kink is 0.
    /// </summary>
    [Loss]
    public static double Hinge(double pred, [Target, PlusOrMinusOne] double target)
        => Relu(1.0 - target * pred);

    /// <summary>Squared hinge loss: max(0, 1 − y·pred)² with labels y = ±1 (Keras <c>SquaredHinge</c>).</summary>
    [Loss]
    public static double SquaredHinge(double pred, [Target, PlusOrMinusOne] double target)
        => Square(Relu(1.0 - target * pred));

    /// <summary>
    /// Poisson negative log-likelihood of a rate: pred − target·log(pred + eps), PyTorch
    /// <c>PoissonNLLLoss(log_input=False, eps=1e-8)</c> (Keras <c>Poisson</c> uses 1e-7). The constant log(target!) is
    /// omitted unless <paramref name="full"/> is true, which adds PyTorch's Stirling approximation of it,
    /// target·log(target) − target + ½·log(2π·target) for target &gt; 1 (0 below). That term depends on the target only:
    /// it moves the loss, not the gradient. Each value of the flag has its own kernel: false computes no Stirling term.
    /// </summary>
    [Loss]
    public static double Poisson([NonNegative] double pred, [Target, NonNegative] double target, [Hyper] bool full = false, [Hyper, Positive] double eps = 1e-8)
    {
        var stirling = full && target > 1.0 ? target * Log(target) - target + 0.5 * Log(TwoPi * target) : 0.0;
        return pred - target * Log(pred + eps) + stirling;
    }

    /// <summary>
    /// Poisson negative log-likelihood of a log-rate: e^logRate − target·logRate (PyTorch's default
    /// <c>log_input=True</c>), plus the Stirling term of <see cref="Poisson(double, double, bool, double)"/> when
    /// <paramref name="full"/> is true. For a log-rate above 88 (where e^logRate nears float's range) it is computed as
    /// h·(h − logRate·(target/h)) with h = e^(logRate/2), so the two terms are compared before either overflows: where
    /// e^logRate and target·logRate both pass the type's range, the result is the ±∞ of the larger (not ∞ − ∞ = NaN).
    /// The gradient e^logRate − target is +∞ wherever e^logRate overflows (logRate &gt; 88.7 in float). The kernels skip
    /// that form, and its second exponential, for every vector with no log-rate above 88.
    /// </summary>
    [Loss]
    public static double PoissonWithLogInput(double logRate, [Target, NonNegative] double target, [Hyper] bool full = false)
    {
        // The common form first: where a kernel has more exps and logs than it inlines (full: the Stirling term's two
        // logs), it inlines the first of the two arms' exps and calls the other, which vectors seldom run.
        var common = Exp(logRate) - target * logRate;
        var half = Exp(0.5 * logRate);
        var nll = logRate > 88.0 ? half * (half - logRate * (target / half)) : common;
        var stirling = full && target > 1.0 ? target * Log(target) - target + 0.5 * Log(TwoPi * target) : 0.0;
        return nll + stirling;
    }

    private const double TwoPi = 6.283185307179586;

    /// <summary>
    /// Binary focal loss on logits (torchvision <c>sigmoid_focal_loss</c>): BCE-with-logits times
    /// (1 − p_t)^gamma, times alpha_t = alpha·y + (1 − alpha)(1 − y); a negative alpha disables the
    /// weighting, as in torchvision. Keras <c>BinaryFocalCrossentropy</c> applies the sigmoid first. Past
    /// |logits| = max/γ (1.7e38 in float for γ = 2) the gradient is NaN: reverse mode forms ce·γ, which overflows
    /// there, before the vanishing σ′.
    /// </summary>
    [Loss]
    public static double BinaryFocalWithLogits(double logits, [Target, Probability] double target, [Hyper, InRange(double.NegativeInfinity, 1)] double alpha = 0.25, [Hyper, NonNegative] double gamma = 2.0)
    {
        // Nothing is subtracted from 1 or from the logit, so a well-classified element keeps its small loss:
        // 1 − p_t is (1 − y)·σ(x) + y·σ(−x), and the cross-entropy y·softplus(−x) + (1 − y)·softplus(x).
        var ce = target * Softplus(-logits) + (1.0 - target) * Softplus(logits);
        var missed = (1.0 - target) * Sigmoid(logits) + target * Sigmoid(-logits);
        var alphaT = alpha >= 0.0 ? alpha * target + (1.0 - alpha) * (1.0 - target) : 1.0;
        return alphaT * ce * Pow(missed, gamma);
    }

    /// <summary>
    /// Margin ranking loss: max(0, −y·(x1 − x2) + margin) with y = ±1 saying which input should rank
    /// higher (PyTorch <c>MarginRankingLoss</c>). Gradients for both inputs; 0 at the kink.
    /// </summary>
    [Loss]
    public static double MarginRanking(double x1, double x2, [Target, PlusOrMinusOne] double y, [Hyper, InRange(double.NegativeInfinity, double.PositiveInfinity)] double margin = 0.0)
        => Relu(-y * (x1 - x2) + margin);

    /// <summary>
    /// Soft margin loss: log(1 + e^(−y·pred)) = softplus(−y·pred) with labels y = ±1, PyTorch <c>SoftMarginLoss</c> (the
    /// logistic loss of a ±1 classifier). Never overflows; the gradient is −y·σ(−y·pred).
    /// </summary>
    [Loss]
    public static double SoftMargin(double pred, [Target, PlusOrMinusOne] double target)
        => Softplus(-target * pred);

    /// <summary>
    /// Hinge embedding loss: pred where y = 1, max(0, margin − pred) where y = −1, PyTorch <c>HingeEmbeddingLoss</c>
    /// (pred is typically a distance between two embeddings, y says whether they should be close). The gradient at
    /// the kink is 0.
    /// </summary>
    [Loss]
    public static double HingeEmbedding(double pred, [Target, PlusOrMinusOne] double target, [Hyper, InRange(double.NegativeInfinity, double.PositiveInfinity)] double margin = 1.0)
        => target > 0 ? pred : Relu(margin - pred);

    /// <summary>
    /// Gaussian negative log-likelihood of a target under N(mean, variance): ½·(log v + (mean − target)²/v), with
    /// v = max(variance, eps), plus ½·log 2π when <paramref name="full"/> is true. PyTorch <c>GaussianNLLLoss</c> with one
    /// variance per element (the model predicts both; gradients for mean and variance). Where the variance is below eps
    /// the clamp holds and its gradient is 0; PyTorch clamps without autograd seeing it and passes the gradient at eps on.
    /// Where mean − target itself passes the type's range (float: opposite signs near 3.4e38), both gradients are ±∞.
    /// </summary>
    [Loss]
    public static double GaussianNll(double mean, [Target] double target, [NonNegative] double variance, [Hyper] bool full = false, [Hyper, Positive] double eps = 1e-6)
    {
        // error·(error/v) rather than error²/v: a float error past 1.8e19 over a variance as large stays finite.
        var v = Max(variance, eps);
        var error = mean - target;
        return 0.5 * (Log(v) + error * (error / v)) + (full ? 0.5 * Log(TwoPi) : 0.0);
    }

    /// <summary>GAN discriminator loss on real samples, from logits: −log σ(x) = softplus(−x).</summary>
    [Loss]
    public static double GanDiscriminatorReal(double logits)
        => Softplus(-logits);

    /// <summary>GAN discriminator loss on generated samples, from logits: −log(1 − σ(x)) = softplus(x).</summary>
    [Loss]
    public static double GanDiscriminatorFake(double logits)
        => Softplus(logits);

    /// <summary>
    /// Minimax GAN generator loss on generated samples, from logits: log(1 − σ(x)) = −softplus(x)
    /// (the original objective; it saturates when the discriminator wins).
    /// </summary>
    [Loss]
    public static double GanGeneratorMinimax(double logits)
        => -Softplus(logits);

    /// <summary>Non-saturating GAN generator loss on generated samples, from logits: −log σ(x) = softplus(−x).</summary>
    [Loss]
    public static double GanGeneratorNonSaturating(double logits)
        => Softplus(-logits);

    /// <summary>Least-squares GAN discriminator loss on real samples: ½(D(x) − 1)².</summary>
    [Loss]
    public static double LeastSquaresGanReal(double pred)
        => 0.5 * Square(pred - 1.0);

    /// <summary>Least-squares GAN discriminator loss on generated samples: ½D(G(z))².</summary>
    [Loss]
    public static double LeastSquaresGanFake(double pred)
        => 0.5 * Square(pred);

    /// <summary>Least-squares GAN generator loss: ½(D(G(z)) − 1)².</summary>
    [Loss]
    public static double LeastSquaresGanGenerator(double pred)
        => 0.5 * Square(pred - 1.0);

    /// <summary>Wasserstein critic loss on real samples: −D(x) (the critic maximizes E[D(x)] − E[D(G(z))]).</summary>
    [Loss]
    public static double WassersteinCriticReal(double score)
        => -score;

    /// <summary>Wasserstein critic loss on generated samples: D(G(z)).</summary>
    [Loss]
    public static double WassersteinCriticFake(double score)
        => score;

    /// <summary>Wasserstein generator loss: −D(G(z)).</summary>
    [Loss]
    public static double WassersteinGenerator(double score)
        => -score;
}
