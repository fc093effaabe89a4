using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LossGen.Generators.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static LossGen.Generators.Diagnostics.DiagnosticDescriptors;

namespace LossGen.Analyzers.Formulas;

/// <summary>A formula rule's finding: where, what, and the code that replaces the reported expression, if a fix is clear.</summary>
internal sealed record Finding(DiagnosticDescriptor Descriptor, Location Location, object?[] Arguments, string? Replacement = null, string? FixTitle = null);

/// <summary>
/// The formula rules (LG0301–LG0306), run on the generator's IR of one formula. The IR is walked from the
/// result through every select branch that some input can take, with what the branch's condition says (see
/// <see cref="Ranges"/>); hyperparameters are at their defaults. A finding is reported at the syntax the user
/// wrote: the <c>Log</c>, <c>Sqrt</c> or <c>/</c> whose node is at fault, or a hyperparameter's default.
/// </summary>
internal sealed class FormulaRules
{
    /// <summary>An additive constant this small (or <c>Epsilon</c>, or a hyperparameter) is an author's guard against 0, whatever else is added.</summary>
    private const double SmallOffset = 1e-3;

    private readonly FormulaView _f;
    private readonly Ranges _ranges;
    private readonly SortedDictionary<int, List<Env>> _reached = new();
    private readonly HashSet<(int, string)> _visited = new();
    private readonly List<Finding> _findings = new();
    private readonly HashSet<SyntaxNode> _handled = new();
    private readonly HashSet<int> _hypersReported = new();

    private FormulaRules(FormulaView formula)
    {
        _f = formula;
        _ranges = new Ranges(formula, formula.HyperAtDefault);
    }

    public static IReadOnlyList<Finding> Run(FormulaView formula)
    {
        var rules = new FormulaRules(formula);
        rules.Visit(formula.Root, rules._ranges.Top);
        rules.HyperDefaults();
        rules.LogOfSigmoidOrSoftmax();
        rules.LogOfOverflowingExp();
        rules.LogsOfZero();
        rules.SqrtsOfZero();
        rules.DivisionBySum();
        return rules._findings;
    }

    private void Visit(int id, Env env)
    {
        if (!_visited.Add((id, env.Key)))
        {
            return;
        }

        _f.CancellationToken.ThrowIfCancellationRequested();
        if (!_reached.TryGetValue(id, out List<Env>? envs))
        {
            _reached[id] = envs = new List<Env>();
        }

        envs.Add(env);
        Node n = _f[id];
        if (n.Op == Op.Select)
        {
            Visit(n.A, env);
            Env whenTrue = _ranges.Refine(env, n.A, truth: true), whenFalse = _ranges.Refine(env, n.A, truth: false);
            if (!whenTrue.Infeasible)
            {
                Visit(n.B, whenTrue);
            }

            if (!whenFalse.Infeasible)
            {
                Visit(n.C, whenFalse);
            }

            return;
        }

        foreach (int operand in FormulaView.Operands(n))
        {
            Visit(operand, env);
        }
    }

    private IEnumerable<(int Id, List<Env> Envs)> Reached(params Op[] ops)
        => _reached.Where(r => ops.Contains(_f[r.Key].Op)).Select(r => (r.Key, r.Value));

    private Interval Eval(int id, Env env) => _ranges.Eval(id, env);

    // ---- LG0306: hyperparameter defaults --------------------------------------------------------------

