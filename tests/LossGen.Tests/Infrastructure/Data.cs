using System;
using System.Collections.Generic;

namespace LossGen.Tests.Infrastructure;

/// <summary>Test data in any element type, and the tolerances each type is held to.</summary>
internal static class Data
{
    public static readonly Type[] ElementTypes = [typeof(float), typeof(double), typeof(Half)];

    /// <summary>Values rounded to <paramref name="element"/>, as an array of that type.</summary>
    public static Array ToArray(Type element, double[] values)
    {
        if (element == typeof(float))
        {
            return Array.ConvertAll(values, v => (float)v);
        }

        if (element == typeof(Half))
        {
            return Array.ConvertAll(values, v => (Half)v);
        }

        return (double[])values.Clone();
    }

    public static double[] ToDouble(Array values) => values switch
    {
        float[] f => Array.ConvertAll(f, v => (double)v),
        Half[] h => Array.ConvertAll(h, v => (double)v),
        double[] d => (double[])d.Clone(),
        _ => throw new ArgumentException("Unsupported element type.", nameof(values)),
    };

    public static double ToDouble(object? value) => value switch
    {
        float f => f,
        Half h => (double)h,
        double d => d,
        _ => throw new ArgumentException("Unsupported value.", nameof(value)),
    };

    public static Array Filled(Type element, int length, double value)
    {
        var values = new double[length];
        Array.Fill(values, value);
        return ToArray(element, values);
    }

    /// <summary>Relative and absolute tolerance of a kernel in <paramref name="element"/> against a double reference.</summary>
    public static (double Relative, double Absolute) Tolerance(Type element)
        => element == typeof(double) ? (1e-11, 1e-12) : element == typeof(float) ? (2e-5, 2e-6) : (4e-3, 2e-3);

    public static bool Close(double expected, double actual, double relative, double absolute, double scale = 1)
        => expected.Equals(actual) || Math.Abs(expected - actual) <= relative * Math.Abs(expected) + absolute * scale;

    /// <summary>
    /// For each <c>[Hyper] bool</c> flag among <paramref name="hypers"/>, the settings with that flag set against its
    /// default, and the case's name that says so: each value of a flag is a kernel of its own.
    /// </summary>
    public static IEnumerable<(string Id, double[] Defaults)> FlagsFlipped(string name, System.Reflection.ParameterInfo[] hypers, double[] defaults)
    {
        for (int k = 0; k < hypers.Length; k++)
        {
            if (hypers[k].ParameterType == typeof(bool))
            {
                double[] flipped = (double[])defaults.Clone();
                flipped[k] = defaults[k] != 0 ? 0 : 1;
                yield return ($"{name}({hypers[k].Name}: {(flipped[k] != 0 ? "true" : "false")})", flipped);
            }
        }
    }

    /// <summary>Bits of a value of any element type, to compare results exactly.</summary>
    public static long Bits(object? value) => value switch
    {
        float f => BitConverter.SingleToInt32Bits(f),
        double d => BitConverter.DoubleToInt64Bits(d),
        Half h => BitConverter.HalfToInt16Bits(h),
        _ => throw new ArgumentException("Unsupported value.", nameof(value)),
    };

    public static long[] Bits(Array values)
    {
        var bits = new long[values.Length];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = Bits(values.GetValue(i));
        }

        return bits;
    }

    /// <summary>Every length 0..257 (every tail of every vector width) and a few spanning several blocks.</summary>
    public static IEnumerable<int> Lengths()
    {
        for (int n = 0; n <= 257; n++)
        {
            yield return n;
        }

        yield return 1023;
        yield return 1024;
        yield return 1025;
        yield return 4099;
        yield return 20_000;
    }
}
