using LossGen.Kernels;
using Xunit;

namespace LossGen.Tests.Infrastructure;

/// <summary>Tests that lower <c>VectorPaths.MaxBits</c> run one at a time, so each restores what it found.</summary>
[CollectionDefinition(Name)]
public sealed class VectorWidthCollection
{
    public const string Name = "Vector width";
}
