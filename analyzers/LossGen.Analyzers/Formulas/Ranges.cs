using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using LossGen.Generators.Ir;

namespace LossGen.Analyzers.Formulas;

/// <summary>
/// What is known on one path through a formula's selects: intervals that the conditions taken so far impose
/// on nodes (the false branch of <c>x &lt; lo</c> knows x ≥ lo). Each environment keeps the intervals
/// worked out under it.
/// </summary>
internal sealed class Env
{
    public Env(SortedDictionary<int, Interval> facts, bool infeasible)
    {
        Facts = facts;
        Infeasible = infeasible;
        var key = new StringBuilder(infeasible ? "!" : "");
        foreach (KeyValuePair<int, Interval> fact in facts)
        {
            key.Append(fact.Key).Append(':').Append(fact.Value.Lo.ToString("R", CultureInfo.InvariantCulture)).Append(',')
                .Append(fact.Value.Hi.ToString("R", CultureInfo.InvariantCulture)).Append(fact.Value.NonZero ? "*" : "").Append(';');
        }

        Key = key.ToString();
    }

    public SortedDictionary<int, Interval> Facts { get; }

    /// <summary>No input reaches this path: its conditions contradict each other.</summary>
    public bool Infeasible { get; }

    public string Key { get; }

    public Dictionary<int, Interval> Values { get; } = new();
}

/// <summary>
/// Interval analysis of a formula's IR, path-sensitive through its selects: a value computed in the branch of
/// <c>p &gt; 0 ? Log(p) : 0</c>, or inside <c>Clamp</c>, <c>Norm</c> and <c>Xlogy</c> (which the parser lowers to
/// selects), is judged with what that branch's condition says. Sound for the formula as the kernels compute it
/// in float: an interval holds every value the node can take, underflow to 0 and overflow to ∞ included.
/// </summary>
internal sealed class Ranges
{
    /// <summary>More paths than any formula written by hand has; past it, conditions are no longer used (still sound, less precise).</summary>
    private const int MaxEnvironments = 4096;

    private readonly FormulaView _formula;
    private readonly Func<int, Interval> _hyper;
    private readonly Dictionary<string, Env> _environments = new(StringComparer.Ordinal);

    public Ranges(FormulaView formula, Func<int, Interval> hyper)
    {
        _formula = formula;
        _hyper = hyper;
        Top = Intern(new SortedDictionary<int, Interval>(), infeasible: false);
    }

    /// <summary>No condition taken: the formula's whole input space.</summary>
    public Env Top { get; }

    public Interval Eval(int id, Env env)
    {
        if (env.Values.TryGetValue(id, out Interval known))
        {
            return known;
        }

        Node n = _formula[id];
        Interval value = n.Op switch
        {
            Op.Constant => Interval.Point(n.Value),
            Op.Hyper => _hyper(n.Index),
            Op.Add => Eval(n.A, env) + Eval(n.B, env),
            Op.Subtract => Subtract(n, env),
            Op.Multiply => n.A == n.B ? Eval(n.A, env).Square() : Eval(n.A, env) * Eval(n.B, env),
            Op.Divide => Divide(n, env),
            Op.Negate => -Eval(n.A, env),
            Op.Exp => Eval(n.A, env).Exp(),
            Op.Log => Eval(n.A, env).Log(),
            Op.Log1p => Eval(n.A, env).Log1p(),
            Op.Expm1 => Eval(n.A, env).Expm1(),
            Op.Sqrt => Eval(n.A, env).Sqrt(),
            Op.Abs => Eval(n.A, env).Abs(),
            Op.Tanh => Eval(n.A, env).Tanh(),
            Op.Sigmoid => Eval(n.A, env).Sigmoid(),
            Op.Softplus => Eval(n.A, env).Softplus(),
            Op.Max => Interval.Max(Eval(n.A, env), Eval(n.B, env)),
            Op.Min => Interval.Min(Eval(n.A, env), Eval(n.B, env)),
            // x^y for x ≥ 0 is never negative (0^y is 0 or +∞); a negative base gives NaN or anything.
            Op.Pow => Eval(n.A, env).IsNonNegative ? Interval.AtLeast(0) : Interval.All,
            Op.Select => Select(n, env),
            Op.ReduceSum => RowSum(n, env),
            Op.ReduceMax or Op.ReduceMin => Eval(n.A, env),
            // log Σ e^x ≥ max x.
            Op.LogSumExp => Interval.AtLeast(Eval(n.A, env).Lo),
            _ when n.Op.IsMask() => Interval.All,
            _ => _formula.Leaf(n),
        };

        if (env.Facts.TryGetValue(id, out Interval fact))
        {
            value = value.Intersect(fact);
        }

        env.Values[id] = value;
        return value;
    }

    /// <summary>The environment of the branch of select mask <paramref name="mask"/> that is taken when it is <paramref name="truth"/>.</summary>
    public Env Refine(Env env, int mask, bool truth)
    {
        if (env.Infeasible)
        {
            return env;
        }

        var facts = new SortedDictionary<int, Interval>(env.Facts);
        bool feasible = Apply(env, facts, mask, truth);
        if (feasible && _environments.Count >= MaxEnvironments)
        {
            return env;
        }

        return Intern(facts, !feasible);
    }

