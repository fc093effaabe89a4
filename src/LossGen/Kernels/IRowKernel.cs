using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LossGen.Kernels;

/// <summary>What a row reduction combines its lanes with.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum RowReduction
{
    /// <summary>Σ.</summary>
    Sum,
    /// <summary>The largest element.</summary>
    Max,
    /// <summary>The smallest element.</summary>
    Min,
    /// <summary>log Σ e^x, in the online (running-max) form.</summary>
    LogSumExp,
}

/// <summary>A yes-or-no choice made once per loop, as a type, so the JIT compiles the loop once for each answer.</summary>
internal interface IRowFlag
{
    static abstract bool IsSet { get; }
}

/// <summary>The pass keeps the softmax log-sum-exp's exponentials for the gradient pass.</summary>
internal readonly struct RowKeepsExps : IRowFlag
{
    public static bool IsSet => true;
}

/// <summary>The pass drops them.</summary>
internal readonly struct RowDropsExps : IRowFlag
{
    public static bool IsSet => false;
}

/// <summary>Names one pass over a row as a type, so the JIT compiles each pass of a kernel on its own.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IRowPass
{
    /// <summary>The pass number, from 0.</summary>
    static abstract int Index { get; }
}

/// <summary>The first pass over a row.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct RowPass0 : IRowPass
{
    /// <inheritdoc/>
    public static int Index => 0;
}

/// <summary>The second pass over a row.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct RowPass1 : IRowPass
{
    /// <inheritdoc/>
    public static int Index => 1;
}

/// <summary>The third pass over a row.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct RowPass2 : IRowPass
{
    /// <inheritdoc/>
    public static int Index => 2;
}

/// <summary>The fourth pass over a row.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct RowPass3 : IRowPass
{
    /// <inheritdoc/>
    public static int Index => 3;
}

