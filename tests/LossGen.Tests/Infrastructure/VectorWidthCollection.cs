using System;
using LossGen.Kernels;
using Xunit;

namespace LossGen.Tests.Infrastructure;

/// <summary>Tests that lower <c>VectorPaths.MaxBits</c> run one at a time, so each restores what it found.</summary>
[CollectionDefinition(Name)]
public sealed class VectorWidthCollection
{
    public const string Name = "Vector width";
}

/// <summary>Lowers <c>VectorPaths.MaxBits</c> for a test and puts back what it found (in <see cref="VectorWidthCollection"/> tests).</summary>
internal static class VectorWidth
{
    /// <summary>Runs <paramref name="call"/> with the vector paths at most <paramref name="bits"/> wide.</summary>
    public static T With<T>(int bits, Func<T> call)
    {
        using (Restored())
        {
            VectorPaths.MaxBits = bits;
            return call();
        }
    }

    /// <summary>The width as it is now, put back when the scope ends, whatever the test set it to meanwhile.</summary>
    public static Restorer Restored() => new(VectorPaths.MaxBits);

    public readonly struct Restorer(int saved) : IDisposable
    {
        public void Dispose() => VectorPaths.MaxBits = saved;
    }
}
