using Xunit;

namespace LossGen.Tests.Infrastructure;

/// <summary>
/// Tests that need the thread pool to themselves run alone, after the parallel tests: while other tests keep the
/// pool busy, queueing a work item now and then grows the pool's queue, an allocation no loss method makes.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class QuietProcessCollection
{
    public const string Name = "Quiet process";
}
