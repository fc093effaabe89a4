using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using LossGen.Kernels;

namespace LossGen;

/// <summary>
/// InfoNCE over a batch of B pairs of D-dimensional embeddings: the B×B similarity matrix, the generated sparse softmax
/// cross-entropy over its rows (and its columns, when symmetric), and the matrix products of the gradient.
/// </summary>
/// <remarks>
/// Every value is the same bits at every vector width: the matrix products add their terms in a fixed order, one output
/// element per lane (no sums across lanes), and the softmax cross-entropy is the generated kernel, which keeps that rule.
/// Norms and the normalization's backward sums are scalar sums in double, B·D terms each, negligible next to the
/// B²·D products.
/// </remarks>
internal static class InfoNceKernel
{
    /// <summary>F.normalize's eps: below this norm a row is divided by eps, not by its norm.</summary>
    public const double NormEpsilon = 1e-12;

    /// <summary>Validates everything, then computes the loss and, when asked, both gradients. Returns the reduced loss in double.</summary>
    public static double Run<TS, TC>(ReadOnlySpan<TS> x1, ReadOnlySpan<TS> x2, Span<TS> x1Gradient, Span<TS> x2Gradient, bool wantGradient,
        int dimension, double temperature, bool symmetric, bool normalize, Reduction reduction)
        where TS : unmanaged
        where TC : unmanaged, IBinaryFloatingPointIeee754<TC>
    {
        ReductionChecks.ThrowIfNotMeanOrSum(reduction);
        if (dimension < 1)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The embedding dimension must be at least 1.");
        if (!(temperature > 0) || double.IsPositiveInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive and finite.");
        if (x2.Length != x1.Length)
            throw new ArgumentException($"'x2' has {x2.Length} elements, but 'x1' has {x1.Length}: the two sides must hold the same number of embeddings.", nameof(x2));
        if (x1.Length % dimension != 0)
            throw new ArgumentException($"'x1' has {x1.Length} elements, which is not a whole number of embeddings of dimension {dimension}.", nameof(x1));
        int batch = x1.Length / dimension;
        if (3L * batch * batch > Array.MaxLength || 5L * x1.Length > Array.MaxLength)
            throw new ArgumentException(
                $"A batch of {batch} pairs of dimension {dimension} needs three {batch}×{batch} matrices and five copies of the embeddings, more than an array holds.", nameof(x1));
        if (wantGradient)
        {
            if (x1Gradient.Length != x1.Length)
                throw new ArgumentException($"'x1Gradient' has {x1Gradient.Length} elements, but 'x1' has {x1.Length}.", nameof(x1Gradient));
            if (x2Gradient.Length != x1.Length)
                throw new ArgumentException($"'x2Gradient' has {x2Gradient.Length} elements, but 'x2' has {x2.Length}.", nameof(x2Gradient));
        }

        if (batch == 0)
        {
            return reduction == Reduction.Sum ? 0 : double.NaN;
        }

        InfoNceWorkspace<TC> w = InfoNceWorkspace<TC>.Rent(batch, dimension);
        Load(x1, w.U);
        Load(x2, w.V);
        double loss = Compute(in w, batch, dimension, temperature, symmetric, normalize, reduction, wantGradient);
        if (wantGradient)
        {
            Store(w.UGradient, x1Gradient);
            Store(w.VGradient, x2Gradient);
        }

        return loss;
    }

    /// <summary>
    /// The loss from the embeddings in <see cref="InfoNceWorkspace{T}.U"/> and <see cref="InfoNceWorkspace{T}.V"/>;
    /// with <paramref name="wantGradient"/>, the gradients in <see cref="InfoNceWorkspace{T}.UGradient"/> and
    /// <see cref="InfoNceWorkspace{T}.VGradient"/>.
    /// </summary>
    private static double Compute<T>(in InfoNceWorkspace<T> w, int b, int d, double temperature, bool symmetric, bool normalize, Reduction reduction, bool wantGradient)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Span<T> u = w.U, v = w.V, similarity = w.Similarity, transposed = w.Transposed, gradient = w.Gradient;
        if (normalize)
        {
            Normalize(u, w.Norms1, b, d);
            Normalize(v, w.Norms2, b, d);
        }

        // S = U·Vᵀ/τ, one row per x1 embedding.
        Transpose(v, w.VTransposed, b, d);
        MatrixProduct.Multiply<T>(u, w.VTransposed, similarity, b, d, b);
        T t = T.CreateTruncating(temperature);
        TensorPrimitives.Divide(similarity, t, similarity);

        ReadOnlySpan<int> labels = w.Labels;
        double loss;
        if (!wantGradient)
        {
            loss = CrossEntropy(similarity, labels, default, b, reduction);
            if (symmetric)
            {
                Transpose(similarity, transposed, b, b);
                loss = 0.5 * loss + 0.5 * CrossEntropy(transposed, labels, default, b, reduction);
            }

            return loss;
        }

        loss = CrossEntropy(similarity, labels, gradient, b, reduction);
        if (symmetric)
        {
            // Columns: the same cross-entropy over Sᵀ, its gradient transposed back and added; each direction counts half,
            // taken with τ below (halving is exact).
            Transpose(similarity, transposed, b, b);
            loss = 0.5 * loss + 0.5 * CrossEntropy(transposed, labels, similarity, b, reduction);
            Transpose(similarity, transposed, b, b);
            TensorPrimitives.Add(gradient, transposed, gradient);
            t += t;
        }

        // dL/dU = (G/τ)·V and dL/dV = (G/τ)ᵀ·U.
        TensorPrimitives.Divide(gradient, t, gradient);
        MatrixProduct.Multiply<T>(gradient, v, w.UGradient, b, b, d);
        Transpose(gradient, transposed, b, b);
        MatrixProduct.Multiply<T>(transposed, u, w.VGradient, b, b, d);
        if (normalize)
        {
            NormalizeBackward(w.UGradient, u, w.Norms1, w.Row, b, d);
            NormalizeBackward(w.VGradient, v, w.Norms2, w.Row, b, d);
        }

        return loss;
    }