    private void HyperDefaults()
    {
        foreach ((BinaryExpressionSyntax slash, int denominator, List<(int, Env)> _) in Divisions())
        {
            if (_f[denominator] is { Op: Op.Hyper } divisor && _f.Hypers[divisor.Index].Default is <= 0 and var value)
            {
                ReportHyper(divisor.Index, value == 0
                    ? $"divides '{FixText.Quote(slash)}' by 0"
                    : $"is a negative divisor in '{FixText.Quote(slash)}', which flips the sign of what it scales");
            }
        }

        foreach ((int id, List<Env> envs) in Reached(Op.LessThan, Op.LessThanOrEqual))
        {
            Node compare = _f[id];
            string? text = _f.Origins(id).OfType<BinaryExpressionSyntax>().Select(FixText.Quote).FirstOrDefault();
            foreach ((int hyper, int other, bool hyperOnLeft) in new[] { (compare.A, compare.B, true), (compare.B, compare.A, false) })
            {
                if (text is null || _f[hyper] is not { Op: Op.Hyper } h || _f.Hypers[h.Index].Default is not < 0
                    || !_f.DependsOnData(other) || !envs.All(e => Eval(other, e).IsNonNegative))
                {
                    continue;
                }

                string magnitude = _f.SyntaxFor(other, _f.Origins(id).First()) is { } syntax ? $"'{FixText.Quote(syntax)}'" : "the value it is compared with";
                ReportHyper(h.Index, $"is below {magnitude}, which is never negative, so '{text}' is always {(hyperOnLeft ? "true" : "false")}");
            }
        }

        // A default that makes the loss a constant: no gradient anywhere. Blamed on each hyperparameter whose
        // other values would not.
        Interval loss = Eval(_f.Root, _ranges.Top);
        if (_f.DependsOnData(_f.Root) && loss.IsPoint && !double.IsInfinity(loss.Lo))
        {
            for (int k = 0; k < _f.Hypers.Count; k++)
            {
                int free = k;
                var ranges = new Ranges(_f, index => index == free ? Interval.All : _f.HyperAtDefault(index));
                if (_f.Hypers[k].Default is not null && !ranges.Eval(_f.Root, ranges.Top).IsPoint)
                {
                    ReportHyper(k, $"makes the loss {Number(loss.Lo)} for every input, with a zero gradient");
                }
            }
        }
    }

    /// <summary>
    /// LG0306 for the argument of a Log (<paramref name="site"/> <see cref="Op.Log"/>) or a Sqrt, or a denominator
    /// (<see cref="Op.Divide"/>): the argument is a hyperparameter whose default is out of the function's domain
    /// (a Log of 0 or less, a Sqrt of less than 0); a <c>Max(x, eps)</c> in it whose eps defaults to 0 or less;
    /// a smoothing term added in it that defaults to a negative value. True when one was found: the site's own
    /// finding would only repeat it.
    /// </summary>
    private bool GuardDefaults(int operand, Env env, Op site)
    {
        bool found = false;
        if (_f[operand] is { Op: Op.Hyper } bare)
        {
            // A divisor is LG0306 by itself (HyperDefaults); the Log of Xlogy(t, h) is a Log of h too.
            return site switch
            {
                Op.Log when _f.Hypers[bare.Index].Default is <= 0 and var v => ReportHyper(bare.Index, v == 0 ? "is the argument of a Log, which is −∞ there" : "is the argument of a Log, which is NaN there"),
                Op.Sqrt when _f.Hypers[bare.Index].Default is < 0 => ReportHyper(bare.Index, "is the argument of a Sqrt, which is NaN there"),
                _ => false,
            };
        }

        Walk(operand, +1, additive: false);
        return found;

        void Walk(int id, int sign, bool additive)
        {
            Node n = _f[id];
            switch (n.Op)
            {
                // A term of a sum: what a smoothing term is.
                case Op.Add:
                    Walk(n.A, sign, additive: true);
                    Walk(n.B, sign, additive: true);
                    break;
                case Op.Subtract:
                    Walk(n.A, sign, additive: true);
                    Walk(n.B, -sign, additive: true);
                    break;
                case Op.Negate:
                    Walk(n.A, -sign, additive);
                    break;
                case Op.Multiply:
                    Walk(n.A, sign, additive: false);
                    Walk(n.B, sign, additive: false);
                    break;
                case Op.Max:
                    foreach ((int guard, int value) in new[] { (n.A, n.B), (n.B, n.A) })
                    {
                        if (_f[guard] is { Op: Op.Hyper } h && _f.Hypers[h.Index].Default is <= 0 && _f.DependsOnData(value) && Eval(value, env).Lo <= 0)
                        {
                            string max = _f.CallsOf(id, "Max").Select(FixText.Quote).FirstOrDefault() ?? "the Max";
                            found |= ReportHyper(h.Index, $"does not keep '{max}' above 0");
                        }
                    }

                    break;
                case Op.Hyper when additive && sign > 0 && _f.Hypers[n.Index].Default is < 0:
                    found |= ReportHyper(n.Index, "is added to a value that must stay positive, and can make it 0 or negative");
                    break;
            }
        }
    }

