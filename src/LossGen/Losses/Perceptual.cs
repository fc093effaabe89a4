using System;
using static LossGen.LossMath;

namespace LossGen;

public static partial class Losses
{
    /// <summary>
    /// weight·(pred − target)²: one layer of <see cref="Perceptual(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{int}, ReadOnlySpan{double}, Reduction)"/>,
    /// so the layer's weight is applied inside the fused pass instead of in a second pass over its gradient. Internal:
    /// for users it is <c>MeanSquaredError</c> times a number.
    /// </summary>
    [Loss]
    internal static double WeightedSquaredError(double pred, [Target] double target, [Hyper, NonNegative] double weight = 1.0)
        => weight * Square(pred - target);

    // ------------------------------------------------------------------ double

    /// <summary>
    /// Perceptual (feature reconstruction) loss over any number of layers: <c>Σ_l w_l · mean((φ_l(ŷ) − φ_l(y))²)</c>, the
    /// squared distance between the feature maps a network (VGG, say) produced for the prediction and for the target,
    /// averaged within each layer and weighted across layers.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Layout.</b> The features of every layer are concatenated, layer after layer, in <paramref name="predFeatures"/>
    /// and, in the same layout, in <paramref name="targetFeatures"/>; <paramref name="layerLengths"/>[l] is the number of
    /// values of layer l (for a batch, <c>N·C_l·H_l·W_l</c>: the batch is part of the layer's mean, as in PyTorch's
    /// <c>mse_loss</c> on a batched feature map) and <paramref name="layerWeights"/>[l] its weight. The network and its
    /// backward pass are the caller's: this loss takes the features, and gives the gradient with respect to them.
    /// </para>
    /// <para>
    /// <b>Reduction</b> applies within each layer: <see cref="Reduction.Mean"/> divides layer l's sum of squared
    /// differences by its length (the usual VGG perceptual loss, Johnson et al.'s feature reconstruction loss up to the
    /// weights); <see cref="Reduction.Sum"/> does not divide (the seed's <c>Σ_i ‖φ(y_i) − φ(ŷ_i)‖²</c> for one layer
    /// of weight 1). Each layer's sum is accumulated in double in a fixed lane layout, so the result does not depend on
    /// the vector width. No layers: 0.
    /// </para>
    /// <para>
    /// <b>PyTorch and Keras.</b> Neither ships a perceptual loss; this equals the common
    /// <c>sum(w * F.mse_loss(f_pred, f_target) for w, f_pred, f_target in ...)</c> (with <c>reduction='sum'</c> for Sum)
    /// and the same with Keras' <c>MeanSquaredError</c>. Style (Gram-matrix) losses are not included.
    /// </para>
    /// </remarks>
    /// <param name="predFeatures">The features of the prediction, every layer concatenated.</param>
    /// <param name="targetFeatures">The features of the target, in the same layout.</param>
    /// <param name="layerLengths">The number of values of each layer, each at least 1, summing to the features' length.</param>
    /// <param name="layerWeights">The weight of each layer (finite, at least 0), one per layer.</param>
    /// <param name="reduction">Mean within each layer, or Sum.</param>
    /// <returns>The weighted sum of the layers' reduced squared distances.</returns>
    /// <exception cref="ArgumentException">
    /// The feature spans differ in length, the layer lengths do not add up to it, or there are not as many weights as
    /// layers.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A layer length below 1, a negative or non-finite weight (the message names the layer and the value), or an
    /// unknown <paramref name="reduction"/>.
    /// </exception>
    public static double Perceptual(ReadOnlySpan<double> predFeatures, ReadOnlySpan<double> targetFeatures,
        ReadOnlySpan<int> layerLengths, ReadOnlySpan<double> layerWeights, Reduction reduction = Reduction.Mean)
        => PerceptualCore(predFeatures, targetFeatures, default, false, layerLengths, layerWeights, reduction);

    /// <summary>
    /// The perceptual loss over any number of layers and its gradient with respect to the prediction's features:
    /// <c>2·w_l·(φ_l(ŷ) − φ_l(y))</c>, divided by the layer's length for Mean.
    /// </summary>
    /// <remarks>
    /// The conventions are those of
    /// <see cref="Perceptual(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{int}, ReadOnlySpan{double}, Reduction)"/>.
    /// The gradient is what the backward pass of the feature network starts from, layer by layer. Each layer is one fused
    /// pass (loss and gradient). <paramref name="predFeaturesGradient"/> may be <paramref name="predFeatures"/> itself.
    /// </remarks>
    /// <param name="predFeatures">The features of the prediction, every layer concatenated.</param>
    /// <param name="targetFeatures">The features of the target, in the same layout.</param>
    /// <param name="predFeaturesGradient">Receives d loss / d predFeatures, in the same layout.</param>
    /// <param name="layerLengths">The number of values of each layer.</param>
    /// <param name="layerWeights">The weight of each layer.</param>
    /// <param name="reduction">Mean within each layer, or Sum.</param>
    /// <returns>The weighted sum of the layers' reduced squared distances.</returns>
    /// <exception cref="ArgumentException">As for <c>Perceptual</c>, or the gradient of the wrong length; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <c>Perceptual</c>; nothing is written.</exception>
    public static double PerceptualWithGradient(ReadOnlySpan<double> predFeatures, ReadOnlySpan<double> targetFeatures, Span<double> predFeaturesGradient,
        ReadOnlySpan<int> layerLengths, ReadOnlySpan<double> layerWeights, Reduction reduction = Reduction.Mean)
        => PerceptualCore(predFeatures, targetFeatures, predFeaturesGradient, true, layerLengths, layerWeights, reduction);

