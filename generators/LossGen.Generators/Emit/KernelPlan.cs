using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LossGen.Generators.Ir;
using LossGen.Generators.Model;
using LossGen.Generators.Parsing;
using Microsoft.CodeAnalysis.CSharp;

namespace LossGen.Generators.Emit;

/// <summary>
/// The formula rebuilt as a graph with its derivative, and the statements each kernel method needs:
/// every node reachable from what the method returns, in dependency order, each named once.
/// </summary>
internal sealed class KernelPlan
{
    private readonly Dictionary<int, string> _names = new();

    private KernelPlan(Graph graph, int loss, int[] gradients, LossSpec spec, int variant)
    {
        Graph = graph;
        Loss = loss;
        Gradients = gradients;
        Spec = spec;
        Variant = variant;
    }

    /// <summary>
    /// The most <c>[Hyper] bool</c> flags for which every combination gets its own kernel (2^3 = 8 kernels); a formula
    /// with more keeps its flags as numbers in one kernel, both branches of each computed.
    /// </summary>
    public const int MaxSpecializedFlags = 3;

    /// <summary>
    /// True when each combination of the formula's flags has its own kernel, in which the flags are constants: the
    /// branches not taken fold away (KL with <c>logTarget</c> false computes no exp) instead of being computed for
    /// every element and dropped by a select.
    /// </summary>
    public bool IsSpecialized => Flags.Count is > 0 and <= MaxSpecializedFlags;

    /// <summary>The flag settings, in declaration order; bit k of <see cref="Variant"/> is the value of flag k.</summary>
    public List<LossParameter> Flags => FlagsOf(Spec);

    private static List<LossParameter> FlagsOf(LossSpec spec) => spec.Parameters.Where(p => p.Role == ParameterRole.Hyper && p.IsFlag).ToList();

    /// <summary>Which combination of flag values this plan's kernel is for (0 when the flags are not specialized).</summary>
    public int Variant { get; }

    /// <summary>How many kernels the formula has: one per combination of flag values, or one.</summary>
    public int VariantCount => IsSpecialized ? 1 << Flags.Count : 1;

    /// <summary>The settings the kernel holds: all of them, except flags that are constants in it.</summary>
    public IEnumerable<LossParameter> KernelHypers => IsSpecialized ? Hypers.Where(p => !p.IsFlag) : Hypers;

    /// <summary>The kernel type's name: the method's, with the flags that are true in this kernel (<c>PoissonKernel_full</c>).</summary>
    public string KernelTypeName => KernelTypeNameOf(Variant);

    /// <summary>The kernel type name of another combination of this formula's flags.</summary>
    public string KernelTypeNameOf(int variant)
        => Spec.MethodName + "Kernel" + string.Concat(Flags.Where((_, k) => (variant >> k & 1) != 0).Select(p => "_" + p.Name));

    /// <summary>The condition on the overload's flag parameters under which <paramref name="variant"/>'s kernel runs.</summary>
    public string VariantCondition(int variant)
        => string.Join(" && ", Flags.Select((p, k) => ((variant >> k) & 1) != 0 ? LossEmitter.Identifier(p.Name) : "!" + LossEmitter.Identifier(p.Name)));

    /// <summary>The combination of the flags' default values (a flag without a default counts as false).</summary>
    public static int DefaultVariant(LossSpec spec)
        => FlagsOf(spec).Select((p, k) => p.DefaultValue == "true" ? 1 << k : 0).Sum();

    /// <summary>The plans of every kernel of <paramref name="spec"/>, one per combination of its flags.</summary>
    public static IEnumerable<KernelPlan> AllVariants(LossSpec spec, bool withNames = true)
    {
        KernelPlan first = Create(spec, withNames, 0);
        yield return first;
        for (int variant = 1; variant < first.VariantCount; variant++)
        {
            yield return Create(spec, withNames, variant);
        }
    }

    public Graph Graph { get; }

