using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace LossGen;

public static partial class Losses
{
    /// <summary>Which overlap a softmax overlap loss scores.</summary>
    private enum Overlap
    {
        Dice,
        Jaccard,
        Tversky,
        GeneralizedDice,
    }

    // ------------------------------------------------------------------ Dice

    /// <summary>
    /// The multiclass soft Dice loss from logits: softmax over the classes of <c>[N, C, d1, …, dk]</c> logits (an image is
    /// <c>[N, C, H, W]</c>), one-hot labels <c>[N, d1, …, dk]</c>, and per class c, over the whole batch,
    /// <c>1 − (2·TP_c + smooth)/(2·TP_c + FP_c + FN_c + smooth)</c> with TP_c = Σ p_c·[y = c], FP_c = Σ p_c − TP_c,
    /// FN_c = Σ [y = c] − TP_c; the loss is the mean over classes, weighted by <paramref name="classWeights"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Conventions.</b> segmentation_models_pytorch's <c>DiceLoss(mode="multiclass", from_logits=True)</c> (its sums
    /// over the batch and every voxel) and MONAI's <c>DiceLoss(softmax=True, to_onehot_y=True, batch=True)</c>, with one
    /// smoothing term in the numerator and the denominator. A class absent from the labels still counts: its Dice is
    /// smooth/(Σp + smooth), so predicting it is penalized (smp leaves such classes out; give them weight 0 for that).
    /// Voxels labelled <paramref name="ignoreIndex"/> are left out of every sum and get a zero gradient. The result is
    /// one number for the batch (no reduction to choose); NaN when every class weight is 0.
    /// </para>
    /// <para>
    /// <b>Precision.</b> Each voxel's softmax is computed as the pixelwise cross-entropy computes it; the per-class sums go
    /// into canonical lanes flushed to double every 64 values, so the loss is the same bits at every vector width.
    /// </para>
    /// </remarks>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, d1, …, dk]</c>.</param>
    /// <param name="labels">The class of each voxel, <c>[N, d1, …, dk]</c>: in [0, C), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="spatialShape">The spatial dimensions of one image, <c>[d1, …, dk]</c> (<c>[H, W]</c> for images).</param>
    /// <param name="classWeights">One weight per class, finite and at least 0; empty for equal weights.</param>
    /// <param name="smooth">Added to the numerator and the denominator of each class's score.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">Shapes or lengths that do not match; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label, weight or setting out of its range; nothing is written.</exception>
    public static double SoftmaxDice(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<double> classWeights = default, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => OverlapCore<double, double>(Overlap.Dice, logits, labels, default, false, classes, spatialShape, classWeights, 1, 1, 1, smooth, ignoreIndex);

    /// <summary>
    /// <see cref="SoftmaxDice(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>
    /// and its gradient with respect to the logits. <paramref name="logitsGradient"/> must not overlap the logits.
    /// </summary>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, d1, …, dk]</c>.</param>
    /// <param name="labels">The class of each voxel, <c>[N, d1, …, dk]</c>.</param>
    /// <param name="logitsGradient">Receives d loss / d logits, <c>[N, C, d1, …, dk]</c>; 0 for ignored voxels.</param>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="spatialShape">The spatial dimensions of one image.</param>
    /// <param name="classWeights">One weight per class, or empty.</param>
    /// <param name="smooth">The smoothing term.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">Shapes or lengths that do not match, or a gradient overlapping the logits; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label, weight or setting out of its range; nothing is written.</exception>
    public static double SoftmaxDiceWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<double> classWeights = default, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => OverlapCore<double, double>(Overlap.Dice, logits, labels, logitsGradient, true, classes, spatialShape, classWeights, 1, 1, 1, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxDice(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>
    public static float SoftmaxDice(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<float> classWeights = default, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => (float)OverlapCore<float, float>(Overlap.Dice, logits, labels, default, false, classes, spatialShape, classWeights, 1, 1, 1, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxDiceWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>
    public static float SoftmaxDiceWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<float> classWeights = default, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => (float)OverlapCore<float, float>(Overlap.Dice, logits, labels, logitsGradient, true, classes, spatialShape, classWeights, 1, 1, 1, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxDice(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>
    public static Half SoftmaxDice(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<Half> classWeights = default, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => (Half)(float)OverlapCore<Half, float>(Overlap.Dice, logits, labels, default, false, classes, spatialShape, classWeights, 1, 1, 1, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxDiceWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>
    public static Half SoftmaxDiceWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, Span<Half> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<Half> classWeights = default, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => (Half)(float)OverlapCore<Half, float>(Overlap.Dice, logits, labels, logitsGradient, true, classes, spatialShape, classWeights, 1, 1, 1, smooth, ignoreIndex);

    // ------------------------------------------------------------------ Jaccard

    /// <summary>
    /// The multiclass soft Jaccard (IoU) loss from logits: as
    /// <see cref="SoftmaxDice(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>,
    /// with each class's score <c>(TP_c + smooth)/(TP_c + FP_c + FN_c + smooth)</c> (segmentation_models_pytorch's
    /// <c>JaccardLoss(mode="multiclass")</c>).
    /// </summary>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, d1, …, dk]</c>.</param>
    /// <param name="labels">The class of each voxel, <c>[N, d1, …, dk]</c>.</param>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="spatialShape">The spatial dimensions of one image.</param>
    /// <param name="classWeights">One weight per class, or empty.</param>
    /// <param name="smooth">The smoothing term.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">Shapes or lengths that do not match; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label, weight or setting out of its range; nothing is written.</exception>
    public static double SoftmaxJaccard(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<double> classWeights = default, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => OverlapCore<double, double>(Overlap.Jaccard, logits, labels, default, false, classes, spatialShape, classWeights, 1, 1, 1, smooth, ignoreIndex);

    /// <summary>The Jaccard loss and its gradient with respect to the logits (see <c>SoftmaxDiceWithGradient</c>).</summary>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, d1, …, dk]</c>.</param>
    /// <param name="labels">The class of each voxel, <c>[N, d1, …, dk]</c>.</param>
    /// <param name="logitsGradient">Receives d loss / d logits; 0 for ignored voxels.</param>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="spatialShape">The spatial dimensions of one image.</param>
    /// <param name="classWeights">One weight per class, or empty.</param>
    /// <param name="smooth">The smoothing term.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">Shapes or lengths that do not match; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label, weight or setting out of its range; nothing is written.</exception>
    public static double SoftmaxJaccardWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<double> classWeights = default, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => OverlapCore<double, double>(Overlap.Jaccard, logits, labels, logitsGradient, true, classes, spatialShape, classWeights, 1, 1, 1, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxJaccard(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>
    public static float SoftmaxJaccard(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<float> classWeights = default, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => (float)OverlapCore<float, float>(Overlap.Jaccard, logits, labels, default, false, classes, spatialShape, classWeights, 1, 1, 1, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxJaccardWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>
    public static float SoftmaxJaccardWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<float> classWeights = default, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => (float)OverlapCore<float, float>(Overlap.Jaccard, logits, labels, logitsGradient, true, classes, spatialShape, classWeights, 1, 1, 1, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxJaccard(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>
    public static Half SoftmaxJaccard(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<Half> classWeights = default, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => (Half)(float)OverlapCore<Half, float>(Overlap.Jaccard, logits, labels, default, false, classes, spatialShape, classWeights, 1, 1, 1, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxJaccardWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>
    public static Half SoftmaxJaccardWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, Span<Half> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<Half> classWeights = default, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => (Half)(float)OverlapCore<Half, float>(Overlap.Jaccard, logits, labels, logitsGradient, true, classes, spatialShape, classWeights, 1, 1, 1, smooth, ignoreIndex);

    // ------------------------------------------------------------------ Tversky and focal Tversky

    /// <summary>
    /// The multiclass Tversky loss from logits, and the focal Tversky loss: as
    /// <see cref="SoftmaxDice(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>,
    /// with each class's index <c>TI_c = (TP_c + smooth)/(TP_c + α·FP_c + β·FN_c + smooth)</c> and loss <c>(1 − TI_c)^γ</c>
    /// (segmentation_models_pytorch's <c>TverskyLoss(mode="multiclass", alpha, beta, gamma)</c>; γ = 1 is the Tversky
    /// loss, Abraham and Khan's focal Tversky loss (1 − TI)^(1/γ′) is γ = 1/γ′). α = β = 1 is the Jaccard loss, and
    /// α = β = ½ the Dice loss with smooth/2. Where 1 − TI is 0 and γ ≠ 1, the derivative of (1 − TI)^γ is taken as 0.
    /// </summary>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, d1, …, dk]</c>.</param>
    /// <param name="labels">The class of each voxel, <c>[N, d1, …, dk]</c>.</param>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="spatialShape">The spatial dimensions of one image.</param>
    /// <param name="classWeights">One weight per class, or empty.</param>
    /// <param name="alpha">α, the weight of false positives.</param>
    /// <param name="beta">β, the weight of false negatives.</param>
    /// <param name="gamma">γ, the focal exponent (1: none).</param>
    /// <param name="smooth">The smoothing term.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">Shapes or lengths that do not match; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label, weight or setting out of its range; nothing is written.</exception>
    public static double SoftmaxTversky(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<double> classWeights = default, [NonNegative] double alpha = 0.5, [NonNegative] double beta = 0.5, [Positive] double gamma = 1.0, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => OverlapCore<double, double>(Overlap.Tversky, logits, labels, default, false, classes, spatialShape, classWeights, alpha, beta, gamma, smooth, ignoreIndex);

    /// <summary>The Tversky loss and its gradient with respect to the logits (see <c>SoftmaxDiceWithGradient</c>).</summary>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, d1, …, dk]</c>.</param>
    /// <param name="labels">The class of each voxel, <c>[N, d1, …, dk]</c>.</param>
    /// <param name="logitsGradient">Receives d loss / d logits; 0 for ignored voxels.</param>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="spatialShape">The spatial dimensions of one image.</param>
    /// <param name="classWeights">One weight per class, or empty.</param>
    /// <param name="alpha">α, the weight of false positives.</param>
    /// <param name="beta">β, the weight of false negatives.</param>
    /// <param name="gamma">γ, the focal exponent (1: none).</param>
    /// <param name="smooth">The smoothing term.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">Shapes or lengths that do not match; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label, weight or setting out of its range; nothing is written.</exception>
    public static double SoftmaxTverskyWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<double> classWeights = default, [NonNegative] double alpha = 0.5, [NonNegative] double beta = 0.5, [Positive] double gamma = 1.0, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => OverlapCore<double, double>(Overlap.Tversky, logits, labels, logitsGradient, true, classes, spatialShape, classWeights, alpha, beta, gamma, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxTversky(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, double, double, double, int)"/>
    public static float SoftmaxTversky(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<float> classWeights = default, [NonNegative] double alpha = 0.5, [NonNegative] double beta = 0.5, [Positive] double gamma = 1.0, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => (float)OverlapCore<float, float>(Overlap.Tversky, logits, labels, default, false, classes, spatialShape, classWeights, alpha, beta, gamma, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxTverskyWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, double, double, double, int)"/>
    public static float SoftmaxTverskyWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<float> classWeights = default, [NonNegative] double alpha = 0.5, [NonNegative] double beta = 0.5, [Positive] double gamma = 1.0, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => (float)OverlapCore<float, float>(Overlap.Tversky, logits, labels, logitsGradient, true, classes, spatialShape, classWeights, alpha, beta, gamma, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxTversky(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, double, double, double, int)"/>
    public static Half SoftmaxTversky(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<Half> classWeights = default, [NonNegative] double alpha = 0.5, [NonNegative] double beta = 0.5, [Positive] double gamma = 1.0, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => (Half)(float)OverlapCore<Half, float>(Overlap.Tversky, logits, labels, default, false, classes, spatialShape, classWeights, alpha, beta, gamma, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxTverskyWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, double, double, double, int)"/>
    public static Half SoftmaxTverskyWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, Span<Half> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        ReadOnlySpan<Half> classWeights = default, [NonNegative] double alpha = 0.5, [NonNegative] double beta = 0.5, [Positive] double gamma = 1.0, [NonNegative] double smooth = 1.0, int ignoreIndex = DefaultIgnoreIndex)
        => (Half)(float)OverlapCore<Half, float>(Overlap.Tversky, logits, labels, logitsGradient, true, classes, spatialShape, classWeights, alpha, beta, gamma, smooth, ignoreIndex);

    // ------------------------------------------------------------------ generalized Dice

    /// <summary>
    /// The generalized Dice loss from logits (Sudre et al. 2017): <c>1 − (2·Σ_c W_c·TP_c + smooth)/(Σ_c W_c·(Σp_c + G_c) + smooth)</c>
    /// with W_c = 1/G_c², G_c the voxels labelled c; a class absent from the labels takes the largest weight of the
    /// present ones (all 1 when none is present), as MONAI's <c>GeneralizedDiceLoss(softmax=True, batch=True)</c>, whose
    /// smoothing default (1e-5) this takes. The softmax, the sums and the ignored voxels are those of
    /// <see cref="SoftmaxDice(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, ReadOnlySpan{double}, double, int)"/>.
    /// </summary>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, d1, …, dk]</c>.</param>
    /// <param name="labels">The class of each voxel, <c>[N, d1, …, dk]</c>.</param>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="spatialShape">The spatial dimensions of one image.</param>
    /// <param name="smooth">Added to the numerator and the denominator.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">Shapes or lengths that do not match; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label or setting out of its range; nothing is written.</exception>
    public static double SoftmaxGeneralizedDice(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        [NonNegative] double smooth = 1e-5, int ignoreIndex = DefaultIgnoreIndex)
        => OverlapCore<double, double>(Overlap.GeneralizedDice, logits, labels, default, false, classes, spatialShape, default, 1, 1, 1, smooth, ignoreIndex);

    /// <summary>The generalized Dice loss and its gradient with respect to the logits (see <c>SoftmaxDiceWithGradient</c>).</summary>
    /// <param name="logits">Unnormalized scores, row-major <c>[N, C, d1, …, dk]</c>.</param>
    /// <param name="labels">The class of each voxel, <c>[N, d1, …, dk]</c>.</param>
    /// <param name="logitsGradient">Receives d loss / d logits; 0 for ignored voxels.</param>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="spatialShape">The spatial dimensions of one image.</param>
    /// <param name="smooth">The smoothing term.</param>
    /// <param name="ignoreIndex">The label of voxels that count for nothing.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentException">Shapes or lengths that do not match; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label or setting out of its range; nothing is written.</exception>
    public static double SoftmaxGeneralizedDiceWithGradient(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        [NonNegative] double smooth = 1e-5, int ignoreIndex = DefaultIgnoreIndex)
        => OverlapCore<double, double>(Overlap.GeneralizedDice, logits, labels, logitsGradient, true, classes, spatialShape, default, 1, 1, 1, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxGeneralizedDice(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, double, int)"/>
    public static float SoftmaxGeneralizedDice(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        [NonNegative] double smooth = 1e-5, int ignoreIndex = DefaultIgnoreIndex)
        => (float)OverlapCore<float, float>(Overlap.GeneralizedDice, logits, labels, default, false, classes, spatialShape, default, 1, 1, 1, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxGeneralizedDiceWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, ReadOnlySpan{int}, double, int)"/>
    public static float SoftmaxGeneralizedDiceWithGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        [NonNegative] double smooth = 1e-5, int ignoreIndex = DefaultIgnoreIndex)
        => (float)OverlapCore<float, float>(Overlap.GeneralizedDice, logits, labels, logitsGradient, true, classes, spatialShape, default, 1, 1, 1, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxGeneralizedDice(ReadOnlySpan{double}, ReadOnlySpan{int}, int, ReadOnlySpan{int}, double, int)"/>
    public static Half SoftmaxGeneralizedDice(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        [NonNegative] double smooth = 1e-5, int ignoreIndex = DefaultIgnoreIndex)
        => (Half)(float)OverlapCore<Half, float>(Overlap.GeneralizedDice, logits, labels, default, false, classes, spatialShape, default, 1, 1, 1, smooth, ignoreIndex);

    /// <inheritdoc cref="SoftmaxGeneralizedDiceWithGradient(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, int, ReadOnlySpan{int}, double, int)"/>
    public static Half SoftmaxGeneralizedDiceWithGradient(ReadOnlySpan<Half> logits, ReadOnlySpan<int> labels, Span<Half> logitsGradient, [Positive] int classes, ReadOnlySpan<int> spatialShape,
        [NonNegative] double smooth = 1e-5, int ignoreIndex = DefaultIgnoreIndex)
        => (Half)(float)OverlapCore<Half, float>(Overlap.GeneralizedDice, logits, labels, logitsGradient, true, classes, spatialShape, default, 1, 1, 1, smooth, ignoreIndex);

    // ------------------------------------------------------------------ core

    /// <summary>
    /// Validates everything, runs the statistics pass, computes the loss from the per-class sums in double, and, when asked,
    /// the gradient pass with each class's factors. <typeparamref name="TS"/> is the storage type, <typeparamref name="TC"/>
    /// the compute type (float for Half, whose inputs go through float copies).
    /// </summary>
    private static unsafe double OverlapCore<TS, TC>(Overlap overlap, ReadOnlySpan<TS> logits, ReadOnlySpan<int> labels, Span<TS> gradient, bool wantGradient,
        int classes, ReadOnlySpan<int> spatial, ReadOnlySpan<TS> classWeights, double alpha, double beta, double gamma, double smooth, int ignoreIndex)
        where TS : unmanaged, INumberBase<TS>
        where TC : unmanaged, IBinaryFloatingPointIeee754<TC>
    {
        (int images, _, int voxels) = ImageShape.Batch(logits.Length, nameof(logits), classes, spatial, nameof(classes));
        if (labels.Length != (long)images * voxels)
            throw new ArgumentException($"'labels' has {labels.Length} labels, but the logits hold {images} images of {voxels} voxels: one label per voxel, [N, d1, …, dk] = {(long)images * voxels}.", nameof(labels));
        if (wantGradient)
        {
            if (gradient.Length != logits.Length)
                throw new ArgumentException($"'logitsGradient' has {gradient.Length} elements, but 'logits' has {logits.Length}.", "logitsGradient");
            if (logits.Overlaps(gradient))
                throw new ArgumentException("'logitsGradient' overlaps 'logits'; the gradient pass reads values the statistics pass parked in it.", "logitsGradient");
        }
        Kernels.Domains.Setting(smooth, nameof(smooth), 0, double.PositiveInfinity, false, "is at least 0");
        Kernels.Domains.Setting(alpha, nameof(alpha), 0, double.PositiveInfinity, false, "is at least 0");
        Kernels.Domains.Setting(beta, nameof(beta), 0, double.PositiveInfinity, false, "is at least 0");
        Kernels.Domains.Setting(gamma, nameof(gamma), 0, double.PositiveInfinity, true, "is positive");
        ThrowIfBadClassWeights(classWeights, classes);
        CountIgnoredLabels(labels, classes, voxels, spatial, ignoreIndex);

        // ---- validated: the statistics, in canonical lanes (3·C rows of L lanes), then their totals.
        int laneCount = 64 / sizeof(TC);
        int rows = 3 * classes;
        TC* lanes = Kernels.Scratch<TC>.Pointer(Kernels.ScratchSlot.SoftmaxOverlapLanes, (long)(rows + 2) * laneCount + 2L * classes);
        double* totals = Kernels.Scratch<double>.Pointer(Kernels.ScratchSlot.SoftmaxOverlapTotals, (long)rows * laneCount);
        new Span<TC>(lanes, rows * laneCount).Clear();
        new Span<double>(totals, rows * laneCount).Clear();
        TC* a = lanes + ((long)(rows + 2) * laneCount), b = a + classes;
        Span<double> weights = classes <= 256 ? stackalloc double[classes] : new double[classes];
        for (int c = 0; c < classes; c++)
        {
            weights[c] = classWeights.IsEmpty ? 1 : double.CreateTruncating(classWeights[c]);
        }

        TC* x, g = null;
        if (typeof(TS) == typeof(TC))
        {
            fixed (TS* xs = logits)
            fixed (TS* gs = gradient)
            fixed (int* ls = labels)
            {
                x = (TC*)xs;
                // Without a gradient, scratch of the logits' size takes the e^(x − max) the statistics pass parks.
                g = wantGradient ? (TC*)gs : Kernels.Scratch<TC>.Pointer(Kernels.ScratchSlot.SoftmaxOverlapHalf, logits.Length);
                return Run(x, g, ls, weights, wantGradient);
            }
        }

        // Half: float copies of the logits and of the gradient (or of the parked exponentials), the gradient converted back at the end.
        TC* copies = Kernels.Scratch<TC>.Pointer(Kernels.ScratchSlot.SoftmaxOverlapHalf, 2L * logits.Length);
        TensorPrimitives.ConvertToSingle(System.Runtime.InteropServices.MemoryMarshal.Cast<TS, Half>(logits), new Span<float>(copies, logits.Length));
        fixed (int* ls = labels)
        {
            double loss = Run(copies, copies + logits.Length, ls, weights, wantGradient);
            if (wantGradient)
            {
                TensorPrimitives.ConvertToHalf(new ReadOnlySpan<float>(copies + logits.Length, logits.Length), System.Runtime.InteropServices.MemoryMarshal.Cast<TS, Half>(gradient));
            }

            return loss;
        }

        double Run(TC* logitsIn, TC* gradientOut, int* labelsIn, ReadOnlySpan<double> weights, bool gradientPass)
        {
            var block = new OverlapBlock<TC> { Logits = logitsIn, Gradient = gradientOut, Labels = labelsIn, Images = images, Classes = classes, Voxels = voxels, IgnoreIndex = ignoreIndex };
            SoftmaxOverlapEngine<TC>.Statistics(in block, totals, lanes);
            double loss = OverlapLoss(overlap, totals, classes, weights, alpha, beta, gamma, smooth, a, b);
            if (gradientPass)
            {
                SoftmaxOverlapEngine<TC>.Gradient(in block, a, b);
            }

            return loss;
        }
    }

    /// <summary>
    /// The loss from the per-class sums, in double, and each class's gradient factors: the loss's derivative with respect
    /// to a voxel's p_c is <paramref name="a"/>[c]·[y = c] + <paramref name="b"/>[c] (with respect to TP_c and to Σp_c).
    /// </summary>
    private static unsafe double OverlapLoss<TC>(Overlap overlap, double* totals, int classes, ReadOnlySpan<double> weights,
        double alpha, double beta, double gamma, double smooth, TC* a, TC* b)
        where TC : unmanaged, IBinaryFloatingPointIeee754<TC>
    {
        Span<double> p = classes <= 256 ? stackalloc double[classes] : new double[classes];
        Span<double> tp = classes <= 256 ? stackalloc double[classes] : new double[classes];
        Span<double> g = classes <= 256 ? stackalloc double[classes] : new double[classes];
        for (int c = 0; c < classes; c++)
        {
            p[c] = SoftmaxOverlapEngine<TC>.Total(totals, c);
            tp[c] = SoftmaxOverlapEngine<TC>.Total(totals, classes + c);
            g[c] = SoftmaxOverlapEngine<TC>.Total(totals, (2 * classes) + c);
        }

        if (overlap == Overlap.GeneralizedDice)
        {
            // W_c = 1/G_c²; an absent class takes the largest weight of the present ones (all 1 when none is present).
            double largest = 0;
            for (int c = 0; c < classes; c++)
            {
                if (g[c] > 0) largest = Math.Max(largest, 1 / (g[c] * g[c]));
            }

            double numerator = smooth, denominator = smooth;
            Span<double> w = classes <= 256 ? stackalloc double[classes] : new double[classes];
            for (int c = 0; c < classes; c++)
            {
                w[c] = g[c] > 0 ? 1 / (g[c] * g[c]) : largest > 0 ? largest : 1;
                numerator += 2 * w[c] * tp[c];
                denominator += w[c] * (p[c] + g[c]);
            }

            for (int c = 0; c < classes; c++)
            {
                a[c] = TC.CreateTruncating(-2 * w[c] / denominator);
                b[c] = TC.CreateTruncating(numerator * w[c] / (denominator * denominator));
            }

            return 1 - (numerator / denominator);
        }

        // score_c = (k·TP + s)/(k·TP + α·FP + β·FN + s), FP = P − TP, FN = G − TP; loss_c = (1 − score_c)^γ.
        (double k, double fp, double fn) = overlap switch
        {
            Overlap.Dice => (2.0, 1.0, 1.0),
            Overlap.Jaccard => (1.0, 1.0, 1.0),
            _ => (1.0, alpha, beta),
        };
        double weightSum = 0, total = 0;
        foreach (double w in weights)
        {
            weightSum += w;
        }

        for (int c = 0; c < classes; c++)
        {
            double numerator = (k * tp[c]) + smooth;
            double denominator = ((k - fp - fn) * tp[c]) + (fp * p[c]) + (fn * g[c]) + smooth;
            double score = numerator / denominator;
            double miss = 1 - score;
            double loss = gamma == 1 ? miss : Math.Pow(Math.Max(miss, 0), gamma);
            total += weights[c] * loss;

            // d loss / d score, then through score's derivatives with respect to TP and to Σp.
            double slope = gamma == 1 ? -1 : miss > 0 ? -gamma * Math.Pow(miss, gamma - 1) : 0;
            double factor = weights[c] / weightSum * slope;
            a[c] = TC.CreateTruncating(factor * ((k / denominator) - (numerator * (k - fp - fn) / (denominator * denominator))));
            b[c] = TC.CreateTruncating(factor * (-numerator * fp / (denominator * denominator)));
        }

        return total / weightSum;
    }
}
