using System;
using System.Collections.Generic;

namespace LossGen.Generators.Ir;

/// <summary>
/// Symbolic reverse mode over the DAG: the adjoint of each node is built, in the same graph, from
/// the adjoints of the nodes that use it, so the derivative reuses every forward value it can
/// (exp(x) reuses the node exp(x), a quotient's derivative reuses the quotient).
/// </summary>
/// <remarks>
/// Kinks follow PyTorch and JAX, as each LossMath function documents: |x| and relu at 0 give 0, a tie in max/min splits ½ to each side, and
/// a select passes the gradient only to the branch that was taken (so clamp passes it inside the
/// closed interval, bounds included). Reductions: a sum broadcasts its adjoint over the row, a max
/// or min shares it evenly among the elements that tie, log-sum-exp sends it through the softmax, and
/// <c>row[label]</c> sends it to the labelled column only.
/// </remarks>
internal static class Differentiator
{
    /// <summary>The derivative of node <paramref name="root"/> with respect to each input, by input index.</summary>
    public static int[] Gradients(Graph g, int root, int inputCount)
    {
        var adjoints = new Dictionary<int, int> { [root] = g.One };
        var gradients = new int[inputCount];
        for (int k = 0; k < inputCount; k++)
        {
            gradients[k] = g.Zero;
        }

        // Operands have smaller ids than their users, so walking ids downwards from the root visits
        // every user of a node before the node itself.
        for (int id = root; id >= 0; id--)
        {
            if (!adjoints.TryGetValue(id, out int adjoint))
            {
                continue;
            }

            Node n = g[id];
            bool rowUser = g.IsRow(id);
            switch (n.Op)
            {
                case Op.Input or Op.RowInput:
                    gradients[n.Index] = adjoint;
                    break;
                case Op.ReduceSum:
                    Accumulate(rowUser, n.A, adjoint);
                    break;
                case Op.ReduceMax or Op.ReduceMin:
                {
                    // Ties share the gradient evenly (PyTorch's amax): each maximal element gets adjoint / count.
                    int isExtreme = g.Compare(Op.Equal, n.A, id);
                    int count = g.Reduce(Op.ReduceSum, g.Select(isExtreme, g.One, g.Zero));
                    Accumulate(rowUser, n.A, g.Select(isExtreme, g.Divide(adjoint, count), g.Zero));
                    break;
                }

                case Op.LogSumExp:
                    // The softmax, from the log-sum-exp already computed: e^(x − lse).
                    Accumulate(rowUser, n.A, g.Multiply(adjoint, g.Unary(Op.Exp, g.Subtract(n.A, id))));
                    break;
                case Op.Gather:
                    // One-hot: the adjoint lands on the labelled column of the row input.
                    Accumulate(rowUser, g.RowInput(n.Index), g.Select(g.Compare(Op.Equal, g.ElementIndex(), n.A), adjoint, g.Zero));
                    break;
                case Op.Add:
                    Accumulate(rowUser, n.A, adjoint);
                    Accumulate(rowUser, n.B, adjoint);
                    break;
                case Op.Subtract:
                    Accumulate(rowUser, n.A, adjoint);
                    Accumulate(rowUser, n.B, g.Negate(adjoint));
                    break;
                case Op.Multiply:
                    Accumulate(rowUser, n.A, g.Multiply(adjoint, n.B));
                    Accumulate(rowUser, n.B, g.Multiply(adjoint, n.A));
                    break;
                case Op.Divide:
                {
                    // d(a/b)/db = −(a/b)/b, taken as −(adjoint/b)·(a/b): it reuses both the quotient and a's
                    // contribution, divides once, and never forms adjoint·a, which can overflow where the
                    // result does not (a huge a over a huge b).
                    int scaled = g.Divide(adjoint, n.B);
                    Accumulate(rowUser, n.A, scaled);
                    Accumulate(rowUser, n.B, g.Negate(g.Multiply(scaled, id)));
                    break;
                }
                case Op.Negate:
                    Accumulate(rowUser, n.A, g.Negate(adjoint));
                    break;
                case Op.Exp:
                    Accumulate(rowUser, n.A, g.Multiply(adjoint, id));
                    break;
                case Op.Log:
                    Accumulate(rowUser, n.A, g.Divide(adjoint, n.A));
                    break;
                case Op.Log1p or Op.Log1pOnUnitInterval:
                    Accumulate(rowUser, n.A, g.Divide(adjoint, g.Add(g.One, n.A)));
                    break;
                case Op.Expm1:
                    Accumulate(rowUser, n.A, g.Multiply(adjoint, g.Add(id, g.One)));
                    break;
                case Op.Sqrt:
                    Accumulate(rowUser, n.A, g.Divide(g.Multiply(g.Constant(0.5), adjoint), id));
                    break;
                case Op.Abs:
                    Accumulate(rowUser, n.A, g.Multiply(adjoint, Sign(g, n.A)));
                    break;
                case Op.Softplus:
                    Accumulate(rowUser, n.A, g.Multiply(adjoint, g.Unary(Op.Sigmoid, n.A)));
                    break;
                case Op.Sigmoid:
                    // σ(x)·σ(−x), not σ(x)·(1 − σ(x)): nothing is subtracted from 1, so the tails keep their digits.
                    Accumulate(rowUser, n.A, g.Multiply(adjoint, g.Multiply(id, g.Unary(Op.Sigmoid, g.Negate(n.A)))));
                    break;
                case Op.Tanh:
                    Accumulate(rowUser, n.A, g.Multiply(adjoint, g.Subtract(g.One, g.Multiply(id, id))));
                    break;
                case Op.Max:
                    Accumulate(rowUser, n.A, g.Multiply(adjoint, TieSplit(g, g.Compare(Op.GreaterThan, n.A, n.B), n.A, n.B)));
                    Accumulate(rowUser, n.B, g.Multiply(adjoint, TieSplit(g, g.Compare(Op.LessThan, n.A, n.B), n.A, n.B)));
                    break;
                case Op.Min:
                    Accumulate(rowUser, n.A, g.Multiply(adjoint, TieSplit(g, g.Compare(Op.LessThan, n.A, n.B), n.A, n.B)));
                    Accumulate(rowUser, n.B, g.Multiply(adjoint, TieSplit(g, g.Compare(Op.GreaterThan, n.A, n.B), n.A, n.B)));
                    break;
                case Op.Pow:
                    // d/dx = y·x^(y−1), as y·x^y/x: the forward's x^y divided, not a second pow (an exp and a log). At
                    // x = 0 it is y·0^(y−1) by LossMath.Pow's rules: y for y = 1, 0 above, ∞ below (0 for y = 0).
                    // d/dy = x^y·log x, 0 at x = 0.
                    int powerBelow = g.Select(g.Compare(Op.Equal, n.A, g.Zero), ZeroToPowerBelow(g, n.B), g.Divide(id, n.A));
                    Accumulate(rowUser, n.A, g.Multiply(adjoint, g.Multiply(n.B, powerBelow)));
                    Accumulate(rowUser, n.B, g.Select(g.Compare(Op.Equal, n.A, g.Zero), g.Zero, g.Multiply(adjoint, g.Multiply(id, g.Unary(Op.Log, n.A)))));
                    break;
                case Op.Select:
                    Accumulate(rowUser, n.B, g.Select(n.A, adjoint, g.Zero));
                    Accumulate(rowUser, n.C, g.Select(n.A, g.Zero, adjoint));
                    break;

                // Constants, settings, labels and masks carry no gradient.
                case Op.Constant or Op.Hyper or Op.Epsilon or Op.Label or Op.RowValue or Op.RowLength or Op.ElementIndex:
                    break;
                case Op.LessThan or Op.LessThanOrEqual or Op.GreaterThan or Op.GreaterThanOrEqual or Op.Equal or Op.NotEqual:
                    break;
                case Op.And or Op.Or or Op.Not:
                    break;

                // A new op gets its derivative above, or OpFactsTests fails: never a silent gradient of 0.
                default:
                    throw new InvalidOperationException($"The differentiator has no rule for {n.Op}.");
            }
        }

        return gradients;

        void Accumulate(bool rowUser, int operand, int contribution)
        {
            // A scalar used across a row (x − max(x)) collects its users' adjoints over the whole row: every element
            // uses it once, so even an adjoint that is one value for the row (Sum's) counts once per element (Σ c = c·n).
            if (!g.IsRow(operand) && (rowUser || g.IsRow(contribution)))
            {
                contribution = g.Reduce(Op.ReduceSum, contribution);
            }

            adjoints[operand] = adjoints.TryGetValue(operand, out int existing) ? g.Add(existing, contribution) : contribution;
        }
    }

    /// <summary>sign(x), with sign(0) = 0: the gradient of |x| at its kink.</summary>
    public static int Sign(Graph g, int x)
        => g.Select(g.Compare(Op.GreaterThan, x, g.Zero), g.One, g.Select(g.Compare(Op.LessThan, x, g.Zero), g.Constant(-1), g.Zero));

    /// <summary>0^(y−1) by LossMath.Pow's rules (1 for y = 1, 0 above, +∞ below), with 0 for y = 0, whose y·0^(y−1) is 0.</summary>
    private static int ZeroToPowerBelow(Graph g, int y)
        => g.Select(g.Compare(Op.Equal, y, g.One), g.One,
            g.Select(g.Compare(Op.GreaterThan, y, g.One), g.Zero,
                g.Select(g.Compare(Op.Equal, y, g.Zero), g.Zero, g.Constant(double.PositiveInfinity))));

    /// <summary>1 where this side wins, ½ on a tie, else 0.</summary>
    private static int TieSplit(Graph g, int wins, int a, int b)
        => g.Select(wins, g.One, g.Select(g.Compare(Op.Equal, a, b), g.Constant(0.5), g.Zero));
}
