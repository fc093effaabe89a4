using System;
using System.Collections.Generic;

namespace LossGen.Generators.Ir;

/// <summary>
/// Builds the formula DAG. Every node goes through a smart constructor that folds constants, applies
/// algebraic identities and returns an existing node for an expression already built (hash-consing),
/// so the forward formula and its derivative share every common subexpression.
/// </summary>
/// <remarks>
/// The identities treat 0·x as 0 even where x is infinite or NaN. That is what makes a masked branch
/// harmless: the derivative of <c>c ? x : 0</c> multiplied by an infinite factor stays 0 instead of
/// becoming NaN (the "double where" problem of autograd systems).
/// </remarks>
internal sealed class Graph
{
    private readonly List<Node> _nodes = new();
    private readonly Dictionary<Node, int> _ids = new();
    private readonly List<bool> _isRow = new();
    private readonly Dictionary<(int, int), int> _at = new();

    public IReadOnlyList<Node> Nodes => _nodes;

    public Node this[int id] => _nodes[id];

    public int Constant(double value) => Intern(Node.ConstantOf(value));

    public int Input(int index) => Intern(new Node(Op.Input, Index: index));

    public int Hyper(int index) => Intern(new Node(Op.Hyper, Index: index));

    public int Epsilon() => Intern(new Node(Op.Epsilon));

    public int RowInput(int index) => Intern(new Node(Op.RowInput, Index: index));

    public int Label(int index) => Intern(new Node(Op.Label, Index: index));

    public int RowValue(int index) => Intern(new Node(Op.RowValue, Index: index));

    public int RowLength() => Intern(new Node(Op.RowLength));

    public int ElementIndex() => Intern(new Node(Op.ElementIndex));

    /// <summary>Element <paramref name="label"/> of row input <paramref name="input"/>.</summary>
    public int Gather(int input, int label) => Intern(new Node(Op.Gather, label, Index: input));

    /// <summary>True for a row-valued node: one value per element of a row, where other nodes have one per row.</summary>
    public bool IsRow(int id) => _isRow[id];

    /// <summary>A reduction of a row. A scalar broadcast over the row reduces in closed form (Σ c = c·n).</summary>
    public int Reduce(Op op, int a)
    {
        if (!IsRow(a))
        {
            return op switch
            {
                Op.ReduceSum => Multiply(a, RowLength()),
                Op.LogSumExp => Add(a, Unary(Op.Log, RowLength())),
                _ => a,
            };
        }

        return Intern(new Node(op, a));
    }

    /// <summary>
    /// The row expression <paramref name="row"/> at column <paramref name="label"/>, as a scalar: each row input
    /// becomes its element at the label, so <c>LogSoftmax(x)[y]</c> costs one gather, not a row.
    /// </summary>
    public int At(int row, int label)
    {
        if (!IsRow(row))
        {
            return row;
        }

        if (_at.TryGetValue((row, label), out int known))
        {
            return known;
        }

        Node n = _nodes[row];
        int result = n.Op switch
        {
            Op.RowInput => Gather(n.Index, label),
            Op.ElementIndex => label,
            _ => Build(n.Op, n.A < 0 ? -1 : At(n.A, label), n.B < 0 ? -1 : At(n.B, label), n.C < 0 ? -1 : At(n.C, label), n.Value, n.Index),
        };
        _at[(row, label)] = result;
        return result;
    }

    public int Zero => Constant(0);

    public int One => Constant(1);

