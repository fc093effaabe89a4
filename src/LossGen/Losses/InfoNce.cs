using System;

namespace LossGen;

public static partial class Losses
{
    // ------------------------------------------------------------------ double

    /// <summary>
    /// InfoNCE, the contrastive loss of CLIP and of the <c>info-nce-pytorch</c> package, over a batch of B pairs of
    /// embeddings <c>[B, D]</c>: each x1 row must pick its own x2 row out of the batch, the other B − 1 rows serving as
    /// negatives.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Formula.</b> With u_i = x1_i / max(‖x1_i‖, 1e-12) and v_j likewise (PyTorch's <c>F.normalize</c>; the rows as
    /// given when <paramref name="normalize"/> is false), the similarities are S_ij = (u_i·v_j)/τ and the loss of row i is
    /// the softmax cross-entropy of S's row i against class i: log Σ_j e^S_ij − S_ii. <see cref="Reduction.Mean"/>
    /// averages it over the B rows, <see cref="Reduction.Sum"/> adds them. With <paramref name="symmetric"/> the same is
    /// computed over S's columns (each x2 row picks its x1 row) and the loss is half of each: CLIP's
    /// <c>(cross_entropy(S, labels) + cross_entropy(S.T, labels)) / 2</c>.
    /// </para>
    /// <para>
    /// <b>PyTorch.</b> Equals <c>info_nce.InfoNCE(temperature)(x1, x2)</c> (its default <c>negative_mode='unpaired'</c>
    /// without negative keys) and, with <paramref name="symmetric"/>, CLIP's loss at <c>logit_scale = 1/τ</c>. SimCLR's
    /// NT-Xent is a different matrix: it also contrasts each view with the other views of its own side (2B×2B, the
    /// diagonal masked). τ is a setting here; no gradient with respect to it is computed. One batch of B gives B² similarities: the
    /// batch is the number of negatives.
    /// </para>
    /// <para>
    /// <b>Numerics and cost.</b> The cross-entropy is the catalogue's <c>SparseSoftmaxCrossEntropy</c> (log-sum-exp with
    /// the row's maximum taken out), so a small τ does not overflow. The three matrix products (S, and the two gradients)
    /// cost B²·D multiply-adds each and add their terms in a fixed order, so every vector width gives the same bits;
    /// norms are summed in double. The buffers (three B×B matrices and five B×D copies) belong to the calling thread and
    /// are reused by its next call.
    /// </para>
    /// </remarks>
    /// <param name="x1">The first side's embeddings, row-major <c>[B, D]</c>.</param>
    /// <param name="x2">The second side's embeddings, <c>[B, D]</c>; row i is the positive of x1's row i.</param>
    /// <param name="dimension">D, the length of an embedding (at least 1).</param>
    /// <param name="temperature">τ, which divides the similarities (positive and finite): 0.1 as <c>info-nce-pytorch</c>; CLIP starts at 0.07.</param>
    /// <param name="symmetric">Also contrast the columns (each x2 row against every x1 row) and average both directions, as CLIP.</param>
    /// <param name="normalize">Compare directions (cosine similarity, the default) rather than raw dot products.</param>
    /// <param name="reduction">Mean or sum over the B rows.</param>
    /// <returns>The reduced loss: NaN for an empty batch with Mean, 0 with Sum.</returns>
    /// <exception cref="ArgumentException"><paramref name="x1"/> and <paramref name="x2"/> differ in length, or are not whole rows of D.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> below 1, τ not positive and finite, or an unknown <paramref name="reduction"/>.</exception>
    public static double InfoNce(ReadOnlySpan<double> x1, ReadOnlySpan<double> x2, [Positive] int dimension, [Positive] double temperature = 0.1,
        bool symmetric = false, bool normalize = true, Reduction reduction = Reduction.Mean)
        => InfoNceKernel.Run<double, double>(x1, x2, default, default, false, dimension, temperature, symmetric, normalize, reduction);

