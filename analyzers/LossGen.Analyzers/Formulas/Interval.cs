using System;
using System.Globalization;

namespace LossGen.Analyzers.Formulas;

/// <summary>
/// The values a formula node can take, as a closed interval of doubles (infinite ends allowed), plus
/// whether 0 is known to be excluded from inside it (what <c>x != 0</c> tells, which an interval cannot
/// say). Bounds are those of floating point, not of the reals: an exponential's lower bound is 0, because
/// it underflows there. Empty when <see cref="Lo"/> &gt; <see cref="Hi"/>.
/// </summary>
internal readonly struct Interval : IEquatable<Interval>
{
    /// <summary>exp(x) overflows float above this (ln of float's largest value).</summary>
    public const double ExpOverflow = 88.72;

    /// <summary>exp(x) is 0 in float below this (ln of float's smallest subnormal).</summary>
    public const double ExpUnderflow = -103.98;

    public Interval(double lo, double hi, bool nonZero = false)
    {
        // 0 excluded at an end of the interval moves the end off 0, so the flag only has to be kept for
        // intervals with 0 strictly inside.
        if (nonZero && lo == 0)
        {
            lo = Above(0);
        }

        if (nonZero && hi == 0)
        {
            hi = Below(0);
        }

        Lo = double.IsNaN(lo) ? double.NegativeInfinity : lo;
        Hi = double.IsNaN(hi) ? double.PositiveInfinity : hi;
        NonZero = nonZero && Lo < 0 && Hi > 0;
    }

    public double Lo { get; }

    public double Hi { get; }

    public bool NonZero { get; }

    public static Interval All => new(double.NegativeInfinity, double.PositiveInfinity);

    public static Interval Empty => new(1, 0);

    public static Interval Point(double value) => new(value, value);

    public static Interval AtLeast(double lo) => new(lo, double.PositiveInfinity);

    public static Interval AtMost(double hi) => new(double.NegativeInfinity, hi);

    public bool IsEmpty => Lo > Hi;

    public bool IsPoint => Lo == Hi;

    /// <summary>0 is a value the node can take.</summary>
    public bool CanBeZero => !IsEmpty && Lo <= 0 && Hi >= 0 && !NonZero;

    public bool IsPositive => !IsEmpty && Lo > 0;

    public bool IsNonNegative => !IsEmpty && Lo >= 0;

    /// <summary>Inside [0, 1]: a probability, or something of its kind.</summary>
    public bool IsProbabilityLike => !IsEmpty && Lo >= 0 && Hi <= 1;

    public Interval Intersect(Interval other)
        => IsEmpty || other.IsEmpty ? Empty : new(Math.Max(Lo, other.Lo), Math.Min(Hi, other.Hi), NonZero || other.NonZero);

    public Interval Union(Interval other)
        => IsEmpty ? other : other.IsEmpty ? this : new(Math.Min(Lo, other.Lo), Math.Max(Hi, other.Hi), !CanBeZero && !other.CanBeZero);

    /// <summary>The interval without <paramref name="value"/> (what <c>x != value</c> leaves).</summary>
    public Interval Exclude(double value)
    {
        if (IsEmpty || value < Lo || value > Hi)
        {
            return this;
        }

        if (IsPoint)
        {
            return Empty;
        }

        if (value == Lo)
        {
            return new(Above(value), Hi, NonZero);
        }

        if (value == Hi)
        {
            return new(Lo, Below(value), NonZero);
        }

        return value == 0 ? new(Lo, Hi, nonZero: true) : this;
    }

    public static Interval operator -(Interval a) => a.IsEmpty ? a : new(-a.Hi, -a.Lo, a.NonZero);

    public static Interval operator +(Interval a, Interval b)
        => a.IsEmpty || b.IsEmpty ? Empty : new(SumLow(a.Lo, b.Lo), SumHigh(a.Hi, b.Hi));

    public static Interval operator -(Interval a, Interval b) => a + -b;

    public static Interval operator *(Interval a, Interval b)
    {
        if (a.IsEmpty || b.IsEmpty)
        {
            return Empty;
        }

        double p1 = Product(a.Lo, b.Lo), p2 = Product(a.Lo, b.Hi), p3 = Product(a.Hi, b.Lo), p4 = Product(a.Hi, b.Hi);
        return new(Math.Min(Math.Min(p1, p2), Math.Min(p3, p4)), Math.Max(Math.Max(p1, p2), Math.Max(p3, p4)), !a.CanBeZero && !b.CanBeZero);
    }

    /// <summary>x·x, which is never negative (the product of two independent intervals could be).</summary>
    public Interval Square()
    {
        if (IsEmpty)
        {
            return this;
        }

        double lo = Product(Lo, Lo), hi = Product(Hi, Hi);
        return Lo >= 0 ? new(lo, hi) : Hi <= 0 ? new(hi, lo) : new(NonZero ? Above(0) : 0, Math.Max(lo, hi));
    }

    public static Interval operator /(Interval a, Interval b)
    {
        if (a.IsEmpty || b.IsEmpty)
        {
            return Empty;
        }

        if (a.Lo == 0 && a.Hi == 0)
        {
            return a;
        }

        // A divisor that can be 0, or that has values on both sides of it, makes any quotient possible.
        if (b.Lo <= 0 && b.Hi >= 0)
        {
            return All;
        }

        // 1/b decreases on either side of 0 (and 1/±∞ is 0).
        Interval q = a * new Interval(1 / b.Hi, 1 / b.Lo);
        return new(q.Lo, q.Hi, !a.CanBeZero && !double.IsInfinity(b.Lo) && !double.IsInfinity(b.Hi));
    }

    public Interval Abs()
    {
        if (IsEmpty || Lo >= 0)
        {
            return this;
        }

        return Hi <= 0 ? -this : new(NonZero ? Above(0) : 0, Math.Max(-Lo, Hi));
    }

    public static Interval Max(Interval a, Interval b)
        => a.IsEmpty || b.IsEmpty ? Empty : new(Math.Max(a.Lo, b.Lo), Math.Max(a.Hi, b.Hi), !a.CanBeZero && !b.CanBeZero);

    public static Interval Min(Interval a, Interval b)
        => a.IsEmpty || b.IsEmpty ? Empty : new(Math.Min(a.Lo, b.Lo), Math.Min(a.Hi, b.Hi), !a.CanBeZero && !b.CanBeZero);

    /// <summary>e^x as float computes it: 0 below <see cref="ExpUnderflow"/>, ∞ above <see cref="ExpOverflow"/>.</summary>
    public Interval Exp()
        => IsEmpty ? this : new(Lo < ExpUnderflow ? 0 : Math.Exp(Lo), Hi > ExpOverflow ? double.PositiveInfinity : Math.Exp(Hi));

    public Interval Expm1()
        => IsEmpty ? this : new(Lo < ExpUnderflow ? -1 : Math.Exp(Lo) - 1, Hi > ExpOverflow ? double.PositiveInfinity : Math.Exp(Hi) - 1, NonZero);

    public Interval Log()
        => IsEmpty ? this : Hi < 0 ? All : new(Lo > 0 ? Math.Log(Lo) : double.NegativeInfinity, Hi > 0 ? Math.Log(Hi) : double.NegativeInfinity);

    public Interval Log1p()
        => IsEmpty ? this : Hi < -1 ? All : new(Lo > -1 ? Math.Log(1 + Lo) : double.NegativeInfinity, Hi > -1 ? Math.Log(1 + Hi) : double.NegativeInfinity, NonZero);

    /// <summary>√x; of negative values only, NaN (anything). Negative values beside others are left out, as for <see cref="Log"/>.</summary>
    public Interval Sqrt()
        => IsEmpty ? this : Hi < 0 ? All : new(Math.Sqrt(Math.Max(Lo, 0)), Math.Sqrt(Hi));

    public Interval Tanh() => IsEmpty ? this : new(Math.Tanh(Lo), Math.Tanh(Hi), NonZero);

    /// <summary>1/(1 + e^−x), increasing; 0 where e^x underflows, as float computes it.</summary>
    public Interval Sigmoid() => IsEmpty ? this : new(Lo < ExpUnderflow ? 0 : LogisticOf(Lo), LogisticOf(Hi));

    /// <summary>log(1 + e^x), increasing; 0 where e^x underflows, as float computes it.</summary>
    public Interval Softplus() => IsEmpty ? this : new(Lo < ExpUnderflow ? 0 : SoftplusOf(Lo), SoftplusOf(Hi));

    private static double LogisticOf(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    private static double SoftplusOf(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    /// <summary>The sum over a row of elements in this interval (a row has at least one element).</summary>
    public Interval RowSum()
        => IsEmpty ? this : new(Lo >= 0 ? Lo : double.NegativeInfinity, Hi <= 0 ? Hi : double.PositiveInfinity);

    /// <summary>The next double above <paramref name="x"/>: the least value of "greater than x".</summary>
    public static double Above(double x)
    {
        if (double.IsNaN(x) || double.IsPositiveInfinity(x))
        {
            return x;
        }

        if (x == 0)
        {
            return double.Epsilon;
        }

        long bits = BitConverter.DoubleToInt64Bits(x);
        return BitConverter.Int64BitsToDouble(x > 0 ? bits + 1 : bits - 1);
    }

    /// <summary>The next double below <paramref name="x"/>.</summary>
    public static double Below(double x) => -Above(-x);

    public bool Equals(Interval other) => Lo.Equals(other.Lo) && Hi.Equals(other.Hi) && NonZero == other.NonZero;

    public override bool Equals(object? obj) => obj is Interval other && Equals(other);

    public override int GetHashCode() => (Lo, Hi, NonZero).GetHashCode();

    public override string ToString()
        => IsEmpty ? "∅" : string.Format(CultureInfo.InvariantCulture, "[{0}, {1}]{2}", Lo, Hi, NonZero ? "≠0" : "");

    /// <summary>A product's bound: 0·∞ is 0 (the other factor is exactly 0 there).</summary>
    private static double Product(double x, double y) => x == 0 || y == 0 ? 0 : x * y;

    private static double SumLow(double x, double y) => double.IsNaN(x + y) ? double.NegativeInfinity : x + y;

    private static double SumHigh(double x, double y) => double.IsNaN(x + y) ? double.PositiveInfinity : x + y;
}
