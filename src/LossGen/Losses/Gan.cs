using System;

namespace LossGen;

// The GAN losses over whole batches of real and fake samples. Each is the sum of generated elementwise pieces
// (GanDiscriminatorReal/Fake, WassersteinCriticReal/Fake, LeastSquaresGanReal/Fake), each reduced over its own span,
// so real and fake batches may differ in size. No kernels of their own.
public static partial class Losses
{
    // ------------------------------------------------------------------ GanDiscriminator

    /// <summary>
    /// The standard GAN discriminator loss from logits: <c>mean(softplus(−realLogits)) + mean(softplus(fakeLogits))</c>
    /// = <c>−mean log σ(D(x)) − mean log(1 − σ(D(G(z))))</c>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Formula.</b> Binary cross-entropy with target 1 on every real logit and target 0 on every fake one, in the
    /// stable form <c>softplus(x) = max(x, 0) + log1p(e^−|x|)</c> (never overflows, exact gradient at any |x|). The
    /// gradients are <c>−σ(−r)/n_real</c> and <c>σ(f)/n_fake</c> (without the divisions for Sum).
    /// </para>
    /// <para>
    /// <b>Reduction.</b> Each span is reduced on its own: <see cref="Reduction.Mean"/> averages the real losses over the
    /// real logits and the fake ones over the fake logits, then adds the two means (so a batch of 64 real and 32 fake
    /// samples weighs both halves equally); <see cref="Reduction.Sum"/> adds every loss. An empty span makes the Mean
    /// NaN (as PyTorch's mean of nothing), the Sum 0.
    /// </para>
    /// <para>
    /// <b>PyTorch and Keras.</b> Equals <c>BCEWithLogitsLoss()(real, ones) + BCEWithLogitsLoss()(fake, zeros)</c> and
    /// Keras' <c>BinaryCrossentropy(from_logits=True)(ones, real) + ...(zeros, fake)</c> (the DCGAN tutorials' loss).
    /// Some implementations (pix2pix) halve it; multiply the result and gradients by ½ for that. The elementwise
    /// pieces are <see cref="GanDiscriminatorReal(ReadOnlySpan{double}, Reduction)"/> and
    /// <see cref="GanDiscriminatorFake(ReadOnlySpan{double}, Reduction)"/>.
    /// </para>
    /// </remarks>
    /// <param name="realLogits">Discriminator logits D(x) on real samples.</param>
    /// <param name="fakeLogits">Discriminator logits D(G(z)) on generated samples; any length.</param>
    /// <param name="reduction">Mean of each span, or Sum.</param>
    /// <returns>The discriminator loss.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An unknown <paramref name="reduction"/>.</exception>
    public static double GanDiscriminator(ReadOnlySpan<double> realLogits, ReadOnlySpan<double> fakeLogits, Reduction reduction = Reduction.Mean)
        => TwoSpans<double, GanRealPiece, GanFakePiece>(realLogits, fakeLogits, default, default, false, reduction, nameof(realLogits), nameof(fakeLogits));

    /// <summary>
    /// The standard GAN discriminator loss from logits and its gradients with respect to the real and the fake logits
    /// (<c>−σ(−r)</c> and <c>σ(f)</c>, divided by each span's length for Mean).
    /// </summary>
    /// <remarks>
    /// The conventions are those of <see cref="GanDiscriminator(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>.
    /// Each gradient may be its own input (an in-place update) but must not overlap the other span or the other gradient.
    /// </remarks>
    /// <param name="realLogits">Discriminator logits on real samples.</param>
    /// <param name="fakeLogits">Discriminator logits on generated samples.</param>
    /// <param name="realLogitsGradient">Receives d loss / d realLogits; the length of <paramref name="realLogits"/>.</param>
    /// <param name="fakeLogitsGradient">Receives d loss / d fakeLogits; the length of <paramref name="fakeLogits"/>.</param>
    /// <param name="reduction">Mean of each span, or Sum.</param>
    /// <returns>The discriminator loss.</returns>
    /// <exception cref="ArgumentException">A gradient of the wrong length, or overlapping the other span or gradient; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An unknown <paramref name="reduction"/>; nothing is written.</exception>
    public static double GanDiscriminatorWithGradient(ReadOnlySpan<double> realLogits, ReadOnlySpan<double> fakeLogits,
        Span<double> realLogitsGradient, Span<double> fakeLogitsGradient, Reduction reduction = Reduction.Mean)
        => TwoSpans<double, GanRealPiece, GanFakePiece>(realLogits, fakeLogits, realLogitsGradient, fakeLogitsGradient, true, reduction, nameof(realLogits), nameof(fakeLogits));

