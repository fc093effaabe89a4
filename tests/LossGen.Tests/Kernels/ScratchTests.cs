using System;
using LossGen.Kernels;
using Xunit;

namespace LossGen.Tests.Kernels;

/// <summary>The per-thread scratch slots: one array per slot and element type, reused, grown by half again at least, refused past an array's size.</summary>
public sealed class ScratchTests
{
    [Fact]
    public void A_slot_keeps_its_array_until_a_longer_one_is_needed()
    {
        float[] first = Scratch<float>.Rent(ScratchSlot.InfoNceRow, 1000);
        Assert.True(first.Length >= 1000);
        Assert.Same(first, Scratch<float>.Rent(ScratchSlot.InfoNceRow, 10));
        Assert.Same(first, Scratch<float>.Rent(ScratchSlot.InfoNceRow, first.Length));
        float[] grown = Scratch<float>.Rent(ScratchSlot.InfoNceRow, first.Length + 1);
        Assert.NotSame(first, grown);
        Assert.True(grown.Length >= first.Length + first.Length / 2, $"{first.Length} grew to {grown.Length}");
    }

    [Fact]
    public void Slots_and_element_types_do_not_share_arrays()
    {
        float[] a = Scratch<float>.Rent(ScratchSlot.InfoNceRows, 64);
        float[] b = Scratch<float>.Rent(ScratchSlot.InfoNceSquares, 64);
        Assert.NotSame(a, b);
        a[0] = 1;
        b[0] = 2;
        Assert.Equal(1, Scratch<float>.Rent(ScratchSlot.InfoNceRows, 64)[0]);
        Assert.Equal(64, Scratch<double>.Span(ScratchSlot.InfoNceRows, 64).Length);
    }

    [Fact]
    public void Each_thread_has_its_own()
    {
        float[] mine = Scratch<float>.Rent(ScratchSlot.RowHalf, 16);
        float[]? theirs = null;
        var thread = new System.Threading.Thread(() => theirs = Scratch<float>.Rent(ScratchSlot.RowHalf, 16));
        thread.Start();
        thread.Join();
        Assert.NotNull(theirs);
        Assert.NotSame(mine, theirs);
    }

    [Fact]
    public void More_than_an_array_holds_is_refused_with_the_slot_named()
    {
        var thrown = Assert.Throws<OutOfMemoryException>(() => Scratch<float>.Rent(ScratchSlot.CtcAlpha, (long)Array.MaxLength + 1));
        Assert.Contains("CtcAlpha", thrown.Message);
    }
}