    public LossSpec Spec { get; }

    /// <summary>The node of the per-element loss.</summary>
    public int Loss { get; }

    /// <summary>The node of each gradient output, in the order of the non-target inputs.</summary>
    public int[] Gradients { get; }

    public IEnumerable<LossParameter> Inputs => Spec.Parameters.Where(p => p.Role != ParameterRole.Hyper);

    public IEnumerable<LossParameter> DifferentiableInputs => Spec.Parameters.Where(p => p.Role == ParameterRole.Input);

    public IEnumerable<LossParameter> Hypers => Spec.Parameters.Where(p => p.Role == ParameterRole.Hyper);

    /// <summary>True for a row formula: one with Row inputs (and maybe int labels and per-row values).</summary>
    public bool IsRowFormula => Spec.Parameters.Any(p => p.Shape != ParameterShape.Element);

    public IEnumerable<LossParameter> OfShape(ParameterShape shape) => Spec.Parameters.Where(p => p.Role != ParameterRole.Hyper && p.Shape == shape);

    /// <summary>
    /// The plan of <paramref name="spec"/>'s kernel for the flag values <paramref name="variant"/> (the flags' defaults when
    /// null); <paramref name="withNames"/> false skips naming its nodes, which only emitting needs.
    /// </summary>
    public static KernelPlan Create(LossSpec spec, bool withNames = true, int? variant = null)
    {
        // Rebuild through the smart constructors: the graph must be extended by differentiation. A specialized flag
        // becomes the constant it is in this kernel, and the constructors fold the branch it rules out.
        List<LossParameter> flags = FlagsOf(spec);
        bool specialized = flags.Count is > 0 and <= MaxSpecializedFlags;
        int values = specialized ? variant ?? DefaultVariant(spec) : 0;
        var graph = new Graph();
        var map = new int[spec.Formula.Nodes.Count];
        for (int id = 0; id < map.Length; id++)
        {
            Node n = spec.Formula.Nodes[id];
            int flag = specialized && n.Op == Op.Hyper ? flags.FindIndex(p => p.Index == n.Index) : -1;
            map[id] = flag >= 0
                ? graph.Constant((values >> flag) & 1)
                : graph.Build(n.Op, Map(n.A), Map(n.B), Map(n.C), n.Value, n.Index);
        }

        int loss = map[spec.Formula.Root];
        // Gradients are indexed like the inputs that get them: per-element inputs, or the Row inputs of a row formula.
        bool rows = spec.Parameters.Any(p => p.Shape != ParameterShape.Element);
        int inputCount = spec.Parameters.Count(p => p.Role != ParameterRole.Hyper && p.Shape == (rows ? ParameterShape.Row : ParameterShape.Element));
        int[] all = Differentiator.Gradients(graph, loss, inputCount);

        // Softplus and sigmoid were whole for the differentiator; the kernel computes them in primitives.
        Graph lowered = Lowering.Lower(graph, out int[] toLowered);
        for (int id = 0; id < map.Length; id++)
        {
            map[id] = toLowered[map[id]];
        }

        int[] gradients = spec.Parameters.Where(p => p.Role == ParameterRole.Input).Select(p => toLowered[all[p.Index]]).ToArray();
        var plan = new KernelPlan(lowered, toLowered[loss], gradients, spec, values);
        if (withNames)
        {
            plan.NameNodes(map);
        }

        return plan;

        int Map(int id) => id < 0 ? -1 : map[id];
    }

    /// <summary>The name of a computed node, a parameter or a hyperparameter.</summary>
    public string Name(int id) => _names[id];

    public bool IsInlined(int id) => Graph[id].IsConstant || !_names.ContainsKey(id);