    private bool ReportHyper(int index, string what)
    {
        Hyper hyper = _f.Hypers[index];
        if (hyper.DefaultSyntax is { } syntax && _hypersReported.Add(index))
        {
            _findings.Add(new Finding(HyperparameterDefaultOutOfRange, syntax.GetLocation(), [FixText.Quote(syntax), hyper.Name, what]));
        }

        return hyper.DefaultSyntax is not null;
    }

    // ---- LG0302: Log(Sigmoid(z)), Log(1 - Sigmoid(z)), Log(Softmax(x)) --------------------------------

    private void LogOfSigmoidOrSoftmax()
    {
        foreach (InvocationExpressionSyntax log in Calls("Log"))
        {
            if (log.ArgumentList.Arguments is not [{ Expression: { } argument }] || _f.NodeOf(argument) is not { } a)
            {
                continue;
            }

            ExpressionSyntax inner = FixText.Peel(argument);
            if (_f.CallsOf(a, "Softmax").Any())
            {
                string? row = CopyableCalls(a, log, "Softmax").Select(Arg).FirstOrDefault(x => x is not null);
                ReportLogOf(log, "Softmax", row is null ? null : $"{FixText.LossMath(_f.Model, log, "LogSoftmax")}({row})", "Use LogSoftmax");
                continue;
            }

            if (inner is ElementAccessExpressionSyntax { ArgumentList.Arguments: [{ Expression: { } label }] } access
                && _f.NodeOf(access.Expression) is { } rowNode && CopyableCalls(rowNode, log, "Softmax").Select(Arg).FirstOrDefault(x => x is not null) is { } x)
            {
                ReportLogOf(log, "Softmax", $"{FixText.LossMath(_f.Model, log, "LogSoftmax")}({x})[{FixText.Text(label)}]", "Use LogSoftmax");
                continue;
            }

            // A sigmoid that is guarded (z > -10 ? Log(Sigmoid(z)) : z) never underflows: only a Log whose
            // argument can be 0 somewhere is reported.
            if (_f.NodeOf(log) is not { } node || !CanBeZeroSomewhere(node))
            {
                continue;
            }

            if (SigmoidArgument(a, log) is { } z)
            {
                ReportLogOf(log, "Sigmoid", $"{FixText.LossMath(_f.Model, log, "LogSigmoid")}({FixText.Text(z)})", "Use LogSigmoid");
            }
            else if (_f[a] is { Op: Op.Subtract } difference && _f[difference.A].Is(1) && SigmoidArgument(difference.B, log) is { } y)
            {
                ReportLogOf(log, "Sigmoid", $"{FixText.LossMath(_f.Model, log, "LogSigmoid")}({FixText.Negate(y)})", "Use LogSigmoid", oneMinus: true);
            }
        }

        string? Arg(InvocationExpressionSyntax call) => call.ArgumentList.Arguments is [{ Expression: { } e }] ? FixText.Text(e) : null;
    }

    /// <summary>The argument of a Sigmoid call that computes node <paramref name="id"/>, one that can be copied to <paramref name="site"/>.</summary>
    private ExpressionSyntax? SigmoidArgument(int id, SyntaxNode site)
        => CopyableCalls(id, site, "Sigmoid").Select(c => c.ArgumentList.Arguments is [{ Expression: { } e }] ? e : null).FirstOrDefault(e => e is not null);

    /// <summary>The calls of <paramref name="functions"/> that compute node <paramref name="id"/> and can be copied to <paramref name="site"/> (see <see cref="FormulaView.SyntaxFor"/>), nearest first.</summary>
    private IEnumerable<InvocationExpressionSyntax> CopyableCalls(int id, SyntaxNode site, params string[] functions)
        => _f.CallsOf(id, functions)
            .Where(c => site.Span.Contains(c.Span) || c.Span.End <= site.SpanStart)
            .OrderBy(c => site.Span.Contains(c.Span) ? 0 : 1)
            .ThenBy(c => c.SpanStart);

