using System;

namespace LossGen;

/// <summary>
/// The target label sequences of a CTC batch, with their layout stated explicitly (it is never guessed
/// from the lengths). Create one with <see cref="Concatenated(ReadOnlySpan{int})"/> or
/// <see cref="Padded(ReadOnlySpan{int}, int)"/> and pass it to
/// <see cref="Losses.Ctc(ReadOnlySpan{double}, int, int, CtcTargets, ReadOnlySpan{int}, ReadOnlySpan{int}, int, bool, Reduction)"/>
/// and its siblings.
/// </summary>
/// <remarks>
/// <para>
/// Both layouts are PyTorch's (<c>F.ctc_loss</c> accepts a 1-D tensor of concatenated targets or a 2-D
/// <c>[N, S]</c> tensor). The number of labels of sample <c>b</c> is always taken from
/// <c>targetLengths[b]</c>.
/// </para>
/// <para>
/// Labels must lie in <c>[0, classCount)</c> and differ from the blank index; this is checked by the loss
/// methods, which throw <see cref="ArgumentOutOfRangeException"/> naming the sample, the position and
/// the value. Entries of a padded row beyond the sample's target length are padding: they are never read
/// for the loss and may hold anything (as in PyTorch).
/// </para>
/// <para>A <c>default</c> value is an empty concatenated target set (every target length must be 0).</para>
/// </remarks>
public readonly ref struct CtcTargets
{
    private CtcTargets(ReadOnlySpan<int> labels, int maxTargetLength, bool isPadded)
    {
        Labels = labels;
        MaxTargetLength = maxTargetLength;
        IsPadded = isPadded;
    }

    /// <summary>The label values, in the layout given by <see cref="IsPadded"/>.</summary>
    public ReadOnlySpan<int> Labels { get; }

    /// <summary>
    /// For the padded layout, the row width <c>S</c> of the <c>[N, S]</c> label matrix (each target length
    /// must be at most this); for the concatenated layout, <c>-1</c>.
    /// </summary>
    public int MaxTargetLength { get; }

    /// <summary><see langword="true"/> for the padded <c>[N, S]</c> layout, <see langword="false"/> for concatenated labels.</summary>
    public bool IsPadded { get; }

    /// <summary>
    /// Targets stored back to back: sample 0's <c>targetLengths[0]</c> labels, then sample 1's, and so on.
    /// <paramref name="labels"/> must hold exactly <c>sum(targetLengths)</c> labels (checked by the loss methods).
    /// </summary>
    /// <param name="labels">The concatenated label sequences.</param>
    public static CtcTargets Concatenated(ReadOnlySpan<int> labels) => new(labels, -1, false);

    /// <summary>
    /// Targets stored as a row-major <c>[N, maxTargetLength]</c> matrix: sample <c>b</c>'s labels are
    /// <c>labels[b * maxTargetLength .. b * maxTargetLength + targetLengths[b])</c>; the rest of the row is
    /// padding and is ignored. <paramref name="labels"/> must hold exactly <c>N * maxTargetLength</c> entries
    /// (checked by the loss methods, which know <c>N</c>).
    /// </summary>
    /// <param name="labels">The padded label matrix, row-major.</param>
    /// <param name="maxTargetLength">The row width <c>S</c>; at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxTargetLength"/> is negative.</exception>
    public static CtcTargets Padded(ReadOnlySpan<int> labels, int maxTargetLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTargetLength);
        return new(labels, maxTargetLength, true);
    }
}
