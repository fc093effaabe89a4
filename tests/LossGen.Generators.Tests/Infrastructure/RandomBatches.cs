using System;
using System.Linq;

namespace LossGen.Generators.Tests.Infrastructure;

/// <summary>What the random generator tests share: their seeded streams, and the choices a formula is built from.</summary>
internal static class RandomBatches
{
    /// <summary>
    /// Streams <paramref name="first"/>, <paramref name="first"/> + 1, …: <paramref name="batches"/> of them, or the number
    /// LOSSGEN_RANDOM_BATCHES sets (thousands of formulas for a long run).
    /// </summary>
    public static TheoryData<uint> Streams(uint first, int batches)
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("LOSSGEN_RANDOM_BATCHES"), out int n) && n > 0 ? n : batches;
        return new(Enumerable.Range(0, count).Select(i => first + (uint)i));
    }
}

/// <summary>A stream of choices that CsCheck generates and can shrink: smaller values choose smaller formulas.</summary>
internal sealed class Choices(int[] values)
{
    private int _next;

    /// <summary>The next choice among <paramref name="n"/>; 0 once the stream runs out.</summary>
    public int Next(int n) => _next < values.Length ? values[_next++] % n : 0;
}