    /// <inheritdoc cref="GanDiscriminator(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>
    /// <summary>The standard GAN discriminator loss from logits, single precision (the two means added in double, rounded once).</summary>
    public static float GanDiscriminator(ReadOnlySpan<float> realLogits, ReadOnlySpan<float> fakeLogits, Reduction reduction = Reduction.Mean)
        => (float)TwoSpans<float, GanRealPiece, GanFakePiece>(realLogits, fakeLogits, default, default, false, reduction, nameof(realLogits), nameof(fakeLogits));

    /// <inheritdoc cref="GanDiscriminatorWithGradient(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double}, Reduction)"/>
    /// <summary>The standard GAN discriminator loss from logits and its gradients, single precision.</summary>
    public static float GanDiscriminatorWithGradient(ReadOnlySpan<float> realLogits, ReadOnlySpan<float> fakeLogits,
        Span<float> realLogitsGradient, Span<float> fakeLogitsGradient, Reduction reduction = Reduction.Mean)
        => (float)TwoSpans<float, GanRealPiece, GanFakePiece>(realLogits, fakeLogits, realLogitsGradient, fakeLogitsGradient, true, reduction, nameof(realLogits), nameof(fakeLogits));

    /// <inheritdoc cref="GanDiscriminator(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>
    /// <summary>The standard GAN discriminator loss from logits, half precision (computed in float, rounded to Half once).</summary>
    public static Half GanDiscriminator(ReadOnlySpan<Half> realLogits, ReadOnlySpan<Half> fakeLogits, Reduction reduction = Reduction.Mean)
        => (Half)(float)TwoSpans<Half, GanRealPiece, GanFakePiece>(realLogits, fakeLogits, default, default, false, reduction, nameof(realLogits), nameof(fakeLogits));

    /// <inheritdoc cref="GanDiscriminatorWithGradient(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double}, Reduction)"/>
    /// <summary>The standard GAN discriminator loss from logits and its gradients, half precision (computed in float, each value rounded once).</summary>
    public static Half GanDiscriminatorWithGradient(ReadOnlySpan<Half> realLogits, ReadOnlySpan<Half> fakeLogits,
        Span<Half> realLogitsGradient, Span<Half> fakeLogitsGradient, Reduction reduction = Reduction.Mean)
        => (Half)(float)TwoSpans<Half, GanRealPiece, GanFakePiece>(realLogits, fakeLogits, realLogitsGradient, fakeLogitsGradient, true, reduction, nameof(realLogits), nameof(fakeLogits));

    // ------------------------------------------------------------------ GanGenerator

    /// <summary>
    /// The non-saturating GAN generator loss from the discriminator's logits on generated samples:
    /// <c>mean(softplus(−fakeLogits)) = −mean log σ(D(G(z)))</c>.
    /// </summary>
    /// <remarks>
    /// The generator's half of <see cref="GanDiscriminator(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>: binary
    /// cross-entropy with target 1 on the fake logits (PyTorch <c>BCEWithLogitsLoss()(fake, ones)</c>, Keras
    /// <c>BinaryCrossentropy(from_logits=True)(ones, fake)</c>), which keeps its gradient when the discriminator wins,
    /// unlike the minimax <c>log(1 − σ)</c> (<see cref="GanGeneratorMinimax(ReadOnlySpan{double}, Reduction)"/>). The same
    /// computation as <see cref="GanGeneratorNonSaturating(ReadOnlySpan{double}, Reduction)"/>, under the name that pairs
    /// with <c>GanDiscriminator</c>. Mean of an empty span is NaN, Sum 0.
    /// </remarks>
    /// <param name="fakeLogits">Discriminator logits D(G(z)) on generated samples.</param>
    /// <param name="reduction">Mean or Sum over the span.</param>
    /// <returns>The generator loss.</returns>
    public static double GanGenerator(ReadOnlySpan<double> fakeLogits, Reduction reduction = Reduction.Mean)
        => GanGeneratorNonSaturating(fakeLogits, reduction);

