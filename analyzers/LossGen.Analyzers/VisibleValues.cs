using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace LossGen.Analyzers;

/// <summary>One value an argument can hold, and the code that puts it there (where a diagnostic goes).</summary>
internal readonly struct Element(IOperation source, object constant)
{
    /// <summary>The literal (or constant expression) that is the value.</summary>
    public IOperation Source { get; } = source;

    /// <summary>The constant in its own type, for messages: <c>0</c>, <c>0.5</c>.</summary>
    public object Constant { get; } = constant;

    public double Value { get; } = Convert.ToDouble(constant, CultureInfo.InvariantCulture);

    public string Display => Constant switch
    {
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => Constant.ToString() ?? "",
    };
}

/// <summary>What is known at compile time about the elements of a span argument.</summary>
internal sealed class Contents(ImmutableArray<Element> values, int? length, bool freshZeros = false)
{
    public static readonly Contents Unknown = new(default, null);

    /// <summary>Every value the elements can hold, with repeats; default when some value is not visible.</summary>
    public ImmutableArray<Element> Values { get; } = values;

    /// <summary>The element count, when it is a constant.</summary>
    public int? Length { get; } = length;

    /// <summary>A new array or stackalloc without an initializer: zeros, until the code writes labels into it.</summary>
    public bool FreshZeros { get; } = freshZeros;

    public Contents WithoutValues() => Values.IsDefault ? this : new(default, Length);
}

/// <summary>
/// Works out, inside one operation block, which constant values an argument holds: array initializers,
/// collection expressions, <c>stackalloc</c> initializers, <c>c ? 1 : 0</c> elements, <c>Select</c>
/// lambdas of that shape, and locals and readonly fields initialized from those and then only read,
/// filled with a constant or written with such values element by element. Anything it cannot see
/// through makes the values unknown: the rules report only what the code shows.
/// </summary>
internal sealed class VisibleValues(LossSymbols symbols, ImmutableArray<IOperation> roots)
{
    private const int MaxDepth = 8;

    private Dictionary<ILocalSymbol, LocalUses>? _locals;

    /// <summary>The elements of a span (or array) argument.</summary>
    public Contents ContentsOf(IOperation value, IOperation call, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            return Contents.Unknown;
        }

        value = Unwrap(value);
        if (value.Syntax is StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax)
        {
            return StackAlloc(value);
        }

