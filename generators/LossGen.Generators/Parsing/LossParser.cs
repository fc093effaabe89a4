using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using LossGen.Generators.Ir;
using LossGen.Generators.Model;
using LossGen.Kernels;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static LossGen.Generators.Diagnostics.DiagnosticDescriptors;

namespace LossGen.Generators.Parsing;

/// <summary>
/// Turns a [Loss] method into a <see cref="LossSpec"/>: checks the declaration, then lowers the body
/// to the formula IR. Every problem becomes a diagnostic at the offending node; nothing throws.
/// </summary>
internal sealed class LossParser
{
    public const string LossAttributeName = "LossGen.LossAttribute";
    internal const string TargetAttributeName = "LossGen.TargetAttribute";
    internal const string HyperAttributeName = "LossGen.HyperAttribute";
    private const string RowTypeName = "LossGen.Row";

    private readonly SemanticModel _model;
    private readonly CancellationToken _cancellationToken;
    private readonly Graph _graph = new();
    private readonly List<DiagnosticInfo> _diagnostics = new();

    /// <summary>True when the declaration cannot compile for a reason another loss reports (a non-partial type).</summary>
    private bool _failsWithoutReport;
    private readonly Dictionary<ISymbol, int> _values = new(SymbolEqualityComparer.Default);
    private readonly List<NamedNode> _names = new();

    private readonly Action<ExpressionSyntax, int>? _onLowered;

    private LossParser(SemanticModel model, CancellationToken cancellationToken, Action<ExpressionSyntax, int>? onLowered = null)
    {
        _model = model;
        _cancellationToken = cancellationToken;
        _onLowered = onLowered;
    }

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
        {
            // A local function, lambda, accessor or operator: [Loss] allows them (they are methods), LossGen does not.
            var at = context.TargetNode is LocalFunctionStatementSyntax local ? local.Identifier.GetLocation() : context.TargetNode.GetLocation();
            return new ParseResult(null, new[] { DiagnosticInfo.Create(LossOnNonMethod, at, DescribeTarget(context.TargetNode)) }.ToEquatableArray());
        }