/// <summary>
/// One row formula, as the generator emits it: the reductions of each pass over a row, the scalars
/// computed between passes, the row's loss, and the gradient written in a last pass. Generic over
/// the vector width; <see cref="RowEngine"/> owns the loops. Infrastructure for generated code.
/// </summary>
/// <remarks>
/// Inputs: up to four <see cref="Row"/> inputs (x0..x3), two <see cref="int"/> labels and two
/// per-row values, each in the formula's parameter order within its kind. Reductions are numbered in pass
/// order; reduction k keeps its lanes in lane set k of the <see cref="RowState{T}"/> and its result is scalar slot k; the scalars
/// the kernel derives from them take the slots after <see cref="RowState{T}.MaxReductions"/>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IRowKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Number of <see cref="Row"/> inputs, 1 to 4.</summary>
    static abstract int InputCount { get; }

    /// <summary>Number of per-row <see cref="int"/> labels, 0 to 2.</summary>
    static abstract int LabelCount { get; }

    /// <summary>Number of per-row scalar targets, 0 to 2.</summary>
    static abstract int ValueCount { get; }

    /// <summary>Number of gradient outputs (the non-target rows), 0 to <see cref="InputCount"/>.</summary>
    static abstract int GradientCount { get; }

    /// <summary>Number of reduction passes over each row before the gradient pass, 0 to 4.</summary>
    static abstract int PassCount { get; }

    /// <summary>Number of reductions, 0 to <see cref="RowState{T}.MaxReductions"/>.</summary>
    static abstract int ReductionCount { get; }

    /// <summary>How reduction <paramref name="k"/> combines elements.</summary>
    static abstract RowReduction ReductionKind(int k);

    /// <summary>The pass reduction <paramref name="k"/> is computed in.</summary>
    static abstract int ReductionPass(int k);

    /// <summary>
    /// The log-sum-exp reduction whose softmax e^(u − lse) the gradient reads, or −1. Its pass hands each vector's
    /// e^(u − m) to the engine, which keeps the row of them, so the gradient pass multiplies instead of calling exp
    /// again (see <see cref="IRowSoftmax"/>).
    /// </summary>
    static abstract int SoftmaxReduction { get; }

    /// <summary>
    /// True when row input <paramref name="k"/> is one row shared by every row (a <c>[Hyper] Row</c>, such as class
    /// weights): it has <c>rowLength</c> elements and is read at the same place for each row.
    /// </summary>
    static abstract bool IsShared(int k);

    /// <summary>The parameter name of row input <paramref name="index"/>, for error messages.</summary>
    static abstract string InputName(int index);

    /// <summary>The parameter name of label input <paramref name="index"/>, for error messages.</summary>
    static abstract string LabelName(int index);

    /// <summary>The parameter name of per-row value input <paramref name="index"/>, for error messages.</summary>
    static abstract string ValueName(int index);

    /// <summary>The parameter name of gradient output <paramref name="index"/>, for error messages.</summary>
    static abstract string GradientName(int index);

    /// <summary>Computes the scalars that become known at <paramref name="stage"/>: 0 before the first pass, p + 1 after pass p.</summary>
    void Scalars(int stage, ref RowState<T> state, in RowView<T> row);

    /// <summary>
    /// Folds the elements at one column vector into the reductions of pass <typeparamref name="TPass"/>: the pass's
    /// i-th reduction into a<sub>i</sub> (and b<sub>i</sub>, a log-sum-exp's running sum). The engine owns the
    /// accumulators as locals, so they stay in registers; at most <see cref="RowState{T}.MaxReductionsPerPass"/> per pass.
    /// The pass of <see cref="SoftmaxReduction"/> also sets <paramref name="exps"/> to that log-sum-exp's e^(u − m).
    /// </summary>
    void Accumulate<TVec, TSimd, TPass, TEdge>(ref RowState<T> state, TVec x0, TVec x1, TVec x2, TVec x3, TVec column, TVec inside, ref TVec exps,
        ref TVec a0, ref TVec b0, ref TVec a1, ref TVec b1, ref TVec a2, ref TVec b2, ref TVec a3, ref TVec b3)
        where TVec : struct
        where TSimd : ISimd<TVec, T>
        where TPass : struct, IRowPass
        where TEdge : struct, IRowEdge;

    /// <summary>The row's loss, once every stage has run.</summary>
    T Loss(ref RowState<T> state);

    /// <summary>
    /// The gradient of the row's loss at one column vector, for each non-target row. When
    /// <typeparamref name="TSoftmax"/> is <see cref="RowSoftmaxCached"/>, <paramref name="softmax"/> holds the
    /// softmax of <see cref="SoftmaxReduction"/> at these columns and replaces its exp.
    /// </summary>
    void Gradient<TVec, TSimd, TSoftmax>(ref RowState<T> state, in RowGradientScalars<TVec> scalars, TVec x0, TVec x1, TVec x2, TVec x3, TVec column, TVec softmax,
        out TVec g0, out TVec g1, out TVec g2, out TVec g3)
        where TVec : struct
        where TSimd : ISimd<TVec, T>
        where TSoftmax : struct, IRowSoftmax;

    /// <summary>
    /// The first four scalars <see cref="Gradient"/> reads, broadcast once per row: the engine keeps them in registers
    /// across the gradient loop, where reading them from the row state would reload them for every vector (a store
    /// to a gradient could alias the state, as far as the JIT knows).
    /// </summary>
    RowGradientScalars<TVec> GradientScalars<TVec, TSimd>(ref RowState<T> state)
        where TVec : struct
        where TSimd : ISimd<TVec, T>;
}

/// <summary>Up to four scalars of a row's gradient, broadcast (see <see cref="IRowKernel{T}.GradientScalars"/>). Infrastructure for generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct RowGradientScalars<TVec>
    where TVec : struct
{
    /// <summary>The first scalar the gradient reads.</summary>
    public TVec K0;

    /// <summary>The second.</summary>
    public TVec K1;

    /// <summary>The third.</summary>
    public TVec K2;

    /// <summary>The fourth.</summary>
    public TVec K3;
}