    private void ReportLogOf(InvocationExpressionSyntax log, string function, string? replacement, string title, bool oneMinus = false)
    {
        _handled.Add(log);
        string stable = function == "Sigmoid" ? "LogSigmoid" : "LogSoftmax";
        // Where the argument of the log rounds to 0 in float: σ(z) past e^−z's overflow, 1 − σ(z) once σ(z) rounds to
        // 1 (e^−z below half an ulp of 1), a softmax entry past e^(x − max)'s underflow.
        string where = function != "Sigmoid" ? "the softmax underflows to 0 (a logit about 88 or more below the row's largest, in float)"
            : oneMinus ? "the sigmoid rounds to 1 (an argument above about 17 in float, 37 in double)"
            : "the sigmoid underflows to 0 (an argument below about −88 in float)";
        _findings.Add(new Finding(LogOfProbabilityFunction, log.GetLocation(), [FixText.Quote(log), where, replacement ?? stable], replacement, replacement is null ? null : title));
    }

    /// <summary>A Log node (not one the IR folded away, as Log(Exp(x)) or Log(2)) whose argument can be 0 on some path.</summary>
    private bool CanBeZeroSomewhere(int logNode)
        => _f[logNode].Op == Op.Log && _reached.TryGetValue(logNode, out List<Env>? envs) && envs.Any(e => Eval(_f[logNode].A, e).CanBeZero);

    // ---- LG0305: Log(1 + Exp(x)), Log(Sum(Exp(x))), Log1p(Exp(x)) --------------------------------------

    private void LogOfOverflowingExp()
    {
        foreach ((int id, List<Env> envs) in Reached(Op.Log, Op.Log1p))
        {
            Node log = _f[id];
            if (envs.Select(e => OverflowingExp(log.A, e)).FirstOrDefault(e => e is not null) is not { } exp)
            {
                continue;
            }

            foreach (InvocationExpressionSyntax call in _f.CallsOf(id, "Log", "Log1p").Where(c => !_handled.Contains(c)))
            {
                Node argument = _f[log.A];
                string? function = (log.Op, argument.Op) switch
                {
                    (Op.Log1p, _) when log.A == exp => "Softplus",
                    (Op.Log, Op.Add) when (argument.A == exp && _f[argument.B].Is(1)) || (argument.B == exp && _f[argument.A].Is(1)) => "Softplus",
                    (Op.Log, Op.ReduceSum) when argument.A == exp => "LogSumExp",
                    _ => null,
                };
                ExpressionSyntax? x = _f.SyntaxFor(_f[exp].A, call);
                string exponent = x is null ? "the exponent" : $"'{FixText.Quote(x)}'";
                string? replacement = function is not null && x is not null ? $"{FixText.LossMath(_f.Model, call, function)}({FixText.Text(x)})" : null;
                string advice = replacement is not null
                    ? $"use '{replacement}', the same value computed without overflow"
                    : "subtract the largest exponent before the Exp and add it back after the Log, as LogSumExp and Softplus do";
                _handled.Add(call);
                _findings.Add(new Finding(LogOfOverflowingExponential, call.GetLocation(), [FixText.Quote(call), exponent, advice], replacement, function is null ? null : "Use " + function));
            }
        }
    }

    /// <summary>An Exp inside a sum (or a positively scaled one) under <paramref name="id"/> whose exponent can exceed float's overflow threshold.</summary>
    private int? OverflowingExp(int id, Env env)
    {
        Node n = _f[id];
        return n.Op switch
        {
            Op.Exp => Eval(n.A, env).Hi > Interval.ExpOverflow ? id : null,
            Op.Add => OverflowingExp(n.A, env) ?? OverflowingExp(n.B, env),
            Op.Subtract or Op.ReduceSum => OverflowingExp(n.A, env),
            Op.Multiply when !_f.DependsOnData(n.A) && Eval(n.A, env).IsPositive => OverflowingExp(n.B, env),
            Op.Multiply when !_f.DependsOnData(n.B) && Eval(n.B, env).IsPositive => OverflowingExp(n.A, env),
            Op.Divide when !_f.DependsOnData(n.B) && Eval(n.B, env).IsPositive => OverflowingExp(n.A, env),
            _ => null,
        };
    }