        return new LossParser(context.SemanticModel, cancellationToken).Parse(method, syntax, context.Attributes);
    }

    /// <summary>
    /// The same parse for the formula analyzers, which have no generator context: <paramref name="attributes"/>
    /// are the method's [Loss] attributes. <paramref name="onLowered"/>, when given, is told the IR node of every
    /// expression of the body as it is lowered (an expression can be told more than once, and several
    /// expressions can share a node); the result is the same with or without it.
    /// </summary>
    public static ParseResult Parse(SemanticModel model, IMethodSymbol method, MethodDeclarationSyntax syntax, IEnumerable<AttributeData> attributes, Action<ExpressionSyntax, int>? onLowered, CancellationToken cancellationToken)
        => new LossParser(model, cancellationToken, onLowered).Parse(method, syntax, attributes);

    private ParseResult Parse(IMethodSymbol method, MethodDeclarationSyntax syntax, IEnumerable<AttributeData> attributes)
    {
        // A method that does not compile gets the compiler's errors, not ours, and no kernels. Asking the compiler
        // for them binds the method a second time (and completes every symbol of the file), which on each keystroke
        // of a 500-loss project cost more than the rest of the generator: so they are asked for only when the parse
        // fails (an LG error, or an exception that broken code can cause). Syntax errors, and the signature errors
        // that the overloads would copy, are checked here directly. A body the parse accepts reads only parameters,
        // locals and LossMath, so its kernels compile; another error in it (a bad conversion) is the compiler's.
        if ((syntax.ContainsDiagnostics && syntax.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error)) || HasSignatureErrors(method))
        {
            return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        ParseResult result;
        try
        {
            result = ParseDeclaration(method, syntax, attributes);
        }
        catch (Exception e) when (e is not OperationCanceledException && HasCompileErrors(syntax))
        {
            return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        return result.Spec is null && HasCompileErrors(syntax) ? new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty) : result;
    }

    /// <summary>Two parameters of one name (CS0100), or a required parameter after an optional one (CS1737).</summary>
    private static bool HasSignatureErrors(IMethodSymbol method)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        bool optional = false;
        foreach (IParameterSymbol p in method.Parameters)
        {
            if (!names.Add(p.Name) || (optional && !p.HasExplicitDefaultValue && !p.IsParams))
            {
                return true;
            }

            optional |= p.HasExplicitDefaultValue;
        }

        return false;
    }

    /// <summary>Compiler errors in the method. Warnings promoted by TreatWarningsAsErrors (CS1591 on an undocumented formula) do not count.</summary>
    private bool HasCompileErrors(MethodDeclarationSyntax syntax) => _model.GetDiagnostics(syntax.Span, _cancellationToken).Any(IsError);

    private static bool IsError(Diagnostic d) => d.Severity == DiagnosticSeverity.Error && !d.IsWarningAsError;

    private ParseResult ParseDeclaration(IMethodSymbol method, MethodDeclarationSyntax syntax, IEnumerable<AttributeData> attributes)
    {
        EquatableArray<ContainingType> containingTypes = CheckDeclaration(method, syntax);
        EquatableArray<LossParameter> parameters = CheckParameters(method, syntax);
        int elementTypes = CheckElementTypes(method, attributes);
        bool clean = _diagnostics.Count == 0 && !_failsWithoutReport;
        if (clean)
        {
            CheckGeneratedMembers(method, parameters, elementTypes);
        }

        int root = clean && _diagnostics.Count == 0 ? LowerBody(syntax) : -1;
        if (root < 0 && clean && _diagnostics.Count == 0)
        {
            Report(UnsupportedBody, syntax.Identifier.GetLocation(), "a body without a return statement");
        }

        if (_diagnostics.Count > 0 || _failsWithoutReport)
        {
            return new ParseResult(null, _diagnostics.ToEquatableArray());
        }

        var formula = new Formula(_graph.Nodes.ToEquatableArray(), root, _names.ToEquatableArray(), FormulaText(syntax));
        var spec = new LossSpec(
            method.ContainingNamespace.IsGlobalNamespace ? null : method.ContainingNamespace.ToDisplayString(),
            containingTypes,
            method.Name,
            SyntaxFacts.GetText(method.DeclaredAccessibility),
            Summary(method, _cancellationToken),
            parameters,
            elementTypes,
            formula);
        return new ParseResult(spec, EquatableArray<DiagnosticInfo>.Empty);
    }

    private EquatableArray<ContainingType> CheckDeclaration(IMethodSymbol method, MethodDeclarationSyntax syntax)
    {
        if (!method.IsStatic)
        {
            Report(LossMustBeStatic, syntax.Identifier.GetLocation(), method.Name);
        }

        if (!method.ReturnType.SpecialType.Equals(SpecialType.System_Double))
        {
            Report(ReturnTypeMustBeDouble, syntax.ReturnType.GetLocation(), method.Name);
        }

        if (method.IsGenericMethod)
        {
            Report(GenericLoss, syntax.Identifier.GetLocation(), method.Name);
        }

        if (method.ContainingType.GetMembers(method.Name).Count(m => HasAttribute(m, LossAttributeName)) > 1)
        {
            Report(OverloadedLoss, syntax.Identifier.GetLocation(), method.Name, method.ContainingType.Name);
        }

        var types = new List<ContainingType>();
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            bool isPartial = type.DeclaringSyntaxReferences.Any(r => r.GetSyntax(_cancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!isPartial && IsFirstLossIn(type, method))
            {
                // At the type, where the keyword goes, once: its first loss reports it and the others fail with it.
                Location at = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault()?.Identifier.GetLocation()
                    ?? syntax.Identifier.GetLocation();
                Report(TypeMustBePartial, at, type.Name, method.Name);
            }
            else if (!isPartial)
            {
                _failsWithoutReport = true;
            }

            if (type.IsGenericType)
            {
                Report(GenericLoss, syntax.Identifier.GetLocation(), method.Name);
            }

            if (type.IsFileLocal)
            {
                Report(LossInFileLocalType, syntax.Identifier.GetLocation(), method.Name, type.Name);
            }

            types.Insert(0, new ContainingType(Keyword(type), type.Name));
        }

        return types.ToEquatableArray();
    }

    /// <summary>True when <paramref name="method"/> is the first [Loss] method, in source order, of <paramref name="type"/> or a type nested in it.</summary>
    private static bool IsFirstLossIn(INamedTypeSymbol type, IMethodSymbol method)
        => LossesIn(type)
            .OrderBy(m => m.Locations.FirstOrDefault()?.SourceTree?.FilePath, StringComparer.Ordinal)
            .ThenBy(m => m.Locations.FirstOrDefault()?.SourceSpan.Start)
            .FirstOrDefault() is { } first && SymbolEqualityComparer.Default.Equals(first, method);

    private static IEnumerable<IMethodSymbol> LossesIn(INamedTypeSymbol type)
        => type.GetMembers().OfType<IMethodSymbol>().Where(m => HasAttribute(m, LossAttributeName)).Concat(type.GetTypeMembers().SelectMany(LossesIn));

    private EquatableArray<LossParameter> CheckParameters(IMethodSymbol method, MethodDeclarationSyntax syntax)
    {
        // Row or int parameters make a row formula; its other non-hyper doubles are then one value per row.
        bool rowFormula = IsRowFormula(method);
        var parameters = new List<LossParameter>();
        var counts = new Dictionary<ParameterShape, int>();
        int hypers = 0;
        bool unsupported = false;
        foreach (IParameterSymbol p in method.Parameters)
        {
            bool target = HasAttribute(p, TargetAttributeName), hyper = HasAttribute(p, HyperAttributeName);
            Location location = p.Locations.FirstOrDefault() ?? syntax.Identifier.GetLocation();
            if (target && hyper)
            {
                Report(TargetAndHyper, location, p.Name);
            }

            bool flag = hyper && p.Type.SpecialType == SpecialType.System_Boolean;
            if (ShapeOf(p, rowFormula, hyper) is not { } s)
            {
                Report(UnsupportedParameter, location, p.Name, $"it is '{(hyper ? "[Hyper] " : "")}{RefKindKeyword(p.RefKind)}{p.Type.ToDisplayString()}'");
                unsupported = true;
                continue;
            }

            if (ReservedBy(p.Name, method, rowFormula) is { } reservedBy)
            {
                Report(ReservedParameterName, location, p.Name, reservedBy);
            }

            if (s == ParameterShape.Label && DomainOf(p) is { } labelDomain)
            {
                Report(DomainOnLabel, location, p.Name, labelDomain.Written(), "a label is a class index, always checked to lie in [0, rowLength)");
            }

            // Without Row inputs the formula is reported once, as LG0010, not once per parameter.
            if (s == ParameterShape.RowValue && !target && method.Parameters.Any(other => IsRow(other.Type)))
            {
                Report(RowValueMustBeTarget, location, p.Name, method.Name);
            }

            ParameterRole role = RoleOf(s, target, hyper, out bool shared);
            counts.TryGetValue(s, out int count);
            int index = role == ParameterRole.Hyper ? hypers++ : count;
            if (role != ParameterRole.Hyper)
            {
                counts[s] = count + 1;
            }

            string? defaultValue = DefaultValueOf(p);
            SettingRange? range = role == ParameterRole.Hyper ? RangeOf(p, flag, location) : null;
            parameters.Add(new LossParameter(p.Name, role, index, defaultValue, role == ParameterRole.Hyper ? ParameterShape.Element : s, role == ParameterRole.Hyper ? null : DomainOf(p), shared, range, flag,
                ParamDoc(method, p.Name, _cancellationToken)));
            // A flag is a number in the kernels (1 or 0) and a condition in the formula.
            _values[p] = flag ? _graph.Compare(Op.NotEqual, _graph.Hyper(index), _graph.Zero) : role == ParameterRole.Hyper ? _graph.Hyper(index) : s switch
            {
                ParameterShape.Row => _graph.RowInput(index),
                ParameterShape.Label => _graph.Label(index),
                ParameterShape.RowValue => _graph.RowValue(index),
                _ => _graph.Input(index),
            };
        }

        // The counts are of the parameters LossGen understood: after an LG0003 they would report the same mistake twice.
        int Count(ParameterShape shape) => counts.TryGetValue(shape, out int n) ? n : 0;
        if (unsupported)
        {
            return parameters.ToEquatableArray();
        }

        if (!rowFormula && Count(ParameterShape.Element) is 0 or > KernelContract.MaxInputs)
        {
            Report(WrongInputCount, syntax.Identifier.GetLocation(), method.Name, Count(ParameterShape.Element).ToString(CultureInfo.InvariantCulture));
        }

        bool perRowInput = parameters.Any(p => p.Shape == ParameterShape.Row && !p.Shared);
        if (rowFormula && (!perRowInput || Count(ParameterShape.Row) > KernelContract.MaxInputs || Count(ParameterShape.Label) > 2 || Count(ParameterShape.RowValue) > 2))
        {
            string what = $"{Count(ParameterShape.Row)} Row inputs, {Count(ParameterShape.Label)} int labels and {Count(ParameterShape.RowValue)} per-row values";
            Report(WrongRowInputCount, syntax.Identifier.GetLocation(), method.Name, what);
        }

        return parameters.ToEquatableArray();
    }

    /// <summary>
    /// What one value of a parameter covers, or null for a type a formula cannot take. The parser and the reader of
    /// compiled losses (<see cref="TensorFormsReader"/>) share this rule.
    /// </summary>
    internal static ParameterShape? ShapeOf(IParameterSymbol p, bool rowFormula, bool hyper)
        => p.RefKind != RefKind.None || p.IsParams ? null : p.Type switch
        {
            { SpecialType: SpecialType.System_Double } => rowFormula && !hyper ? ParameterShape.RowValue : ParameterShape.Element,
            { SpecialType: SpecialType.System_Boolean } when hyper => ParameterShape.Element,
            { SpecialType: SpecialType.System_Int32 } when !hyper => ParameterShape.Label,
            _ when IsRow(p.Type) => ParameterShape.Row,
            _ => null,
        };

    /// <summary>
    /// A parameter's role. Labels are class indices: they never get a gradient, marked [Target] or not. A [Hyper] Row is one
    /// row of settings shared by every row (class weights): <paramref name="shared"/>, an input without a gradient, not a
    /// scalar setting.
    /// </summary>
    internal static ParameterRole RoleOf(ParameterShape shape, bool target, bool hyper, out bool shared)
    {
        shared = hyper && shape == ParameterShape.Row;
        return shared ? ParameterRole.Target : hyper ? ParameterRole.Hyper : target || shape == ParameterShape.Label ? ParameterRole.Target : ParameterRole.Input;
    }

    /// <summary>A parameter's default value as C# source, or null.</summary>
    internal static string? DefaultValueOf(IParameterSymbol p)
        => !p.HasExplicitDefaultValue ? null
            : p.ExplicitDefaultValue is bool b ? (b ? "true" : "false")
            : Literal(Convert.ToDouble(p.ExplicitDefaultValue, CultureInfo.InvariantCulture));

    private static bool IsRow(ITypeSymbol type) => type.SpecialType == SpecialType.None && QualifiedName(type) == RowTypeName;

    /// <summary>
    /// "Namespace.Name" of a type declared directly in a top-level namespace (LossGen.Row, System.Math), without the cost
    /// of ToDisplayString, which the parse would otherwise pay for every attribute, parameter and call of every formula.
    /// </summary>
    private static string QualifiedName(ITypeSymbol type)
        => type is INamedTypeSymbol { ContainingType: null, Arity: 0, ContainingNamespace: { IsGlobalNamespace: false } ns } && ns.ContainingNamespace.IsGlobalNamespace
            ? ns.Name + "." + type.Name
            : type.ToDisplayString();

    /// <summary>
    /// The range a setting declares ([Positive], [NonNegative], [Probability], [InRange(min, max)]; several intersect), or
    /// null. [PlusOrMinusOne] and [ClassIndex] describe data, not settings, and a flag has no range: those are LG0016.
    /// </summary>
    private SettingRange? RangeOf(IParameterSymbol p, bool flag, Location location)
    {
        SettingRange? range = null;
        foreach ((ValueDomain domain, AttributeData attribute) in ValueDomains.Declared(p))
        {
            SettingRange? declared = domain switch
            {
                ValueDomain.Positive => new SettingRange(0, double.PositiveInfinity, true, "must be greater than 0 (it is declared [Positive])"),
                ValueDomain.NonNegative => new SettingRange(0, double.PositiveInfinity, false, "must be at least 0 (it is declared [NonNegative])"),
                ValueDomain.Probability => new SettingRange(0, 1, false, "must be in [0, 1] (it is declared [Probability])"),
                ValueDomain.InRange when attribute.ConstructorArguments is [{ Value: double min }, { Value: double max }]
                    => new SettingRange(min, max, false, $"must be in [{Literal(min)}, {Literal(max)}] (it is declared [InRange])"),
                _ => null,
            };
            if (domain is ValueDomain.PlusOrMinusOne or ValueDomain.ClassIndex || (flag && declared is not null))
            {
                Report(DomainOnLabel, location, p.Name, domain.Written(),
                    flag ? "a bool setting is true or false" : "it describes data; a setting declares [Positive], [NonNegative], [Probability] or [InRange(min, max)]");
                continue;
            }

            if (declared is not { } d)
            {
                continue;
            }

            // Several ranges: the values all of them allow.
            range = range is not { } r ? d : new SettingRange(
                Math.Max(r.Min, d.Min), Math.Min(r.Max, d.Max), r.Min == d.Min ? r.MinExclusive || d.MinExclusive : (r.Min > d.Min ? r.MinExclusive : d.MinExclusive), r.Rule + " and " + d.Rule);
        }

        return range;
    }

    /// <summary>The value domain an input declares; the overloads check it before the kernel runs.</summary>
    private static ValueDomain? DomainOf(IParameterSymbol p)
    {
        ValueDomain? checkedDomain = null;
        foreach ((ValueDomain domain, _) in ValueDomains.Declared(p))
        {
            // The first of the run-time-checked data domains in this order, whatever the attributes' order.
            if (domain is ValueDomain.PlusOrMinusOne or ValueDomain.Probability or ValueDomain.NonNegative && (checkedDomain is null || domain < checkedDomain))
            {
                checkedDomain = domain;
            }
        }

        return checkedDomain;
    }

    internal static bool IsRowFormula(IMethodSymbol method)
        => method.Parameters.Any(p => IsRow(p.Type) || (p.Type.SpecialType == SpecialType.System_Int32 && !HasAttribute(p, HyperAttributeName)));

    private int LowerBody(MethodDeclarationSyntax syntax)
    {
        if (syntax.ExpressionBody is { } arrow)
        {
            return Lower(arrow.Expression);
        }

        if (syntax.Body is not { } block)
        {
            Report(UnsupportedBody, syntax.Identifier.GetLocation(), "a method without a body");
            return -1;
        }

        int result = -1;
        foreach (StatementSyntax statement in block.Statements)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            switch (statement)
            {
                case LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, AwaitKeyword.RawKind: 0 } local when result < 0:
                    foreach (VariableDeclaratorSyntax variable in local.Declaration.Variables)
                    {
                        if (variable.Initializer is null || _model.GetDeclaredSymbol(variable, _cancellationToken) is not ILocalSymbol symbol)
                        {
                            Report(UnsupportedBody, variable.GetLocation(), "a local without an initializer");
                            continue;
                        }

                        int value = Lower(variable.Initializer.Value);
                        _values[symbol] = value;
                        if (!_names.Any(n => n.Id == value) && !_graph[value].IsConstant && _graph[value].Op is not (Op.Input or Op.Hyper))
                        {
                            _names.Add(new NamedNode(value, symbol.Name));
                        }
                    }

                    break;
                case ReturnStatementSyntax { Expression: { } expression } when result < 0:
                    result = Lower(expression);
                    break;
                default:
                    Report(UnsupportedBody, statement.GetLocation(), Describe(statement));
                    break;
            }
        }

        return result;
    }

    /// <summary>Lowers one expression to a node id; unsupported syntax is reported and becomes 0.</summary>
    private int Lower(ExpressionSyntax expression)
    {
        int id = LowerExpression(expression);
        _onLowered?.Invoke(expression, id);
        return id;
    }

    private int LowerExpression(ExpressionSyntax expression)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        Optional<object?> constant = _model.GetConstantValue(expression, _cancellationToken);
        if (constant.HasValue)
        {
            switch (constant.Value)
            {
                case bool b:
                    return _graph.Bool(b);
                case double or float or int or long or short or byte or sbyte or uint or ulong or ushort or decimal:
                    return _graph.Constant(Convert.ToDouble(constant.Value, CultureInfo.InvariantCulture));
            }
        }

        switch (expression)
        {
            case ParenthesizedExpressionSyntax p:
                return Lower(p.Expression);
            case CastExpressionSyntax cast when _model.GetTypeInfo(cast.Type, _cancellationToken).Type?.SpecialType == SpecialType.System_Double:
                return Lower(cast.Expression);
            case IdentifierNameSyntax or MemberAccessExpressionSyntax when IsEpsilon(expression):
                return _graph.Epsilon();
            case IdentifierNameSyntax name:
                if (_model.GetSymbolInfo(name, _cancellationToken).Symbol is { } symbol && _values.TryGetValue(symbol, out int value))
                {
                    return value;
                }

                return Unsupported(UnsupportedName, name, name.Identifier.Text);
            case MemberAccessExpressionSyntax { Name.Identifier.Text: "Length" } member when IsRowExpression(member.Expression):
                return _graph.RowLength();
            case ElementAccessExpressionSyntax access when IsRowExpression(access.Expression):
                return LowerIndex(access);
            case BinaryExpressionSyntax binary:
                return LowerBinary(binary);
            case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryMinusExpression):
                return _graph.Negate(Lower(unary.Operand));
            case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryPlusExpression):
                return Lower(unary.Operand);
            case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.LogicalNotExpression):
                return _graph.Not(Lower(unary.Operand));
            case ConditionalExpressionSyntax conditional:
                return _graph.Select(Lower(conditional.Condition), Lower(conditional.WhenTrue), Lower(conditional.WhenFalse));
            case InvocationExpressionSyntax invocation:
                return LowerCall(invocation);
            default:
                return Unsupported(UnsupportedExpression, expression, $"'{Describe(expression)}'");
        }
    }

    private int LowerBinary(BinaryExpressionSyntax binary)
    {
        SyntaxKind kind = binary.Kind();
        Op? compare = kind switch
        {
            SyntaxKind.LessThanExpression => Op.LessThan,
            SyntaxKind.LessThanOrEqualExpression => Op.LessThanOrEqual,
            SyntaxKind.GreaterThanExpression => Op.GreaterThan,
            SyntaxKind.GreaterThanOrEqualExpression => Op.GreaterThanOrEqual,
            SyntaxKind.EqualsExpression => Op.Equal,
            SyntaxKind.NotEqualsExpression => Op.NotEqual,
            _ => null,
        };
        if (kind is not (SyntaxKind.AddExpression or SyntaxKind.SubtractExpression or SyntaxKind.MultiplyExpression or SyntaxKind.DivideExpression
            or SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression) && compare is null)
        {
            return Unsupported(UnsupportedExpression, binary, $"the operator '{binary.OperatorToken.Text}'");
        }

        ITypeSymbol? type = _model.GetTypeInfo(binary, _cancellationToken).Type;

        // i / 3 of int locals truncates in C#, so the formula called directly would disagree with the kernels.
        if (kind == SyntaxKind.DivideExpression && type?.SpecialType is >= SpecialType.System_Char and <= SpecialType.System_UInt64)
        {
            return Unsupported(UnsupportedExpression, binary, "integer division");
        }

        // f * 3f of float locals rounds to float in C#; the kernels compute in T (double for double spans).
        if (type?.SpecialType is SpecialType.System_Single or SpecialType.System_Decimal)
        {
            return Unsupported(UnsupportedExpression, binary, $"arithmetic in '{type.ToDisplayString()}' rather than double");
        }

        int left = Lower(binary.Left), right = Lower(binary.Right);
        return kind switch
        {
            SyntaxKind.AddExpression => _graph.Add(left, right),
            SyntaxKind.SubtractExpression => _graph.Subtract(left, right),
            SyntaxKind.MultiplyExpression => _graph.Multiply(left, right),
            SyntaxKind.DivideExpression => _graph.Divide(left, right),
            SyntaxKind.LogicalAndExpression => _graph.And(left, right),
            SyntaxKind.LogicalOrExpression => _graph.Or(left, right),
            _ => _graph.Compare(compare!.Value, left, right),
        };
    }

    /// <summary><c>row[label]</c>: the row expression at the label's column; the index must be an int label parameter.</summary>
    private int LowerIndex(ElementAccessExpressionSyntax access)
    {
        if (access.ArgumentList.Arguments is not [{ NameColon: null, RefKindKeyword.RawKind: 0 } argument])
        {
            return Unsupported(IndexMustBeLabel, access, Describe(access));
        }

        int label = Lower(argument.Expression);
        if (_graph[label].Op != Op.Label)
        {
            return Unsupported(IndexMustBeLabel, argument, Describe(argument));
        }

        return _graph.At(Lower(access.Expression), label);
    }

    private bool IsRowExpression(ExpressionSyntax expression)
        => _model.GetTypeInfo(expression, _cancellationToken).Type is { } type && IsRow(type);

    private int LowerCall(InvocationExpressionSyntax invocation)
    {
        if (_model.GetSymbolInfo(invocation, _cancellationToken).Symbol is not IMethodSymbol callee)
        {
            return Unsupported(UnsupportedFunction, invocation.Expression, invocation.Expression.ToString());
        }

        if (invocation.ArgumentList.Arguments.Any(a => a.NameColon is not null || !a.RefKindKeyword.IsKind(SyntaxKind.None)))
        {
            return Unsupported(UnsupportedExpression, invocation, "a named or ref argument");
        }

        int[] arguments = invocation.ArgumentList.Arguments.Select(a => Lower(a.Expression)).ToArray();
        bool allDouble = callee.Parameters.All(p => p.Type.SpecialType == SpecialType.System_Double || IsRow(p.Type));
        string containingType = QualifiedName(callee.ContainingType);
        if (allDouble && FunctionTable.TryLower(containingType, callee.Name, _graph, arguments, out int result))
        {
            return result;
        }

        return Unsupported(UnsupportedFunction, invocation.Expression, $"{callee.ContainingType.Name}.{callee.Name}");
    }

    private bool IsEpsilon(ExpressionSyntax expression)
        => _model.GetSymbolInfo(expression, _cancellationToken).Symbol is IPropertySymbol { Name: "Epsilon" } property
            && QualifiedName(property.ContainingType) == "LossGen.LossMath";

    private int Unsupported(DiagnosticDescriptor descriptor, SyntaxNode node, string what)
    {
        Report(descriptor, node.GetLocation(), what);
        return _graph.Zero;
    }

    private void Report(DiagnosticDescriptor descriptor, Location location, params string[] arguments)
        => _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

    /// <summary>
    /// What in the generated public overloads already uses <paramref name="name"/>, or null when it is free. Names
    /// inside the kernels are the generator's to choose: a parameter named like one of them is renamed there.
    /// </summary>
    private static string? ReservedBy(string name, IMethodSymbol method, bool rowFormula)
    {
        if (rowFormula && name == GeneratedNames.RowLength)
        {
            return $"the '{GeneratedNames.RowLength}' parameter of the span overloads";
        }

        if (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None)
        {
            return "it is a C# keyword, written with '@'";
        }

        if (name is GeneratedNames.Reduction or GeneratedNames.Losses or GeneratedNames.SampleWeights)
        {
            return $"the '{name}' parameter of the span overloads";
        }

        return GeneratedNames.IsGradient(name, out string input) && method.Parameters.Any(other => other.Name == input) ? $"the gradient of '{input}'" : null;
    }

    private static string RefKindKeyword(RefKind kind) => kind switch
    {
        RefKind.Ref => "ref ",
        RefKind.Out => "out ",
        RefKind.In => "in ",
        RefKind.None => "",
        _ => "ref readonly ",
    };

    internal static bool HasAttribute(ISymbol symbol, string name)
        => symbol.GetAttributes().Any(a => a.AttributeClass is { } type && QualifiedName(type) == name);

    /// <summary>The attribute's element types, reported unless they name at least one known type and nothing else.</summary>
    private int CheckElementTypes(IMethodSymbol method, IEnumerable<AttributeData> attributes)
    {
        foreach (AttributeData attribute in attributes)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key == "ElementTypes" && argument.Value.Value is int value)
                {
                    if ((value & AllElementTypes) == 0 || (value & ~AllElementTypes) != 0)
                    {
                        Location at = attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken).GetLocation() ?? method.Locations[0];
                        Report(InvalidElementTypes, at, method.Name, value.ToString(CultureInfo.InvariantCulture));
                    }

                    return value;
                }
            }
        }

        return AllElementTypes;
    }

    /// <summary>LossElementTypes.All: float, double and Half.</summary>
    internal const int AllElementTypes = KernelContract.AllElementTypes;

    /// <summary>
    /// Members of the containing type that the generated methods would clash with: anything but a method named like a
    /// generated one (a field, property, event or nested type), a method with a generated signature, or the containing
    /// type itself named so (CS0542). Each is reported at the user's member.
    /// </summary>
    private void CheckGeneratedMembers(IMethodSymbol method, EquatableArray<LossParameter> parameters, int elementTypes)
    {
        INamedTypeSymbol type = method.ContainingType;
        var generated = GeneratedSignatures(method.Name, parameters, elementTypes);
        string[] names = GeneratedNames.Methods(method.Name);
        if (Array.IndexOf(names, type.Name) >= 0)
        {
            Report(GeneratedMemberTaken, type.Locations.FirstOrDefault() ?? method.Locations[0], "containing type", type.Name, method.Name);
        }

        foreach (string name in names)
        {
            foreach (ISymbol member in type.GetMembers(name))
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (SymbolEqualityComparer.Default.Equals(member, method) || member.IsImplicitlyDeclared)
                {
                    continue;
                }

                bool clash = member is not IMethodSymbol other
                    || generated.Contains(name + "(" + string.Join(",", other.Parameters.Select(p => p.Type.ToDisplayString())) + ")");
                if (clash)
                {
                    string kind = member switch
                    {
                        IMethodSymbol => "method",
                        IFieldSymbol => "field",
                        IPropertySymbol => "property",
                        IEventSymbol => "event",
                        INamedTypeSymbol => "nested type",
                        _ => "member",
                    };
                    Report(GeneratedMemberTaken, member.Locations.FirstOrDefault() ?? method.Locations[0], kind, member.Name, method.Name);
                }
            }
        }
    }

    /// <summary>The generated overloads of a loss as "Name(type,type,...)", the way a clash with a user method is found.</summary>
    private static HashSet<string> GeneratedSignatures(string name, EquatableArray<LossParameter> parameters, int elementTypes)
    {
        var signatures = new HashSet<string>(StringComparer.Ordinal);
        bool rows = parameters.Any(p => p.Shape != ParameterShape.Element);
        int hypers = parameters.Count(p => p.Role == ParameterRole.Hyper);
        int gradients = parameters.Count(p => p.Role == ParameterRole.Input);
        foreach ((int flag, string type) in new[] { (1, "float"), (2, "double"), (4, "System.Half") })
        {
            if ((elementTypes & flag) == 0)
            {
                continue;
            }

            var inputs = parameters.Where(p => p.Role != ParameterRole.Hyper)
                .Select(p => p.Shape == ParameterShape.Label ? "System.ReadOnlySpan<int>" : $"System.ReadOnlySpan<{type}>").ToList();
            var tail = (rows ? new[] { "int" } : []).Concat(Enumerable.Repeat("double", hypers)).ToList();
            string Signature(string method, IEnumerable<string> types) => method + "(" + string.Join(",", types) + ")";
            signatures.Add(Signature(name, inputs.Concat(tail).Append("LossGen.Reduction")));
            var gradientSpans = Enumerable.Repeat($"System.Span<{type}>", gradients);
            signatures.Add(Signature(GeneratedNames.WithGradient(name), inputs.Concat(gradientSpans).Concat(tail).Append("LossGen.Reduction")));
            signatures.Add(Signature(GeneratedNames.Elementwise(name), inputs.Append($"System.Span<{type}>").Concat(tail)));
            signatures.Add(Signature(GeneratedNames.ElementwiseWithGradient(name), inputs.Append($"System.Span<{type}>").Concat(gradientSpans).Concat(tail)));
        }

        return signatures;
    }

    /// <summary>What a [Loss] attribute that is not on a method declaration is on, for LG0015.</summary>
    private static string DescribeTarget(SyntaxNode node) => node switch
    {
        LocalFunctionStatementSyntax local => $"the local function '{local.Identifier.Text}'",
        AnonymousFunctionExpressionSyntax => "a lambda",
        AccessorDeclarationSyntax accessor => $"a '{accessor.Keyword.Text}' accessor",
        OperatorDeclarationSyntax op => $"the operator '{op.OperatorToken.Text}'",
        ConversionOperatorDeclarationSyntax => "a conversion operator",
        _ => $"a {node.Kind()}",
    };

    internal static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };

    private static string Describe(SyntaxNode node)
    {
        string text = Regex.Replace(node.ToString(), @"\s+", " ");
        return text.Length <= 40 ? text : text.Substring(0, 37) + "...";
    }

    /// <summary>The body as the user wrote it, whitespace collapsed, for the generated XML docs.</summary>
    private static string FormulaText(MethodDeclarationSyntax syntax)
    {
        // Comments go: on one line, a // comment would seem to comment out the rest of the formula.
        SyntaxNode body = (SyntaxNode?)syntax.ExpressionBody?.Expression ?? syntax.Body!;
        string text = string.Concat(body.DescendantTokens().Select(t => Code(t.LeadingTrivia) + t.Text + Code(t.TrailingTrivia)));
        return Regex.Replace(text, @"\s+", " ").Trim();

        static string Code(SyntaxTriviaList trivia)
            => string.Concat(trivia.Select(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineCommentTrivia) ? " " : t.ToFullString()));
    }

    private static string? Summary(IMethodSymbol method, CancellationToken cancellationToken)
        => DocElement(method, @"<summary>(.*?)</summary>", cancellationToken);

    /// <summary>The user's own <c>&lt;param&gt;</c> text for a parameter, which the generated overloads keep.</summary>
    internal static string? ParamDoc(IMethodSymbol method, string name, CancellationToken cancellationToken)
        => DocElement(method, $@"<param name=""{Regex.Escape(name)}"">(.*?)</param>", cancellationToken);

    private static string? DocElement(IMethodSymbol method, string pattern, CancellationToken cancellationToken)
    {
        string? xml = method.GetDocumentationCommentXml(cancellationToken: cancellationToken);
        Match match = Regex.Match(xml ?? "", pattern, RegexOptions.Singleline);
        string? text = match.Success ? Regex.Replace(match.Groups[1].Value, @"\s+", " ").Trim() : null;
        return string.IsNullOrEmpty(text) ? null : text;
    }

    /// <summary>A C# literal that reads back as exactly <paramref name="value"/>.</summary>
    public static string Literal(double value)
    {
        if (double.IsNaN(value)) return "double.NaN";
        if (double.IsPositiveInfinity(value)) return "double.PositiveInfinity";
        if (double.IsNegativeInfinity(value)) return "double.NegativeInfinity";
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(new[] { '.', 'E' }) < 0 ? text + ".0" : text;
    }
}
