using System;
using System.Collections.Generic;
using System.Linq;
using LossGen.Generators.Ir;
using LossGen.Kernels;

namespace LossGen.Generators.Emit;

/// <summary>
/// When each value of a row formula is computed. A reduction runs in the first pass over the row
/// after every scalar its argument reads is known, so independent reductions share a pass; scalars
/// are computed at stages between passes (stage 0 before the first pass, stage p + 1 after pass p);
/// the gradient pass comes last and writes each output once.
/// </summary>
internal sealed class RowSchedule
{
    /// <summary>The first slot after the reduction results, where derived scalars are kept: the most reductions a formula may have.</summary>
    public const int FirstDerivedSlot = KernelContract.MaxRowReductions;

    /// <summary>The most passes over a row before the gradient pass (the engine's RowPass0..3).</summary>
    public const int MaxPasses = KernelContract.MaxRowPasses;

    /// <summary>The most scalar slots of the row state, reduction results included.</summary>
    public const int MaxSlots = KernelContract.MaxRowSlots;

    private readonly KernelPlan _plan;
    /// <summary>The most reductions one pass folds (the engine's accumulator registers).</summary>
    public const int MaxReductionsPerPass = KernelContract.MaxRowReductionsPerPass;

    private readonly Dictionary<int, int> _stages = new();
    private readonly Dictionary<int, int> _passes = new();

    public RowSchedule(KernelPlan plan)
    {
        _plan = plan;
        Graph g = plan.Graph;
        int[] outputs = plan.Gradients.Append(plan.Loss).ToArray();
        List<int> needed = plan.Statements(outputs);
        var leaves = new HashSet<int>(outputs.Concat(needed.SelectMany(id => Enumerable.Range(0, g[id].Op.Arity()).Select(k => g[id].Operand(k)))));

        // Passes are assigned in id order (operands first), so a full pass pushes later reductions on, the same way every time.
        foreach (int id in needed.Where(id => g[id].Op.IsReduction()))
        {
            Pass(id);
        }

        Reductions = needed.Where(id => g[id].Op.IsReduction()).OrderBy(Pass).ThenBy(id => id).ToList();
        PassCount = Reductions.Count == 0 ? 0 : Reductions.Max(Pass) + 1;

        // Scalars the kernel computes between passes: every scalar node the outputs need, the row's labels,
        // values and length included; constants, hyperparameters and reductions are not computed here.
        Scalars = needed.Concat(leaves.Where(id => g[id].Op is Op.Label or Op.RowValue or Op.RowLength))
            .Where(id => !g.IsRow(id) && !g[id].Op.IsReduction())
            .Distinct().OrderBy(id => id).ToList();

        // A scalar needs a slot when something outside its own stage reads it: a later stage, a pass, the
        // gradient pass, or the loss. The rest stay locals of their stage.
        var slotted = new HashSet<int> { plan.Loss };
        foreach (int id in needed.Concat(outputs))
        {
            Node n = g[id];
            bool rowContext = g.IsRow(id) || n.Op.IsReduction() || plan.Gradients.Contains(id);
            for (int k = 0; k < n.Op.Arity(); k++)
            {
                int operand = n.Operand(k);
                if (rowContext || Stage(operand) != Stage(id))
                {
                    slotted.Add(operand);
                }
            }

            if (plan.Gradients.Contains(id))
            {
                slotted.Add(id);
            }
        }

        int next = FirstDerivedSlot;
        foreach (int id in Scalars.Where(slotted.Contains))
        {
            Slots[id] = next++;
        }

        for (int k = 0; k < Reductions.Count; k++)
        {
            Slots[Reductions[k]] = k;
        }

        // The gradient's softmaxes e^(u − lse(u)): the first log-sum-exp that has one lends its pass's e^(u − m).
        // Not a softmax a pass also computes: the kept one can differ in the last bit, and a maximum's gradient
        // finds its elements by comparing the values its pass saw (Max(Softmax(z))).
        var computedInPasses = new HashSet<int>(RowStatements(Reductions.Select(id => g[id].A)).Rows);
        ComparedExactly = new HashSet<int>(RowStatements(Reductions.Where(id => g[id].Op is Op.ReduceMax or Op.ReduceMin).Select(id => g[id].A)).Rows);
        foreach (int id in RowStatements(plan.Gradients).Rows)
        {
            Node n = g[id];
            if (n.Op != Op.Exp || g[n.A].Op != Op.Subtract || computedInPasses.Contains(id))
            {
                continue;
            }

            Node difference = g[n.A];
            int k = Reductions.IndexOf(difference.B);
            if (k >= 0 && g[difference.B].Op == Op.LogSumExp && g[difference.B].A == difference.A && (SoftmaxReduction < 0 || SoftmaxReduction == k))
            {
                SoftmaxReduction = k;
                SoftmaxExps.Add(id);
            }
        }
    }

