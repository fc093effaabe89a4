using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using LossGen.Generators.Ir;
using LossGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using LossGen.Kernels;

namespace LossGen.Analyzers.Formulas;

/// <summary>A <c>[Hyper]</c> parameter: its default, and where the default is written.</summary>
internal sealed record Hyper(string Name, double? Default, ExpressionSyntax? DefaultSyntax);

/// <summary>
/// One parsed [Loss] formula as the rules see it: the generator's IR (the very graph the kernels are built
/// from), and the way back from its nodes to the syntax that produced them, which diagnostics point at and
/// code fixes edit. Hash-consing makes one node of every expression written twice, so a node can have several
/// origins; and an origin can be far from where its node is used (a local's initializer).
/// </summary>
internal sealed class FormulaView
{
    private readonly Dictionary<int, List<ExpressionSyntax>> _origins = new();
    private readonly Dictionary<ExpressionSyntax, int> _nodeOf = new();
    private readonly Dictionary<(Op Op, int Index), Interval> _leaves = new();
    private readonly bool[] _dependsOnData;
    private readonly bool[] _transcendental;

    private FormulaView(SemanticModel model, IMethodSymbol method, LossSpec spec, IEnumerable<(ExpressionSyntax Syntax, int Id)> lowered, CancellationToken cancellationToken)
    {
        Model = model;
        Method = method;
        Nodes = spec.Formula.Nodes;
        Root = spec.Formula.Root;
        CancellationToken = cancellationToken;
        foreach ((ExpressionSyntax syntax, int id) in lowered)
        {
            _nodeOf[syntax] = id;
            if (!_origins.TryGetValue(id, out List<ExpressionSyntax>? list))
            {
                _origins[id] = list = new List<ExpressionSyntax>();
            }

            if (!list.Contains(syntax))
            {
                list.Add(syntax);
            }
        }

        var hypers = new List<Hyper>();
        for (int i = 0; i < spec.Parameters.Count; i++)
        {
            LossParameter parameter = spec.Parameters[i];
            IParameterSymbol symbol = method.Parameters.First(p => p.Name == parameter.Name);
            if (parameter.Role == ParameterRole.Hyper)
            {
                double? value = symbol.HasExplicitDefaultValue && symbol.ExplicitDefaultValue is { } v ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : null;
                var syntax = symbol.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as ParameterSyntax;
                hypers.Add(new Hyper(parameter.Name, value, syntax?.Default?.Value));
                continue;
            }

            Op op = parameter.Shape switch
            {
                ParameterShape.Row => Op.RowInput,
                ParameterShape.Label => Op.Label,
                ParameterShape.RowValue => Op.RowValue,
                _ => Op.Input,
            };
            _leaves[(op, parameter.Index)] = op == Op.Label ? Interval.AtLeast(0) : Declared(symbol);
            InputNames[(op, parameter.Index)] = parameter.Name;
        }

        Hypers = hypers;
        _dependsOnData = new bool[Nodes.Count];
        _transcendental = new bool[Nodes.Count];
        for (int id = 0; id < Nodes.Count; id++)
        {
            Node n = Nodes[id];
            bool data = n.Op is Op.Input or Op.RowInput or Op.RowValue or Op.Label or Op.Gather or Op.ElementIndex;
            bool transcendental = n.Op.IsTranscendental();
            foreach (int operand in Operands(n))
            {
                data |= _dependsOnData[operand];
                transcendental |= _transcendental[operand];
            }

            _dependsOnData[id] = data;
            _transcendental[id] = transcendental;
        }
    }

    public SemanticModel Model { get; }

    public IMethodSymbol Method { get; }

    public IReadOnlyList<Node> Nodes { get; }