    /// <summary>
    /// True when the loss and its gradient are a few arithmetic operations per element, none of them a transcendental
    /// function (exp, log, tanh, pow): the engine then treats the kernel as memory-bound and unrolls it once per
    /// register accumulator. Past <see cref="MaxMemoryBoundStatements"/> the copies overran the JIT's inlining
    /// budget (Huber, 17 statements, ran 11 of its operations as calls at 256 bits).
    /// </summary>
    public bool IsMemoryBound
    {
        get
        {
            List<int> statements = Statements(Gradients.Append(Loss).ToArray());
            return statements.Count <= MaxMemoryBoundStatements && !statements.Any(id => Graph[id].Op.IsTranscendental());
        }
    }

    /// <summary>The statements of the loss and its gradient together: what one copy of the kernel costs the inliner.</summary>
    public int StatementCount => Statements(Gradients.Append(Loss).ToArray()).Count;

    /// <summary>
    /// True for a node computed from the settings (and constants) alone, at least one setting among its operands: the same
    /// for every element, so an elementwise kernel computes it once per call instead of once per vector.
    /// </summary>
    public bool IsSettingOnly(int id) => (_settingOnly ??= FindSettingOnly())[id];

    private bool[]? _settingOnly;

    private bool[] FindSettingOnly()
    {
        // Operands are built before the nodes that read them, so one pass in id order sees every operand first.
        var settingOnly = new bool[Graph.Nodes.Count];
        for (int id = 0; id < settingOnly.Length; id++)
        {
            Node n = Graph[id];
            bool fromSettings = false;
            bool onlySettings = n.Op.Arity() > 0;
            for (int k = 0; k < n.Op.Arity() && onlySettings; k++)
            {
                int operand = n.Operand(k);
                Op op = Graph[operand].Op;
                fromSettings |= op == Op.Hyper || settingOnly[operand];
                onlySettings = op is Op.Constant or Op.Epsilon or Op.Hyper || settingOnly[operand];
            }

            settingOnly[id] = onlySettings && fromSettings;
        }

        return settingOnly;
    }

    /// <summary>The most statements a memory-bound kernel may have (MSE has 3, squared hinge and margin ranking 9).</summary>
    public const int MaxMemoryBoundStatements = 12;

    /// <summary>The nodes to compute, in order, for the given outputs: no constants, inputs or hyperparameters.</summary>
    public List<int> Statements(params int[] outputs)
    {
        var needed = new HashSet<int>();
        var stack = new Stack<int>(outputs);
        while (stack.Count > 0)
        {
            int id = stack.Pop();
            if (!needed.Add(id))
            {
                continue;
            }

            Node n = Graph[id];
            for (int k = 0; k < n.Op.Arity(); k++)
            {
                stack.Push(n.Operand(k));
            }
        }

        return needed.Where(id => !Graph[id].Op.IsLeaf()).OrderBy(id => id).ToList();
    }

    /// <summary>
    /// The values computed from the settings alone (see <see cref="IsSettingOnly"/>) that the statements read, and those
    /// returned as they are.
    /// </summary>
    public List<int> SettingValuesUsed(List<int> statements, params int[] outputs)
        => statements.SelectMany(id => Enumerable.Range(0, Graph[id].Op.Arity()).Select(k => Graph[id].Operand(k))).Concat(outputs)
            .Where(IsSettingOnly).Distinct().OrderBy(id => id).ToList();

    /// <summary>The hyperparameters the statements read, and those returned as they are (a loss that is just <c>k</c>).</summary>
    public List<int> HypersUsed(List<int> statements, params int[] outputs)
        => statements.SelectMany(id => Enumerable.Range(0, Graph[id].Op.Arity()).Select(k => Graph[id].Operand(k))).Concat(outputs)
            .Where(id => Graph[id].Op == Op.Hyper).Distinct().OrderBy(id => id).ToList();

