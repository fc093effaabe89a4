using System;
using System.Collections.Generic;
using Xunit;

namespace LossGen.Tests.Infrastructure;

/// <summary>Checks that repeated calls allocate nothing on the calling thread once the process is warm.</summary>
internal static class Allocations
{
    /// <summary>
    /// Measures up to three windows of <paramref name="calls"/> calls; the last must allocate nothing. The runtime may
    /// allocate once on the calling thread in a window (a type loaded when tier-1 code replaces tier-0, a pool thread
    /// started): that fails one window, while an allocation per call fails all three.
    /// </summary>
    public static void AssertNoneInSteadyState(Action call, int calls)
    {
        call();
        var windows = new List<long>();
        for (int attempt = 0; attempt < 3 && (windows.Count == 0 || windows[^1] != 0); attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++)
            {
                call();
            }

            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(windows[^1] == 0, $"bytes allocated per window of {calls} calls: {string.Join(", ", windows)}");
    }
}
