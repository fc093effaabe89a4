using System.Runtime.CompilerServices;

namespace LossGen.Kernels;

/// <summary>Where the next 64-byte cache line starts, for the engines that align a loop or a buffer to one.</summary>
internal static class CacheLines
{
    /// <summary>
    /// Bytes from <paramref name="start"/> to the next 64-byte boundary (0 on one). Read from an array, the answer holds
    /// only while the array does not move, which costs speed, never a wrong result.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe nuint BytesToNext<T>(ref T start)
        => (64 - ((nuint)Unsafe.AsPointer(ref start) % 64)) % 64;
}