    private Interval Subtract(Node n, Env env)
    {
        Interval value = Eval(n.A, env) - Eval(n.B, env);

        // x − LogSumExp(x) and x − Max(x) are never positive (log-softmax, the max-shift of a softmax),
        // elementwise and at a label's column alike.
        Node b = _formula[n.B];
        if (b.Op is Op.LogSumExp or Op.ReduceMax && (n.A == b.A || (_formula[n.A].Op == Op.Gather && _formula[b.A] is { Op: Op.RowInput } row && row.Index == _formula[n.A].Index)))
        {
            value = value.Intersect(Interval.AtMost(0));
        }

        return value;
    }

    private Interval RowSum(Node n, Env env)
    {
        Interval value = Eval(n.A, env).RowSum();

        // Σ e^(x − max x) ≥ 1 (the largest element contributes e^0), and Σ softmax(x) = 1: the sums of the
        // max-shifted log-sum-exp written by hand, and of a softmax, are never 0.
        if (_formula[n.A] is { Op: Op.Exp } exp && _formula[exp.A] is { Op: Op.Subtract } shifted && _formula[shifted.B] is { Op: Op.ReduceMax or Op.LogSumExp } shift && shift.A == shifted.A)
        {
            value = value.Intersect(Interval.AtLeast(shift.Op == Op.ReduceMax ? 1 : 0.5));
        }

        return value;
    }

    private Interval Divide(Node n, Env env)
    {
        // Mean(x) = Sum(x) / Length: within the range of the elements.
        if (_formula[n.B].Op == Op.RowLength && _formula[n.A].Op == Op.ReduceSum)
        {
            Interval element = Eval(_formula[n.A].A, env);
            return element.IsEmpty ? element : new Interval(element.Lo, element.Hi, element.NonZero);
        }

        return Eval(n.A, env) / Eval(n.B, env);
    }

    private Interval Select(Node n, Env env)
    {
        Env whenTrue = Refine(env, n.A, truth: true), whenFalse = Refine(env, n.A, truth: false);
        Interval value = Interval.Empty;
        if (!whenTrue.Infeasible)
        {
            value = value.Union(Eval(n.B, whenTrue));
        }

        if (!whenFalse.Infeasible)
        {
            value = value.Union(Eval(n.C, whenFalse));
        }

        return value;
    }

    /// <summary>Adds what <paramref name="mask"/> being <paramref name="truth"/> says to <paramref name="facts"/>; false when that cannot happen.</summary>
    private bool Apply(Env env, SortedDictionary<int, Interval> facts, int mask, bool truth)
    {
        Node m = _formula[mask];
        switch (m.Op)
        {
            case Op.Not:
                return Apply(env, facts, m.A, !truth);
            case Op.And:
                return !truth || (Apply(env, facts, m.A, true) && Apply(env, facts, m.B, true));
            case Op.Or:
                return truth || (Apply(env, facts, m.A, false) && Apply(env, facts, m.B, false));
            case Op.LessThan or Op.LessThanOrEqual or Op.Equal or Op.NotEqual:
                Interval a = Current(env, facts, m.A), b = Current(env, facts, m.B);
                (Interval newA, Interval newB) = (m.Op, truth) switch
                {
                    (Op.LessThan, true) => (a.Intersect(Interval.AtMost(Interval.Below(b.Hi))), b.Intersect(Interval.AtLeast(Interval.Above(a.Lo)))),
                    (Op.LessThan, false) => (a.Intersect(Interval.AtLeast(b.Lo)), b.Intersect(Interval.AtMost(a.Hi))),
                    (Op.LessThanOrEqual, true) => (a.Intersect(Interval.AtMost(b.Hi)), b.Intersect(Interval.AtLeast(a.Lo))),
                    (Op.LessThanOrEqual, false) => (a.Intersect(Interval.AtLeast(Interval.Above(b.Lo))), b.Intersect(Interval.AtMost(Interval.Below(a.Hi)))),
                    (Op.Equal, true) or (Op.NotEqual, false) => (a.Intersect(b), b.Intersect(a)),
                    _ => (b.IsPoint ? a.Exclude(b.Lo) : a, a.IsPoint ? b.Exclude(a.Lo) : b),
                };
                return Set(facts, m.A, newA) && Set(facts, m.B, newB);
            default:
                return true;
        }
    }

    private Interval Current(Env env, SortedDictionary<int, Interval> facts, int id)
        => facts.TryGetValue(id, out Interval fact) ? Eval(id, env).Intersect(fact) : Eval(id, env);

    private bool Set(SortedDictionary<int, Interval> facts, int id, Interval value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        // Facts about constants and settings say nothing new about the data; keep the key small.
        if (_formula.DependsOnData(id))
        {
            facts[id] = facts.TryGetValue(id, out Interval old) ? old.Intersect(value) : value;
        }

        return true;
    }

    private Env Intern(SortedDictionary<int, Interval> facts, bool infeasible)
    {
        var env = new Env(facts, infeasible);
        if (_environments.TryGetValue(env.Key, out Env? known))
        {
            return known;
        }

        _environments[env.Key] = env;
        return env;
    }
}
