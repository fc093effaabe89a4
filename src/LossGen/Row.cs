using System;

namespace LossGen;

/// <summary>
/// One row of a row-major <c>[batch, rowLength]</c> input to a row formula: the class scores of one
/// sample, one embedding, one flattened mask. A <see cref="LossAttribute">[Loss]</see> method with
/// <see cref="Row"/> parameters gets span overloads that take the flattened batch and a
/// <c>rowLength</c>; calling the method directly on rows computes one row's loss in
/// <see cref="double"/> (the reference the generated kernels are tested against).
/// </summary>
/// <remarks>
/// Rows combine elementwise with <c>+ - * /</c> (with other rows of the same length or with scalars),
/// through the elementwise functions of <see cref="LossMath"/>, and reduce to a scalar with
/// <see cref="LossMath.Sum(Row)"/>, <see cref="LossMath.LogSumExp(Row)"/>, <see cref="LossMath.Dot(Row, Row)"/>
/// and the other reductions there. A row is immutable; its operators allocate, as a reference should.
/// </remarks>
public readonly struct Row
{
    private readonly double[]? _values;

    /// <summary>A row holding a copy of <paramref name="values"/>.</summary>
    public Row(ReadOnlySpan<double> values) => _values = values.ToArray();

    /// <summary>A row holding a copy of <paramref name="values"/>.</summary>
    public Row(params double[] values)
        : this((ReadOnlySpan<double>)values)
    {
    }

    private Row(double[] values, bool _) => _values = values;

    /// <summary>The number of elements (classes, features, pixels).</summary>
    public int Length => _values?.Length ?? 0;

    /// <summary>Element <paramref name="index"/>; inside a formula the index must be an <see cref="int"/> label parameter.</summary>
    public double this[int index] => AsSpan()[index];

    /// <summary>The elements.</summary>
    public ReadOnlySpan<double> AsSpan() => _values;

    /// <summary>Elementwise sum.</summary>
    public static Row operator +(Row x, Row y) => Zip(x, y, static (a, b) => a + b);

    /// <summary>Adds a scalar to every element.</summary>
    public static Row operator +(Row x, double y) => Map(x, a => a + y);

    /// <summary>Adds a scalar to every element.</summary>
    public static Row operator +(double x, Row y) => Map(y, b => x + b);

    /// <summary>Elementwise difference.</summary>
    public static Row operator -(Row x, Row y) => Zip(x, y, static (a, b) => a - b);

    /// <summary>Subtracts a scalar from every element.</summary>
    public static Row operator -(Row x, double y) => Map(x, a => a - y);

    /// <summary>A scalar minus every element.</summary>
    public static Row operator -(double x, Row y) => Map(y, b => x - b);

    /// <summary>Elementwise product.</summary>
    public static Row operator *(Row x, Row y) => Zip(x, y, static (a, b) => a * b);

    /// <summary>Every element times a scalar.</summary>
    public static Row operator *(Row x, double y) => Map(x, a => a * y);

    /// <summary>Every element times a scalar.</summary>
    public static Row operator *(double x, Row y) => Map(y, b => x * b);

    /// <summary>Elementwise quotient.</summary>
    public static Row operator /(Row x, Row y) => Zip(x, y, static (a, b) => a / b);

    /// <summary>Every element divided by a scalar.</summary>
    public static Row operator /(Row x, double y) => Map(x, a => a / y);

    /// <summary>A scalar divided by every element.</summary>
    public static Row operator /(double x, Row y) => Map(y, b => x / b);

    /// <summary>Every element negated.</summary>
    public static Row operator -(Row x) => Map(x, static a => -a);

    /// <summary>Every element passed through <paramref name="f"/>.</summary>
    internal static Row Map(Row x, Func<double, double> f)
    {
        ReadOnlySpan<double> a = x.AsSpan();
        var result = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            result[i] = f(a[i]);
        }

        return new Row(result, false);
    }

    /// <summary>Pairs of elements passed through <paramref name="f"/>; the rows must have the same length.</summary>
    internal static Row Zip(Row x, Row y, Func<double, double, double> f)
    {
        ReadOnlySpan<double> a = x.AsSpan(), b = y.AsSpan();
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Rows in one formula must have the same length, but one has {a.Length} elements and the other {b.Length}.");
        }

        var result = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            result[i] = f(a[i], b[i]);
        }

        return new Row(result, false);
    }
}