    /// <summary>The generated sparse softmax cross-entropy of each row against its own index, reduced; with a gradient span, its gradient.</summary>
    private static double CrossEntropy<T>(Span<T> logits, ReadOnlySpan<int> labels, Span<T> gradient, int b, Reduction reduction)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> z = MemoryMarshal.Cast<T, float>(logits);
            return gradient.IsEmpty
                ? Losses.SparseSoftmaxCrossEntropy(z, labels, b, reduction: reduction)
                : Losses.SparseSoftmaxCrossEntropyWithGradient(z, labels, MemoryMarshal.Cast<T, float>(gradient), b, reduction: reduction);
        }

        ReadOnlySpan<double> zd = MemoryMarshal.Cast<T, double>(logits);
        return gradient.IsEmpty
            ? Losses.SparseSoftmaxCrossEntropy(zd, labels, b, reduction: reduction)
            : Losses.SparseSoftmaxCrossEntropyWithGradient(zd, labels, MemoryMarshal.Cast<T, double>(gradient), b, reduction: reduction);
    }

    /// <summary>Divides each row by max(‖row‖, eps), keeping that divisor in <paramref name="norms"/> (the norm summed in double).</summary>
    private static void Normalize<T>(Span<T> x, Span<double> norms, int b, int d)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < b; i++)
        {
            Span<T> row = x.Slice(i * d, d);
            double divisor = Math.Max(Math.Sqrt(Dot<T>(row, row)), NormEpsilon);
            norms[i] = divisor;
            TensorPrimitives.Divide(row, T.CreateTruncating(divisor), row);
        }
    }

    /// <summary>
    /// Turns the gradient with respect to the normalized rows u into the gradient with respect to the rows x:
    /// (g − u·(u·g))/‖x‖ where the norm passed eps, g/eps where it did not (there the divisor is the constant eps).
    /// </summary>
    private static void NormalizeBackward<T>(Span<T> gradient, ReadOnlySpan<T> u, ReadOnlySpan<double> norms, Span<T> scratch, int b, int d)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < b; i++)
        {
            Span<T> g = gradient.Slice(i * d, d);
            ReadOnlySpan<T> row = u.Slice(i * d, d);
            double divisor = norms[i];
            if (divisor > NormEpsilon)
            {
                TensorPrimitives.Multiply(row, T.CreateTruncating(Dot<T>(row, g)), scratch);
                TensorPrimitives.Subtract(g, scratch, g);
            }

            TensorPrimitives.Divide(g, T.CreateTruncating(divisor), g);
        }
    }

    /// <summary>x·y in double, element k into sum k mod 4 and the four added in a fixed order: the same at every width.</summary>
    private static double Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int k = 0;
        for (; k + 4 <= x.Length; k += 4)
        {
            s0 += double.CreateTruncating(x[k]) * double.CreateTruncating(y[k]);
            s1 += double.CreateTruncating(x[k + 1]) * double.CreateTruncating(y[k + 1]);
            s2 += double.CreateTruncating(x[k + 2]) * double.CreateTruncating(y[k + 2]);
            s3 += double.CreateTruncating(x[k + 3]) * double.CreateTruncating(y[k + 3]);
        }

        for (; k < x.Length; k++)
        {
            s0 += double.CreateTruncating(x[k]) * double.CreateTruncating(y[k]);
        }

        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>Writes the <paramref name="rows"/>×<paramref name="columns"/> matrix <paramref name="x"/> transposed, in tiles that stay in L1.</summary>
    private static void Transpose<T>(ReadOnlySpan<T> x, Span<T> transposed, int rows, int columns)
    {
        const int Tile = 16;
        for (int i0 = 0; i0 < rows; i0 += Tile)
        {
            int iEnd = Math.Min(rows, i0 + Tile);
            for (int j0 = 0; j0 < columns; j0 += Tile)
            {
                int jEnd = Math.Min(columns, j0 + Tile);
                for (int i = i0; i < iEnd; i++)
                {
                    for (int j = j0; j < jEnd; j++)
                    {
                        transposed[j * rows + i] = x[i * columns + j];
                    }
                }
            }
        }
    }

    private static void Load<TS, TC>(ReadOnlySpan<TS> source, Span<TC> destination)
        where TS : unmanaged
        where TC : unmanaged
    {
        if (typeof(TS) == typeof(Half))
        {
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<TS, Half>(source), MemoryMarshal.Cast<TC, float>(destination));
        }
        else
        {
            MemoryMarshal.Cast<TS, TC>(source).CopyTo(destination);
        }
    }

    private static void Store<TS, TC>(ReadOnlySpan<TC> source, Span<TS> destination)
        where TS : unmanaged
        where TC : unmanaged
    {
        if (typeof(TS) == typeof(Half))
        {
            TensorPrimitives.ConvertToHalf(MemoryMarshal.Cast<TC, float>(source), MemoryMarshal.Cast<TS, Half>(destination));
        }
        else
        {
            source.CopyTo(MemoryMarshal.Cast<TS, TC>(destination));
        }
    }
}