    public int Root { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>The hyperparameters, by <see cref="Node.Index"/> of their <see cref="Op.Hyper"/> node.</summary>
    public IReadOnlyList<Hyper> Hypers { get; }

    /// <summary>Parameter names of the input leaves, by (op, index).</summary>
    public Dictionary<(Op Op, int Index), string> InputNames { get; } = new();

    public Node this[int id] => Nodes[id];

    /// <summary>
    /// Parses <paramref name="syntax"/> with the generator's parser. Null when the generator would report an
    /// error (or the compiler already does): such a formula gets the errors and no formula rules.
    /// </summary>
    public static FormulaView? Parse(SemanticModel model, IMethodSymbol method, MethodDeclarationSyntax syntax, IEnumerable<AttributeData> lossAttributes, CancellationToken cancellationToken)
    {
        var lowered = new List<(ExpressionSyntax, int)>();
        ParseResult result = Generators.Parsing.LossParser.Parse(model, method, syntax, lossAttributes, (e, id) => lowered.Add((e, id)), cancellationToken);
        return result.Spec is { } spec && result.Diagnostics.Count == 0 ? new FormulaView(model, method, spec, lowered, cancellationToken) : null;
    }

    public static IEnumerable<int> Operands(Node n)
    {
        if (n.Op == Op.Gather || n.Op.IsLeaf())
        {
            // A gather's A is its label, a value it does not compute from.
            if (n.Op == Op.Gather)
            {
                yield return n.A;
            }

            yield break;
        }

        if (n.A >= 0) yield return n.A;
        if (n.B >= 0) yield return n.B;
        if (n.C >= 0) yield return n.C;
    }

    /// <summary>The interval of a leaf: an input's declared domain, a label, the row length, epsilon. Hyperparameters are not leaves here.</summary>
    public Interval Leaf(Node n) => n.Op switch
    {
        Op.Epsilon => new Interval(KernelContract.EpsilonDouble, KernelContract.EpsilonSingle),
        Op.RowLength => Interval.AtLeast(1),
        Op.ElementIndex or Op.Label => Interval.AtLeast(0),
        Op.Gather => _leaves.TryGetValue((Op.RowInput, n.Index), out Interval row) ? row : Interval.All,
        _ => _leaves.TryGetValue((n.Op, n.Index), out Interval leaf) ? leaf : Interval.All,
    };

    /// <summary>The hyperparameter at its default; one without a default is taken to be positive (the caller must pass it).</summary>
    public Interval HyperAtDefault(int index)
        => Hypers[index].Default is { } value ? Interval.Point(value) : Interval.AtLeast(Interval.Above(0));

    /// <summary>Whether the node's value depends on the data (inputs, targets, labels), rather than on settings and constants only.</summary>
    public bool DependsOnData(int id) => _dependsOnData[id];

    /// <summary>Whether computing the node takes an exp, log, tanh, pow or log-sum-exp.</summary>
    public bool HasTranscendental(int id) => _transcendental[id];

    public IReadOnlyList<ExpressionSyntax> Origins(int id)
        => _origins.TryGetValue(id, out List<ExpressionSyntax>? list) ? list : Array.Empty<ExpressionSyntax>();

    public int? NodeOf(ExpressionSyntax syntax) => _nodeOf.TryGetValue(syntax, out int id) ? id : null;

    /// <summary>
    /// The LossMath (or System.Math) function an expression calls, by name, or null. The parser accepted the
    /// formula, so every call in it is one of them.
    /// </summary>
    public string? FunctionOf(ExpressionSyntax syntax)
        => syntax is InvocationExpressionSyntax invocation
            && Model.GetSymbolInfo(invocation, CancellationToken).Symbol is IMethodSymbol method
            && method.ContainingType.ToDisplayString() is "LossGen.LossMath" or "System.Math"
            ? method.Name
            : null;

    /// <summary>The calls of <paramref name="functions"/> among the origins of a node.</summary>
    public IEnumerable<InvocationExpressionSyntax> CallsOf(int id, params string[] functions)
        => Origins(id).OfType<InvocationExpressionSyntax>().Where(i => FunctionOf(i) is { } name && functions.Contains(name));

    /// <summary>
    /// An expression that computes node <paramref name="id"/> and can be copied to <paramref name="site"/>: one
    /// inside the site, else one written before it (a formula's locals are declared once, at the top level of
    /// the body, so whatever an earlier expression names is in scope at the site). Null when there is none.
    /// </summary>
    public ExpressionSyntax? SyntaxFor(int id, SyntaxNode site)
        => Origins(id).Where(o => site.Span.Contains(o.Span)).OrderBy(o => o.SpanStart).FirstOrDefault()
            ?? Origins(id).Where(o => o.Span.End <= site.SpanStart).OrderBy(o => o.SpanStart).FirstOrDefault();

    /// <summary>The interval a domain attribute declares for an input; anything for an input that declares none.</summary>
    private static Interval Declared(IParameterSymbol symbol)
    {
        var interval = Interval.All;
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            interval = ValueDomains.Of(attribute) switch
            {
                ValueDomain.Probability => interval.Intersect(new Interval(0, 1)),
                ValueDomain.NonNegative => interval.Intersect(Interval.AtLeast(0)),
                ValueDomain.PlusOrMinusOne => interval.Intersect(new Interval(-1, 1, nonZero: true)),
                _ => interval,
            };
        }

        return interval;
    }
}