    /// <summary>The non-saturating GAN generator loss from logits and its gradient <c>−σ(−f)</c> (divided by the length for Mean).</summary>
    /// <remarks>
    /// The conventions are those of <see cref="GanGenerator(ReadOnlySpan{double}, Reduction)"/>. In a training loop the
    /// gradient is then propagated through the discriminator (frozen) into the generator.
    /// </remarks>
    /// <param name="fakeLogits">Discriminator logits on generated samples.</param>
    /// <param name="fakeLogitsGradient">Receives d loss / d fakeLogits; may be <paramref name="fakeLogits"/> itself.</param>
    /// <param name="reduction">Mean or Sum over the span.</param>
    /// <returns>The generator loss.</returns>
    /// <exception cref="ArgumentException">The gradient's length differs from the logits'; nothing is written.</exception>
    public static double GanGeneratorWithGradient(ReadOnlySpan<double> fakeLogits, Span<double> fakeLogitsGradient, Reduction reduction = Reduction.Mean)
    {
        ThrowIfGradientLengthDiffers(fakeLogits.Length, fakeLogitsGradient.Length);
        return GanGeneratorNonSaturatingWithGradient(fakeLogits, fakeLogitsGradient, reduction);
    }

    /// <inheritdoc cref="GanGenerator(ReadOnlySpan{double}, Reduction)"/>
    public static float GanGenerator(ReadOnlySpan<float> fakeLogits, Reduction reduction = Reduction.Mean)
        => GanGeneratorNonSaturating(fakeLogits, reduction);

    /// <inheritdoc cref="GanGeneratorWithGradient(ReadOnlySpan{double}, Span{double}, Reduction)"/>
    public static float GanGeneratorWithGradient(ReadOnlySpan<float> fakeLogits, Span<float> fakeLogitsGradient, Reduction reduction = Reduction.Mean)
    {
        ThrowIfGradientLengthDiffers(fakeLogits.Length, fakeLogitsGradient.Length);
        return GanGeneratorNonSaturatingWithGradient(fakeLogits, fakeLogitsGradient, reduction);
    }

    /// <inheritdoc cref="GanGenerator(ReadOnlySpan{double}, Reduction)"/>
    /// <summary>The non-saturating GAN generator loss from logits, half precision (computed in float, rounded once).</summary>
    public static Half GanGenerator(ReadOnlySpan<Half> fakeLogits, Reduction reduction = Reduction.Mean)
        => GanGeneratorNonSaturating(fakeLogits, reduction);

    /// <inheritdoc cref="GanGeneratorWithGradient(ReadOnlySpan{double}, Span{double}, Reduction)"/>
    /// <summary>The non-saturating GAN generator loss from logits and its gradient, half precision (computed in float, each value rounded once).</summary>
    public static Half GanGeneratorWithGradient(ReadOnlySpan<Half> fakeLogits, Span<Half> fakeLogitsGradient, Reduction reduction = Reduction.Mean)
    {
        ThrowIfGradientLengthDiffers(fakeLogits.Length, fakeLogitsGradient.Length);
        return GanGeneratorNonSaturatingWithGradient(fakeLogits, fakeLogitsGradient, reduction);
    }

    /// <summary>The length check of GanGeneratorWithGradient in its own parameters' names (the formula it calls names its own).</summary>
    private static void ThrowIfGradientLengthDiffers(int logits, int gradient)
    {
        if (gradient != logits)
        {
            throw new ArgumentException($"The gradient 'fakeLogitsGradient' has {gradient} elements, but the inputs ('fakeLogits') have {logits}.", "fakeLogitsGradient");
        }
    }

    // ------------------------------------------------------------------ WassersteinCritic