    /// <summary>What this formula needs beyond the row kernel's fixed state (LG0017), or null when it fits.</summary>
    public string? Excess()
        => PassCount > MaxPasses || Reductions.Count > FirstDerivedSlot || SlotCount > MaxSlots
            ? $"{PassCount} passes over each row, {Reductions.Count} reductions and {SlotCount} scalar slots"
            : null;

    /// <summary>
    /// The log-sum-exp (index into <see cref="Reductions"/>) whose e^(u − m) the engine keeps for the gradient
    /// pass, or −1; <see cref="SoftmaxExps"/> are the gradient's e^(u − lse) that read them instead of calling exp.
    /// </summary>
    public int SoftmaxReduction { get; } = -1;

    /// <summary>
    /// The row values under a maximum or minimum. The gradient pass finds the extreme elements by comparing these values
    /// with the pass's result, so every method must compute them to the same bits: none is fused into a multiply-add,
    /// which one method may choose and another not.
    /// </summary>
    public HashSet<int> ComparedExactly { get; }

    /// <summary>The gradient-pass nodes e^(u − lse(u)) of <see cref="SoftmaxReduction"/>.</summary>
    public HashSet<int> SoftmaxExps { get; } = new();

    /// <summary>The reductions, in pass order; reduction k's result is slot k.</summary>
    public List<int> Reductions { get; }

    public int PassCount { get; }

    /// <summary>The scalar nodes the kernel computes between passes, in dependency order.</summary>
    public List<int> Scalars { get; }

    /// <summary>The slot of each scalar kept in the row state.</summary>
    public Dictionary<int, int> Slots { get; } = new();

    /// <summary>The number of slots used, reduction results included.</summary>
    public int SlotCount => Slots.Count == 0 ? 0 : Slots.Values.Max() + 1;

    /// <summary>When a node is known: 0 before the first pass, p + 1 after pass p (for a row-valued node, when it can be computed).</summary>
    public int Stage(int id)
    {
        if (_stages.TryGetValue(id, out int stage))
        {
            return stage;
        }

        Node n = _plan.Graph[id];
        stage = n.Op.IsReduction() ? Pass(id) + 1 : Enumerable.Range(0, n.Op.Arity()).Select(k => Stage(n.Operand(k))).DefaultIfEmpty(0).Max();
        _stages[id] = stage;
        return stage;
    }

    /// <summary>The pass a reduction runs in: as soon as its argument can be computed, unless that pass is full.</summary>
    public int Pass(int reduction)
    {
        if (_passes.TryGetValue(reduction, out int pass))
        {
            return pass;
        }

        pass = Stage(_plan.Graph[reduction].A);
        while (_passes.Values.Count(p => p == pass) >= MaxReductionsPerPass)
        {
            pass++;
        }

        _passes[reduction] = pass;
        return pass;
    }

    /// <summary>The row-valued nodes needed to compute <paramref name="outputs"/> in a pass, in order, and the scalars they read.</summary>
    public (List<int> Rows, List<int> ScalarsRead) RowStatements(IEnumerable<int> outputs)
    {
        Graph g = _plan.Graph;
        var rows = new HashSet<int>();
        var scalars = new HashSet<int>();
        var stack = new Stack<int>(outputs);
        while (stack.Count > 0)
        {
            int id = stack.Pop();
            Node n = g[id];
            if (!g.IsRow(id) || n.Op.IsLeaf())
            {
                if (!g.IsRow(id) && !n.IsConstant && n.Op != Op.Epsilon)
                {
                    scalars.Add(id);
                }

                continue;
            }

            if (rows.Add(id))
            {
                for (int k = 0; k < n.Op.Arity(); k++)
                {
                    stack.Push(n.Operand(k));
                }
            }
        }

        return (rows.OrderBy(id => id).ToList(), scalars.OrderBy(id => id).ToList());
    }

    public string ReductionMethod(int id) => _plan.Graph[id].Op switch
    {
        Op.ReduceSum => "Sum",
        Op.ReduceMax => "Max",
        Op.ReduceMin => "Min",
        Op.LogSumExp => "LogSumExp",
        var op => throw new ArgumentOutOfRangeException(nameof(id), op, null),
    };
}