        switch (value)
        {
            case IArrayCreationOperation { DimensionSizes.Length: 1 } array:
                return array.Initializer is { } initializer
                    ? new Contents(ScalarsOf(initializer.ElementValues), initializer.ElementValues.Length)
                    : new Contents(default, IntConstant(array.DimensionSizes[0]), freshZeros: true);
            case ICollectionExpressionOperation collection:
                return Collection(collection, call, depth);
            case IInvocationOperation invocation:
                return Invocation(invocation, call, depth);
            case ILocalReferenceOperation local:
                return Local(local.Local, call, depth);
            case IFieldReferenceOperation field when field.Instance is null or IInstanceReferenceOperation:
                return Field(field.Field, value.SemanticModel, depth);
            default:
                return Contents.Unknown;
        }
    }

    /// <summary>The values a scalar expression can have: a constant, or either branch of <c>c ? a : b</c>.</summary>
    public ImmutableArray<Element> ScalarValues(IOperation value)
    {
        value = UnwrapImplicit(value);
        if (NumericConstant(value) is { } constant)
        {
            return [new Element(value, constant)];
        }

        // (Half)0: Half has no constants, but the conversion of one is as visible.
        if (value is IConversionOperation conversion && SymbolEqualityComparer.Default.Equals(conversion.Type, symbols.Half)
            && NumericConstant(UnwrapImplicit(conversion.Operand)) is { } operand)
        {
            return [new Element(value, operand)];
        }

        if (value is IConditionalOperation { WhenFalse: { } whenFalse } conditional)
        {
            ImmutableArray<Element> t = ScalarValues(conditional.WhenTrue), f = ScalarValues(whenFalse);
            return t.IsDefault || f.IsDefault ? default : t.AddRange(f);
        }

        return default;
    }

    /// <summary>Strips what does not change which storage or values an argument refers to: implicit conversions (array to span), casts to a span, <c>AsSpan()</c>, <c>new Span&lt;T&gt;(array)</c>.</summary>
    public IOperation Unwrap(IOperation value)
    {
        while (true)
        {
            switch (value)
            {
                case IConversionOperation conversion when conversion.IsImplicit || conversion.Conversion.IsImplicit || symbols.IsSpan(conversion.Type):
                    value = conversion.Operand;
                    continue;
                case IInvocationOperation invocation when symbols.IsWholeAsSpan(invocation.TargetMethod, invocation.Arguments.Length):
                    value = invocation.Arguments[0].Value;
                    continue;
                case IObjectCreationOperation { Arguments.Length: 1 } creation when symbols.IsSpan(creation.Type) && creation.Arguments[0].Value.Type is IArrayTypeSymbol:
                    value = creation.Arguments[0].Value;
                    continue;
                default:
                    return value;
            }
        }
    }

    /// <summary>The local, parameter or field (of this instance) an argument is, after <see cref="Unwrap"/>; null for anything else.</summary>
    public ISymbol? Storage(IOperation value) => Unwrap(value) switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } field => field.Field,
        _ => null,
    };

    private static IOperation UnwrapImplicit(IOperation value)
    {
        while (value is IConversionOperation { IsImplicit: true } conversion)
        {
            value = conversion.Operand;
        }

        return value;
    }

    private static object? NumericConstant(IOperation value)
        => value.ConstantValue is { HasValue: true, Value: { } v } && v is sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal ? v : null;

    private static int? IntConstant(IOperation value) => value.ConstantValue is { HasValue: true, Value: int n } ? n : null;

    private ImmutableArray<Element> ScalarsOf(IEnumerable<IOperation> elements)
    {
        ImmutableArray<Element>.Builder builder = ImmutableArray.CreateBuilder<Element>();
        foreach (IOperation element in elements)
        {
            ImmutableArray<Element> values = ScalarValues(element);
            if (values.IsDefault)
            {
                return default;
            }

            builder.AddRange(values);
        }

        return builder.ToImmutable();
    }

    private Contents Collection(ICollectionExpressionOperation collection, IOperation call, int depth)
    {
        ImmutableArray<Element>.Builder builder = ImmutableArray.CreateBuilder<Element>();
        bool known = true, spread = false;
        foreach (IOperation element in collection.Elements)
        {
            ImmutableArray<Element> values = element is ISpreadOperation s ? SequenceValues(s.Operand, call, depth) : ScalarValues(element);
            spread |= element is ISpreadOperation;
            known &= !values.IsDefault;
            if (known)
            {
                builder.AddRange(values);
            }
        }

        return new Contents(known ? builder.ToImmutable() : default, spread ? null : collection.Elements.Length);
    }

    /// <summary><c>stackalloc T[n]</c> and <c>stackalloc T[] { ... }</c>, which have no IOperation of their own.</summary>
    private Contents StackAlloc(IOperation value)
    {
        SemanticModel? model = value.SemanticModel;
        (InitializerExpressionSyntax? initializer, ExpressionSyntax? size) = value.Syntax switch
        {
            StackAllocArrayCreationExpressionSyntax s => (s.Initializer, (s.Type as ArrayTypeSyntax)?.RankSpecifiers.FirstOrDefault()?.Sizes.FirstOrDefault()),
            ImplicitStackAllocArrayCreationExpressionSyntax s => (s.Initializer, null),
            _ => (null, null),
        };
        if (model is null)
        {
            return Contents.Unknown;
        }

        if (initializer is null)
        {
            int? length = size is not null && model.GetConstantValue(size) is { HasValue: true, Value: int n } ? n : null;
            return new Contents(default, length, freshZeros: true);
        }

        IOperation?[] elements = initializer.Expressions.Select(e => model.GetOperation(e)).ToArray();
        return new Contents(elements.Any(e => e is null) ? default : ScalarsOf(elements!), initializer.Expressions.Count);
    }

    private Contents Invocation(IInvocationOperation invocation, IOperation call, int depth)
    {
        IMethodSymbol method = invocation.TargetMethod;
        if (symbols.IsMethodOf(method, symbols.Enumerable, "ToArray") && invocation.Arguments.Length == 1)
        {
            return new Contents(SequenceValues(invocation.Arguments[0].Value, call, depth), null);
        }

        if (symbols.IsMethodOf(method, symbols.Array, "ConvertAll") && invocation.Arguments.Length == 2)
        {
            return new Contents(LambdaValues(invocation.Arguments[1].Value), ContentsOf(invocation.Arguments[0].Value, call, depth + 1).Length);
        }

        return Contents.Unknown;
    }

    /// <summary>The values of a sequence: <c>xs.Select(x => c ? 1 : 0)</c>, <c>Enumerable.Repeat(c, n)</c>, or a visible array.</summary>
    private ImmutableArray<Element> SequenceValues(IOperation sequence, IOperation call, int depth)
    {
        sequence = Unwrap(sequence);
        if (sequence is IInvocationOperation invocation && symbols.IsMethodOf(invocation.TargetMethod, symbols.Enumerable, invocation.TargetMethod.Name))
        {
            return invocation.TargetMethod.Name switch
            {
                "Select" when invocation.Arguments.Length == 2 => LambdaValues(invocation.Arguments[1].Value),
                "Repeat" when invocation.Arguments.Length == 2 => ScalarValues(invocation.Arguments[0].Value),
                _ => default,
            };
        }

        return ContentsOf(sequence, call, depth + 1).Values;
    }

    /// <summary>The values a lambda returns, when its body is one expression (or one return) of visible values.</summary>
    private ImmutableArray<Element> LambdaValues(IOperation function)
    {
        function = UnwrapImplicit(function);
        if (function is IDelegateCreationOperation creation)
        {
            function = creation.Target;
        }

        return function is IAnonymousFunctionOperation { Body.Operations: [IReturnOperation { ReturnedValue: { } returned }] }
            ? ScalarValues(returned)
            : default;
    }

    private Contents Local(ILocalSymbol local, IOperation call, int depth)
    {
        _locals ??= IndexLocals();
        if (local.IsRef || !_locals.TryGetValue(local, out LocalUses? uses) || uses.Declarator?.Initializer?.Value is not { } initializer)
        {
            return Contents.Unknown;
        }

        Contents initial = ContentsOf(initializer, call, depth + 1);
        var writes = ImmutableArray.CreateBuilder<Element>();
        IArgumentOperation? fill = null;
        bool valuesKnown = true;
        foreach (IOperation reference in uses.References)
        {
            Use use = Classify(reference, out IOperation? written);
            switch (use)
            {
                case Use.Read:
                    break;
                case Use.ElementWrite:
                    ImmutableArray<Element> values = ScalarValues(written!);
                    valuesKnown &= !values.IsDefault;
                    if (!values.IsDefault)
                    {
                        writes.AddRange(values);
                    }

                    break;
                case Use.Fill when fill is null && IsStraightLine(written!.Parent!, uses.Declarator!):
                    fill = (IArgumentOperation)written;
                    break;
                case Use.Reassign:
                    return Contents.Unknown;
                default:
                    valuesKnown = false;
                    break;
            }
        }

        if (!valuesKnown)
        {
            return initial.WithoutValues();
        }

        // A fill before the call replaces what the initializer put there; one after it does not matter.
        // Element writes add their values to a fill's or to a fresh array's (whose zeros they are taken
        // to replace); over an initializer's values they may replace any of them, so nothing is known.
        ImmutableArray<Element> start = initial.Values;
        if (fill is not null && fill.Syntax.SpanStart < call.Syntax.SpanStart)
        {
            start = ScalarValues(fill.Value);
        }
        else if (writes.Count > 0)
        {
            start = initial.FreshZeros ? ImmutableArray<Element>.Empty : default;
        }

        return new Contents(start.IsDefault ? default : start.AddRange(writes), initial.Length);
    }

    private enum Use
    {
        /// <summary>Reads the elements or the length.</summary>
        Read,

        /// <summary><c>x[i] = value</c>.</summary>
        ElementWrite,

        /// <summary><c>Array.Fill(x, value)</c>, <c>x.Fill(value)</c>, <c>x.AsSpan().Fill(value)</c>.</summary>
        Fill,

        /// <summary>Anything that may change the elements in a way not seen here.</summary>
        MayWrite,

        /// <summary>The variable itself may now hold other storage.</summary>
        Reassign,
    }

    /// <summary>
    /// What one reference to a local or field does with it. <paramref name="written"/> is the value
    /// written by an element write, or the argument operation holding a fill's value.
    /// </summary>
    private Use Classify(IOperation reference, out IOperation? written)
    {
        written = null;
        IOperation top = reference;
        while (top.Parent is IConversionOperation conversion)
        {
            top = conversion;
        }

        switch (top.Parent)
        {
            case ISimpleAssignmentOperation assignment when assignment.Target == top:
            case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } when top == reference:
                return Use.Reassign;
            case IArgumentOperation argument when argument.Parent is IInvocationOperation invocation:
                IMethodSymbol method = invocation.TargetMethod;
                if (symbols.IsMethodOf(method, symbols.Array, "Fill") && invocation.Arguments.Length == 2 && invocation.Arguments[0] == argument)
                {
                    written = invocation.Arguments[1];
                    return Use.Fill;
                }

                if (symbols.IsWholeAsSpan(method, invocation.Arguments.Length)
                    && invocation.Parent is IInvocationOperation spanFill && spanFill.Instance == invocation && symbols.IsSpanFill(spanFill.TargetMethod))
                {
                    written = spanFill.Arguments[0];
                    return Use.Fill;
                }

                return argument.Parameter?.RefKind is RefKind.None or RefKind.In && symbols.IsReadOnlyView(argument.Parameter.Type) ? Use.Read : Use.MayWrite;
            case IArgumentOperation argument:
                return argument.Parameter?.RefKind is RefKind.None or RefKind.In && symbols.IsReadOnlyView(argument.Parameter.Type) ? Use.Read : Use.MayWrite;
            case IArrayElementReferenceOperation element when element.ArrayReference == top:
                return ElementUse(element, out written);
            case IPropertyReferenceOperation { Property.IsIndexer: true } element when element.Instance == top:
                return ElementUse(element, out written);
            case IPropertyReferenceOperation { Property.Name: "Length" or "LongLength" or "Count" or "IsEmpty" } property when property.Instance == top:
                return Use.Read;
            case IInvocationOperation fill when fill.Instance == top && symbols.IsSpanFill(fill.TargetMethod):
                written = fill.Arguments[0];
                return Use.Fill;
            case IForEachLoopOperation loop when loop.Collection == top:
                return Use.Read;
            default:
                return Use.MayWrite;
        }
    }

    private static Use ElementUse(IOperation element, out IOperation? written)
    {
        written = null;
        switch (element.Parent)
        {
            case ISimpleAssignmentOperation assignment when assignment.Target == element:
                written = assignment.Value;
                return Use.ElementWrite;
            case IAssignmentOperation assignment when assignment.Target == element:
            case IIncrementOrDecrementOperation:
            case IAddressOfOperation:
            case ITupleOperation:
            case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out }:
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Symbol.IsRef: true } }:
            case IReturnOperation:
                return Use.MayWrite;
            default:
                return Use.Read;
        }
    }

    /// <summary>A fill that always runs once the local exists: a statement of the block that declares it.</summary>
    private static bool IsStraightLine(IOperation fill, IVariableDeclaratorOperation declarator)
        => fill.Parent is IExpressionStatementOperation { Parent: IBlockOperation block }
            && declarator.Parent?.Parent is IVariableDeclarationGroupOperation { Parent: var declarationBlock }
            && declarationBlock == block;

    private Dictionary<ILocalSymbol, LocalUses> IndexLocals()
    {
        var locals = new Dictionary<ILocalSymbol, LocalUses>(SymbolEqualityComparer.Default);
        LocalUses UsesOf(ILocalSymbol local) => locals.TryGetValue(local, out LocalUses? uses) ? uses : locals[local] = new LocalUses();
        foreach (IOperation root in roots)
        {
            foreach (IOperation operation in root.DescendantsAndSelf())
            {
                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator:
                        UsesOf(declarator.Symbol).Declarator = declarator;
                        break;
                    case ILocalReferenceOperation reference:
                        UsesOf(reference.Local).References.Add(reference);
                        break;
                }
            }
        }

        return locals;
    }

    /// <summary>
    /// A readonly field declared in the file being analyzed (so the answer does not depend on which file
    /// asks first, and is cached per compilation), with an initializer, and only read by the code of its
    /// type in that file. Writes from other types or files are not seen (LG0201's page says so).
    /// </summary>
    private Contents Field(IFieldSymbol field, SemanticModel? model, int depth)
        => field.IsReadOnly && model is not null && field.DeclaringSyntaxReferences is [var reference] && reference.SyntaxTree == model.SyntaxTree
            ? symbols.FieldContents.GetOrAdd(field, f => ReadOnlyField(f, reference, model, depth))
            : Contents.Unknown;

    private Contents ReadOnlyField(IFieldSymbol field, SyntaxReference reference, SemanticModel model, int depth)
    {
        if (reference.GetSyntax() is not VariableDeclaratorSyntax { Initializer: { } initializer }
            || model.GetOperation(initializer) is not IFieldInitializerOperation { Value: var value })
        {
            return Contents.Unknown;
        }

        Contents initial = ContentsOf(value, value, depth + 1);
        foreach (SyntaxReference part in field.ContainingType.DeclaringSyntaxReferences.Where(r => r.SyntaxTree == model.SyntaxTree))
        {
            foreach (IdentifierNameSyntax name in part.GetSyntax().DescendantNodes().OfType<IdentifierNameSyntax>().Where(n => n.Identifier.ValueText == field.Name))
            {
                SyntaxNode node = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
                if (model.GetOperation(node) is IFieldReferenceOperation use && SymbolEqualityComparer.Default.Equals(use.Field, field))
                {
                    switch (Classify(use, out _))
                    {
                        case Use.Read:
                            break;
                        case Use.Reassign:
                            return Contents.Unknown;
                        default:
                            initial = initial.WithoutValues();
                            break;
                    }
                }
            }
        }

        return initial.FreshZeros ? initial.WithoutValues() : initial;
    }

    private sealed class LocalUses
    {
        public IVariableDeclaratorOperation? Declarator { get; set; }

        public List<IOperation> References { get; } = [];
    }
}