    /// <summary>
    /// The Wasserstein (WGAN) critic loss: <c>mean(fakeScores) − mean(realScores)</c>, which the critic minimizes to
    /// widen the gap between its scores on real and generated samples.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The negative of the critic's estimate of the Wasserstein-1 distance (the seed's
    /// <c>E[D(x)] − E[D(G(z))]</c>, which the critic maximizes). Scores are unbounded, no sigmoid. Gradients: −1/n_real
    /// on every real score, +1/n_fake on every fake one (−1 and +1 for Sum). The Lipschitz constraint (weight clipping,
    /// or a gradient penalty on interpolated samples, WGAN-GP) is the training loop's: it needs gradients through the
    /// critic with respect to its input, which no loss of scores can give.
    /// </para>
    /// <para>
    /// <b>Reduction.</b> Each span is reduced on its own (Mean: its mean, NaN if empty; Sum: its sum), as in
    /// <see cref="GanDiscriminator(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>.
    /// </para>
    /// <para>
    /// <b>PyTorch and Keras.</b> Neither ships it; it is the <c>fake.mean() − real.mean()</c> (PyTorch) and
    /// <c>reduce_mean(fake) − reduce_mean(real)</c> (Keras WGAN-GP example) of the reference implementations. The
    /// pieces are <see cref="WassersteinCriticReal(ReadOnlySpan{double}, Reduction)"/> and
    /// <see cref="WassersteinCriticFake(ReadOnlySpan{double}, Reduction)"/>; the generator's loss is
    /// <see cref="WassersteinGenerator(ReadOnlySpan{double}, Reduction)"/> (−mean(fakeScores)).
    /// </para>
    /// </remarks>
    /// <param name="realScores">Critic scores D(x) on real samples.</param>
    /// <param name="fakeScores">Critic scores D(G(z)) on generated samples; any length.</param>
    /// <param name="reduction">Mean of each span, or Sum.</param>
    /// <returns>The critic loss.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An unknown <paramref name="reduction"/>.</exception>
    public static double WassersteinCritic(ReadOnlySpan<double> realScores, ReadOnlySpan<double> fakeScores, Reduction reduction = Reduction.Mean)
        => TwoSpans<double, WassersteinRealPiece, WassersteinFakePiece>(realScores, fakeScores, default, default, false, reduction, nameof(realScores), nameof(fakeScores));

    /// <summary>The Wasserstein critic loss <c>mean(fakeScores) − mean(realScores)</c> and its gradients (−1/n_real and +1/n_fake).</summary>
    /// <remarks>
    /// The conventions are those of <see cref="WassersteinCritic(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>.
    /// Each gradient may be its own input but must not overlap the other span or the other gradient.
    /// </remarks>
    /// <param name="realScores">Critic scores on real samples.</param>
    /// <param name="fakeScores">Critic scores on generated samples.</param>
    /// <param name="realScoresGradient">Receives d loss / d realScores; the length of <paramref name="realScores"/>.</param>
    /// <param name="fakeScoresGradient">Receives d loss / d fakeScores; the length of <paramref name="fakeScores"/>.</param>
    /// <param name="reduction">Mean of each span, or Sum.</param>
    /// <returns>The critic loss.</returns>
    /// <exception cref="ArgumentException">A gradient of the wrong length, or overlapping the other span or gradient; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An unknown <paramref name="reduction"/>; nothing is written.</exception>
    public static double WassersteinCriticWithGradient(ReadOnlySpan<double> realScores, ReadOnlySpan<double> fakeScores,
        Span<double> realScoresGradient, Span<double> fakeScoresGradient, Reduction reduction = Reduction.Mean)
        => TwoSpans<double, WassersteinRealPiece, WassersteinFakePiece>(realScores, fakeScores, realScoresGradient, fakeScoresGradient, true, reduction, nameof(realScores), nameof(fakeScores));

    /// <inheritdoc cref="WassersteinCritic(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>
    /// <summary>The Wasserstein critic loss, single precision (the two means added in double, rounded once).</summary>
    public static float WassersteinCritic(ReadOnlySpan<float> realScores, ReadOnlySpan<float> fakeScores, Reduction reduction = Reduction.Mean)
        => (float)TwoSpans<float, WassersteinRealPiece, WassersteinFakePiece>(realScores, fakeScores, default, default, false, reduction, nameof(realScores), nameof(fakeScores));

    /// <inheritdoc cref="WassersteinCriticWithGradient(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double}, Reduction)"/>
    /// <summary>The Wasserstein critic loss and its gradients, single precision.</summary>
    public static float WassersteinCriticWithGradient(ReadOnlySpan<float> realScores, ReadOnlySpan<float> fakeScores,
        Span<float> realScoresGradient, Span<float> fakeScoresGradient, Reduction reduction = Reduction.Mean)
        => (float)TwoSpans<float, WassersteinRealPiece, WassersteinFakePiece>(realScores, fakeScores, realScoresGradient, fakeScoresGradient, true, reduction, nameof(realScores), nameof(fakeScores));

