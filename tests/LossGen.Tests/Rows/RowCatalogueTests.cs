using System;
using System.Collections.Generic;
using System.Linq;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Rows;

/// <summary>
/// Every row loss of the catalogue (and a few more user formulas), in every element type, against its own formula called on rows in
/// double: per-row values and both reductions at row lengths 1..70 and past 1000, gradients against
/// central differences, every vector width bit for bit.
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class RowCatalogueTests
{
    private static readonly RowLossUnderTest[] s_losses = RowLossUnderTest.All(typeof(Losses)).Concat(RowLossUnderTest.All(typeof(UserRowLosses)))
        .SelectMany(l => l.WithEachFlagFlipped()).ToArray();

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (RowLossUnderTest loss in s_losses)
        {
            foreach (Type element in Data.ElementTypes)
            {
                data.Add(loss.Id, element.Name);
            }
        }

        return data;
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (RowLossUnderTest loss in s_losses)
        {
            data.Add(loss.Id);
        }

        return data;
    }

    /// <summary>Row lengths 1..70 (every tail of every width), a few batches, and rows past 1000.</summary>
    private static IEnumerable<(int Batch, int RowLength)> Shapes()
    {
        for (int n = 1; n <= 70; n++)
        {
            yield return (n % 3 + 1, n);
        }

        yield return (2, 1000);
        yield return (1, 1031);
        yield return (40, 5);
    }

    [Fact]
    public void The_catalogue_has_every_row_formula_loss_of_the_issue()
    {
        string[] expected =
        [
            "SoftmaxCrossEntropy", "SparseSoftmaxCrossEntropy", "CategoricalCrossEntropy", "SparseCategoricalCrossEntropy",
            "KLDivergence", "CategoricalHinge", "CategoricalFocal", "CosineProximity", "Contrastive", "Triplet", "Dice", "Jaccard", "Tversky",
            "Nll", "KLDivergencePerElement", "MultiLabelSoftMargin", "CosineEmbedding", "SparseSoftmaxFocal", "MultiMargin", "TripletPNorm",
        ];
        Assert.Empty(expected.Except(RowLossUnderTest.All(typeof(Losses)).Select(l => l.Name)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Row_losses_and_reductions_match_the_formula(string name, string elementName)
    {
        (RowLossUnderTest loss, Type element) = Find(name, elementName);
        var elementwise = loss.Elementwise(element);
        var reduce = loss.Reduce(element);
        (double relative, double absolute) = Data.Tolerance(element);
        foreach ((int batch, int rowLength) in Shapes())
        {
            RowBatch data = RowData.Draw(loss, element, batch, rowLength, seed: rowLength * 31 + batch);
            double scale = 1 + Math.Sqrt(rowLength);
            Array losses = Data.Filled(element, batch, double.NaN);
            elementwise(loss.Arguments(data.RowArrays, data.Labels, data.ValueArrays, [losses], rowLength, loss.HyperDefaults, null));
            double[] actual = Data.ToDouble(losses);
            double sum = 0;
            for (int r = 0; r < batch; r++)
            {
                double expected = loss.Formula(data.RowAt(r), data.LabelsAt(r), data.ValuesAt(r), loss.HyperDefaults);
                sum += expected;
                Assert.True(Data.Close(expected, actual[r], relative, absolute, scale), $"{name}<{elementName}> [{batch}, {rowLength}] row {r}: expected {expected:R}, got {actual[r]:R}");
            }

            double mean = Data.ToDouble(reduce(loss.Arguments(data.RowArrays, data.Labels, data.ValueArrays, [], rowLength, loss.HyperDefaults, Reduction.Mean)));
            double total = Data.ToDouble(reduce(loss.Arguments(data.RowArrays, data.Labels, data.ValueArrays, [], rowLength, loss.HyperDefaults, Reduction.Sum)));
            Assert.True(Data.Close(sum / batch, mean, relative, absolute, scale), $"{name}<{elementName}> [{batch}, {rowLength}] mean: expected {sum / batch:R}, got {mean:R}");
            Assert.True(Data.Close(sum, total, relative, absolute, scale * batch), $"{name}<{elementName}> [{batch}, {rowLength}] sum: expected {sum:R}, got {total:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Double_gradients_match_central_differences_of_the_formula(string name)
    {
        RowLossUnderTest loss = s_losses.Single(l => l.Id == name);
        var withGradient = loss.WithGradient(typeof(double));
        foreach ((int batch, int rowLength) in new[] { (2, 1), (2, 2), (3, 3), (2, 7), (2, 16), (2, 17), (1, 33), (2, 70), (1, 1000) })
        {
            RowBatch data = RowData.Draw(loss, typeof(double), batch, rowLength, seed: rowLength + 1000 * batch);
            foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
            {
                Array[] gradients = loss.DifferentiableRows.Select(_ => Data.Filled(typeof(double), batch * rowLength, double.NaN)).ToArray();
                withGradient(loss.Arguments(data.RowArrays, data.Labels, data.ValueArrays, gradients, rowLength, loss.HyperDefaults, reduction));
                double divisor = reduction == Reduction.Mean ? batch : 1;
                var random = new Random(rowLength);
                for (int g = 0; g < gradients.Length; g++)
                {
                    int input = loss.DifferentiableRows[g];
                    double[] actual = (double[])gradients[g];
                    // Every element of short rows; a sample of the long ones.
                    IEnumerable<int> elements = rowLength <= 70 ? Enumerable.Range(0, batch * rowLength) : Enumerable.Range(0, 24).Select(_ => random.Next(batch * rowLength));
                    foreach (int e in elements)
                    {
                        int r = e / rowLength, column = e % rowLength;
                        double[][] rows = data.RowAt(r);
                        double x = rows[input][column];
                        double h = 1e-6 * Math.Max(1, Math.Abs(x));
                        rows[input][column] = x + h;
                        double up = loss.Formula(rows, data.LabelsAt(r), data.ValuesAt(r), loss.HyperDefaults);
                        rows[input][column] = x - h;
                        double down = loss.Formula(rows, data.LabelsAt(r), data.ValuesAt(r), loss.HyperDefaults);
                        double expected = (up - down) / (2 * h) / divisor;
                        Assert.True(Data.Close(expected, actual[e], 1e-5, 1e-7), $"{name} [{batch}, {rowLength}] {reduction} ∂/∂input{input}[{r}, {column}]: central difference {expected:R}, kernel {actual[e]:R}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_in_each_element_type_match_the_double_kernel(string name, string elementName)
    {
        (RowLossUnderTest loss, Type element) = Find(name, elementName);
        var withGradient = loss.WithGradient(element);
        var reference = loss.WithGradient(typeof(double));
        (double relative, double absolute) = Data.Tolerance(element);
        foreach ((int batch, int rowLength) in Shapes().Where(s => s.RowLength % 5 == 0 || s.RowLength < 20))
        {
            RowBatch data = RowData.Draw(loss, element, batch, rowLength, seed: rowLength);
            RowBatch exact = data with { RowArrays = data.Rows.Select(r => (Array)r.Clone()).ToArray(), ValueArrays = data.Values.Select(v => (Array)v.Clone()).ToArray() };
            Array[] gradients = loss.DifferentiableRows.Select(_ => Data.Filled(element, batch * rowLength, double.NaN)).ToArray();
            Array[] expected = loss.DifferentiableRows.Select(_ => Data.Filled(typeof(double), batch * rowLength, double.NaN)).ToArray();
            double value = Data.ToDouble(withGradient(loss.Arguments(data.RowArrays, data.Labels, data.ValueArrays, gradients, rowLength, loss.HyperDefaults, Reduction.Sum)));
            double expectedValue = Data.ToDouble(reference(loss.Arguments(exact.RowArrays, exact.Labels, exact.ValueArrays, expected, rowLength, loss.HyperDefaults, Reduction.Sum)));
            double scale = 1 + Math.Sqrt(rowLength);
            Assert.True(Data.Close(expectedValue, value, relative, absolute, scale * batch), $"{name}<{elementName}> [{batch}, {rowLength}] loss: expected {expectedValue:R}, got {value:R}");
            for (int g = 0; g < gradients.Length; g++)
            {
                double[] actual = Data.ToDouble(gradients[g]), wanted = (double[])expected[g];
                for (int e = 0; e < actual.Length; e++)
                {
                    Assert.True(Data.Close(wanted[e], actual[e], relative, absolute, scale), $"{name}<{elementName}> [{batch}, {rowLength}] gradient {g} [{e}]: expected {wanted[e]:R}, got {actual[e]:R}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_vector_width_gives_the_same_bits(string name, string elementName)
    {
        (RowLossUnderTest loss, Type element) = Find(name, elementName);
        var withGradient = loss.WithGradient(element);
        var elementwise = loss.Elementwise(element);
        using (VectorWidth.Restored())
        {
            foreach ((int batch, int rowLength) in new[] { (3, 1), (2, 5), (2, 8), (2, 15), (3, 16), (2, 17), (2, 31), (2, 33), (2, 63), (1, 1000), (1, 1031) })
            {
                RowBatch data = RowData.Draw(loss, element, batch, rowLength, seed: 7 * rowLength);
                long[]? first = null;
                foreach (int bits in new[] { 512, 256, 128, 0 })
                {
                    VectorPaths.MaxBits = bits;
                    Array[] gradients = loss.DifferentiableRows.Select(_ => Data.Filled(element, batch * rowLength, double.NaN)).ToArray();
                    Array losses = Data.Filled(element, batch, double.NaN);
                    object? value = withGradient(loss.Arguments(data.RowArrays, data.Labels, data.ValueArrays, gradients, rowLength, loss.HyperDefaults, Reduction.Mean));
                    elementwise(loss.Arguments(data.RowArrays, data.Labels, data.ValueArrays, [losses], rowLength, loss.HyperDefaults, null));
                    long[] all = [Data.Bits(value), .. Data.Bits(losses), .. gradients.SelectMany(Data.Bits)];
                    first ??= all;
                    Assert.True(first.SequenceEqual(all), $"{name}<{elementName}> [{batch}, {rowLength}]: the {bits}-bit path differs from the 512-bit path");
                }
            }
        }
    }

    /// <summary>
    /// The unreduced form with gradients is the per-row losses and the summed gradients (each row's own derivative), bit
    /// for bit, from one pass.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Elementwise_with_gradient_is_the_row_losses_and_the_sum_gradients_bit_for_bit(string name, string elementName)
    {
        (RowLossUnderTest loss, Type element) = Find(name, elementName);
        var withGradient = loss.WithGradient(element);
        var elementwise = loss.Elementwise(element);
        var both = loss.ElementwiseWithGradient(element);
        foreach ((int batch, int rowLength) in new[] { (3, 1), (2, 5), (2, 17), (2, 63), (1, 1031), (40, 5) })
        {
            RowBatch data = RowData.Draw(loss, element, batch, rowLength, seed: 11 * rowLength + batch);
            Array[] expectedGradients = loss.DifferentiableRows.Select(_ => Data.Filled(element, batch * rowLength, double.NaN)).ToArray();
            Array[] gradients = loss.DifferentiableRows.Select(_ => Data.Filled(element, batch * rowLength, double.NaN)).ToArray();
            Array expectedLosses = Data.Filled(element, batch, double.NaN), losses = Data.Filled(element, batch, double.NaN);
            withGradient(loss.Arguments(data.RowArrays, data.Labels, data.ValueArrays, expectedGradients, rowLength, loss.HyperDefaults, Reduction.Sum));
            elementwise(loss.Arguments(data.RowArrays, data.Labels, data.ValueArrays, [expectedLosses], rowLength, loss.HyperDefaults, null));
            both(loss.Arguments(data.RowArrays, data.Labels, data.ValueArrays, [losses, .. gradients], rowLength, loss.HyperDefaults, null));
            Assert.True(Data.Bits(expectedLosses).SequenceEqual(Data.Bits(losses)), $"{name}<{elementName}> [{batch}, {rowLength}]: the losses differ from the Elementwise form's");
            for (int g = 0; g < gradients.Length; g++)
            {
                Assert.True(Data.Bits(expectedGradients[g]).SequenceEqual(Data.Bits(gradients[g])), $"{name}<{elementName}> [{batch}, {rowLength}]: gradient {g} differs from the summed WithGradient form's");
            }
        }
    }

    private static (RowLossUnderTest Loss, Type Element) Find(string name, string elementName)
        => (s_losses.Single(l => l.Id == name), Data.ElementTypes.Single(t => t.Name == elementName));
}