    /// <summary>Rebuilds a node of another graph's list here (operands already mapped).</summary>
    public int Build(Op op, int a, int b, int c, double value, int index) => op switch
    {
        Op.Constant => Constant(value),
        Op.Input => Input(index),
        Op.Hyper => Hyper(index),
        Op.Epsilon => Epsilon(),
        Op.RowInput => RowInput(index),
        Op.Label => Label(index),
        Op.RowValue => RowValue(index),
        Op.RowLength => RowLength(),
        Op.ElementIndex => ElementIndex(),
        Op.Gather => Gather(index, a),
        _ when op.IsReduction() => Reduce(op, a),
        Op.Pow => Pow(a, b),
        Op.Select => Select(a, b, c),
        Op.Add => Add(a, b),
        Op.Subtract => Subtract(a, b),
        Op.Multiply => Multiply(a, b),
        Op.Divide => Divide(a, b),
        Op.Negate => Negate(a),
        Op.Max => Max(a, b),
        Op.Min => Min(a, b),
        Op.Not => Not(a),
        Op.And => And(a, b),
        Op.Or => Or(a, b),
        _ when op.Arity() == 1 => Unary(op, a),
        _ when op.IsMask() => Compare(op, a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };

    public int Add(int a, int b)
    {
        Node x = _nodes[a], y = _nodes[b];
        if (x.IsConstant && y.IsConstant) return Constant(x.Value + y.Value);
        if (x.Is(0)) return b;
        if (y.Is(0)) return a;
        if (y.Op == Op.Negate) return Subtract(a, y.A);
        if (x.Op == Op.Negate) return Subtract(b, x.A);
        if (TryPushIntoSelect(a, b, Add, zeroAbsorbs: false, rightMayPush: false, out int pushed)) return pushed;
        return Binary(Op.Add, a, b);
    }

    public int Subtract(int a, int b)
    {
        Node x = _nodes[a], y = _nodes[b];
        if (x.IsConstant && y.IsConstant) return Constant(x.Value - y.Value);
        if (a == b) return Zero;
        if (y.Is(0)) return a;
        if (x.Is(0)) return Negate(b);
        if (y.Op == Op.Negate) return Add(a, y.A);
        if (TryPushIntoSelect(a, b, Subtract, zeroAbsorbs: false, rightMayPush: false, out int pushed)) return pushed;
        return Binary(Op.Subtract, a, b);
    }

    public int Multiply(int a, int b)
    {
        Node x = _nodes[a], y = _nodes[b];
        if (x.IsConstant && y.IsConstant) return Constant(x.Value * y.Value);
        if (x.Is(0) || y.Is(0)) return Zero;
        if (x.Is(1)) return b;
        if (y.Is(1)) return a;
        if (x.Is(-1)) return Negate(b);
        if (y.Is(-1)) return Negate(a);
        if (x.Op == Op.Negate && y.Op == Op.Negate) return Multiply(x.A, y.A);
        if (x.Op == Op.Negate) return Negate(Multiply(x.A, b));
        if (y.Op == Op.Negate) return Negate(Multiply(a, y.A));

        // A constant factor goes first and merges with another: 2 * (3 * x) = 6 * x.
        if (y.IsConstant) return Multiply(b, a);
        if (x.IsConstant && y.Op == Op.Multiply && _nodes[y.A].IsConstant) return Multiply(Constant(x.Value * _nodes[y.A].Value), y.B);
        if (TryPushIntoSelect(a, b, Multiply, zeroAbsorbs: true, rightMayPush: true, out int pushed)) return pushed;
        return Binary(Op.Multiply, a, b);
    }

    public int Divide(int a, int b)
    {
        Node x = _nodes[a], y = _nodes[b];
        if (x.IsConstant && y.IsConstant && !y.Is(0)) return Constant(x.Value / y.Value);
        if (x.Is(0)) return Zero;
        if (y.Is(1)) return a;
        if (y.Is(-1)) return Negate(a);
        if (x.Op == Op.Negate) return Negate(Divide(x.A, b));
        if (TryPushIntoSelect(a, b, Divide, zeroAbsorbs: true, rightMayPush: false, out int pushed)) return pushed;
        return Intern(new Node(Op.Divide, a, b));
    }

    public int Negate(int a)
    {
        Node x = _nodes[a];
        if (x.IsConstant) return Constant(-x.Value);
        if (x.Op == Op.Negate) return x.A;
        if (x.Op == Op.Select && (_nodes[x.B].Is(0) || _nodes[x.C].Is(0))) return Select(x.A, Negate(x.B), Negate(x.C));
        return Intern(new Node(Op.Negate, a));
    }

    public int Unary(Op op, int a)
    {
        Node x = _nodes[a];
        if (x.IsConstant)
        {
            return Constant(op switch
            {
                Op.Exp => Math.Exp(x.Value),
                Op.Log => Math.Log(x.Value),
                Op.Log1p or Op.Log1pOnUnitInterval => x.Value == 0 ? 0 : Math.Log(1 + x.Value),
                Op.Expm1 => x.Value == 0 ? 0 : Math.Exp(x.Value) - 1,
                Op.Sqrt => Math.Sqrt(x.Value),
                Op.Abs => Math.Abs(x.Value),
                Op.Tanh => Math.Tanh(x.Value),
                Op.Softplus => Math.Max(x.Value, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x.Value))),
                Op.Sigmoid => x.Value >= 0 ? 1 / (1 + Math.Exp(-x.Value)) : Math.Exp(x.Value) / (1 + Math.Exp(x.Value)),
                _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
            });
        }