    /// <inheritdoc cref="WassersteinCritic(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>
    /// <summary>The Wasserstein critic loss, half precision (computed in float, rounded to Half once).</summary>
    public static Half WassersteinCritic(ReadOnlySpan<Half> realScores, ReadOnlySpan<Half> fakeScores, Reduction reduction = Reduction.Mean)
        => (Half)(float)TwoSpans<Half, WassersteinRealPiece, WassersteinFakePiece>(realScores, fakeScores, default, default, false, reduction, nameof(realScores), nameof(fakeScores));

    /// <inheritdoc cref="WassersteinCriticWithGradient(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double}, Reduction)"/>
    /// <summary>The Wasserstein critic loss and its gradients, half precision (computed in float, each value rounded once).</summary>
    public static Half WassersteinCriticWithGradient(ReadOnlySpan<Half> realScores, ReadOnlySpan<Half> fakeScores,
        Span<Half> realScoresGradient, Span<Half> fakeScoresGradient, Reduction reduction = Reduction.Mean)
        => (Half)(float)TwoSpans<Half, WassersteinRealPiece, WassersteinFakePiece>(realScores, fakeScores, realScoresGradient, fakeScoresGradient, true, reduction, nameof(realScores), nameof(fakeScores));

    // ------------------------------------------------------------------ LeastSquaresGanDiscriminator

    /// <summary>
    /// The least-squares GAN (LSGAN) discriminator loss: <c>½·mean((realScores − 1)²) + ½·mean(fakeScores²)</c>, the
    /// seed's <c>½E[(D(x) − 1)²] + ½E[D(G(z))²]</c>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Targets 1 for real and 0 for fake samples (Mao et al.'s a = 0, b = c = 1), raw scores without a sigmoid.
    /// Gradients: <c>(r − 1)/n_real</c> and <c>f/n_fake</c> (without the divisions for Sum). Each span is reduced on its
    /// own, as in <see cref="GanDiscriminator(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>. The generator's
    /// loss, <c>½·mean((fakeScores − 1)²)</c>, is <see cref="LeastSquaresGanGenerator(ReadOnlySpan{double}, Reduction)"/>.
    /// </para>
    /// <para>
    /// <b>PyTorch and Keras.</b> <c>0.5 * (MSELoss()(real, ones) + MSELoss()(fake, zeros))</c>, and the same with Keras'
    /// <c>MeanSquaredError</c>. The pieces are <see cref="LeastSquaresGanReal(ReadOnlySpan{double}, Reduction)"/> and
    /// <see cref="LeastSquaresGanFake(ReadOnlySpan{double}, Reduction)"/>.
    /// </para>
    /// </remarks>
    /// <param name="realScores">Discriminator scores D(x) on real samples.</param>
    /// <param name="fakeScores">Discriminator scores D(G(z)) on generated samples; any length.</param>
    /// <param name="reduction">Mean of each span, or Sum.</param>
    /// <returns>The discriminator loss.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An unknown <paramref name="reduction"/>.</exception>
    public static double LeastSquaresGanDiscriminator(ReadOnlySpan<double> realScores, ReadOnlySpan<double> fakeScores, Reduction reduction = Reduction.Mean)
        => TwoSpans<double, LeastSquaresRealPiece, LeastSquaresFakePiece>(realScores, fakeScores, default, default, false, reduction, nameof(realScores), nameof(fakeScores));

