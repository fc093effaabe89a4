using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LossGen.Kernels;

/// <summary>
/// Every per-thread scratch buffer of the engines and hand-written losses, by purpose. Each purpose has its own array per
/// thread and element type, because the users nest (InfoNce runs the row engine, which takes its exponentials' row;
/// CTC's helpers run on other threads): one shared block would need leases released in order on every path.
/// </summary>
internal enum ScratchSlot
{
    /// <summary>The row engine: one row of a log-sum-exp's exponentials.</summary>
    RowExponentials,
    /// <summary>The row engine: Half rows converted to float.</summary>
    RowHalf,
    /// <summary>Class-weighted cross-entropy: labels with ignored rows pointed at class 0.</summary>
    WeightedLabels,
    /// <summary>Class-weighted cross-entropy: each row's scale.</summary>
    WeightedScales,
    /// <summary>The ignoreIndex overloads without class weights: one equal weight per class (1, or the focal loss's α).</summary>
    ConstantClassWeights,
    /// <summary>CTC: the per-sample losses of a call.</summary>
    CtcLosses,
    /// <summary>CTC: each sample's offset into concatenated targets.</summary>
    CtcOffsets,
    /// <summary>CTC: the forward variables of one sample.</summary>
    CtcAlpha,
    /// <summary>CTC: the emissions of one sample.</summary>
    CtcEmit,
    /// <summary>CTC: the backward rows, skips and gradient rows of one sample.</summary>
    CtcRows,
    /// <summary>CTC: one sample's converted or log-softmaxed input.</summary>
    CtcLogProbs,
    /// <summary>CTC: one sample's extended labels.</summary>
    CtcExtendedLabels,
    /// <summary>Total variation: float rows of Half images.</summary>
    TotalVariationHalfRows,
    /// <summary>Pixelwise cross-entropy: float tiles of Half inputs.</summary>
    PixelwiseHalfTiles,
    /// <summary>Pixelwise cross-entropy: the class weights in the compute type (Half ones as float).</summary>
    PixelwiseClassWeights,
    /// <summary>The softmax overlap losses: the per-class sums' float lanes, and each class's gradient factors.</summary>
    SoftmaxOverlapLanes,
    /// <summary>The softmax overlap losses: the per-class sums' double totals.</summary>
    SoftmaxOverlapTotals,
    /// <summary>The softmax overlap losses: Half logits and gradients as float, or the exponentials parked when there is no gradient.</summary>
    SoftmaxOverlapHalf,
    /// <summary>InfoNce: copies of the embeddings and their gradients.</summary>
    InfoNceRows,
    /// <summary>InfoNce: the B×B matrices.</summary>
    InfoNceSquares,
    /// <summary>InfoNce: the rows' norms.</summary>
    InfoNceNorms,
    /// <summary>InfoNce: each row's own index, its label.</summary>
    InfoNceLabels,
    /// <summary>InfoNce: one row of scratch.</summary>
    InfoNceRow,
    /// <summary>Multi-label margin: per class, whether it is a target, its hinges' sum and its count of positive ones.</summary>
    MultiLabelWork,
    /// <summary>Multi-label margin: a Half row in float, its gradient and its loss.</summary>
    MultiLabelHalfRow,
}

/// <summary>
/// The calling thread's scratch arrays of element type <typeparamref name="T"/>, one per <see cref="ScratchSlot"/>: grown
/// when a call needs more (by half again at least, so a slowly growing size does not reallocate every call) and never
/// shrunk, so repeated calls allocate nothing. Pinned, so a kernel may hold a pointer into one for the whole call.
/// </summary>
internal static class Scratch<T>
    where T : unmanaged
{
    private static readonly int s_slotCount = Enum.GetValues<ScratchSlot>().Length;

    [ThreadStatic] private static T[]?[]? t_slots;

    /// <summary>The slot's array, at least <paramref name="length"/> long (and at least <paramref name="minimum"/>); its contents are whatever the last user left.</summary>
    /// <exception cref="OutOfMemoryException">More elements than an array holds.</exception>
    public static T[] Rent(ScratchSlot slot, long length, int minimum = 1)
    {
        T[]?[] slots = t_slots ??= new T[]?[s_slotCount];
        T[]? array = slots[(int)slot];
        if (array is null || array.Length < length || array.Length < minimum)
        {
            if (length > Array.MaxLength)
            {
                throw new OutOfMemoryException($"The {slot} scratch buffer would need {length} elements, more than an array holds.");
            }

            long grown = Math.Max(Math.Max(length, minimum), array is null ? 0 : array.Length + (array.Length >> 1));
            array = GC.AllocateUninitializedArray<T>((int)Math.Min(grown, Array.MaxLength), pinned: true);
            slots[(int)slot] = array;
        }

        return array;
    }

    /// <summary>The slot's first <paramref name="length"/> elements.</summary>
    public static Span<T> Span(ScratchSlot slot, int length) => Rent(slot, length).AsSpan(0, length);

    /// <summary>A pointer to the slot's array, at least <paramref name="length"/> long (at least one element, so never null).</summary>
    public static unsafe T* Pointer(ScratchSlot slot, long length)
        => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Rent(slot, Math.Max(length, 1))));
}
