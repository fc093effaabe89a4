namespace LossGen.Generators.Ir;

/// <summary>
/// Writes the compound operations kept whole through differentiation, <see cref="Op.Softplus"/> and
/// <see cref="Op.Sigmoid"/>, in primitives that never overflow. Both go through one e^−|x|, so a softplus, the sigmoid
/// of its derivative and those of −x share one exp (and the softplus its log1p). A log1p of such an exp, which lies in
/// [0, 1], becomes the cheaper <see cref="Op.Log1pOnUnitInterval"/>.
/// </summary>
internal static class Lowering
{
    /// <summary>
    /// <paramref name="source"/> rebuilt without softplus and sigmoid; <paramref name="map"/> gives each node's id in it.
    /// </summary>
    public static Graph Lower(Graph source, out int[] map)
    {
        var lowered = new Graph();
        map = new int[source.Nodes.Count];
        for (int id = 0; id < map.Length; id++)
        {
            Node n = source[id];
            int a = n.A < 0 ? -1 : map[n.A];
            map[id] = n.Op switch
            {
                Op.Log1p => Log1p(lowered, a),
                Op.Softplus => Softplus(lowered, a),
                Op.Sigmoid => Sigmoid(lowered, a),
                _ => lowered.Build(n.Op, a, n.B < 0 ? -1 : map[n.B], n.C < 0 ? -1 : map[n.C], n.Value, n.Index),
            };
        }

        return lowered;
    }

    /// <summary>max(x, 0) + log1p(e^−|x|).</summary>
    private static int Softplus(Graph g, int x) => g.Add(g.Max(x, g.Zero), Log1p(g, ExpOfMinusAbs(g, x)));

    /// <summary>log1p(x), as <see cref="Op.Log1pOnUnitInterval"/> where x is e^z of a z that is never positive.</summary>
    private static int Log1p(Graph g, int x)
        => g.Unary(g[x].Op == Op.Exp && IsNeverPositive(g, g[x].A) ? Op.Log1pOnUnitInterval : Op.Log1p, x);

    /// <summary>−|y|, or c·|y| with a constant c ≤ 0 (log-cosh's −2|x|): the forms an exp's argument takes here.</summary>
    private static bool IsNeverPositive(Graph g, int z)
    {
        Node n = g[z];
        return n.Op switch
        {
            Op.Negate => g[n.A].Op == Op.Abs,
            Op.Multiply => (g[n.A].IsConstant && g[n.A].Value <= 0 && g[n.B].Op == Op.Abs) || (g[n.B].IsConstant && g[n.B].Value <= 0 && g[n.A].Op == Op.Abs),
            _ => false,
        };
    }

    /// <summary>With e = e^−|x| ≤ 1: 1/(1 + e) for x ≥ 0, e/(1 + e) below; never ∞/∞.</summary>
    private static int Sigmoid(Graph g, int x)
    {
        int e = ExpOfMinusAbs(g, x);
        int r = g.Divide(g.One, g.Add(g.One, e));
        return g.Select(g.Compare(Op.GreaterThanOrEqual, x, g.Zero), r, g.Multiply(e, r));
    }

    /// <summary>e^−|x|, the same node for x and −x (|−x| is built as |x|).</summary>
    private static int ExpOfMinusAbs(Graph g, int x) => g.Unary(Op.Exp, g.Negate(g.Unary(Op.Abs, x)));
}
