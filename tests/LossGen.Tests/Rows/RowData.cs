using System;
using System.Linq;
using LossGen.Tests.Infrastructure;

namespace LossGen.Tests.Rows;

/// <summary>One batch of inputs for a row loss: as doubles (rounded to the element type) and as arrays of it.</summary>
internal sealed record RowBatch(int Batch, int RowLength, double[][] Rows, int[][] Labels, double[][] Values, Array[] RowArrays, Array[] ValueArrays)
{
    /// <summary>Row <paramref name="r"/> of every Row input.</summary>
    public double[][] RowAt(int r) => Rows.Select(x => x.AsSpan(x.Length == RowLength ? 0 : r * RowLength, RowLength).ToArray()).ToArray();

    public int[] LabelsAt(int r) => Labels.Select(l => l[r]).ToArray();

    public double[] ValuesAt(int r) => Values.Select(v => v[r]).ToArray();
}

/// <summary>Where each row loss's inputs live, and batches drawn from there.</summary>
internal static class RowData
{
    public static RowBatch Draw(RowLossUnderTest loss, Type element, int batch, int rowLength, int seed)
    {
        var random = new Random(seed);
        // A shared row ([Hyper] Row, e.g. class weights) is one row for the whole batch.
        double[][] rows = Enumerable.Range(0, loss.RowCount).Select(k => Rows(loss.Name, k, loss.SharedRows[k] ? 1 : batch, rowLength, random)).ToArray();
        int[][] labels = Enumerable.Range(0, loss.LabelCount).Select(_ => Enumerable.Range(0, batch).Select(_ => random.Next(rowLength)).ToArray()).ToArray();
        double[][] values = Enumerable.Range(0, loss.ValueCount)
            .Select(k => Enumerable.Range(0, batch).Select(_ => loss.PlusOrMinusOneValues[k] ? 2.0 * random.Next(2) - 1 : random.Next(2)).ToArray()).ToArray();

        // The reference sees exactly the values the kernel sees: rounded to the element type.
        Array[] rowArrays = rows.Select(x => Data.ToArray(element, x)).ToArray();
        Array[] valueArrays = values.Select(x => Data.ToArray(element, x)).ToArray();
        return new RowBatch(batch, rowLength, rowArrays.Select(Data.ToDouble).ToArray(), labels, valueArrays.Select(Data.ToDouble).ToArray(), rowArrays, valueArrays);
    }

    private static double[] Rows(string loss, int input, int batch, int rowLength, Random random)
    {
        var values = new double[batch * rowLength];
        for (int r = 0; r < batch; r++)
        {
            Span<double> row = values.AsSpan(r * rowLength, rowLength);
            Fill(loss, input, row, random);
        }

        return values;
    }

    private static void Fill(string loss, int input, Span<double> row, Random random)
    {
        int n = row.Length;
        switch (loss, input)
        {
            case ("SoftmaxCrossEntropy", 1) or ("KLDivergence" or "KLDivergencePerElement", 1):
                // Probabilities with some exact zeros (0·log 0 = 0 for KL).
                for (int i = 0; i < n; i++)
                {
                    row[i] = random.NextDouble() < 0.2 ? 0 : random.NextDouble();
                }

                Normalize(row);
                break;
            case ("KLDivergence" or "KLDivergencePerElement" or "Nll" or "WeightedNll", 0):
                // Log-probabilities.
                for (int i = 0; i < n; i++)
                {
                    row[i] = random.NextDouble() * 6 - 3;
                }

                double lse = Math.Log(row.ToArray().Sum(Math.Exp));
                for (int i = 0; i < n; i++)
                {
                    row[i] -= lse;
                }

                break;
            case ("CategoricalCrossEntropy" or "CategoricalFocal" or "SparseCategoricalCrossEntropy" or "ScaledSparseCategoricalCrossEntropy", 0):
                for (int i = 0; i < n; i++)
                {
                    row[i] = 0.05 + random.NextDouble();
                }

                break;
            case ("CategoricalCrossEntropy" or "CategoricalFocal" or "CategoricalHinge", 1):
                row.Clear();
                row[random.Next(n)] = 1;
                break;
            case ("WeightedSparseSoftmaxCrossEntropy" or "WeightedNll" or "ClassWeightedMultiMargin" or "WeightedSparseSoftmaxFocal", 1)
                or ("ClassWeightedBinaryCrossEntropyWithLogits" or "ClassWeightedMultiLabelSoftMargin", 2):
                // Class weights.
                for (int i = 0; i < n; i++)
                {
                    row[i] = 0.25 + 2 * random.NextDouble();
                }

                break;
            case ("Dice" or "Jaccard" or "Tversky", 0):
                for (int i = 0; i < n; i++)
                {
                    row[i] = 0.01 + 0.98 * random.NextDouble();
                }

                break;
            case ("Dice" or "Jaccard" or "Tversky" or "MultiLabelSoftMargin" or "ClassWeightedMultiLabelSoftMargin" or "ClassWeightedBinaryCrossEntropyWithLogits", 1):
                for (int i = 0; i < n; i++)
                {
                    row[i] = random.Next(2);
                }

                break;
            case ("Contrastive" or "Triplet" or "TripletPNorm", _):
                // Embeddings whose distances are of the order of the margin, at any row length.
                for (int i = 0; i < n; i++)
                {
                    row[i] = (random.NextDouble() * 2 - 1) * 1.5 / Math.Sqrt(n);
                }

                break;
            default:
                for (int i = 0; i < n; i++)
                {
                    row[i] = random.NextDouble() * 8 - 4;
                }

                break;
        }
    }

    private static void Normalize(Span<double> row)
    {
        double sum = 0;
        foreach (double v in row)
        {
            sum += v;
        }

        if (sum == 0)
        {
            row[0] = sum = 1;
        }

        for (int i = 0; i < row.Length; i++)
        {
            row[i] /= sum;
        }
    }
}