    // ---- LG0301: Log of a value that can be 0 ------------------------------------------------------------

    private void LogsOfZero()
    {
        foreach ((int id, List<Env> envs) in Reached(Op.Log))
        {
            int operand = _f[id].A;
            // A setting's Log or Sqrt has no gradient and its value is LG0306's business.
            if (envs.Any(e => GuardDefaults(operand, e, Op.Log)) || !_f.DependsOnData(operand))
            {
                continue;
            }

            List<Env> bad = envs.Where(e => Eval(operand, e).CanBeZero && !IsOffset(operand, e)).ToList();
            if (bad.Count == 0)
            {
                continue;
            }

            Interval range = bad.Select(e => Eval(operand, e)).Aggregate((x, y) => x.Union(y));
            foreach (InvocationExpressionSyntax call in _f.CallsOf(id, "Log").Where(c => !_handled.Contains(c)))
            {
                if (call.ArgumentList.Arguments is not [{ Expression: { } argument }])
                {
                    continue;
                }

                string? replacement = null, advice = "add a small positive offset, or bound it below with Max(x, c) for some c > 0";
                if (range.IsProbabilityLike)
                {
                    string epsilon = FixText.LossMath(_f.Model, call, "Epsilon");
                    replacement = $"{FixText.Text(call.Expression)}({FixText.LossMath(_f.Model, call, "Clamp")}({FixText.Text(argument)}, {epsilon}, 1 - {epsilon}))";
                    advice = "clamp it to [Epsilon, 1 - Epsilon], the probability clamp chosen per element type";
                }

                _findings.Add(new Finding(LogOfZero, call.GetLocation(), [FixText.Quote(argument), WhyZero(operand, bad[0]), advice], replacement, replacement is null ? null : "Clamp to [Epsilon, 1 - Epsilon]"));
            }
        }
    }

    // ---- LG0303: Sqrt of a value that can be 0 -------------------------------------------------------------

    private void SqrtsOfZero()
    {
        foreach ((int id, List<Env> envs) in Reached(Op.Sqrt))
        {
            int operand = _f[id].A;
            // A setting's Log or Sqrt has no gradient and its value is LG0306's business.
            if (envs.Any(e => GuardDefaults(operand, e, Op.Sqrt)) || !_f.DependsOnData(operand))
            {
                continue;
            }

            List<Env> bad = envs.Where(e => Eval(operand, e).CanBeZero && !IsOffset(operand, e)).ToList();
            if (bad.Count == 0)
            {
                continue;
            }

            foreach (InvocationExpressionSyntax call in _f.CallsOf(id, "Sqrt", "Pow"))
            {
                (string? replacement, string? title) = SqrtReplacement(operand, call);
                string advice = replacement is null
                    ? "add a small positive term inside, or use Norm or Distance for a norm, whose gradient at 0 is 0"
                    : $"use '{replacement}', the same value with a gradient of 0 there";
                string argument = call.ArgumentList.Arguments.FirstOrDefault()?.Expression is { } e ? FixText.Quote(e) : FixText.Quote(call);
                _findings.Add(new Finding(SqrtOfZero, call.GetLocation(), [argument, WhyZero(operand, bad[0]), advice], replacement, title));
            }
        }
    }

