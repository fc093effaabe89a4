using System;
using System.ComponentModel;
using System.Globalization;
using System.Numerics;

namespace LossGen.Kernels;

/// <summary>
/// The run-time checks of the value domains a formula declares (<see cref="PlusOrMinusOneAttribute"/>,
/// <see cref="ProbabilityAttribute"/>, <see cref="NonNegativeAttribute"/>): generated overloads call them on
/// the declared inputs before the kernel runs, so a bad value throws, naming its index and value, before
/// anything is written. Vectorized; NaN is outside every domain. Infrastructure for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Domains
{
    /// <summary>Every value is exactly −1 or +1.</summary>
    public static void PlusOrMinusOne<T>(ReadOnlySpan<T> values, string name)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int bad = FirstOutside<T, PlusOrMinusOneDomain<T>>(values);
        if (bad >= 0)
        {
            throw Outside(values, bad, name, "must be exactly -1 or +1 (it is declared [PlusOrMinusOne]: map {0, 1} labels with 2 * y - 1)");
        }
    }

    /// <summary>Every value is in [0, 1].</summary>
    public static void Probability<T>(ReadOnlySpan<T> values, string name)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int bad = FirstOutside<T, ProbabilityDomain<T>>(values);
        if (bad >= 0)
        {
            throw Outside(values, bad, name, "must be a probability in [0, 1] (it is declared [Probability])");
        }
    }

    /// <summary>Every value is at least 0.</summary>
    public static void NonNegative<T>(ReadOnlySpan<T> values, string name)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int bad = FirstOutside<T, NonNegativeDomain<T>>(values);
        if (bad >= 0)
        {
            throw Outside(values, bad, name, "must be at least 0 (it is declared [NonNegative])");
        }
    }

    /// <summary>
    /// A setting lies in [<paramref name="min"/>, <paramref name="max"/>] (above <paramref name="min"/> when
    /// <paramref name="minExclusive"/>); NaN never does. <paramref name="rule"/> says the range as the formula declares it.
    /// </summary>
    public static void Setting(double value, string name, double min, double max, bool minExclusive, string rule)
    {
        bool inside = (minExclusive ? value > min : value >= min) && value <= max;
        if (!inside)
        {
            throw new ArgumentOutOfRangeException(name, value, $"The setting '{name}' is {value.ToString("R", CultureInfo.InvariantCulture)}; it {rule}.");
        }
    }

    private static ArgumentOutOfRangeException Outside<T>(ReadOnlySpan<T> values, int index, string name, string rule)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        string value = values[index].ToString(null, CultureInfo.InvariantCulture);
        return new ArgumentOutOfRangeException(name, values[index], $"'{name}'[{index}] is {value}; every value of '{name}' {rule}.");
    }

    /// <summary>The index of the first value outside the domain, or −1: whole vectors first, the element only where a vector fails.</summary>
    private static int FirstOutside<T, TDomain>(ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TDomain : IDomain<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            for (; i + Vector<T>.Count <= values.Length; i += Vector<T>.Count)
            {
                if (!TDomain.Contains(new Vector<T>(values.Slice(i))))
                {
                    break;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (!TDomain.Contains(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private interface IDomain<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        static abstract bool Contains(T value);

        static abstract bool Contains(Vector<T> values);
    }

    private readonly struct PlusOrMinusOneDomain<T> : IDomain<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public static bool Contains(T value) => T.Abs(value) == T.One;

        public static bool Contains(Vector<T> values) => Vector.EqualsAll(Vector.Abs(values), Vector<T>.One);
    }

    private readonly struct ProbabilityDomain<T> : IDomain<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public static bool Contains(T value) => value >= T.Zero && value <= T.One;

        public static bool Contains(Vector<T> values)
            => Vector.GreaterThanOrEqualAll(values, Vector<T>.Zero) && Vector.LessThanOrEqualAll(values, Vector<T>.One);
    }

    private readonly struct NonNegativeDomain<T> : IDomain<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public static bool Contains(T value) => value >= T.Zero;

        public static bool Contains(Vector<T> values) => Vector.GreaterThanOrEqualAll(values, Vector<T>.Zero);
    }
}
