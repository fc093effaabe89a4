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

/// <summary>Runs a call with <c>VectorPaths.MaxBits</c> lowered, and restores it (in <see cref="VectorWidthCollection"/> tests).</summary>
internal static class VectorWidth
{
    public static T With<T>(int bits, Func<T> call)
    {
        int saved = VectorPaths.MaxBits;
        VectorPaths.MaxBits = bits;
        try
        {
            return call();
        }
        finally
        {
            VectorPaths.MaxBits = saved;
        }
    }
}