    /// <summary>√(Σ x²) is Norm(x), √(Σ (x − y)²) is Distance(x, y), √(x²) is |x|: each with the subgradient 0 at 0.</summary>
    private (string? Replacement, string? Title) SqrtReplacement(int operand, InvocationExpressionSyntax site)
    {
        Node o = _f[operand];
        string Call(string function, params ExpressionSyntax[] arguments)
            => $"{FixText.LossMath(_f.Model, site, function)}({string.Join(", ", arguments.Select(FixText.Text))})";

        // The operand written as one call: SquaredDistance(x, y), SquaredNorm(x), Dot(x, x).
        foreach (InvocationExpressionSyntax call in _f.CallsOf(operand, "SquaredDistance", "SquaredNorm", "Dot")
            .Where(c => site.Span.Contains(c.Span) || c.Span.End <= site.SpanStart))
        {
            ExpressionSyntax[] args = call.ArgumentList.Arguments.Select(a => a.Expression).ToArray();
            switch (_f.FunctionOf(call))
            {
                case "SquaredDistance" when args.Length == 2:
                    return (Call("Distance", args), "Use Distance");
                case "SquaredNorm" when args.Length == 1:
                case "Dot" when args.Length == 2:
                    return (Call("Norm", args[0]), "Use Norm");
            }
        }

        if (o.Op == Op.ReduceSum && _f[o.A] is { Op: Op.Multiply } square && square.A == square.B)
        {
            if (_f[square.A] is { Op: Op.Subtract } d && _f.SyntaxFor(d.A, site) is { } x && _f.SyntaxFor(d.B, site) is { } y)
            {
                return (Call("Distance", x, y), "Use Distance");
            }

            return _f.SyntaxFor(square.A, site) is { } v ? (Call("Norm", v), "Use Norm") : (null, null);
        }

        if (o.Op == Op.Multiply && o.A == o.B && _f.SyntaxFor(o.A, site) is { } value)
        {
            return (Call("Abs", value), "Use Abs");
        }

        return (null, null);
    }

    // ---- LG0304: division by a sum that can be 0 -----------------------------------------------------------

    private void DivisionBySum()
    {
        foreach ((BinaryExpressionSyntax slash, int denominator, List<(int Id, Env Env)> divisions) in Divisions())
        {
            if (divisions.Any(d => GuardDefaults(denominator, d.Env, Op.Divide)) || divisions.All(d => IsNormalization(_f[d.Id])))
            {
                continue;
            }

            if (!divisions.Any(d => SumThatCanBeZero(denominator, d.Env, out _)))
            {
                continue;
            }

            SumThatCanBeZero(denominator, divisions.First(d => SumThatCanBeZero(denominator, d.Env, out _)).Env, out List<int> zeroSettings);
            string[] names = zeroSettings.Distinct().Select(k => _f.Hypers[k].Name).ToArray();
            string when = names.Length == 0
                ? "when everything it sums is 0 (an all-zero row, such as an empty mask)"
                : $"when everything it sums is 0 (an all-zero row, such as an empty mask), because {string.Join(" and ", names.Select(n => $"'{n}'"))} {(names.Length == 1 ? "is" : "are")} 0 by default";
            // A norm or distance (a cosine's ‖x‖·‖y‖) is clamped, as PyTorch's cosine_similarity clamps with eps = 1e-8: a
            // smoothing term would bias every cosine, where a clamp changes only the rows that would divide by 0.
            ExpressionSyntax bare = slash.Right is ParenthesizedExpressionSyntax parenthesized ? parenthesized.Expression : slash.Right;
            string advice = names.Length > 0 ? $"give {string.Join(" and ", names.Select(n => $"'{n}'"))} a positive default (1 is usual)"
                : HasRoot(denominator) ? $"bound it away from 0, as PyTorch's cosine_similarity does: 'Max({FixText.Text(bare)}, 1e-8)'"
                : "add a positive smoothing term to the numerator and the denominator (Dice and Jaccard use smooth = 1)";
            _findings.Add(new Finding(DivisionBySumThatCanBeZero, slash.Right.GetLocation(), [FixText.Quote(slash.Right), when, advice]));
        }
    }

    /// <summary>
    /// Each <c>/</c> the user wrote, with its denominator's node and the divisions by it that some input reaches
    /// (the IR may have moved a division: −a / b is −(a / b), and (c ? a : 0) / b is c ? a / b : 0).
    /// </summary>
    private IEnumerable<(BinaryExpressionSyntax Slash, int Denominator, List<(int Id, Env Env)> Divisions)> Divisions()
    {
        foreach (BinaryExpressionSyntax slash in Enumerable.Range(0, _f.Nodes.Count).SelectMany(_f.Origins).OfType<BinaryExpressionSyntax>()
            .Where(b => b.IsKind(SyntaxKind.DivideExpression)).Distinct().OrderBy(b => b.SpanStart))
        {
            if (_f.NodeOf(slash.Right) is not { } denominator)
            {
                continue;
            }

            var divisions = Reached(Op.Divide).Where(d => _f[d.Id].B == denominator).SelectMany(d => d.Envs.Select(e => (d.Id, e))).ToList();
            if (divisions.Count > 0)
            {
                yield return (slash, denominator, divisions);
            }
        }
    }