        // ||y|| is |y| as it is (rebuilding it recursed forever: Sigmoid(Abs(x)) overflowed the stack); |−y| is |y|.
        if (op == Op.Abs && x.Op == Op.Abs) return a;
        if (op == Op.Abs && x.Op == Op.Negate) return Unary(Op.Abs, x.A);
        if (op == Op.Log && x.Op == Op.Exp) return x.A;
        return Intern(new Node(op, a));
    }

    public int Pow(int x, int y)
    {
        Node a = _nodes[x], b = _nodes[y];
        if (a.IsConstant && b.IsConstant) return Constant(Math.Pow(a.Value, b.Value));
        if (b.Is(0)) return One;
        if (b.Is(1)) return x;
        return Intern(new Node(Op.Pow, x, y));
    }

    public int Max(int a, int b) => MinMax(Op.Max, a, b);

    public int Min(int a, int b) => MinMax(Op.Min, a, b);

    private int MinMax(Op op, int a, int b)
    {
        Node x = _nodes[a], y = _nodes[b];
        if (x.IsConstant && y.IsConstant) return Constant(op == Op.Max ? Math.Max(x.Value, y.Value) : Math.Min(x.Value, y.Value));
        if (a == b) return a;
        return Binary(op, a, b);
    }

    public int Compare(Op op, int a, int b)
    {
        Node x = _nodes[a], y = _nodes[b];
        if (x.IsConstant && y.IsConstant)
        {
            double l = x.Value, r = y.Value;
            return Bool(op switch
            {
                Op.LessThan => l < r,
                Op.LessThanOrEqual => l <= r,
                Op.GreaterThan => l > r,
                Op.GreaterThanOrEqual => l >= r,
                Op.Equal => l == r,
                Op.NotEqual => l != r,
                _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
            });
        }

        // One node per comparison however it is spelled, so the derivative's masks meet the forward pass's:
        // a > b is b < a, and -x < -y is y < x (negation is exact, NaN included; 0 is its own negation).
        if (op == Op.GreaterThan) return Compare(Op.LessThan, b, a);
        if (op == Op.GreaterThanOrEqual) return Compare(Op.LessThanOrEqual, b, a);
        if ((x.Op == Op.Negate || y.Op == Op.Negate) && IsNegationOrZero(x) && IsNegationOrZero(y))
        {
            int na = x.Op == Op.Negate ? x.A : a, nb = y.Op == Op.Negate ? y.A : b;
            return op.IsCommutative() ? Compare(op, na, nb) : Compare(op, nb, na);
        }

        return op.IsCommutative() ? Binary(op, a, b) : Intern(new Node(op, a, b));
    }

    private static bool IsNegationOrZero(Node n) => n.Op == Op.Negate || (n.IsConstant && n.Value == 0);

    /// <summary>A constant mask: a comparison of two constants.</summary>
    public int Bool(bool value) => Intern(new Node(value ? Op.Equal : Op.NotEqual, Constant(0), Constant(0)));

    public bool IsTrue(int id) => _nodes[id] is { Op: Op.Equal } n && n.A == n.B && _nodes[n.A].IsConstant;

    public bool IsFalse(int id) => _nodes[id] is { Op: Op.NotEqual } n && n.A == n.B && _nodes[n.A].IsConstant;

    public int And(int a, int b)
    {
        if (IsFalse(a) || IsFalse(b)) return Bool(false);
        if (IsTrue(a)) return b;
        if (IsTrue(b) || a == b) return a;
        return Binary(Op.And, a, b);
    }

    public int Or(int a, int b)
    {
        if (IsTrue(a) || IsTrue(b)) return Bool(true);
        if (IsFalse(a)) return b;
        if (IsFalse(b) || a == b) return a;
        return Binary(Op.Or, a, b);
    }

    public int Not(int a)
    {
        if (IsTrue(a)) return Bool(false);
        if (IsFalse(a)) return Bool(true);
        return _nodes[a].Op == Op.Not ? _nodes[a].A : Intern(new Node(Op.Not, a));
    }

    public int Select(int mask, int ifTrue, int ifFalse)
    {
        if (IsTrue(mask) || ifTrue == ifFalse) return ifTrue;
        if (IsFalse(mask)) return ifFalse;
        if (_nodes[mask].Op == Op.Not) return Select(_nodes[mask].A, ifFalse, ifTrue);

        // Nested selects on the same mask: the inner one's other branch can never be taken.
        Node t = _nodes[ifTrue], f = _nodes[ifFalse];
        if (t.Op == Op.Select && t.A == mask) return Select(mask, t.B, ifFalse);
        if (f.Op == Op.Select && f.A == mask) return Select(mask, ifTrue, f.C);
        return Intern(new Node(Op.Select, mask, ifTrue, ifFalse));
    }

    /// <summary>
    /// Moves an operation into a select. Two selects on one mask combine branch by branch. For a
    /// product (or a quotient's numerator), <c>(c ? x : 0)·y</c> becomes <c>c ? x·y : 0</c>, so the zero of
    /// a masked branch is never multiplied by an infinite or NaN value from the branch not taken.
    /// </summary>
    private bool TryPushIntoSelect(int a, int b, Func<int, int, int> combine, bool zeroAbsorbs, bool rightMayPush, out int result)
    {
        Node x = _nodes[a], y = _nodes[b];
        if (x.Op == Op.Select && y.Op == Op.Select && x.A == y.A)
        {
            result = Select(x.A, combine(x.B, y.B), combine(x.C, y.C));
            return true;
        }

        // A factor that is a select of constants (a sign, a step) becomes a select of scaled copies:
        // c ? a : -a costs a select, where a·(c ? 1 : -1) costs a select and a product.
        if (combine == (Func<int, int, int>)Multiply && y.Op == Op.Select && IsConstantTree(b) && !IsConstantTree(a))
        {
            result = Select(y.A, combine(a, y.B), combine(a, y.C));
            return true;
        }

        if (combine == (Func<int, int, int>)Multiply && x.Op == Op.Select && IsConstantTree(a) && !IsConstantTree(b))
        {
            result = Select(x.A, combine(x.B, b), combine(x.C, b));
            return true;
        }

        if (zeroAbsorbs && x.Op == Op.Select && HasZeroBranch(x))
        {
            result = Select(x.A, _nodes[x.B].Is(0) ? Zero : combine(x.B, b), _nodes[x.C].Is(0) ? Zero : combine(x.C, b));
            return true;
        }

        if (zeroAbsorbs && rightMayPush && y.Op == Op.Select && HasZeroBranch(y))
        {
            result = Select(y.A, _nodes[y.B].Is(0) ? Zero : combine(a, y.B), _nodes[y.C].Is(0) ? Zero : combine(a, y.C));
            return true;
        }

        result = -1;
        return false;
    }

    private bool IsConstantTree(int id) => _nodes[id].IsConstant || (_nodes[id].Op == Op.Select && IsConstantTree(_nodes[id].B) && IsConstantTree(_nodes[id].C));

    private bool HasZeroBranch(Node select) => _nodes[select.B].Is(0) || _nodes[select.C].Is(0);

    private int Binary(Op op, int a, int b)
    {
        // Commutative operands in id order, so a+b and b+a are one node.
        if (op.IsCommutative() && a > b && !_nodes[a].IsConstant)
        {
            (a, b) = (b, a);
        }
        else if (op.IsCommutative() && _nodes[b].IsConstant && !_nodes[a].IsConstant)
        {
            (a, b) = (b, a);
        }

        return Intern(new Node(op, a, b));
    }

    private int Intern(Node node)
    {
        if (!_ids.TryGetValue(node, out int id))
        {
            id = _nodes.Count;
            _nodes.Add(node);
            _ids.Add(node, id);
            _isRow.Add(node.Op switch
            {
                Op.RowInput or Op.ElementIndex => true,
                _ when node.Op.IsReduction() || node.Op.IsLeaf() || node.Op == Op.Gather => false,
                _ => (node.A >= 0 && _isRow[node.A]) || (node.B >= 0 && _isRow[node.B]) || (node.C >= 0 && _isRow[node.C]),
            });
        }

        return id;
    }
}