/// <summary>One call's InfoNCE buffers, views of the calling thread's <see cref="Scratch{T}"/> slots (nothing allocated per call once they have grown).</summary>
internal readonly ref struct InfoNceWorkspace<T>
    where T : unmanaged
{
    private readonly Span<T> _rows;
    private readonly Span<T> _squares;
    private readonly int _b, _d;

    private InfoNceWorkspace(int b, int d)
    {
        _b = b;
        _d = d;
        _rows = Scratch<T>.Span(ScratchSlot.InfoNceRows, 5 * b * d);
        _squares = Scratch<T>.Span(ScratchSlot.InfoNceSquares, 3 * b * b);
        Span<double> norms = Scratch<double>.Span(ScratchSlot.InfoNceNorms, 2 * b);
        Norms1 = norms[..b];
        Norms2 = norms[b..];
        Row = Scratch<T>.Span(ScratchSlot.InfoNceRow, d);
        Span<int> labels = Scratch<int>.Span(ScratchSlot.InfoNceLabels, b);
        for (int i = 0; i < b; i++) labels[i] = i;
        Labels = labels;
    }

    /// <summary>The embeddings of x1 (then normalized), B×D.</summary>
    public Span<T> U => _rows.Slice(0, _b * _d);
    /// <summary>The embeddings of x2 (then normalized), B×D.</summary>
    public Span<T> V => _rows.Slice(_b * _d, _b * _d);
    /// <summary>The gradient with respect to x1, B×D.</summary>
    public Span<T> UGradient => _rows.Slice(2 * _b * _d, _b * _d);
    /// <summary>The gradient with respect to x2, B×D.</summary>
    public Span<T> VGradient => _rows.Slice(3 * _b * _d, _b * _d);
    /// <summary>Vᵀ, D×B.</summary>
    public Span<T> VTransposed => _rows.Slice(4 * _b * _d, _b * _d);
    /// <summary>The similarity matrix, B×B (later the columns' gradient).</summary>
    public Span<T> Similarity => _squares.Slice(0, _b * _b);
    /// <summary>A transposed B×B matrix.</summary>
    public Span<T> Transposed => _squares.Slice(_b * _b, _b * _b);
    /// <summary>The gradient with respect to the similarities, B×B.</summary>
    public Span<T> Gradient => _squares.Slice(2 * _b * _b, _b * _b);
    /// <summary>One row of scratch, D.</summary>
    public Span<T> Row { get; }
    public Span<double> Norms1 { get; }
    public Span<double> Norms2 { get; }
    /// <summary>0, 1, …, B − 1: each row's positive is its own index.</summary>
    public ReadOnlySpan<int> Labels { get; }

    public static InfoNceWorkspace<T> Rent(int b, int d) => new(b, d);
}