    /// <summary>
    /// A denominator made only of row sums of plain arithmetic on the data (Sum, Dot, Mean, norms, …, added,
    /// subtracted or scaled by settings; see <see cref="IsZeroableSum"/>) that can all be 0, with no positive constant or setting added to
    /// keep it away from 0. <paramref name="zeroSettings"/> are the hyperparameters added to it that are 0 by default.
    /// </summary>
    private bool SumThatCanBeZero(int denominator, Env env, out List<int> zeroSettings)
    {
        var settings = new List<int>();
        zeroSettings = settings;
        bool sums = false, other = false, offset = false;
        Walk(denominator, +1);
        return sums && !other && !offset && Eval(denominator, env).CanBeZero;

        void Walk(int id, int sign)
        {
            Node n = _f[id];
            if (!_f.DependsOnData(id))
            {
                Interval value = Eval(id, env);
                offset |= sign * value.Lo > 0 || sign * value.Hi < 0;
                if (value.IsPoint && value.Lo == 0)
                {
                    settings.AddRange(Hypers(id));
                }

                return;
            }

            switch (n.Op)
            {
                case Op.Add:
                    Walk(n.A, sign);
                    Walk(n.B, sign);
                    break;
                case Op.Subtract:
                    Walk(n.A, sign);
                    Walk(n.B, -sign);
                    break;
                case Op.Negate:
                    Walk(n.A, -sign);
                    break;
                case Op.Multiply when !_f.DependsOnData(n.A):
                    Walk(n.B, sign);
                    break;
                case Op.Multiply when !_f.DependsOnData(n.B):
                    Walk(n.A, sign);
                    break;
                case Op.Divide when _f[n.B].Op == Op.RowLength || !_f.DependsOnData(n.B):
                    Walk(n.A, sign);
                    break;
                default:
                    sums |= IsZeroableSum(id, env);
                    other |= !IsZeroableSum(id, env);
                    break;
            }
        }
    }

    /// <summary>True when <paramref name="id"/> takes a square root of a row sum: a norm or a distance, or a product or sum with one.</summary>
    private bool HasRoot(int id)
    {
        Node n = _f[id];
        return n.Op switch
        {
            Op.Sqrt => true,
            Op.Select => HasRoot(n.B) || HasRoot(n.C),
            Op.Add or Op.Subtract or Op.Multiply or Op.Divide => HasRoot(n.A) || HasRoot(n.B),
            Op.Negate => HasRoot(n.A),
            _ => false,
        };
    }

    /// <summary>
    /// A row sum of plain arithmetic on the data (Sum, Dot, SquaredNorm, …) whose elements can all be 0; a
    /// norm or distance of one (its square root); or a product with such a factor (‖x‖·‖y‖ of a cosine).
    /// </summary>
    private bool IsZeroableSum(int id, Env env)
    {
        Node n = _f[id];
        return n.Op switch
        {
            Op.ReduceSum => !_f.HasTranscendental(n.A) && Eval(n.A, env).CanBeZero,
            Op.Sqrt => IsZeroableSum(n.A, env),
            // Norm and Distance: s ≤ 0 ? 0 : √s.
            Op.Select => (_f[n.B].Is(0) && IsZeroableSum(n.C, env)) || (_f[n.C].Is(0) && IsZeroableSum(n.B, env)),
            Op.Multiply => _f.DependsOnData(n.A) && _f.DependsOnData(n.B) && (IsZeroableSum(n.A, env) || IsZeroableSum(n.B, env)),
            _ => false,
        };
    }