    /// <summary>The LSGAN discriminator loss and its gradients (<c>(r − 1)/n_real</c> and <c>f/n_fake</c> for Mean).</summary>
    /// <remarks>
    /// The conventions are those of <see cref="LeastSquaresGanDiscriminator(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>.
    /// Each gradient may be its own input but must not overlap the other span or the other gradient.
    /// </remarks>
    /// <param name="realScores">Discriminator scores on real samples.</param>
    /// <param name="fakeScores">Discriminator scores on generated samples.</param>
    /// <param name="realScoresGradient">Receives d loss / d realScores; the length of <paramref name="realScores"/>.</param>
    /// <param name="fakeScoresGradient">Receives d loss / d fakeScores; the length of <paramref name="fakeScores"/>.</param>
    /// <param name="reduction">Mean of each span, or Sum.</param>
    /// <returns>The discriminator loss.</returns>
    /// <exception cref="ArgumentException">A gradient of the wrong length, or overlapping the other span or gradient; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An unknown <paramref name="reduction"/>; nothing is written.</exception>
    public static double LeastSquaresGanDiscriminatorWithGradient(ReadOnlySpan<double> realScores, ReadOnlySpan<double> fakeScores,
        Span<double> realScoresGradient, Span<double> fakeScoresGradient, Reduction reduction = Reduction.Mean)
        => TwoSpans<double, LeastSquaresRealPiece, LeastSquaresFakePiece>(realScores, fakeScores, realScoresGradient, fakeScoresGradient, true, reduction, nameof(realScores), nameof(fakeScores));

    /// <inheritdoc cref="LeastSquaresGanDiscriminator(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>
    /// <summary>The LSGAN discriminator loss, single precision (the two means added in double, rounded once).</summary>
    public static float LeastSquaresGanDiscriminator(ReadOnlySpan<float> realScores, ReadOnlySpan<float> fakeScores, Reduction reduction = Reduction.Mean)
        => (float)TwoSpans<float, LeastSquaresRealPiece, LeastSquaresFakePiece>(realScores, fakeScores, default, default, false, reduction, nameof(realScores), nameof(fakeScores));

    /// <inheritdoc cref="LeastSquaresGanDiscriminatorWithGradient(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double}, Reduction)"/>
    /// <summary>The LSGAN discriminator loss and its gradients, single precision.</summary>
    public static float LeastSquaresGanDiscriminatorWithGradient(ReadOnlySpan<float> realScores, ReadOnlySpan<float> fakeScores,
        Span<float> realScoresGradient, Span<float> fakeScoresGradient, Reduction reduction = Reduction.Mean)
        => (float)TwoSpans<float, LeastSquaresRealPiece, LeastSquaresFakePiece>(realScores, fakeScores, realScoresGradient, fakeScoresGradient, true, reduction, nameof(realScores), nameof(fakeScores));

    /// <inheritdoc cref="LeastSquaresGanDiscriminator(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>
    /// <summary>The LSGAN discriminator loss, half precision (computed in float, rounded to Half once).</summary>
    public static Half LeastSquaresGanDiscriminator(ReadOnlySpan<Half> realScores, ReadOnlySpan<Half> fakeScores, Reduction reduction = Reduction.Mean)
        => (Half)(float)TwoSpans<Half, LeastSquaresRealPiece, LeastSquaresFakePiece>(realScores, fakeScores, default, default, false, reduction, nameof(realScores), nameof(fakeScores));

    /// <inheritdoc cref="LeastSquaresGanDiscriminatorWithGradient(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double}, Reduction)"/>
    /// <summary>The LSGAN discriminator loss and its gradients, half precision (computed in float, each value rounded once).</summary>
    public static Half LeastSquaresGanDiscriminatorWithGradient(ReadOnlySpan<Half> realScores, ReadOnlySpan<Half> fakeScores,
        Span<Half> realScoresGradient, Span<Half> fakeScoresGradient, Reduction reduction = Reduction.Mean)
        => (Half)(float)TwoSpans<Half, LeastSquaresRealPiece, LeastSquaresFakePiece>(realScores, fakeScores, realScoresGradient, fakeScoresGradient, true, reduction, nameof(realScores), nameof(fakeScores));

    // ------------------------------------------------------------------ shared