    /// <summary>InfoNCE over <c>[B, D]</c> pairs and its gradients with respect to both sides.</summary>
    /// <remarks>
    /// The conventions are those of <see cref="InfoNce(ReadOnlySpan{double}, ReadOnlySpan{double}, int, double, bool, bool, Reduction)"/>.
    /// With G the gradient of the loss with respect to S (softmax minus one-hot, per row and, if symmetric, per column),
    /// dL/dU = G·V/τ and dL/dV = Gᵀ·U/τ, then through the normalization: (g − u(u·g))/‖x‖ where the norm passed 1e-12,
    /// g/1e-12 where it did not (PyTorch's <c>clamp_min</c>). The inputs are copied before anything is written, so a
    /// gradient span may overlap them.
    /// </remarks>
    /// <param name="x1">The first side's embeddings, row-major <c>[B, D]</c>.</param>
    /// <param name="x2">The second side's embeddings, <c>[B, D]</c>.</param>
    /// <param name="x1Gradient">Receives dL/dx1, <c>[B, D]</c>.</param>
    /// <param name="x2Gradient">Receives dL/dx2, <c>[B, D]</c>.</param>
    /// <param name="dimension">D, the length of an embedding.</param>
    /// <param name="temperature">τ, positive and finite.</param>
    /// <param name="symmetric">Average the rows' and the columns' losses, as CLIP.</param>
    /// <param name="normalize">Compare directions (cosine similarity) rather than raw dot products.</param>
    /// <param name="reduction">Mean or sum over the B rows.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">As for <c>InfoNce</c>, or a gradient span not of the inputs' length; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <c>InfoNce</c>; nothing is written.</exception>
    public static double InfoNceWithGradient(ReadOnlySpan<double> x1, ReadOnlySpan<double> x2, Span<double> x1Gradient, Span<double> x2Gradient,
        [Positive] int dimension, [Positive] double temperature = 0.1, bool symmetric = false, bool normalize = true, Reduction reduction = Reduction.Mean)
        => InfoNceKernel.Run<double, double>(x1, x2, x1Gradient, x2Gradient, true, dimension, temperature, symmetric, normalize, reduction);

    // ------------------------------------------------------------------ float

    /// <inheritdoc cref="InfoNce(ReadOnlySpan{double}, ReadOnlySpan{double}, int, double, bool, bool, Reduction)"/>
    /// <summary>InfoNCE over <c>[B, D]</c> pairs, single precision (the products in float, the reduction finished in double and rounded once).</summary>
    public static float InfoNce(ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, [Positive] int dimension, [Positive] double temperature = 0.1,
        bool symmetric = false, bool normalize = true, Reduction reduction = Reduction.Mean)
        => (float)InfoNceKernel.Run<float, float>(x1, x2, default, default, false, dimension, temperature, symmetric, normalize, reduction);

    /// <inheritdoc cref="InfoNceWithGradient(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double}, int, double, bool, bool, Reduction)"/>
    /// <summary>InfoNCE over <c>[B, D]</c> pairs and its gradients, single precision.</summary>
    public static float InfoNceWithGradient(ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, Span<float> x1Gradient, Span<float> x2Gradient,
        [Positive] int dimension, [Positive] double temperature = 0.1, bool symmetric = false, bool normalize = true, Reduction reduction = Reduction.Mean)
        => (float)InfoNceKernel.Run<float, float>(x1, x2, x1Gradient, x2Gradient, true, dimension, temperature, symmetric, normalize, reduction);

    // ------------------------------------------------------------------ Half

    /// <inheritdoc cref="InfoNce(ReadOnlySpan{double}, ReadOnlySpan{double}, int, double, bool, bool, Reduction)"/>
    /// <summary>InfoNCE over <c>[B, D]</c> pairs, half precision: computed in float on the converted values (the float overload's bits), rounded to Half once.</summary>
    public static Half InfoNce(ReadOnlySpan<Half> x1, ReadOnlySpan<Half> x2, [Positive] int dimension, [Positive] double temperature = 0.1,
        bool symmetric = false, bool normalize = true, Reduction reduction = Reduction.Mean)
        => (Half)(float)InfoNceKernel.Run<Half, float>(x1, x2, default, default, false, dimension, temperature, symmetric, normalize, reduction);

    /// <inheritdoc cref="InfoNceWithGradient(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double}, int, double, bool, bool, Reduction)"/>
    /// <summary>InfoNCE over <c>[B, D]</c> pairs and its gradients, half precision (computed in float, each value rounded to Half once).</summary>
    public static Half InfoNceWithGradient(ReadOnlySpan<Half> x1, ReadOnlySpan<Half> x2, Span<Half> x1Gradient, Span<Half> x2Gradient,
        [Positive] int dimension, [Positive] double temperature = 0.1, bool symmetric = false, bool normalize = true, Reduction reduction = Reduction.Mean)
        => (Half)(float)InfoNceKernel.Run<Half, float>(x1, x2, x1Gradient, x2Gradient, true, dimension, temperature, symmetric, normalize, reduction);
}