    // ------------------------------------------------------------------ float

    /// <inheritdoc cref="Perceptual(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{int}, ReadOnlySpan{double}, Reduction)"/>
    /// <summary>Perceptual loss over any number of layers, single precision (the layers' values added in double, rounded once).</summary>
    public static float Perceptual(ReadOnlySpan<float> predFeatures, ReadOnlySpan<float> targetFeatures,
        ReadOnlySpan<int> layerLengths, ReadOnlySpan<double> layerWeights, Reduction reduction = Reduction.Mean)
        => (float)PerceptualCore(predFeatures, targetFeatures, default, false, layerLengths, layerWeights, reduction);

    /// <inheritdoc cref="PerceptualWithGradient(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, ReadOnlySpan{int}, ReadOnlySpan{double}, Reduction)"/>
    /// <summary>Perceptual loss and its gradient with respect to the prediction's features, single precision.</summary>
    public static float PerceptualWithGradient(ReadOnlySpan<float> predFeatures, ReadOnlySpan<float> targetFeatures, Span<float> predFeaturesGradient,
        ReadOnlySpan<int> layerLengths, ReadOnlySpan<double> layerWeights, Reduction reduction = Reduction.Mean)
        => (float)PerceptualCore(predFeatures, targetFeatures, predFeaturesGradient, true, layerLengths, layerWeights, reduction);

    // ------------------------------------------------------------------ Half

    /// <inheritdoc cref="Perceptual(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{int}, ReadOnlySpan{double}, Reduction)"/>
    /// <summary>Perceptual loss over any number of layers, half precision (computed in float, rounded to Half once).</summary>
    public static Half Perceptual(ReadOnlySpan<Half> predFeatures, ReadOnlySpan<Half> targetFeatures,
        ReadOnlySpan<int> layerLengths, ReadOnlySpan<double> layerWeights, Reduction reduction = Reduction.Mean)
        => (Half)(float)PerceptualCore(predFeatures, targetFeatures, default, false, layerLengths, layerWeights, reduction);

    /// <inheritdoc cref="PerceptualWithGradient(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, ReadOnlySpan{int}, ReadOnlySpan{double}, Reduction)"/>
    /// <summary>Perceptual loss and its gradient, half precision (computed in float, each value rounded once).</summary>
    public static Half PerceptualWithGradient(ReadOnlySpan<Half> predFeatures, ReadOnlySpan<Half> targetFeatures, Span<Half> predFeaturesGradient,
        ReadOnlySpan<int> layerLengths, ReadOnlySpan<double> layerWeights, Reduction reduction = Reduction.Mean)
        => (Half)(float)PerceptualCore(predFeatures, targetFeatures, predFeaturesGradient, true, layerLengths, layerWeights, reduction);

    // ------------------------------------------------------------------ shared

    /// <summary>Validates every length and weight, then runs each layer's weighted squared error over its slice.</summary>
    private static double PerceptualCore<TS>(ReadOnlySpan<TS> pred, ReadOnlySpan<TS> target, Span<TS> gradient, bool wantGradient,
        ReadOnlySpan<int> layerLengths, ReadOnlySpan<double> layerWeights, Reduction reduction)
        where TS : unmanaged
    {
        Kernels.ReductionChecks.ThrowIfNotMeanOrSum(reduction);
        if (target.Length != pred.Length)
            throw new ArgumentException($"'targetFeatures' has {target.Length} values, but 'predFeatures' has {pred.Length}.", "targetFeatures");
        if (wantGradient && gradient.Length != pred.Length)
            throw new ArgumentException($"'predFeaturesGradient' has {gradient.Length} values, but 'predFeatures' has {pred.Length}.", "predFeaturesGradient");
        if (layerWeights.Length != layerLengths.Length)
            throw new ArgumentException($"'layerWeights' has {layerWeights.Length} weights, but 'layerLengths' has {layerLengths.Length} layers: one weight per layer.", nameof(layerWeights));
        long total = 0;
        for (int l = 0; l < layerLengths.Length; l++)
        {
            if (layerLengths[l] < 1)
                throw new ArgumentOutOfRangeException(nameof(layerLengths), layerLengths[l], $"layerLengths[{l}] is {layerLengths[l]}; every layer must have at least one value.");
            double weight = layerWeights[l];
            if (!double.IsFinite(weight) || weight < 0)
                throw new ArgumentOutOfRangeException(nameof(layerWeights), weight, $"layerWeights[{l}] is {weight}; weights must be finite and at least 0.");
            total += layerLengths[l];
        }
        if (total != pred.Length)
            throw new ArgumentException($"The layer lengths add up to {total}, but the features have {pred.Length} values.", nameof(layerLengths));

        double loss = 0;
        int offset = 0;
        for (int l = 0; l < layerLengths.Length; l++)
        {
            int length = layerLengths[l];
            loss += SpanPieces.Reduce<TS, WeightedSquaredPiece>(pred.Slice(offset, length), target.Slice(offset, length),
                wantGradient ? gradient.Slice(offset, length) : default, wantGradient, layerWeights[l], reduction);
            offset += length;
        }
        return loss;
    }

    private readonly struct WeightedSquaredPiece : ISpanPiece
    {
        public static float Reduce(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> g, bool wantGradient, double weight, Reduction r)
            => wantGradient ? WeightedSquaredErrorWithGradient(x, y, g, weight, r) : WeightedSquaredError(x, y, weight, r);

        public static double Reduce(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> g, bool wantGradient, double weight, Reduction r)
            => wantGradient ? WeightedSquaredErrorWithGradient(x, y, g, weight, r) : WeightedSquaredError(x, y, weight, r);
    }
}
