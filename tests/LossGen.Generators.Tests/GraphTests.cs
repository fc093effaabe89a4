using LossGen.Generators.Ir;
using Xunit;

namespace LossGen.Generators.Tests;

/// <summary>The IR builder's canonical forms: one node for one value, however the formula spells it.</summary>
public sealed class GraphTests
{
    [Fact]
    public void Greater_than_is_the_swapped_less_than()
    {
        var g = new Graph();
        int x = g.Input(0), y = g.Input(1);

        Assert.Equal(g.Compare(Op.LessThan, y, x), g.Compare(Op.GreaterThan, x, y));
        Assert.Equal(g.Compare(Op.LessThanOrEqual, y, x), g.Compare(Op.GreaterThanOrEqual, x, y));
        Assert.NotEqual(g.Compare(Op.LessThan, x, y), g.Compare(Op.GreaterThan, x, y));
    }

    [Fact]
    public void Comparisons_of_negations_drop_the_negations()
    {
        var g = new Graph();
        int x = g.Input(0), y = g.Input(1);

        // -x < -y is y < x; 0 < -x is x < 0; -x == 0 is x == 0.
        Assert.Equal(g.Compare(Op.LessThan, y, x), g.Compare(Op.LessThan, g.Negate(x), g.Negate(y)));
        Assert.Equal(g.Compare(Op.LessThan, x, g.Zero), g.Compare(Op.LessThan, g.Zero, g.Negate(x)));
        Assert.Equal(g.Compare(Op.Equal, x, g.Zero), g.Compare(Op.Equal, g.Negate(x), g.Zero));
        // Only when both sides are negations or zero: -x < y stays as it is.
        int mixed = g.Compare(Op.LessThan, g.Negate(x), y);
        Assert.Equal(Op.LessThan, g[mixed].Op);
        Assert.Equal(Op.Negate, g[g[mixed].A].Op);
    }
}