    /// <summary>x / Sum(x), or x[label] / Sum(x): a row renormalized to sum to 1, where a row summing to 0 is not a distribution to begin with.</summary>
    private bool IsNormalization(Node division)
    {
        Node numerator = _f[division.A], denominator = _f[division.B];
        return denominator.Op == Op.ReduceSum
            && (division.A == denominator.A || (numerator.Op == Op.Gather && _f[denominator.A] is { Op: Op.RowInput } row && row.Index == numerator.Index));
    }

    // ---- shared --------------------------------------------------------------------------------------------

    /// <summary>
    /// An offset the author added against 0: a positive constant or setting added to values that are all added
    /// (x + 1), or a small one added to anything (1 − p + 1e-7, x + Epsilon, x + smooth).
    /// </summary>
    private bool IsOffset(int operand, Env env)
    {
        bool small = false, positive = false, subtractsData = false;
        Walk(operand, +1);
        return small || (positive && !subtractsData);

        void Walk(int id, int sign)
        {
            Node n = _f[id];
            if (!_f.DependsOnData(id))
            {
                Interval value = Eval(id, env);
                bool adds = sign > 0 ? value.Lo > 0 : value.Hi < 0;
                positive |= adds;
                small |= adds && (n.Op is Op.Epsilon or Op.Hyper || Math.Abs(sign > 0 ? value.Hi : value.Lo) <= SmallOffset);
                return;
            }

            switch (n.Op)
            {
                case Op.Add:
                    Walk(n.A, sign);
                    Walk(n.B, sign);
                    break;
                case Op.Subtract:
                    Walk(n.A, sign);
                    Walk(n.B, -sign);
                    break;
                case Op.Negate:
                    Walk(n.A, -sign);
                    break;
                default:
                    subtractsData |= sign < 0;
                    break;
            }
        }
    }

    /// <summary>Why a node can be 0, in a few words for the message.</summary>
    private string WhyZero(int id, Env env)
    {
        Node n = _f[id];
        foreach ((string function, string why) in new[]
        {
            ("Sigmoid", "a sigmoid underflows to 0"),
            ("Softmax", "a softmax underflows to 0"),
            ("Mean", "a mean of values that can be 0"),
            ("Sum", "a sum of values that can be 0"),
            ("Dot", "a sum of products that can be 0"),
            ("SquaredNorm", "it is 0 for a zero row"),
            ("SquaredDistance", "it is 0 where the rows are equal"),
        })
        {
            if (_f.CallsOf(id, function).Any())
            {
                return why;
            }
        }

        return n.Op switch
        {
            Op.Input or Op.RowInput or Op.RowValue or Op.Gather => $"'{InputName(n)}' is an input{(Eval(id, env).IsProbabilityLike ? ", a probability" : "")}",
            Op.Hyper => $"'{_f.Hypers[n.Index].Name}' is 0 by default",
            Op.Subtract => "it is a difference",
            Op.Multiply when n.A == n.B => "it is a square",
            Op.Multiply => "it is a product of values that can be 0",
            Op.Divide when _f[n.B].Op == Op.RowLength && _f[n.A].Op == Op.ReduceSum => "a mean of values that can be 0",
            Op.ReduceSum => "a sum of values that can be 0",
            Op.Exp => "an exponential underflows to 0",
            Op.Abs => "it is an absolute value",
            Op.Select => "one of its branches can be 0",
            _ => "nothing keeps it above 0",
        };
    }

    private string InputName(Node n)
        => _f.InputNames.TryGetValue((n.Op == Op.Gather ? Op.RowInput : n.Op, n.Index), out string? name) ? name : "an input";

    private IEnumerable<int> Hypers(int id)
    {
        Node n = _f[id];
        return n.Op == Op.Hyper ? new[] { n.Index } : FormulaView.Operands(n).SelectMany(Hypers).Distinct();
    }

    /// <summary>Every call of <paramref name="function"/> in the formula, in source order.</summary>
    private IEnumerable<InvocationExpressionSyntax> Calls(string function)
        => Enumerable.Range(0, _f.Nodes.Count).SelectMany(id => _f.CallsOf(id, function)).Distinct().OrderBy(c => c.SpanStart);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