    /// <summary>
    /// Validates both spans and gradients, then adds the real piece reduced over the real span and the fake piece over
    /// the fake span. Names are only used in messages.
    /// </summary>
    private static double TwoSpans<TS, TReal, TFake>(ReadOnlySpan<TS> real, ReadOnlySpan<TS> fake, Span<TS> realGradient, Span<TS> fakeGradient,
        bool wantGradient, Reduction reduction, string realName, string fakeName)
        where TS : unmanaged
        where TReal : struct, ISpanPiece
        where TFake : struct, ISpanPiece
    {
        Kernels.ReductionChecks.ThrowIfNotMeanOrSum(reduction);
        if (wantGradient)
        {
            if (realGradient.Length != real.Length)
                throw new ArgumentException($"'{realName}Gradient' has {realGradient.Length} elements, but '{realName}' has {real.Length}.", realName + "Gradient");
            if (fakeGradient.Length != fake.Length)
                throw new ArgumentException($"'{fakeName}Gradient' has {fakeGradient.Length} elements, but '{fakeName}' has {fake.Length}.", fakeName + "Gradient");
            // The real gradient is written first: it must not hold the fake inputs, and neither gradient the other.
            if (((ReadOnlySpan<TS>)realGradient).Overlaps(fake))
                throw new ArgumentException($"'{realName}Gradient' overlaps '{fakeName}'.", realName + "Gradient");
            if (((ReadOnlySpan<TS>)fakeGradient).Overlaps(real))
                throw new ArgumentException($"'{fakeName}Gradient' overlaps '{realName}'.", fakeName + "Gradient");
            if (((ReadOnlySpan<TS>)realGradient).Overlaps(fakeGradient))
                throw new ArgumentException($"'{realName}Gradient' and '{fakeName}Gradient' overlap.", fakeName + "Gradient");
        }
        double realLoss = SpanPieces.Reduce<TS, TReal>(real, default, realGradient, wantGradient, 0, reduction);
        double fakeLoss = SpanPieces.Reduce<TS, TFake>(fake, default, fakeGradient, wantGradient, 0, reduction);
        return realLoss + fakeLoss;
    }

    private readonly struct GanRealPiece : ISpanPiece
    {
        public static float Reduce(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> g, bool wantGradient, double hyper, Reduction r)
            => wantGradient ? GanDiscriminatorRealWithGradient(x, g, r) : GanDiscriminatorReal(x, r);

        public static double Reduce(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> g, bool wantGradient, double hyper, Reduction r)
            => wantGradient ? GanDiscriminatorRealWithGradient(x, g, r) : GanDiscriminatorReal(x, r);
    }

    private readonly struct GanFakePiece : ISpanPiece
    {
        public static float Reduce(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> g, bool wantGradient, double hyper, Reduction r)
            => wantGradient ? GanDiscriminatorFakeWithGradient(x, g, r) : GanDiscriminatorFake(x, r);

        public static double Reduce(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> g, bool wantGradient, double hyper, Reduction r)
            => wantGradient ? GanDiscriminatorFakeWithGradient(x, g, r) : GanDiscriminatorFake(x, r);
    }

    private readonly struct WassersteinRealPiece : ISpanPiece
    {
        public static float Reduce(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> g, bool wantGradient, double hyper, Reduction r)
            => wantGradient ? WassersteinCriticRealWithGradient(x, g, r) : WassersteinCriticReal(x, r);

        public static double Reduce(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> g, bool wantGradient, double hyper, Reduction r)
            => wantGradient ? WassersteinCriticRealWithGradient(x, g, r) : WassersteinCriticReal(x, r);
    }

    private readonly struct WassersteinFakePiece : ISpanPiece
    {
        public static float Reduce(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> g, bool wantGradient, double hyper, Reduction r)
            => wantGradient ? WassersteinCriticFakeWithGradient(x, g, r) : WassersteinCriticFake(x, r);

        public static double Reduce(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> g, bool wantGradient, double hyper, Reduction r)
            => wantGradient ? WassersteinCriticFakeWithGradient(x, g, r) : WassersteinCriticFake(x, r);
    }

    private readonly struct LeastSquaresRealPiece : ISpanPiece
    {
        public static float Reduce(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> g, bool wantGradient, double hyper, Reduction r)
            => wantGradient ? LeastSquaresGanRealWithGradient(x, g, r) : LeastSquaresGanReal(x, r);

        public static double Reduce(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> g, bool wantGradient, double hyper, Reduction r)
            => wantGradient ? LeastSquaresGanRealWithGradient(x, g, r) : LeastSquaresGanReal(x, r);
    }

    private readonly struct LeastSquaresFakePiece : ISpanPiece
    {
        public static float Reduce(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> g, bool wantGradient, double hyper, Reduction r)
            => wantGradient ? LeastSquaresGanFakeWithGradient(x, g, r) : LeastSquaresGanFake(x, r);

        public static double Reduce(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> g, bool wantGradient, double hyper, Reduction r)
            => wantGradient ? LeastSquaresGanFakeWithGradient(x, g, r) : LeastSquaresGanFake(x, r);
    }
}