/// <summary>
/// Where the gradient pass takes a softmax from. The log-sum-exp pass already computed e^(u − m) for every column
/// (m: its lane's reference), so softmax = e^(u − m)·e^(m − lse) is one multiplication by a per-lane factor.
/// That holds while no lane's reference moved after the lane had a nonzero sum; a row where one did (a value more
/// than 16 above the earlier ones) recomputes e^(u − lse). Which way a row goes depends only on its values, never
/// on the vector width, so every width still gives the same bits.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IRowSoftmax
{
    /// <summary>True when the gradient multiplies the kept e^(u − m); false when it calls exp.</summary>
    static abstract bool Cached { get; }

    /// <summary>
    /// The softmax e^(<paramref name="exponent"/>) at one column vector: <paramref name="kept"/>, or computed. A
    /// method of the type rather than a branch in the kernel, so the kept case carries no exp for the JIT to weigh.
    /// </summary>
    static abstract TVec Softmax<TVec, T, TSimd>(TVec exponent, TVec kept)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>;
}

/// <summary>The softmax comes from the log-sum-exp pass's kept exponentials.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct RowSoftmaxCached : IRowSoftmax
{
    /// <inheritdoc/>
    public static bool Cached => true;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Softmax<TVec, T, TSimd>(TVec exponent, TVec kept)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>
        => kept;
}

/// <summary>The softmax is computed again (no log-sum-exp in the gradient, or a row whose reference moved).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct RowSoftmaxRecomputed : IRowSoftmax
{
    /// <inheritdoc/>
    public static bool Cached => false;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Softmax<TVec, T, TSimd>(TVec exponent, TVec kept)
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TSimd : ISimd<TVec, T>
        => TSimd.ExpInlined(exponent);
}

/// <summary>One row of each input, for the scalars a kernel computes between passes (e.g. <c>logits[label]</c>).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct RowView<T>
{
    /// <summary>Row input 0.</summary>
    public ReadOnlySpan<T> X0 { get; init; }

    /// <summary>Row input 1.</summary>
    public ReadOnlySpan<T> X1 { get; init; }

    /// <summary>Row input 2.</summary>
    public ReadOnlySpan<T> X2 { get; init; }

    /// <summary>Row input 3.</summary>
    public ReadOnlySpan<T> X3 { get; init; }

    /// <summary>Label 0 of the row.</summary>
    public int Label0 { get; init; }

    /// <summary>Label 1 of the row.</summary>
    public int Label1 { get; init; }

    /// <summary>Per-row value 0.</summary>
    public T Value0 { get; init; }

    /// <summary>Per-row value 1.</summary>
    public T Value1 { get; init; }

    /// <summary>The row length.</summary>
    public int Length { get; init; }

    /// <summary>
    /// True when every input and gradient goes on past the row to the end of its last whole 64-byte vector (the
    /// next rows are there), so the engine reads that vector in place and blends its gradient into memory instead
    /// of going through padded copies.
    /// </summary>
    internal bool LastVectorInPlace { get; init; }
}

/// <summary>The spans of one call of a row formula: inputs as <c>[batch, rowLength]</c>, labels and values per row, gradients like the inputs.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct RowOperands<T>
{
    /// <summary>Row input 0.</summary>
    public ReadOnlySpan<T> X0 { get; init; }

    /// <summary>Row input 1.</summary>
    public ReadOnlySpan<T> X1 { get; init; }

    /// <summary>Row input 2.</summary>
    public ReadOnlySpan<T> X2 { get; init; }

    /// <summary>Row input 3.</summary>
    public ReadOnlySpan<T> X3 { get; init; }

    /// <summary>Labels 0, one per row.</summary>
    public ReadOnlySpan<int> Labels0 { get; init; }

    /// <summary>Labels 1, one per row.</summary>
    public ReadOnlySpan<int> Labels1 { get; init; }

    /// <summary>Values 0, one per row.</summary>
    public ReadOnlySpan<T> Values0 { get; init; }

    /// <summary>Values 1, one per row.</summary>
    public ReadOnlySpan<T> Values1 { get; init; }

    /// <summary>Gradient output 0.</summary>
    public Span<T> G0 { get; init; }

    /// <summary>Gradient output 1.</summary>
    public Span<T> G1 { get; init; }

    /// <summary>Gradient output 2.</summary>
    public Span<T> G2 { get; init; }

    /// <summary>Gradient output 3.</summary>
    public Span<T> G3 { get; init; }
}