    /// <summary>
    /// The identifiers the kernels declare for themselves: type parameters, method parameters, locals and members. No
    /// formula name may take one; a parameter or local named so is renamed inside the kernel (never in the public overloads).
    /// </summary>
    internal static readonly string[] KernelIdentifiers =
    [
        "T", "TVec", "TSimd", "TPass", "TEdge", "TSoftmax", "k", "index",
        "unused0", "unused1", "unused2", "unused3", "unusedGradient0", "unusedGradient1", "unusedGradient2", "unusedGradient3",
        "state", "row", "lane", "column", "stage", "inside", "exps", "softmax", "scalars",
        "a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3",
        "Stage0", "Stage1", "Stage2", "Stage3", "Stage4", "Loss", "LossAndGradient", "Accumulate", "Gradient", "GradientScalars", "Scalars", "Slots",
    ];

    /// <summary>The name of parameter <paramref name="p"/> inside the kernel: the user's, unless the kernel uses it itself.</summary>
    public string KernelName(LossParameter p) => _parameterNames[p.Name];

    private readonly Dictionary<string, string> _parameterNames = new();

    private void NameNodes(int[] map)
    {
        var taken = new HashSet<string>(KernelIdentifiers);
        // Each hyperparameter is kept in a field named _h, which no local or parameter may hide: those are placed first.
        foreach (LossParameter p in Hypers.Concat(Spec.Parameters.Where(p => p.Role != ParameterRole.Hyper)))
        {
            string name = p.Name;
            while (taken.Contains(name) || (p.Role == ParameterRole.Hyper && taken.Contains("_" + name)) || (p.Role == ParameterRole.Input && taken.Contains(GeneratedNames.Gradient(name))))
            {
                name += "_";
            }

            _parameterNames[p.Name] = name;
            taken.Add(name);
            taken.Add(p.Role == ParameterRole.Hyper ? "_" + name : GeneratedNames.Gradient(name));
        }

        if (IsRowFormula)
        {
            taken.Add(GeneratedNames.RowLength);
        }

        for (int id = 0; id < Graph.Nodes.Count; id++)
        {
            Node n = Graph[id];
            if (n.Op is Op.Input or Op.RowInput or Op.Label or Op.RowValue)
            {
                ParameterShape shape = n.Op switch
                {
                    Op.RowInput => ParameterShape.Row,
                    Op.Label => ParameterShape.Label,
                    Op.RowValue => ParameterShape.RowValue,
                    _ => ParameterShape.Element,
                };
                _names[id] = KernelName(OfShape(shape).Single(p => p.Index == n.Index));
            }
            else if (n.Op == Op.RowLength)
            {
                _names[id] = GeneratedNames.RowLength;
            }
            else if (n.Op == Op.ElementIndex)
            {
                _names[id] = "column";
            }
            else if (n.Op == Op.Hyper)
            {
                _names[id] = KernelName(Hypers.Single(p => p.Index == n.Index));
            }
        }

        foreach (NamedNode named in Spec.Formula.Names)
        {
            int id = map[named.Id];
            bool keyword = SyntaxFacts.GetKeywordKind(named.Name) != SyntaxKind.None;
            // "_" + name stays free for the field of a value computed from the settings (see IsSettingOnly).
            if (!_names.ContainsKey(id) && !keyword && !taken.Contains("_" + named.Name) && taken.Add(named.Name))
            {
                taken.Add("_" + named.Name);
                _names[id] = named.Name;
            }
        }

        // Temporaries are numbered in the order the gradient pass computes them, so the emitted code reads t0, t1, ...
        var order = Statements(Gradients.Append(Loss).ToArray()).Concat(Enumerable.Range(0, Graph.Nodes.Count));
        int next = 0;
        foreach (int id in order)
        {
            if (!_names.ContainsKey(id) && Graph[id].Op is not (Op.Constant or Op.Epsilon))
            {
                string name;
                do
                {
                    name = "t" + (next++).ToString(CultureInfo.InvariantCulture);
                }
                while (taken.Contains("_" + name) || !taken.Add(name));
                taken.Add("_" + name);
                _names[id] = name;
            }
        }
    }
}
